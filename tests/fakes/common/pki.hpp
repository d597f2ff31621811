#pragma once
// Throwaway TLS material for the fake servers: a fresh CA and a server
// certificate for 127.0.0.1 / localhost signed by it (EC P-256, valid a week).
// Clients trust it through GBPM_CA_FILE, exactly as an operator would add a
// corporate CA — TLS verification is never switched off.

#include <filesystem>

namespace gbpm::fakes {

struct TestPki {
  std::filesystem::path ca_cert;      // PEM, give to clients (GBPM_CA_FILE)
  std::filesystem::path server_cert;  // PEM
  std::filesystem::path server_key;   // PEM, unencrypted
};

// Writes ca.pem, server.pem and server.key into `dir` (which must exist).
// Throws std::runtime_error naming the OpenSSL failure: this is test
// infrastructure, and a fake that cannot start has nothing useful to return.
TestPki generate_test_pki(const std::filesystem::path& dir);

}  // namespace gbpm::fakes
