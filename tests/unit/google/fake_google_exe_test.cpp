// Black-box: the fake-google executable, started as a user would start it,
// answers a token exchange and Sheets calls over HTTPS.

#include <catch2/catch.hpp>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>

#include "auth/google_credentials.hpp"
#include "core/log.hpp"
#include "fakes/fake-google/test_keys.hpp"
#include "google/sheets.hpp"
#include "json/json.hpp"
#include "net/curl_transport.hpp"
#include "support/temp_dir.hpp"

extern char** environ;

using namespace gbpm;

namespace {

// A child process whose stdout we read; SIGTERMed and reaped on destruction.
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&m_pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    REQUIRE(rc == 0);
    m_out = ::fdopen(fds[0], "r");
  }
  ~Child() {
    if (m_pid > 0) stop();
    if (m_out != nullptr) std::fclose(m_out);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  std::string first_line() {
    char buf[512] = {};
    if (std::fgets(buf, sizeof buf, m_out) == nullptr) return {};
    std::string line(buf);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    return line;
  }
  // SIGTERM, then the exit status (or -1).
  int stop() {
    ::kill(m_pid, SIGTERM);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t m_pid = -1;
  std::FILE* m_out = nullptr;
};

}  // namespace

TEST_CASE("the fake-google executable serves a token exchange and Sheets calls", "[google][fake][blackbox]") {
  testing::TempDir dir;
  const auto sa = fakes::google::write_test_service_account(
      dir.path(), "sa.json", "bb@gbpm-test.iam.gserviceaccount.com", "https://unused.invalid/token");
  Child fake({GBPM_FAKE_GOOGLE_EXE, "--key-file", sa.file.string(), "--ca-out", (dir / "ca.pem").string(), "--state",
              (dir / "state").string(), "--token-lifetime", "120"});
  const std::string url = fake.first_line();
  REQUIRE(url.rfind("https://127.0.0.1:", 0) == 0);

  auto curl = net::CurlTransport::create({.ca_file = (dir / "ca.pem").string()});
  REQUIRE(curl.ok());
  core::SystemClock clock;
  auth::GoogleAuthOptions ao;
  ao.scopes = {std::string(auth::kSheetsScope)};
  ao.token_url_override = url + "/token";
  auto creds = auth::load_credentials_file(**curl, clock, sa.file, "test", ao, log::null_logger());
  REQUIRE(creds.ok());
  auto token = creds->tokens->token();
  REQUIRE(token.ok());

  auto created = (*curl)->send(
      net::Request{.method = "POST",
                   .url = url + "/v4/spreadsheets",
                   .headers = {{"Authorization", token->authorization()}},
                   .body = R"({"properties":{"title":"BB"},"sheets":[{"properties":{"title":"Dashboard"}}]})"});
  REQUIRE(created.ok());
  REQUIRE(created->status == 200);
  auto doc = json::parse(created->body);
  REQUIRE(doc.ok());
  const std::string id(doc->root().field("spreadsheetId").as_string().value());

  google::SheetsOptions so;
  so.base_url = url;
  google::SheetsClient client(**curl, *creds->tokens, clock, so);
  google::UpdateCells u{.range = {.sheet_id = 0, .start_row = 0, .end_row = 1, .start_column = 0, .end_column = 2},
                        .rows = {{{google::CellValue::text("GB DASHBOARD - Power")}, {google::CellValue::number(7)}}}};
  REQUIRE(client.batch_update(id, {u}).ok());
  auto values = client.get_values(id, google::A1Range::box("Dashboard", 0, 0, 1, 2));
  REQUIRE(values.ok());
  REQUIRE(values->size() == 1);
  CHECK((*values)[0][0] == google::CellValue::text("GB DASHBOARD - Power"));
  CHECK((*values)[0][1] == google::CellValue::number(7));

  auto dump = (*curl)->send(net::Request{.url = url + "/_fake/sheets/" + id});
  REQUIRE(dump.ok());
  CHECK(dump->body.find(R"("A1":{"userEnteredValue":{"stringValue":"GB DASHBOARD - Power"}})") != std::string::npos);
  CHECK(fake.stop() == 0);
}
