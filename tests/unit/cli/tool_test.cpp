#include "cli/tool.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

#include "core/lock.hpp"
#include "state/run_record.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {

// Captures what a FILE* stream receives.
class Capture {
 public:
  Capture() : m_file(std::tmpfile()) {}
  ~Capture() { std::fclose(m_file); }
  Capture(const Capture&) = delete;
  Capture& operator=(const Capture&) = delete;
  std::FILE* file() { return m_file; }
  std::string text() {
    std::fflush(m_file);
    std::string out;
    std::rewind(m_file);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, m_file)) > 0) out.append(buf, n);
    return out;
  }

 private:
  std::FILE* m_file;
};

struct Harness {
  testing::TempDir dir;
  Capture out;
  Capture err;
  core::FakeClock clock{sys_days{2026y / 11 / 28} + 10h};
  std::map<std::string, std::string> env{{"GBPM_HOME", (dir / "home").string()}};

  std::unique_ptr<cli::Tool> make(cli::ToolInfo info = {
                                      .name = "probe-tool",
                                      .summary = "A tool for testing the shared contract",
                                      .examples = "Examples:\n  probe-tool --warehouse sqlite:/tmp/x.db\n",
                                      .lock_target_keys = {"GBPM_SHEET"}}) {
    auto tool = std::make_unique<cli::Tool>(std::move(info));
    tool->set_environment(env);
    tool->set_clock(clock);
    tool->set_streams(out.file(), err.file());
    tool->set_default_config_file((dir / "no-such-default.env").string());
    return tool;
  }
};

int run(const std::unique_ptr<cli::Tool>& tool, std::vector<const char*> args, const cli::Body& body) {
  args.insert(args.begin(), "probe-tool");
  return tool->run(static_cast<int>(args.size()), args.data(), body);
}

const cli::Body kOk = [](cli::Context&) { return Status{}; };

}  // namespace

TEST_CASE("help shows the summary, common flags and examples and exits 0", "[cli]") {
  Harness h;
  auto tool = h.make();
  tool->add_warehouse_option();
  bool ran = false;
  CHECK(run(tool, {"--help"}, [&](cli::Context&) {
          ran = true;
          return Status{};
        }) == 0);
  CHECK_FALSE(ran);
  const std::string help = h.out.text();
  for (const char* s : {"A tool for testing the shared contract", "--config", "--log-format", "--version", "-v",
                        "--print-config", "--warehouse", "Examples:"}) {
    INFO(s);
    CHECK(help.find(s) != std::string::npos);
  }
}

TEST_CASE("version flag prints the tool and gbpm version", "[cli]") {
  Harness h;
  auto tool = h.make();
  CHECK(run(tool, {"--version"}, kOk) == 0);
  CHECK(h.out.text().find("probe-tool (gbpm) " GBPM_VERSION) != std::string::npos);
}

TEST_CASE("bad flags exit 64 with a hint", "[cli]") {
  Harness h;
  auto tool = h.make();
  CHECK(run(tool, {"--no-such-flag"}, kOk) == 64);
  CHECK(h.err.text().find("--help") != std::string::npos);
  auto tool2 = h.make();
  CHECK(run(tool2, {"--log-format", "xml"}, kOk) == 64);
}

TEST_CASE("flag beats environment beats config file beats default", "[cli][config]") {
  Harness h;
  testing::write_file(h.dir / "gbpm.env",
                      "GBPM_WAREHOUSE=sqlite:/from/file.db\nGBPM_SHEET=dir:/from/file\nGBPM_LOG_LEVEL=warn\n");
  h.env["GBPM_SHEET"] = "dir:/from/env";
  const std::string cfg = (h.dir / "gbpm.env").string();
  std::string warehouse, sheet;
  auto tool = h.make();
  tool->add_warehouse_option();
  tool->add_sheet_option();
  const cli::Body capture = [&](cli::Context& ctx) {
    warehouse = *ctx.config.get_string("GBPM_WAREHOUSE");
    sheet = *ctx.config.get_string("GBPM_SHEET");
    return Status{};
  };
  REQUIRE(run(tool, {"--config", cfg.c_str()}, capture) == 0);
  CHECK(warehouse == "sqlite:/from/file.db");
  CHECK(sheet == "dir:/from/env");

  auto tool2 = h.make();
  tool2->add_warehouse_option();
  tool2->add_sheet_option();
  REQUIRE(run(tool2, {"--config", cfg.c_str(), "--sheet", "-", "--warehouse", "sqlite:/flag.db"}, capture) == 0);
  CHECK(warehouse == "sqlite:/flag.db");
  CHECK(sheet == "-");
}

