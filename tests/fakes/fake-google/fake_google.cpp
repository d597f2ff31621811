#include "fakes/fake-google/fake_google.hpp"

#include <httplib.h>

namespace gbpm::fakes::google {

FakeGoogle::FakeGoogle(FakeGoogleOptions options) : m_options(std::move(options)) {
  m_tokens = std::make_unique<TokenService>(TokenServiceOptions{.key_files = m_options.key_files,
                                                                .refresh_grants = m_options.refresh_grants,
                                                                .token_lifetime = m_options.token_lifetime,
                                                                .clock = m_options.clock});
  m_sheets = std::make_unique<SheetsService>(
      *m_tokens,
      SheetsServiceOptions{.write_quota_per_minute = m_options.sheets_write_quota, .clock = m_options.clock});
}

FakeGoogle::~FakeGoogle() = default;

void FakeGoogle::add_service(ServiceInstaller installer) {
  m_extra.push_back(std::move(installer));
}

void FakeGoogle::install(httplib::Server& server) {
  m_tokens->install(server);
  m_sheets->install(server);
  for (const auto& extra : m_extra) extra(server, *m_tokens);
}

RouteInstaller FakeGoogle::installer() {
  return [this](httplib::Server& server) { install(server); };
}

TokenService& FakeGoogle::tokens() {
  return *m_tokens;
}

SheetsService& FakeGoogle::sheets() {
  return *m_sheets;
}

const FakeGoogleOptions& FakeGoogle::options() const {
  return m_options;
}

}  // namespace gbpm::fakes::google
