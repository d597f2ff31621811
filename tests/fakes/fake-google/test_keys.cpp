#include "fakes/fake-google/test_keys.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <stdexcept>

#include "core/fs.hpp"
#include "json/writer.hpp"

namespace gbpm::fakes::google {
namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

TestServiceAccount write_test_service_account(const std::filesystem::path& dir, const std::string& name,
                                              const std::string& email, const std::string& token_uri) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  if (!key) throw std::runtime_error("cannot generate an RSA key");
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()), &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()), &BIO_free);
  if (!priv || !pub || PEM_write_bio_PrivateKey(priv.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1 ||
      PEM_write_bio_PUBKEY(pub.get(), key.get()) != 1) {
    throw std::runtime_error("cannot write the RSA key as PEM");
  }
  json::Writer w;
  w.begin_object()
      .key("type")
      .string("service_account")
      .key("project_id")
      .string("gbpm-test")
      .key("private_key_id")
      .string("0123456789abcdef0123456789abcdef01234567")
      .key("private_key")
      .string(bio_text(priv.get()))
      .key("client_email")
      .string(email)
      .key("client_id")
      .string("112233445566778899001")
      .key("token_uri")
      .string(token_uri)
      .end_object();
  auto text = w.finish();
  if (!text) throw std::runtime_error(text.error().message);
  TestServiceAccount out{dir / name, email, bio_text(pub.get())};
  if (auto st = core::write_file_atomic(out.file, *text, 0600); !st) throw std::runtime_error(st.error().message);
  return out;
}

}  // namespace gbpm::fakes::google
