#include "core/redact.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/config.hpp"

using namespace gbpm;

TEST_CASE("redact_url drops user-info and secret query values", "[redact][secrets]") {
  CHECK(core::redact_url("https://user:hunter2@example.com/x?access_token=ya29&a=1#f") ==
        "https://example.com/x?access_token=[REDACTED]&a=1#f");
  CHECK(core::redact_url("http://gbpm:pw@127.0.0.1:8080/health") == "http://127.0.0.1:8080/health");
  CHECK(core::redact_url("https://ns.example/q?sig=abc&apikey=k") ==
        "https://ns.example/q?sig=[REDACTED]&apikey=[REDACTED]");
}

TEST_CASE("a URL whose path is the secret shows only its origin", "[redact][secrets]") {
  CHECK(core::redact_secret_url("https://hooks.slack.com/services/T0/B0/XYZ") == "https://hooks.slack.com/[REDACTED]");
  CHECK(core::redact_secret_url("https://u:p@hooks.example:8443/a?b=c") == "https://hooks.example:8443/[REDACTED]");
  CHECK(core::redact_secret_url("not a url XYZ") == "[REDACTED]");
  const std::string url = "https://bot:pw@hooks.example/services/T0/B0/XYZ?k=v";
  const std::vector<std::string> texts = {"POST " + url + ": HTTP 500", "POST " + core::redact_url(url) + ": timed out",
                                          "curl: (6) could not resolve /services/T0/B0/XYZ?k=v"};
  for (const std::string& text : texts) {
    const std::string scrubbed = core::scrub_secret_url(text, url);
    INFO(scrubbed);
    CHECK(scrubbed.find("XYZ") == std::string::npos);
    CHECK(scrubbed.find("pw") == std::string::npos);
    CHECK(scrubbed.find("[REDACTED]") != std::string::npos);
  }
}

TEST_CASE("only https, or http to a loopback address, may receive credentials", "[redact][secrets]") {
  CHECK(core::is_https_or_loopback("https://oauth2.googleapis.com/token"));
  CHECK(core::is_https_or_loopback("HTTPS://x.example"));
  CHECK(core::is_https_or_loopback("http://127.0.0.1:8443/token"));
  CHECK(core::is_https_or_loopback("http://localhost/x"));
  CHECK(core::is_https_or_loopback("http://[::1]:80/x"));
  CHECK_FALSE(core::is_https_or_loopback("http://oauth2.googleapis.com/token"));
  CHECK_FALSE(core::is_https_or_loopback("http://127.0.0.1.evil.example/x"));
  CHECK_FALSE(core::is_https_or_loopback("http://localhost.evil.example/x"));
  CHECK_FALSE(core::is_https_or_loopback("https://user:pw@x.example/"));
  CHECK_FALSE(core::is_https_or_loopback("ftp://x.example/"));
  CHECK_FALSE(core::is_https_or_loopback("x.example/token"));
}

TEST_CASE("print-config shows URLs without their credentials", "[redact][secrets][config]") {
  config::Config c;
  c.load_environment({{"GBPM_FAILOVER_PRIMARY_URL", "https://monitor:hunter2@primary.example/health"},
                      {"GBPM_ELEXON_URL", "https://data.example/api?apikey=AIzaSECRET"}});
  const std::string described = c.describe();
  CHECK(described.find("GBPM_FAILOVER_PRIMARY_URL=https://primary.example/health") != std::string::npos);
  CHECK(described.find("apikey=[REDACTED]") != std::string::npos);
  CHECK(described.find("hunter2") == std::string::npos);
  CHECK(described.find("AIzaSECRET") == std::string::npos);
}