TEST_CASE("GBPM_CONFIG names the config file when --config is absent", "[cli][config]") {
  Harness h;
  testing::write_file(h.dir / "other.env", "GBPM_WAREHOUSE=sqlite:/other.db\n");
  h.env["GBPM_CONFIG"] = (h.dir / "other.env").string();
  auto tool = h.make();
  tool->add_warehouse_option();
  std::string warehouse;
  REQUIRE(run(tool, {}, [&](cli::Context& ctx) {
            warehouse = *ctx.config.get_string("GBPM_WAREHOUSE");
            return Status{};
          }) == 0);
  CHECK(warehouse == "sqlite:/other.db");
}

TEST_CASE("a missing or broken config file is a configuration error (78)", "[cli][config]") {
  Harness h;
  auto tool = h.make();
  const std::string missing = (h.dir / "missing.env").string();
  CHECK(run(tool, {"--config", missing.c_str()}, kOk) == 78);
  CHECK(h.err.text().find("missing.env") != std::string::npos);

  testing::write_file(h.dir / "broken.env", "GBPM_HOME=/x\nnot a setting\n");
  const std::string broken = (h.dir / "broken.env").string();
  auto tool2 = h.make();
  CHECK(run(tool2, {"--config", broken.c_str()}, kOk) == 78);
  CHECK(h.err.text().find("broken.env:2") != std::string::npos);
}

TEST_CASE("unknown GBPM_ settings are warned about by name", "[cli][config]") {
  Harness h;
  h.env["GBPM_WAREHOSE"] = "sqlite:/typo.db";
  auto tool = h.make();
  CHECK(run(tool, {}, kOk) == 0);
  const std::string err = h.err.text();
  CHECK(err.find("level=warn") != std::string::npos);
  CHECK(err.find("GBPM_WAREHOSE") != std::string::npos);
  CHECK(err.find("/typo.db") == std::string::npos);
}

TEST_CASE("print-config lists settings with sources and redacts secrets", "[cli][secrets]") {
  Harness h;
  h.env["GBPM_AZURE_CLIENT_SECRET"] = "super-secret-value";
  auto tool = h.make();
  tool->add_warehouse_option();
  CHECK(run(tool, {"--print-config", "--warehouse", "sqlite:/w.db"}, kOk) == 0);
  const std::string out = h.out.text();
  CHECK(out.find("GBPM_WAREHOUSE=sqlite:/w.db  # --warehouse") != std::string::npos);
  CHECK(out.find("GBPM_AZURE_CLIENT_SECRET=[REDACTED]") != std::string::npos);
  CHECK(out.find("super-secret-value") == std::string::npos);
}

TEST_CASE("log level and format follow flags, then GBPM_LOG_*", "[cli][log]") {
  Harness h;
  h.env["GBPM_LOG_FORMAT"] = "json";
  auto tool = h.make();
  CHECK(run(tool, {"-v"}, [](cli::Context& ctx) {
          ctx.log.debug("hello", {{"n", 1}});
          return Status{};
        }) == 0);
  CHECK(h.err.text().find(R"("level":"debug","tool":"probe-tool","msg":"hello","n":"1")") != std::string::npos);

  Harness q;
  auto quiet = q.make();
  CHECK(run(quiet, {"-q", "--log-format", "text"}, [](cli::Context& ctx) {
          ctx.log.info("chatter");
          ctx.log.warn("careful");
          return Status{};
        }) == 0);
  CHECK(q.err.text().find("chatter") == std::string::npos);
  CHECK(q.err.text().find("msg=careful") != std::string::npos);

  Harness bad;
  bad.env["GBPM_LOG_LEVEL"] = "loud";
  auto badtool = bad.make();
  CHECK(run(badtool, {}, kOk) == 78);
}

TEST_CASE("errors map to sysexits codes and land in the run record", "[cli][exit]") {
  const std::vector<std::pair<ErrorKind, int>> cases = {
      {ErrorKind::usage, 64},  {ErrorKind::data, 65},      {ErrorKind::unavailable, 69}, {ErrorKind::internal, 70},
      {ErrorKind::output, 73}, {ErrorKind::temporary, 75}, {ErrorKind::config, 78}};
  for (const auto& [kind, code] : cases) {
    Harness h;
    auto tool = h.make();
    const int got = run(tool, {}, [kind = kind](cli::Context&) { return Status(make_error(kind, "it broke")); });
    CHECK(got == code);
    auto record = state::read_run_record(h.dir / "home", "probe-tool");
    REQUIRE(record.ok());
    CHECK(record->state == "failed");
    CHECK(record->exit_code == code);
    CHECK(record->error == "it broke");
    CHECK_FALSE(record->last_success.has_value());
    CHECK(h.err.text().find("level=error") != std::string::npos);
  }
}

