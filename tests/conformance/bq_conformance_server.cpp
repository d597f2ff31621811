// fake-google with the BigQuery service, for the `bq` conformance test: it
// writes a fresh service-account key the fake trusts (--key-out), then serves
// HTTPS like the fake-google executable (first stdout line: the URL).
//
//   bq_conformance_server --state DIR --ca-out DIR/ca.pem --key-out DIR/sa.json

#include <CLI/CLI.hpp>

#include <fstream>
#include <memory>
#include <string>

#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/bigquery_service.hpp"
#include "fakes/fake-google/fake_google.hpp"
#include "fakes/fake-google/test_keys.hpp"

int main(int argc, char** argv) {
  using namespace gbpm::fakes;
  std::string key_out;
  std::string token_out;
  std::string email = "bq-conformance@gbpm-conformance.iam.gserviceaccount.com";
  int page_size = 2;
  std::unique_ptr<google::FakeGoogle> fake;
  std::unique_ptr<google::BigQueryService> bigquery;

  FakeMainSpec spec;
  spec.name = "bq_conformance_server";
  spec.description = "fake-google (token endpoint + BigQuery) with a generated service-account key, for bq.";
  spec.add_options = [&](CLI::App& app) {
    app.add_option("--key-out", key_out, "Write a service-account key the fake trusts here")->required();
    app.add_option("--email", email, "The key's client_email");
    app.add_option("--token-out", token_out, "Also write an access token the fake accepts here (debugging)");
    app.add_option("--page-size", page_size, "Rows per page of BigQuery results (default 2)");
  };
  spec.make_installer = [&](const ServeOptions& serve) -> RouteInstaller {
    const std::filesystem::path key_file(key_out);
    const auto account = google::write_test_service_account(key_file.parent_path(), key_file.filename().string(), email,
                                                            "https://oauth2.googleapis.com/token");
    google::FakeGoogleOptions options;
    options.key_files = {account.file};
    options.state_dir = serve.state_dir;
    fake = std::make_unique<google::FakeGoogle>(options);
    if (!token_out.empty()) {
      std::ofstream(token_out) << fake->tokens().issue_token_for_tests(email);
    }
    google::BigQueryServiceOptions bq_options;
    bq_options.page_size = page_size;
    if (!serve.state_dir.empty()) bq_options.database = serve.state_dir / "bigquery.sqlite";
    bigquery = std::make_unique<google::BigQueryService>(bq_options, fake->tokens());
    fake->add_service([&bigquery](httplib::Server& server, google::TokenService&) { bigquery->install(server); });
    return fake->installer();
  };
  return run_fake_main(argc, argv, spec);
}
