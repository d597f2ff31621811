// fake-postcodes: Postcodes.io's postcode lookup for tests and demos (see
// postcodes_service.hpp). Point a tool at it with
//   GBPM_POSTCODES_URL=<printed URL> GBPM_CA_FILE=<--ca-out file>

#include <CLI/CLI.hpp>

#include <memory>

#include "fakes/common/server_host.hpp"
#include "fakes/fake-postcodes/postcodes_service.hpp"

int main(int argc, char** argv) {
  using namespace gbpm::fakes;
  std::unique_ptr<postcodes::PostcodesService> service;
  FakeMainSpec spec{
      .name = "fake-postcodes",
      .description = "A fake Postcodes.io (GET /postcodes/{postcode}) for tests and demos",
      .add_options = {},
      .make_installer = [&](const ServeOptions&) -> RouteInstaller {
        service = std::make_unique<postcodes::PostcodesService>();
        return [&service](httplib::Server& server) { service->install(server); };
      },
  };
  return run_fake_main(argc, argv, spec);
}
