#include "auth/google_jwt.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <memory>

#include "json/json.hpp"
#include "json/writer.hpp"

namespace gbpm::auth {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Reads an optional string member; present-but-not-a-string or empty is an error
// when `required`.
Result<std::string> string_field(const json::View& root, std::string_view name, std::string_view origin,
                                 bool required) {
  const json::View v = root.field(name);
  if (v.is_missing() && !required) return std::string();
  auto s = v.as_string();
  if (!s || (required && s->empty())) {
    return make_error(ErrorKind::config, fmt::format("service-account key {}: \"{}\" is {}", origin, name,
                                                     v.is_missing() ? "missing" : (s ? "empty" : "not a string")));
  }
  return std::string(*s);
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

Result<ServiceAccountKey> parse_service_account_key(std::string_view json_text, std::string_view origin) {
  auto doc = json::parse(json_text);
  if (!doc) {
    // The parser's message may quote content; keep only its position info out of caution.
    return make_error(ErrorKind::config, fmt::format("service-account key {} is not valid JSON", origin));
  }
  const json::View root = doc->root();
  if (!root.is_object()) {
    return make_error(ErrorKind::config, fmt::format("service-account key {} is not a JSON object", origin));
  }
  auto type = string_field(root, "type", origin, false);
  if (!type) return std::move(type).error();
  if (!type->empty() && *type != "service_account") {
    return make_error(ErrorKind::config,
                      fmt::format("credential file {} has type \"{}\", expected \"service_account\"", origin, *type));
  }
  ServiceAccountKey key;
  auto email = string_field(root, "client_email", origin, true);
  if (!email) return std::move(email).error();
  auto pem = string_field(root, "private_key", origin, true);
  if (!pem) return std::move(pem).error();
  auto kid = string_field(root, "private_key_id", origin, false);
  if (!kid) return std::move(kid).error();
  auto token_uri = string_field(root, "token_uri", origin, false);
  if (!token_uri) return std::move(token_uri).error();
  auto project = string_field(root, "project_id", origin, false);
  if (!project) return std::move(project).error();
  key.client_email = std::move(*email);
  key.private_key = std::move(*pem);
  key.private_key_id = std::move(*kid);
  if (!token_uri->empty()) key.token_uri = std::move(*token_uri);
  key.project_id = std::move(*project);
  return key;
}

std::string base64url_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned>(static_cast<unsigned char>(bytes[k])); };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const unsigned n = byte(i) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

Result<std::string> base64url_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return make_error(ErrorKind::data, "base64url text has an impossible length");
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned acc = 0;
  int bits = 0;
  for (const char c : text) {
    const int v = decode_char(c);
    if (v < 0) return make_error(ErrorKind::data, "base64url text contains a character outside its alphabet");
    acc = (acc << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

Result<std::string> make_jwt_assertion(const ServiceAccountKey& key, const JwtClaims& claims) {
  json::Writer w;
  w.begin_object().key("alg").string("RS256").key("typ").string("JWT");
  if (!key.private_key_id.empty()) w.key("kid").string(key.private_key_id);
  w.end_object();
  auto header = w.finish();
  if (!header) return std::move(header).error();
  const auto iat = std::chrono::duration_cast<std::chrono::seconds>(claims.issued_at.time_since_epoch()).count();
  w.begin_object()
      .key("iss")
      .string(claims.issuer)
      .key("scope")
      .string(claims.scope)
      .key("aud")
      .string(claims.audience)
      .key("iat")
      .int64(iat)
      .key("exp")
      .int64(iat + claims.lifetime.count())
      .end_object();
  auto body = w.finish();
  if (!body) return std::move(body).error();
  const std::string signing_input = base64url_encode(*header) + "." + base64url_encode(*body);

  const auto bad_key = [&](std::string_view why) {
    return make_error(ErrorKind::config,
                      fmt::format("the private key of service account {} {}", key.client_email, why));
  };
  std::unique_ptr<BIO, BioDeleter> bio(
      BIO_new_mem_buf(key.private_key.data(), static_cast<int>(key.private_key.size())));
  if (!bio) return bad_key("could not be buffered");
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) return bad_key("is not a readable PEM private key");
  if (EVP_PKEY_get_base_id(pkey.get()) != EVP_PKEY_RSA) return bad_key("is not an RSA key (RS256 needs RSA)");
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::size_t sig_len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(signing_input.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &sig_len, data, signing_input.size()) != 1) {
    return bad_key("could not be used to sign (OpenSSL DigestSign init failed)");
  }
  std::string signature(sig_len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &sig_len, data,
                     signing_input.size()) != 1) {
    return bad_key("could not sign the JWT (OpenSSL DigestSign failed)");
  }
  signature.resize(sig_len);
  return signing_input + "." + base64url_encode(signature);
}

}  // namespace gbpm::auth
