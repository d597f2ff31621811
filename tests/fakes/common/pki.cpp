#include "fakes/common/pki.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>

namespace gbpm::fakes {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free_all(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

[[noreturn]] void fail(std::string_view what) {
  const unsigned long code = ERR_get_error();
  std::array<char, 256> reason{};
  if (code != 0) ERR_error_string_n(code, reason.data(), reason.size());
  throw std::runtime_error(fmt::format("test pki: {} ({})", what, reason.data()));
}

PkeyPtr make_key() {
  // EVP_EC_gen is a macro with a C cast; call what it expands to.
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) fail("cannot generate an EC key");
  return key;
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value);
  if (ext == nullptr) fail(fmt::format("cannot build extension {}", value));
  const int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  if (ok != 1) fail("cannot add an extension");
}

long random_serial() {
  unsigned int r = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&r), sizeof r) != 1) fail("RAND_bytes failed");
  return static_cast<long>(r & 0x7fffffffU) + 1;
}

// A certificate for `key` named `common_name`. With no issuer it is a
// self-signed CA; otherwise a server certificate signed by the issuer.
X509Ptr make_certificate(EVP_PKEY* key, const std::string& common_name, X509* issuer, EVP_PKEY* issuer_key) {
  X509Ptr cert(X509_new());
  if (!cert) fail("X509_new failed");
  X509* x = cert.get();
  if (X509_set_version(x, X509_VERSION_3) != 1) fail("cannot set the version");
  if (ASN1_INTEGER_set(X509_get_serialNumber(x), random_serial()) != 1) fail("cannot set the serial");
  if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == nullptr) fail("cannot set notBefore");
  if (X509_gmtime_adj(X509_getm_notAfter(x), 7L * 24 * 3600) == nullptr) fail("cannot set notAfter");
  if (X509_set_pubkey(x, key) != 1) fail("cannot set the public key");
  X509_NAME* name = X509_get_subject_name(x);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                 -1, -1, 0) != 1) {
    fail("cannot set the subject");
  }
  if (X509_set_issuer_name(x, issuer != nullptr ? X509_get_subject_name(issuer) : name) != 1) {
    fail("cannot set the issuer");
  }
  X509V3_CTX ctx{};  // value-initialised: no config database
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : x, x, nullptr, nullptr, 0);
  if (issuer == nullptr) {
    add_extension(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_extension(x, &ctx, NID_subject_key_identifier, "hash");
  } else {
    add_extension(x, &ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(x, &ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(x, &ctx, NID_ext_key_usage, "serverAuth");
    add_extension(x, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
    add_extension(x, &ctx, NID_subject_key_identifier, "hash");
    add_extension(x, &ctx, NID_authority_key_identifier, "keyid:always");
  }
  if (X509_sign(x, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) == 0) fail("cannot sign");
  return cert;
}

BioPtr open_for_writing(const std::filesystem::path& path) {
  BioPtr bio(BIO_new_file(path.c_str(), "w"));
  if (!bio) fail(fmt::format("cannot write {}", path.string()));
  return bio;
}

void write_certificate(const std::filesystem::path& path, X509* cert) {
  BioPtr bio = open_for_writing(path);
  if (PEM_write_bio_X509(bio.get(), cert) != 1) fail(fmt::format("cannot write {}", path.string()));
}

void write_private_key(const std::filesystem::path& path, EVP_PKEY* key) {
  BioPtr bio = open_for_writing(path);
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail(fmt::format("cannot write {}", path.string()));
  }
}

}  // namespace

TestPki generate_test_pki(const std::filesystem::path& dir) {
  const std::string tag = fmt::format("{:08x}", random_serial());
  PkeyPtr ca_key = make_key();
  X509Ptr ca = make_certificate(ca_key.get(), "gbpm test CA " + tag, nullptr, nullptr);
  PkeyPtr server_key = make_key();
  X509Ptr server_cert = make_certificate(server_key.get(), "127.0.0.1", ca.get(), ca_key.get());
  TestPki pki{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  write_certificate(pki.ca_cert, ca.get());
  write_certificate(pki.server_cert, server_cert.get());
  write_private_key(pki.server_key, server_key.get());
  return pki;
}

}  // namespace gbpm::fakes