TEST_CASE("an exception escaping a body is exit 70, not a crash", "[cli][exit]") {
  Harness h;
  auto tool = h.make();
  CHECK(run(tool, {}, [](cli::Context&) -> Status { throw std::runtime_error("boom"); }) == 70);
  CHECK(h.err.text().find("boom") != std::string::npos);
}

TEST_CASE("a successful run records stats and keeps last success across failures", "[cli][runs]") {
  Harness h;
  auto tool = h.make();
  REQUIRE(run(tool, {}, [&](cli::Context& ctx) {
            ctx.stats.rows_read = 12;
            ctx.stats.rows_written = 3;
            ctx.stats.api_calls = 2;
            ctx.stats.watermark = ctx.clock.now() - 5min;
            ctx.clock.sleep_for(seconds(4));
            return Status{};
          }) == 0);
  auto ok = state::read_run_record(h.dir / "home", "probe-tool");
  REQUIRE(ok.ok());
  CHECK(ok->state == "ok");
  CHECK(ok->exit_code == 0);
  CHECK(ok->stats.rows_read == 12);
  CHECK(ok->stats.rows_written == 3);
  CHECK(ok->stats.api_calls == 2);
  CHECK(ok->start == sys_days{2026y / 11 / 28} + 10h);
  CHECK(ok->end == sys_days{2026y / 11 / 28} + 10h + 4s);
  CHECK(ok->stats.watermark == sys_days{2026y / 11 / 28} + 9h + 55min);
  CHECK(ok->last_success == ok->end);

  auto tool2 = h.make();
  h.clock.advance(10min);
  REQUIRE(run(tool2, {}, [](cli::Context&) { return Status(make_error(ErrorKind::temporary, "429")); }) == 75);
  auto failed = state::read_run_record(h.dir / "home", "probe-tool");
  REQUIRE(failed.ok());
  CHECK(failed->state == "failed");
  CHECK(failed->last_success == ok->end);
}

TEST_CASE("a second instance for the same target exits 75 naming the holder", "[cli][lock]") {
  Harness h;
  h.env["GBPM_SHEET"] = "gsheets:1AbC";
  auto held = core::InstanceLock::acquire(h.dir / "home" / "locks", "probe-tool@gsheets:1AbC");
  REQUIRE(held.ok());
  auto tool = h.make();
  bool ran = false;
  CHECK(run(tool, {}, [&](cli::Context&) {
          ran = true;
          return Status{};
        }) == 75);
  CHECK_FALSE(ran);
  CHECK(h.err.text().find("pid " + std::to_string(::getpid())) != std::string::npos);

  // Another target is not blocked.
  auto other = h.make();
  other->add_sheet_option();
  CHECK(run(other, {"--sheet", "dir:/elsewhere"}, [&](cli::Context&) {
          ran = true;
          return Status{};
        }) == 0);
  CHECK(ran);
}

TEST_CASE("as-of pins now and a bad value is a usage error", "[cli]") {
  Harness h;
  auto tool = h.make();
  tool->add_as_of_option();
  core::TimePoint seen{};
  REQUIRE(run(tool, {"--as-of", "2026-10-25T01:30:00+01:00"}, [&](cli::Context& ctx) {
            seen = ctx.now();
            return Status{};
          }) == 0);
  CHECK(seen == sys_days{2026y / 10 / 25} + 30min);
  auto bad = h.make();
  bad->add_as_of_option();
  CHECK(run(bad, {"--as-of", "yesterday"}, kOk) == 64);
}

TEST_CASE("an unusable state directory is an output error (73)", "[cli]") {
  Harness h;
  testing::write_file(h.dir / "afile", "x");
  h.env["GBPM_HOME"] = (h.dir / "afile").string();
  auto tool = h.make();
  CHECK(run(tool, {}, kOk) == 73);
  h.env["GBPM_HOME"] = "relative/path";
  auto tool2 = h.make();
  CHECK(run(tool2, {}, kOk) == 78);
}
