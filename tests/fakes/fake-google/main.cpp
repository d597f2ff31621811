// fake-google: Google's OAuth2 token endpoint, Sheets API and BigQuery as a
// standalone HTTPS server, for scripts, `bq` and black-box tests. The first
// stdout line is the URL.
//
//   fake-google --key-file sa.json --token-lifetime 600 --ca-out /tmp/ca.pem
//   # token endpoint: <url>/token; Sheets: GBPM_SHEETS_URL=<url>; BigQuery: GBPM_BIGQUERY_URL=<url>

#include <CLI/CLI.hpp>

#include <filesystem>
#include <memory>

#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/bigquery_service.hpp"
#include "fakes/fake-google/fake_google.hpp"

int main(int argc, char** argv) {
  using namespace gbpm::fakes;
  google::FakeGoogleOptions options;
  std::vector<std::string> key_files;
  long long lifetime_s = 3600;
  std::unique_ptr<google::FakeGoogle> fake;
  std::unique_ptr<google::BigQueryService> bigquery;

  FakeMainSpec spec;
  spec.name = "fake-google";
  spec.description = "A fake Google OAuth2 token endpoint, Sheets API v4 and BigQuery REST v2 for tests.";
  spec.add_options = [&](CLI::App& app) {
    app.add_option("--key-file", key_files, "Service-account key file whose assertions are accepted (repeatable)");
    app.add_option("--refresh-grant", options.refresh_grants,
                   "Accepted authorized_user grant CLIENT_ID:CLIENT_SECRET:REFRESH_TOKEN (repeatable)");
    app.add_option("--token-lifetime", lifetime_s, "Lifetime of issued access tokens in seconds (default 3600)")
        ->check(CLI::Range(1LL, 86400LL));
    app.add_option("--sheets-write-quota", options.sheets_write_quota,
                   "Sheets write requests allowed per minute; 0: unlimited (default 0)")
        ->check(CLI::NonNegativeNumber);
    app.add_option("--bigquery-page-size", options.bigquery_page_size, "Rows per page of BigQuery results")
        ->check(CLI::PositiveNumber);
  };
  spec.make_installer = [&](const ServeOptions& serve) -> RouteInstaller {
    for (const auto& f : key_files) options.key_files.emplace_back(f);
    options.token_lifetime = std::chrono::seconds(lifetime_s);
    options.state_dir = serve.state_dir;
    fake = std::make_unique<google::FakeGoogle>(options);
    // BigQuery: datasets, tables and rows in <state>/bigquery.db when --state is given.
    google::BigQueryServiceOptions bq;
    bq.page_size = options.bigquery_page_size;
    if (!serve.state_dir.empty()) {
      std::filesystem::create_directories(serve.state_dir);
      bq.database = serve.state_dir / "bigquery.db";
    }
    bigquery = std::make_unique<google::BigQueryService>(bq, fake->tokens());
    fake->add_service([&](httplib::Server& server, google::TokenService&) { bigquery->install(server); });
    return fake->installer();
  };
  return run_fake_main(argc, argv, spec);
}
