// fake-elexon: the Elexon Insights REST API served from fixtures and
// generated data (see elexon_service.hpp). Point a tool at it with
//   GBPM_ELEXON_URL=<printed URL>/bmrs/api/v1 GBPM_CA_FILE=<--ca-out file>

#include <CLI/CLI.hpp>

#include <cstdlib>
#include <memory>
#include <stdexcept>

#include "fakes/common/server_host.hpp"
#include "fakes/fake-elexon/elexon_service.hpp"

#ifndef GBPM_FAKE_ELEXON_FIXTURES
#define GBPM_FAKE_ELEXON_FIXTURES ""
#endif

namespace {

std::filesystem::path default_fixtures() {
  if (const char* env = std::getenv("GBPM_FIXTURES"); env != nullptr && *env != '\0') {
    return std::filesystem::path(env) / "elexon";
  }
  return GBPM_FAKE_ELEXON_FIXTURES;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gbpm::fakes;
  elexon::ElexonServiceOptions options;
  options.fixtures_dir = default_fixtures();
  int delay_ms = 0;
  std::unique_ptr<elexon::ElexonService> service;
  FakeMainSpec spec{
      .name = "fake-elexon",
      .description = "A fake Elexon Insights REST API (BMRS) for tests and demos; base URL <printed URL>/bmrs/api/v1",
      .add_options =
          [&](CLI::App& app) {
            app.add_option(
                "--fixtures", options.fixtures_dir,
                "Folder holding api/ (default: $GBPM_FIXTURES/elexon, else the repository's tests/fixtures/elexon)");
            app.add_option("--delay-ms", delay_ms, "Delay every data response by this many milliseconds");
          },
      .make_installer = [&](const ServeOptions&) -> RouteInstaller {
        if (!std::filesystem::is_directory(options.fixtures_dir / "api")) {
          throw std::runtime_error("fixtures folder \"" + options.fixtures_dir.string() +
                                   "\" has no api/ subfolder (give --fixtures DIR)");
        }
        options.response_delay = std::chrono::milliseconds(delay_ms);
        service = std::make_unique<elexon::ElexonService>(options);
        return [&service](httplib::Server& server) { service->install(server); };
      },
  };
  return run_fake_main(argc, argv, spec);
}
