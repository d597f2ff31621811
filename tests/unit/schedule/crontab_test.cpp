#include "schedule/crontab.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using gbpm::schedule::parse_crontab;

TEST_CASE("parse_crontab reads jobs, users, argv, log files and env lines", "[crontab]") {
  const std::string text =
      "# gbpm jobs\n"
      "SHELL=/bin/sh\n"
      "PATH = /usr/local/bin:/usr/bin:/bin\n"
      "MAILTO=\"\"\n"
      "\n"
      "*/5 * * * * gbpm /usr/local/bin/realtime-dashboard --config /etc/gbpm/gbpm.env "
      ">>/var/log/gbpm/realtime-dashboard.log 2>&1\n"
      "49 4 * * *\tgbpm  /usr/local/bin/bmrs-backfill --config /etc/gbpm/gbpm.env --gaps --days 7 >> "
      "/var/log/gbpm/bmrs-backfill.log 2>&1\r\n"
      "3-59/10 * * * * gbpm outages-update -v\n";
  const auto tab = parse_crontab(text, "gbpm.crontab");
  REQUIRE(tab.ok());
  REQUIRE(tab->env.size() == 3);
  CHECK(tab->env[1].name == "PATH");
  CHECK(tab->env[1].value == "/usr/local/bin:/usr/bin:/bin");
  CHECK(tab->env[2].value.empty());
  CHECK(tab->env_value("SHELL") == std::optional<std::string>("/bin/sh"));
  CHECK_FALSE(tab->env_value("HOME").has_value());
  REQUIRE(tab->jobs.size() == 3);

  const auto& rt = tab->jobs[0];
  CHECK(rt.line == 6);
  CHECK(rt.schedule_text == "*/5 * * * *");
  CHECK(rt.user == "gbpm");
  CHECK(rt.argv == std::vector<std::string>{"/usr/local/bin/realtime-dashboard", "--config", "/etc/gbpm/gbpm.env"});
  CHECK(rt.log_file == std::optional<std::string>("/var/log/gbpm/realtime-dashboard.log"));
  CHECK(rt.name() == "realtime-dashboard");

  const auto& bf = tab->jobs[1];
  CHECK(bf.line == 7);
  CHECK(bf.schedule_text == "49 4 * * *");
  CHECK(bf.argv.back() == "7");
  CHECK(bf.log_file == std::optional<std::string>("/var/log/gbpm/bmrs-backfill.log"));

  const auto& og = tab->jobs[2];
  CHECK(og.argv == std::vector<std::string>{"outages-update", "-v"});
  CHECK_FALSE(og.log_file.has_value());
}

TEST_CASE("parse_crontab rejects shell syntax, naming file and line", "[crontab]") {
  struct Bad {
    std::string line;
    std::string says;
  };
  for (const Bad& b : std::vector<Bad>{
           {"* * * * * gbpm /bin/tool; rm -rf /", "';'"},
           {"* * * * * gbpm /bin/tool | tee x", "'|'"},
           {"* * * * * gbpm /bin/tool && other", "'&'"},
           {"* * * * * gbpm /bin/tool $HOME", "'$'"},
           {"* * * * * gbpm /bin/tool `id`", "'`'"},
           {"* * * * * gbpm /bin/tool < /etc/passwd", "'<'"},
           {"* * * * * gbpm /bin/tool > /tmp/out", "'>'"},
           {"* * * * * gbpm /bin/tool >>/tmp/out", "'>'"},  // redirect without 2>&1
           {"* * * * * gbpm /bin/tool 2>&1 >>/tmp/out", "'>'"},
           {"* * * * * gbpm /bin/tool 'quoted arg'", "'''"},
           {"* * * * * gbpm /bin/tool \"x\"", "'\"'"},
           {"* * * * * gbpm /bin/tool a\\ b", "'\\'"},
           {"* * * * * gbpm /bin/tool %", "'%'"},
           {"* * * * * gbpm /bin/tool *.log", "'*'"},
           {"* * * * * gbpm /bin/tool >>/tmp/$x.log 2>&1", "'$'"},
           {"* * * * * gbpm FOO=1 /bin/tool", "environment assignments"},
           {"* * * * * gbpm >>/tmp/x 2>&1", "no command"},
           {"* * * * * /bin/tool", "five time fields, a user and a command"},
           {"@hourly gbpm /bin/tool", "'@' schedules"},
           {"61 * * * * gbpm /bin/tool", "minute"},
           {"-bad line", "expected a job"},
       }) {
    INFO(b.line);
    const auto tab = parse_crontab("# header\nPATH=/bin\n" + b.line + "\n", "/etc/cron.d/gbpm");
    REQUIRE_FALSE(tab.ok());
    CHECK(tab.error().kind == gbpm::ErrorKind::config);
    CHECK_THAT(tab.error().message, Catch::StartsWith("/etc/cron.d/gbpm:3: "));
    CHECK_THAT(tab.error().message, Catch::Contains(b.says));
  }
}

TEST_CASE("parse_crontab accepts an empty file and a file without a final newline", "[crontab]") {
  CHECK(parse_crontab("", "x")->jobs.empty());
  const auto tab = parse_crontab("0 0 * * * root /bin/true", "x");
  REQUIRE(tab.ok());
  REQUIRE(tab->jobs.size() == 1);
  CHECK(tab->jobs[0].argv == std::vector<std::string>{"/bin/true"});
}

TEST_CASE("the repository crontab parses and is staggered", "[crontab]") {
  std::ifstream in(std::string(GBPM_SOURCE_DIR) + "/crontab/gbpm.crontab");
  REQUIRE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto tab = parse_crontab(ss.str(), "crontab/gbpm.crontab");
  INFO((tab.ok() ? std::string() : tab.error().message));
  REQUIRE(tab.ok());
  CHECK_FALSE(tab->jobs.empty());
  // No two jobs start in the same minute, checked over one day.
  using namespace std::chrono;
  const auto day = sys_days{2026y / 11 / 28};
  for (auto t = gbpm::core::TimePoint{day}; t < day + 24h; t += 1min) {
    int starting = 0;
    for (const auto& job : tab->jobs) starting += job.schedule.matches(t) ? 1 : 0;
    CHECK(starting <= 1);
  }
}
