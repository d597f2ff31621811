#pragma once
// One warehouse test fixture per backend, so the same market-query suite runs
// against SQLite and against the BigQuery backend talking over HTTPS to an
// in-process fake-google with BigQuery (tests/fakes/fake-google).
//
//   const std::string kind = GENERATE(as<std::string>{}, "sqlite", "bigquery");
//   auto b = make_backend(kind, dir);
//   b->store(batch);          // stored, and for BigQuery shipped (flush)
//   b->warehouse().market()...

#include <catch2/catch.hpp>
#include <httplib.h>

#include <memory>
#include <string>

#include "auth/token_source.hpp"
#include "core/log.hpp"
#include "fakes/common/server_host.hpp"
#include "fakes/fake-google/bigquery_service.hpp"
#include "fakes/fake-google/fake_google.hpp"
#include "google/bigquery.hpp"
#include "net/curl_transport.hpp"
#include "support/fake_clock.hpp"
#include "support/static_token_source.hpp"
#include "warehouse/bigquery_warehouse.hpp"
#include "warehouse_fixtures.hpp"

namespace gbpm::warehouse::test {

using gbpm::testing::StaticTokenSource;

// A quiet logger (warnings and errors only, to stderr).
inline log::Logger& quiet_logger() {
  static log::Logger logger(log::Logger::Options{.tool = "test", .level = log::Level::error});
  return logger;
}

// fake-google with BigQuery, hosted on a thread for as long as this lives.
// The BigQuery state is in memory, so it survives warehouse reopenings
// (restarts) but not this object.
class FakeBigQuery {
 public:
  explicit FakeBigQuery(core::Clock& clock) : m_clock(clock) {
    m_google.add_service([this](httplib::Server& s, fakes::google::TokenService&) { m_bq.install(s); });
    m_host = std::make_unique<fakes::ServerHost>(fakes::ServeOptions{}, m_google.installer());
    m_host->start();
    auto t = net::CurlTransport::create({.ca_file = m_host->ca_file().string()});
    REQUIRE(t.ok());
    m_transport = std::move(*t);
    m_tokens = std::make_unique<StaticTokenSource>(m_google.tokens().issue_token_for_tests("gbpm@proj.iam"));
  }

  // A client for project "proj" (retries with a deterministic backoff on the test clock).
  std::unique_ptr<google::BigQueryClient> client(int max_attempts = 3) {
    google::BigQueryOptions options;
    options.base_url = m_host->url();
    options.project = "proj";
    options.retry.max_attempts = max_attempts;
    options.backoff.random = [] { return 1.0; };
    return std::make_unique<google::BigQueryClient>(*m_transport, *m_tokens, m_clock, options);
  }

  // A BigQuery warehouse on dataset "ds" staging in `staging`.
  std::unique_ptr<BigQueryWarehouse> open(const std::filesystem::path& staging, BigQueryWarehouseOptions options = {},
                                          OpenMode mode = OpenMode::read_write, int max_attempts = 3) {
    options.project = "proj";
    options.dataset = "ds";
    options.staging = staging;
    auto w = BigQueryWarehouse::open(std::move(options), mode, client(max_attempts), nullptr, m_clock, quiet_logger());
    INFO((w.ok() ? "" : w.error().message));
    REQUIRE(w.ok());
    return std::move(w).value();
  }

  fakes::google::BigQueryService& service() { return m_bq; }

 private:
  core::Clock& m_clock;
  fakes::google::FakeGoogle m_google{fakes::google::FakeGoogleOptions{}};
  fakes::google::BigQueryService m_bq{fakes::google::BigQueryServiceOptions{.page_size = 500, .clock = &m_clock},
                                      m_google.tokens()};
  std::unique_ptr<fakes::ServerHost> m_host;
  std::unique_ptr<net::HttpTransport> m_transport;
  std::unique_ptr<StaticTokenSource> m_tokens;
};

// A warehouse of either backend behind one face.
class TestBackend {
 public:
  virtual ~TestBackend() = default;
  virtual Warehouse& warehouse() = 0;
  // Stores `batch` and, for BigQuery, ships it (flush), requiring success.
  void store(const Batch& batch) {
    auto s = warehouse().store(batch);
    INFO((s.ok() ? "" : s.error().message));
    REQUIRE(s.ok());
    auto f = warehouse().flush();
    INFO((f.ok() ? "" : f.error().message));
    REQUIRE(f.ok());
  }
  MarketQueries& market() { return warehouse().market(); }
};

class SqliteBackend final : public TestBackend {
 public:
  explicit SqliteBackend(const std::filesystem::path& path) : m_w(open_rw(path)) {}
  Warehouse& warehouse() override { return *m_w; }

 private:
  std::unique_ptr<SqliteWarehouse> m_w;
};

class BigQueryBackend final : public TestBackend {
 public:
  explicit BigQueryBackend(const std::filesystem::path& staging) : m_fake(m_clock), m_w(m_fake.open(staging)) {}
  Warehouse& warehouse() override { return *m_w; }

 private:
  // Wall time does not matter to the market queries; a fixed clock keeps job polling instant.
  core::FakeClock m_clock{utc("2026-06-01T00:00:00Z")};
  FakeBigQuery m_fake;
  std::unique_ptr<BigQueryWarehouse> m_w;
};

// "sqlite" or "bigquery", with its files under `dir`.
inline std::unique_ptr<TestBackend> make_backend(const std::string& kind, const gbpm::testing::TempDir& dir) {
  if (kind == "sqlite") return std::make_unique<SqliteBackend>(dir / "gbpm.db");
  REQUIRE(kind == "bigquery");
  return std::make_unique<BigQueryBackend>(dir / "staging.db");
}

}  // namespace gbpm::warehouse::test
