#include "auth/azure_sas.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cctype>

#include "net/http.hpp"

namespace gbpm::auth {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string base64_encode(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto x = static_cast<unsigned char>(a[i]);
    const auto y = static_cast<unsigned char>(b[i]);
    if (std::tolower(x) != std::tolower(y)) return false;
  }
  return true;
}

}  // namespace

std::string azure_url_encode(std::string_view text) {
  return net::percent_encode(text);
}

Result<std::string> azure_url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return make_error(ErrorKind::data, fmt::format("truncated %-escape at offset {}", i));
    }
    const int hi = hex_value(text[i + 1]);
    const int lo = hex_value(text[i + 2]);
    if (hi < 0 || lo < 0) return make_error(ErrorKind::data, fmt::format("malformed %-escape at offset {}", i));
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::string sas_signature(std::string_view encoded_uri, std::int64_t expiry_epoch_seconds, std::string_view key) {
  const std::string to_sign = fmt::format("{}\n{}", encoded_uri, expiry_epoch_seconds);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(to_sign.data()),
       to_sign.size(), mac.data(), &mac_len);
  return base64_encode(mac.data(), mac_len);
}

std::string make_sas_token(std::string_view resource_uri, const SasKey& key, std::int64_t expiry_epoch_seconds) {
  const std::string encoded_uri = azure_url_encode(resource_uri);
  const std::string sig = sas_signature(encoded_uri, expiry_epoch_seconds, key.key);
  return fmt::format("sr={}&sig={}&se={}&skn={}", encoded_uri, azure_url_encode(sig), expiry_epoch_seconds,
                     azure_url_encode(key.name));
}

std::unique_ptr<CachingTokenSource> make_sas_token_source(std::string resource_uri, SasKey key,
                                                          const core::Clock& clock, std::chrono::seconds lifetime) {
  auto fetcher = [resource = std::move(resource_uri), key = std::move(key), &clock, lifetime]() -> Result<AccessToken> {
    const auto expires = std::chrono::time_point_cast<std::chrono::seconds>(clock.now() + lifetime);
    const std::int64_t se = expires.time_since_epoch().count();
    return AccessToken{make_sas_token(resource, key, se), expires, "SharedAccessSignature"};
  };
  return std::make_unique<CachingTokenSource>(std::move(fetcher), clock);
}

Result<ServiceBusConnectionString> parse_servicebus_connection_string(std::string_view text) {
  ServiceBusConnectionString out;
  std::string_view rest = trim(text);
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    const std::string_view part = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
    if (part.empty()) continue;
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) {
      return make_error(ErrorKind::config, "Service Bus connection string: expected Name=Value parts separated by ';'");
    }
    const std::string_view name = trim(part.substr(0, eq));
    const std::string_view value = trim(part.substr(eq + 1));
    if (iequals(name, "Endpoint")) {
      std::string url(value);
      if (url.rfind("sb://", 0) == 0) url = "https://" + url.substr(5);
      while (!url.empty() && url.back() == '/') url.pop_back();
      out.namespace_url = std::move(url);
    } else if (iequals(name, "SharedAccessKeyName")) {
      out.key.name = std::string(value);
    } else if (iequals(name, "SharedAccessKey")) {
      out.key.key = std::string(value);
    } else if (iequals(name, "EntityPath")) {
      out.entity_path = std::string(value);
    }
  }
  if (out.namespace_url.empty()) return make_error(ErrorKind::config, "Service Bus connection string has no Endpoint");
  if (out.key.name.empty() || out.key.key.empty()) {
    return make_error(ErrorKind::config,
                      "Service Bus connection string needs SharedAccessKeyName and SharedAccessKey (copy it whole "
                      "from the portal's Shared access policies page)");
  }
  return out;
}

}  // namespace gbpm::auth
