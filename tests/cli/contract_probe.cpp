// contract-probe: a test-only tool that exercises the shared command-line
// contract (lib/cli) through a real process, so black-box tests can check exit
// codes, locks held across processes, logs and run records.

#include <chrono>
#include <cstdio>
#include <thread>

#include "cli/tool.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool({.name = "contract-probe",
                        .summary = "Test-only tool for the gbpm command-line contract",
                        .examples = "Examples:\n  contract-probe --hold 5      hold the instance lock for 5 s\n"
                                    "  contract-probe --fail temporary\n",
                        .lock_target_keys = {"GBPM_SHEET"}});
  tool.add_warehouse_option();
  tool.add_sheet_option();
  tool.add_as_of_option();
  double hold_seconds = 0;
  std::string fail;
  tool.app().add_option("--hold", hold_seconds, "Seconds to hold the lock before finishing");
  tool.app()
      .add_option("--fail", fail, "Finish with an error of this kind")
      ->check(CLI::IsMember({"usage", "data", "unavailable", "internal", "output", "temporary", "config"}));
  return tool.run(argc, argv, [&](gbpm::cli::Context& ctx) -> gbpm::Status {
    ctx.log.info("probe running", {{"warehouse", ctx.config.get_string_or("GBPM_WAREHOUSE", "")},
                                   {"client_secret", ctx.config.get_string_or("GBPM_TEST_SECRET", "")}});
    if (hold_seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(hold_seconds));
    std::printf(
        "now=%lld\n",
        static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(ctx.now().time_since_epoch()).count()));
    ctx.stats.rows_written = 1;
    if (fail.empty()) return {};
    const std::map<std::string, gbpm::ErrorKind> kinds = {{"usage", gbpm::ErrorKind::usage},
                                                          {"data", gbpm::ErrorKind::data},
                                                          {"unavailable", gbpm::ErrorKind::unavailable},
                                                          {"internal", gbpm::ErrorKind::internal},
                                                          {"output", gbpm::ErrorKind::output},
                                                          {"temporary", gbpm::ErrorKind::temporary},
                                                          {"config", gbpm::ErrorKind::config}};
    return gbpm::make_error(kinds.at(fail), "probe failed as asked");
  });
}
