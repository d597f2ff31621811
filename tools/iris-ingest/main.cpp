// iris-ingest: IRIS messages → the warehouse, nothing lost, nothing
// duplicated. A thin shell over lib/ingest (iris_ingest.hpp).

#include "cli/tool.hpp"
#include "core/service.hpp"
#include "ingest/iris_ingest.hpp"

int main(int argc, char** argv) {
  gbpm::cli::Tool tool({.name = "iris-ingest",
                        .summary = "Store IRIS messages in the warehouse: decode, commit durably, then acknowledge",
                        .examples =
                            "Examples:\n"
                            "  iris-ingest --source dir:/srv/iris/data --once\n"
                            "      drain an official IRIS client's download folder into $GBPM_HOME/gbpm.db and exit\n"
                            "  iris-ingest --source dir:/srv/iris/data --keep --warehouse sqlite:/data/gbpm.db\n"
                            "      run continuously; processed files are moved to /srv/iris/data/.processed/\n"
                            "  GBPM_IRIS_SOURCE=dir:/srv/iris/data iris-ingest\n"
                            "      the same source from the environment (as the systemd unit does)\n"
                            "Malformed messages go to the warehouse's quarantine table and, for dir:, to\n"
                            "PATH/.quarantine/ with an .error.txt beside each file. SIGTERM/SIGINT finish the\n"
                            "batch in flight, commit, acknowledge and exit 0.\n",
                        .lock_target_keys = {"GBPM_IRIS_SOURCE"}});
  tool.add_warehouse_option();
  tool.add_setting("--source", "GBPM_IRIS_SOURCE", "Where messages come from: dir:PATH or servicebus:NAMESPACE/QUEUE");
  bool once = false;
  bool keep = false;
  tool.app().add_flag("--once", once, "Drain what is there now, then exit (default: run continuously)");
  tool.app().add_flag("--keep", keep, "dir: move processed files to PATH/.processed/ instead of deleting them");

  const auto& stop = gbpm::core::install_stop_signals();
  return tool.run(argc, argv, [&](gbpm::cli::Context& ctx) {
    return gbpm::ingest::run_iris_ingest(
        ctx,
        {.mode = once ? gbpm::ingest::RunMode::once : gbpm::ingest::RunMode::continuous,
         .keep = keep ? gbpm::ingest::KeepFiles::keep : gbpm::ingest::KeepFiles::remove},
        stop);
  });
}
