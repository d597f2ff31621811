#include "core/log.hpp"

#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "support/fake_clock.hpp"

using namespace gbpm;
using namespace std::chrono;

namespace {
log::Logger make_logger(const core::Clock& clock, log::Format format) {
  return log::Logger(log::Logger::Options{
      .tool = "layout-update", .level = log::Level::debug, .format = format, .sink = nullptr, .clock = &clock});
}
}  // namespace

TEST_CASE("text lines are logfmt with UTC timestamps", "[log]") {
  core::FakeClock clock(sys_days{2026y / 11 / 28} + 10h + 50min + 1s + 5ms);
  auto logger = make_logger(clock, log::Format::text);
  CHECK(logger.format_line(log::Level::info, "sheet written", {{"rows", 17}, {"range", "Dashboard!A1:H17"}}) ==
        "ts=2026-11-28T10:50:01.005Z level=info tool=layout-update msg=\"sheet written\" rows=17 "
        "range=Dashboard!A1:H17");
  CHECK(logger.format_line(log::Level::warn, "x", {{"why", "a \"quoted\"\nline"}}) ==
        "ts=2026-11-28T10:50:01.005Z level=warn tool=layout-update msg=x why=\"a \\\"quoted\\\"\\nline\"");
}

TEST_CASE("json lines are one object per event", "[log]") {
  core::FakeClock clock(sys_days{2026y / 11 / 28});
  auto logger = make_logger(clock, log::Format::json);
  CHECK(
      logger.format_line(log::Level::error, "failed", {{"code", 75}, {"ok", false}}) ==
      R"({"ts":"2026-11-28T00:00:00.000Z","level":"error","tool":"layout-update","msg":"failed","code":"75","ok":"false"})");
}

TEST_CASE("secret values never reach a log line", "[log][secrets]") {
  core::FakeClock clock;
  for (const auto format : {log::Format::text, log::Format::json}) {
    auto logger = make_logger(clock, format);
    const std::string line = logger.format_line(log::Level::info, "auth",
                                                {{"client_secret", "s3cr3t-value"},
                                                 {"access_token", "ya29.tok"},
                                                 {"Authorization", "Bearer abc"},
                                                 {"GBPM_SAS_KEY", "k3y"},
                                                 {"private_key_id", "pk1"},
                                                 {"password", "hunter2"},
                                                 {"dataset", "FUELINST"}});
    INFO(line);
    for (const char* secret : {"s3cr3t-value", "ya29.tok", "Bearer abc", "k3y", "pk1", "hunter2"}) {
      CHECK(line.find(secret) == std::string::npos);
    }
    CHECK(line.find("FUELINST") != std::string::npos);
    CHECK(line.find("[REDACTED]") != std::string::npos);
  }
}

TEST_CASE("is_secret_key matches secret names and spares ordinary ones", "[log][secrets]") {
  for (const char* k :
       {"secret", "GBPM_AZURE_CLIENT_SECRET", "token", "refresh_token", "key", "sas-key", "api_key", "authorization",
        "x-goog-api-key", "credentials_file", "private_key", "GBPM_FAILOVER_WEBHOOK_URL"}) {
    INFO(k);
    CHECK(log::is_secret_key(k));
  }
  for (const char* k : {"dataset", "rows", "keyword", "monkey", "url", "tool", "natural_keys"}) {
    INFO(k);
    CHECK_FALSE(log::is_secret_key(k));
  }
}

TEST_CASE("levels filter events", "[log]") {
  log::Logger logger(log::Logger::Options{.level = log::Level::warn, .sink = nullptr});
  CHECK_FALSE(logger.enabled(log::Level::info));
  CHECK(logger.enabled(log::Level::error));
  log::Level level{};
  CHECK(log::parse_level("WARNING", level));
  CHECK(level == log::Level::warn);
  CHECK_FALSE(log::parse_level("loud", level));
}
