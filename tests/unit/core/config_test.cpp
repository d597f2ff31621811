#include "core/config.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

using namespace gbpm;
using config::Config;
using config::Source;

TEST_CASE("env file: comments, quotes, export and escapes", "[config]") {
  const auto parsed = config::parse_env_file(
      "# gbpm settings\n"
      "\n"
      "GBPM_WAREHOUSE=sqlite:/var/lib/gbpm/gbpm.db\n"
      "export GBPM_LOG_LEVEL = debug \n"
      "; another comment style\n"
      "GBPM_SHEET=\"gsheets:1AbC \\\"x\\\"\"  # trailing comment\n"
      "GBPM_CA_FILE='/etc/ssl/my ca.pem'\r\n"
      "EMPTY=\n",
      "/etc/gbpm/gbpm.env");
  REQUIRE(parsed.ok());
  const auto& e = *parsed;
  REQUIRE(e.size() == 5);
  CHECK(e[0].first == "GBPM_WAREHOUSE");
  CHECK(e[0].second.value == "sqlite:/var/lib/gbpm/gbpm.db");
  CHECK(e[0].second.origin == "/etc/gbpm/gbpm.env:3");
  CHECK(e[1].first == "GBPM_LOG_LEVEL");
  CHECK(e[1].second.value == "debug");
  CHECK(e[2].second.value == "gsheets:1AbC \"x\"");
  CHECK(e[3].second.value == "/etc/ssl/my ca.pem");
  CHECK(e[4].second.value.empty());
}

TEST_CASE("env file errors name the file and line", "[config]") {
  const auto no_eq = config::parse_env_file("GBPM_A=1\njust some words\n", "gbpm.env");
  REQUIRE_FALSE(no_eq.ok());
  CHECK(no_eq.error().kind == ErrorKind::config);
  CHECK(no_eq.error().message.find("gbpm.env:2") != std::string::npos);
  const auto unterminated = config::parse_env_file("GBPM_A=\"open\n", "f");
  REQUIRE_FALSE(unterminated.ok());
  CHECK(unterminated.error().message.find("unterminated") != std::string::npos);
  CHECK_FALSE(config::parse_env_file("1BAD=x\n", "f").ok());
}

TEST_CASE("precedence is flag > environment > file > default", "[config]") {
  Config c;
  c.set_default("GBPM_WAREHOUSE", "sqlite:default.db");
  CHECK(c.find("GBPM_WAREHOUSE")->source == Source::default_value);
  c.load_file_entries(*config::parse_env_file("GBPM_WAREHOUSE=sqlite:file.db\n", "cfg"));
  CHECK(*c.get_string("GBPM_WAREHOUSE") == "sqlite:file.db");
  c.load_environment({{"GBPM_WAREHOUSE", "sqlite:env.db"}, {"PATH", "/usr/bin"}});
  CHECK(*c.get_string("GBPM_WAREHOUSE") == "sqlite:env.db");
  CHECK_FALSE(c.has("PATH"));  // only GBPM_* and gbpm's standard keys are taken
  c.set_flag("GBPM_WAREHOUSE", "sqlite:flag.db", "--warehouse");
  const auto winner = c.find("GBPM_WAREHOUSE");
  CHECK(winner->value == "sqlite:flag.db");
  CHECK(winner->origin == "--warehouse");

  // The order layers are loaded in does not matter: a file loaded last still
  // loses to the environment.
  Config d;
  d.load_environment({{"GBPM_LOG_LEVEL", "warn"}});
  d.load_file_entries(*config::parse_env_file("GBPM_LOG_LEVEL=debug\n", "cfg"));
  CHECK(*d.get_string("GBPM_LOG_LEVEL") == "warn");
}

TEST_CASE("load_file reads a real file and reports a missing one", "[config]") {
  testing::TempDir dir;
  testing::write_file(dir / "gbpm.env", "GBPM_HOME=/srv/gbpm\n");
  Config c;
  REQUIRE(c.load_file((dir / "gbpm.env").string()).ok());
  CHECK(c.find("GBPM_HOME")->origin == (dir / "gbpm.env").string() + ":1");
  const auto missing = c.load_file((dir / "nope.env").string());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().kind == ErrorKind::config);
  CHECK(missing.error().message.find("nope.env") != std::string::npos);
}

TEST_CASE("typed getters explain bad values with key, value and origin", "[config]") {
  Config c;
  c.load_file_entries(*config::parse_env_file(
      "GBPM_RETRY_ATTEMPTS=ten\nGBPM_HTTP_TIMEOUT=30s\nGBPM_X_FLAG=yes\nGBPM_RETRY_DEADLINE=5 fortnights\n", "g.env"));
  const auto attempts = c.get_int("GBPM_RETRY_ATTEMPTS", 1, 100);
  REQUIRE_FALSE(attempts.ok());
  CHECK(attempts.error().kind == ErrorKind::config);
  CHECK(attempts.error().message.find("GBPM_RETRY_ATTEMPTS") != std::string::npos);
  CHECK(attempts.error().message.find("ten") != std::string::npos);
  CHECK(attempts.error().message.find("g.env:1") != std::string::npos);
  CHECK(*c.get_duration("GBPM_HTTP_TIMEOUT") == std::chrono::seconds(30));
  CHECK(*c.get_bool("GBPM_X_FLAG"));
  CHECK_FALSE(c.get_duration("GBPM_RETRY_DEADLINE").ok());
  const auto missing = c.get_string("GBPM_SHEET");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().message.find("GBPM_SHEET is not set") != std::string::npos);
  CHECK(c.get_string_or("GBPM_SHEET", "-") == "-");
}

TEST_CASE("a secret's value never appears in errors or descriptions", "[config][secrets]") {
  Config c;
  c.load_environment({{"GBPM_AZURE_CLIENT_SECRET", "hunter2-very-secret"}, {"GBPM_HOME", "/srv"}});
  const auto bad = c.get_int("GBPM_AZURE_CLIENT_SECRET", 0, 1);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message.find("hunter2") == std::string::npos);
  const std::string described = c.describe();
  CHECK(described.find("hunter2") == std::string::npos);
  CHECK(described.find("GBPM_AZURE_CLIENT_SECRET=[REDACTED]") != std::string::npos);
  CHECK(described.find("GBPM_HOME=/srv  # environment") != std::string::npos);
}

TEST_CASE("unknown GBPM_ keys are reported by name", "[config]") {
  Config c;
  c.load_environment({{"GBPM_WAREHOUSE", "sqlite:x"}, {"GBPM_WAREHOSE", "typo"}});
  c.load_file_entries(*config::parse_env_file("GBPM_LOGLEVEL=debug\nOTHER=1\n", "f"));
  const auto names = c.unknown_key_names();
  CHECK(names == std::vector<std::string>{"GBPM_LOGLEVEL", "GBPM_WAREHOSE"});
}

TEST_CASE("durations", "[config]") {
  using namespace std::chrono_literals;
  CHECK(*config::parse_duration("250ms") == 250ms);
  CHECK(*config::parse_duration("90") == 90s);
  CHECK(*config::parse_duration("5m") == 5min);
  CHECK(*config::parse_duration("2h") == 2h);
  CHECK_FALSE(config::parse_duration("-1s").ok());
  CHECK_FALSE(config::parse_duration("s").ok());
  CHECK_FALSE(config::parse_duration("99999999999999d").ok());
}
