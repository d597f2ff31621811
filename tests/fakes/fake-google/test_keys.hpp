#pragma once
// Throwaway service-account key files for tests and demos: a fresh RSA key
// written as Google's JSON key format, so the fake's token endpoint and the
// client can be exercised end to end without a real Google key.

#include <filesystem>
#include <string>

namespace gbpm::fakes::google {

struct TestServiceAccount {
  std::filesystem::path file;  // the JSON key file (mode 0600)
  std::string client_email;
  std::string public_key_pem;  // SubjectPublicKeyInfo PEM, for verifying signatures
};

// Generates an RSA-2048 key and writes `dir`/`name` as a "service_account"
// key file naming `email` and `token_uri`. Throws std::runtime_error on
// OpenSSL or I/O failure (test infrastructure).
TestServiceAccount write_test_service_account(const std::filesystem::path& dir, const std::string& name,
                                              const std::string& email, const std::string& token_uri);

}  // namespace gbpm::fakes::google
