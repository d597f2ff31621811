#pragma once
// fake-google as one server: the OAuth2 token endpoint (TokenService), the
// Sheets API (SheetsService) and any further services added with
// add_service() — the BigQuery service is wired in that way, so this file
// does not depend on it. Tests host it in-process:
//
//   FakeGoogle google({.key_files = {key}});
//   fakes::ServerHost host({}, google.installer());
//   host.start();
//
// and the fake-google executable (main.cpp) hosts the same thing.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/sheets_service.hpp"
#include "fakes/fake-google/token_service.hpp"

namespace httplib {
class Server;
}

namespace gbpm::fakes::google {

struct FakeGoogleOptions {
  // Service-account key files whose public keys verify JWT assertions.
  std::vector<std::filesystem::path> key_files;
  // authorized_user grants accepted: "client_id:client_secret:refresh_token".
  std::vector<std::string> refresh_grants;
  std::chrono::seconds token_lifetime{3600};
  // Sheets write requests per minute; 0: unlimited.
  int sheets_write_quota = 0;
  // For the BigQuery service (read by whoever installs it through add_service).
  int bigquery_page_size = 1000;
  // Where services may keep state (the BigQuery database); empty: in memory.
  std::filesystem::path state_dir;
  const core::Clock* clock = nullptr;  // nullptr: wall clock; shared by every service
};

class FakeGoogle {
 public:
  // Installs extra routes; gets the server and the shared TokenService (whose
  // authorize() every API route must call).
  using ServiceInstaller = std::function<void(httplib::Server&, TokenService&)>;

  // Throws std::runtime_error when a key file cannot be loaded.
  explicit FakeGoogle(FakeGoogleOptions options);
  ~FakeGoogle();
  FakeGoogle(const FakeGoogle&) = delete;
  FakeGoogle& operator=(const FakeGoogle&) = delete;

  // Adds a service; call before install()/installer() is used.
  void add_service(ServiceInstaller installer);

  // Installs the token endpoint, Sheets and the added services on `server`.
  void install(httplib::Server& server);
  // install() as a RouteInstaller for ServerHost; this object must outlive the host.
  [[nodiscard]] RouteInstaller installer();

  [[nodiscard]] TokenService& tokens();
  [[nodiscard]] SheetsService& sheets();
  [[nodiscard]] const FakeGoogleOptions& options() const;

 private:
  FakeGoogleOptions m_options;
  std::unique_ptr<TokenService> m_tokens;
  std::unique_ptr<SheetsService> m_sheets;
  std::vector<ServiceInstaller> m_extra;
};

}  // namespace gbpm::fakes::google
