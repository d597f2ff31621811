#include "warehouse/bigquery_warehouse.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "auth/google_credentials.hpp"
#include "core/config.hpp"
#include "core/fs.hpp"
#include "core/log.hpp"
#include "google/bigquery.hpp"
#include "google/session.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace gbpm::warehouse {
namespace {

using google::Field;
using google::FieldMode;
using google::FieldType;

constexpr std::size_t kMaxClusteringFields = 4;

FieldType bigquery_type(elexon::ColumnType type) {
  switch (type) {
    case elexon::ColumnType::text:
    case elexon::ColumnType::json: return FieldType::string;
    case elexon::ColumnType::integer: return FieldType::int64;
    case elexon::ColumnType::real: return FieldType::float64;
    case elexon::ColumnType::timestamp: return FieldType::timestamp;
    case elexon::ColumnType::date: return FieldType::date;
    case elexon::ColumnType::boolean: return FieldType::boolean;
  }
  return FieldType::string;
}

Field field(std::string_view name, FieldType type, FieldMode mode = FieldMode::nullable) {
  return Field{.name = std::string(name), .type = type, .mode = mode};
}

// The staging store's bookkeeping (beside SqliteWarehouse's outbox table).
constexpr const char* kShipSchema[] = {
    "CREATE TABLE IF NOT EXISTS ship_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    // The batch being shipped per table: fixed once planned, so a retry
    // re-submits exactly the same rows under the same job id.
    "CREATE TABLE IF NOT EXISTS ship_batches (tbl TEXT PRIMARY KEY, first_seq INTEGER NOT NULL,"
    " last_seq INTEGER NOT NULL, attempt INTEGER NOT NULL)",
    // Every load job submitted (for the daily budget) and every ship attempt.
    "CREATE TABLE IF NOT EXISTS ship_log (job_id TEXT PRIMARY KEY, tbl TEXT NOT NULL, rows INTEGER NOT NULL,"
    " submitted_at TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ship_log_by_tbl ON ship_log(tbl, submitted_at)",
};

std::string random_id() {
  std::array<unsigned char, 6> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Not cryptographic: uniqueness across staging stores is all that matters.
    for (auto& b : bytes) b = static_cast<unsigned char>(std::rand());  // NOLINT
  }
  std::string out;
  for (const auto b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

bool is_not_found(const Error& e) {
  return e.message.find("HTTP 404") != std::string::npos;
}

bool mentions_param(std::string_view sql, std::string_view name) {
  const std::string needle = "@" + std::string(name);
  for (std::size_t pos = sql.find(needle); pos != std::string_view::npos; pos = sql.find(needle, pos + 1)) {
    const std::size_t end = pos + needle.size();
    if (end == sql.size()) return true;
    const auto c = static_cast<unsigned char>(sql[end]);
    if (std::isalnum(c) == 0 && c != '_') return true;
  }
  return false;
}

Result<google::QueryParameter> to_parameter(const SqlParam& p) {
  using google::QueryParameter;
  const auto& d = p.value.data;
  if (const auto* i = std::get_if<std::int64_t>(&d)) return QueryParameter::int64(p.name, *i);
  if (const auto* x = std::get_if<double>(&d)) return QueryParameter::float64(p.name, *x);
  if (const auto* s = std::get_if<std::string>(&d)) return QueryParameter::string(p.name, *s);
  if (const auto* t = std::get_if<core::TimePoint>(&d)) return QueryParameter::timestamp(p.name, *t);
  if (const auto* day = std::get_if<std::chrono::sys_days>(&d)) return QueryParameter::date(p.name, format_date(*day));
  return make_error(ErrorKind::internal,
                    fmt::format("query parameter @{} is NULL: BigQuery needs a typed value", p.name));
}

SqlValue to_sql_value(const google::Value& v) {
  using Kind = google::Value::Kind;
  switch (v.kind()) {
    case Kind::null: return SqlValue{};
    case Kind::int64: return SqlValue{v.as_int64().value()};
    case Kind::float64: return SqlValue{v.as_double().value()};
    case Kind::boolean: return SqlValue{std::int64_t{v.as_bool().value() ? 1 : 0}};
    case Kind::text:
    case Kind::bytes: return SqlValue{v.as_text().value()};
    case Kind::timestamp: return SqlValue{v.as_time_point().value()};
    case Kind::array:
    case Kind::record: return SqlValue{google::describe(v)};
  }
  return SqlValue{};
}

Result<std::size_t> count_of(const Result<std::vector<SqlRow>>& rows) {
  if (!rows) return rows.error();
  if (rows->empty() || rows->front().empty()) return std::size_t{0};
  return static_cast<std::size_t>(rows->front()[0].as_integer().value_or(0));
}

}  // namespace

// --- schema -------------------------------------------------------------------------

google::TableSpec bigquery_table_spec(const elexon::DatasetSpec& spec, Source source, const std::string& dataset) {
  google::TableSpec t{.dataset = dataset, .table = table_name(spec, source), .schema = {}};
  for (const auto& c : spec.columns) {
    t.schema.push_back(
        field(c.name, bigquery_type(c.type),
              c.requirement == elexon::Requirement::required ? FieldMode::required : FieldMode::nullable));
  }
  t.schema.push_back(field("source", FieldType::string, FieldMode::required));
  t.schema.push_back(field("message_id", FieldType::string, FieldMode::required));
  t.schema.push_back(field("received_at", FieldType::timestamp, FieldMode::required));
  t.partitioning = google::TimePartitioning{
      .type = "DAY",
      .field = spec.partition_column.empty() ? std::string("received_at") : std::string(spec.partition_column)};
  for (const auto key : spec.key) {
    const auto* c = spec.column(key);
    if (c == nullptr || c->type == elexon::ColumnType::real) continue;  // FLOAT64 cannot be clustered on
    if (t.clustering.size() == kMaxClusteringFields) break;
    t.clustering.emplace_back(key);
  }
  t.description = fmt::format("gbpm: {} records from {}", spec.code, source_name(source));
  return t;
}

google::TableSpec raw_messages_table_spec(const std::string& dataset) {
  google::TableSpec t{.dataset = dataset, .table = "raw_messages", .schema = {}};
  t.schema = {field("dataset", FieldType::string, FieldMode::required),
              field("message_id", FieldType::string, FieldMode::required),
              field("source", FieldType::string, FieldMode::required),
              field("received_at", FieldType::timestamp, FieldMode::required),
              field("record_count", FieldType::int64, FieldMode::required),
              field("body", FieldType::string, FieldMode::required)};
  t.partitioning = google::TimePartitioning{.type = "DAY", .field = "received_at"};
  t.clustering = {"dataset", "message_id"};
  t.description = "gbpm: bodies of datasets without a schema, kept as received";
  return t;
}

google::TableSpec quarantine_table_spec(const std::string& dataset) {
  google::TableSpec t{.dataset = dataset, .table = "quarantine", .schema = {}};
  t.schema = {field("source_ref", FieldType::string, FieldMode::required),
              field("body_sha256", FieldType::string, FieldMode::required),
              field("body", FieldType::bytes, FieldMode::required),
              field("error", FieldType::string, FieldMode::required),
              field("quarantined_at", FieldType::timestamp, FieldMode::required)};
  t.partitioning = google::TimePartitioning{.type = "DAY", .field = "quarantined_at"};
  t.clustering = {"source_ref"};
  t.description = "gbpm: bodies that could not be decoded, with the error";
  return t;
}

// --- configuration ------------------------------------------------------------------

Status apply_config(BigQueryWarehouseOptions& options, const config::Config& config) {
  if (config.has("GBPM_BIGQUERY_WRITE")) {
    const std::string w = config.get_string_or("GBPM_BIGQUERY_WRITE", "load");
    if (w == "load") {
      options.write = WriteMethod::load;
    } else if (w == "stream") {
      options.write = WriteMethod::stream;
    } else {
      return make_error(ErrorKind::config, fmt::format("GBPM_BIGQUERY_WRITE={}: expected load or stream", w));
    }
  }
  if (config.has("GBPM_BIGQUERY_SHIP_INTERVAL")) {
    auto d = config.get_duration("GBPM_BIGQUERY_SHIP_INTERVAL");
    if (!d) return std::move(d).error();
    if (d->count() <= 0) return make_error(ErrorKind::config, "GBPM_BIGQUERY_SHIP_INTERVAL must be positive");
    options.ship_interval = *d;
    options.ship_min_gap = std::min(options.ship_min_gap, *d);
  }
  if (config.has("GBPM_BIGQUERY_SHIP_ROWS")) {
    auto n = config.get_int("GBPM_BIGQUERY_SHIP_ROWS", 1, 10'000'000);
    if (!n) return std::move(n).error();
    options.ship_rows = static_cast<std::size_t>(*n);
  }
  if (config.has("GBPM_BIGQUERY_JOBS_PER_DAY")) {
    auto n = config.get_int("GBPM_BIGQUERY_JOBS_PER_DAY", 1, 1400);
    if (!n) return std::move(n).error();
    options.jobs_per_table_per_day = static_cast<int>(*n);
  }
  return {};
}

// --- BigQueryWarehouse --------------------------------------------------------------

BigQueryWarehouse::BigQueryWarehouse(BigQueryWarehouseOptions options, OpenMode mode,
                                     std::unique_ptr<google::BigQueryClient> client, std::shared_ptr<void> keep_alive,
                                     core::Clock& clock, log::Logger& logger)
    : m_options(std::move(options)),
      m_mode(mode),
      m_keep_alive(std::move(keep_alive)),
      m_client(std::move(client)),
      m_clock(clock),
      m_logger(logger),
      m_opened_at(clock.now()),
      m_queries(*this, m_options.limits) {}

BigQueryWarehouse::~BigQueryWarehouse() = default;

Result<std::unique_ptr<BigQueryWarehouse>> BigQueryWarehouse::open(BigQueryWarehouseOptions options, OpenMode mode,
                                                                   std::unique_ptr<google::BigQueryClient> client,
                                                                   std::shared_ptr<void> keep_alive, core::Clock& clock,
                                                                   log::Logger& logger) {
  if (client == nullptr) return make_error(ErrorKind::internal, "BigQueryWarehouse::open without a client");
  std::unique_ptr<BigQueryWarehouse> w(
      new BigQueryWarehouse(std::move(options), mode, std::move(client), std::move(keep_alive), clock, logger));
  if (mode == OpenMode::read_write) {
    if (auto ok = w->open_staging(); !ok) return std::move(ok).error();
  }
  return w;
}

Status BigQueryWarehouse::open_staging() {
  if (m_options.staging.empty()) {
    return make_error(ErrorKind::internal, "BigQuery warehouse opened read_write without a staging path");
  }
  SqliteOptions sqlite;
  sqlite.outbox = Outbox::on;
  auto staging = SqliteWarehouse::open(m_options.staging, OpenMode::read_write, sqlite);
  if (!staging) return std::move(staging).error().with_context("BigQuery staging store");
  m_staging = std::move(staging).value();
  const std::string fresh_id = random_id();
  auto ok = m_staging->transaction([&]() -> Status {
    for (const char* sql : kShipSchema) {
      if (auto r = m_staging->query(sql, {}); !r) return std::move(r).error();
    }
    // The first open names the store for good (job ids and insertIds carry it).
    auto r = m_staging->query("INSERT OR IGNORE INTO ship_meta (key, value) VALUES ('store_id', @id)",
                              {SqlParam{"id", SqlValue{fresh_id}}});
    if (!r) return std::move(r).error();
    return {};
  });
  if (!ok) return ok.error().with_context("BigQuery staging store");
  auto id = m_staging->query("SELECT value FROM ship_meta WHERE key = 'store_id'", {});
  if (!id) return std::move(id).error();
  m_store_id = id->empty() ? fresh_id : id->front()[0].as_text().value_or(fresh_id);
  auto pending = count_of(m_staging->query("SELECT count(*) FROM outbox", {}));
  if (!pending) return std::move(pending).error();
  m_pending = *pending;
  auto last = m_staging->query("SELECT max(submitted_at) FROM ship_log", {});
  if (!last) return std::move(last).error();
  if (!last->empty()) m_last_ship = last->front()[0].as_time();
  return {};
}

std::string BigQueryWarehouse::quoted(const std::string& table) const {
  return fmt::format("`{}.{}.{}`", m_options.project, m_options.dataset, table);
}

bool BigQueryWarehouse::due() const {
  if (m_pending == 0) return false;
  // Before any ship from this store, the interval counts from opening.
  const auto since = m_clock.now() - m_last_ship.value_or(m_opened_at);
  if (since >= m_options.ship_interval) return true;
  return m_pending >= m_options.ship_rows && since >= m_options.ship_min_gap;
}

Result<BatchStats> BigQueryWarehouse::store(const warehouse::Batch& batch) {
  if (m_staging == nullptr) return make_error(ErrorKind::internal, "store() on a BigQuery warehouse opened read-only");
  auto stats = m_staging->store(batch);
  if (!stats) return stats;
  const TableStats total = stats->total();
  m_pending += total.inserted + total.updated + stats->raw_inserted + stats->quarantined;
  if (due()) {
    auto shipped = ship(ShipMode::due);
    if (!shipped) {
      m_logger.warn("BigQuery ship failed; the rows stay staged and are retried at the next ship",
                    {{"error", shipped.error().message}, {"pending_rows", m_pending}});
    }
  }
  return stats;
}

Status BigQueryWarehouse::flush() {
  if (m_staging == nullptr) return {};
  auto shipped = ship(ShipMode::now);
  if (!shipped) return std::move(shipped).error();
  if (m_pending > 0 && shipped->still_running > 0) {
    return make_error(ErrorKind::temporary,
                      fmt::format("{} rows are still staged for BigQuery: {} load job(s) still running after {}s; "
                                  "the next ship confirms them (nothing is sent twice)",
                                  m_pending, shipped->still_running,
                                  std::chrono::duration_cast<std::chrono::seconds>(m_options.flush_wait).count()));
  }
  if (m_pending > 0) {
    return make_error(ErrorKind::temporary,
                      fmt::format("{} rows are still staged for BigQuery (daily load-job budget of {} per table "
                                  "spent); they ship later",
                                  m_pending, m_options.jobs_per_table_per_day));
  }
  return {};
}

Status BigQueryWarehouse::ensure_table(const std::string& table) {
  if (m_tables.count(table) != 0) return {};
  if (!m_dataset_ready) {
    auto found = m_client->get_dataset(m_options.dataset);
    if (!found) {
      if (!is_not_found(found.error())) return std::move(found).error();
      auto made = m_client->insert_dataset(m_options.dataset);
      // A concurrent creator (another host) is fine.
      if (!made && made.error().message.find("HTTP 409") == std::string::npos) return std::move(made).error();
    }
    m_dataset_ready = true;
  }
  std::optional<google::TableSpec> spec;
  if (table == "raw_messages") {
    spec = raw_messages_table_spec(m_options.dataset);
  } else if (table == "quarantine") {
    spec = quarantine_table_spec(m_options.dataset);
  } else {
    for (const auto& d : elexon::all_datasets()) {
      for (const Source source : {Source::iris, Source::api}) {
        if (table_name(d, source) == table) spec = bigquery_table_spec(d, source, m_options.dataset);
      }
    }
  }
  if (!spec) return make_error(ErrorKind::internal, fmt::format("staged rows for unknown table {}", table));
  auto made = m_client->ensure_table(*spec);
  if (!made) return std::move(made).error();
  m_tables.insert(table);
  m_missing.erase(table);
  return {};
}

Result<int> BigQueryWarehouse::jobs_last_day(const std::string& table) {
  auto n = count_of(
      m_staging->query("SELECT count(*) FROM ship_log WHERE tbl = @t AND submitted_at > @since",
                       {SqlParam{"t", SqlValue{table}},
                        SqlParam{"since", SqlValue{format_timestamp(m_clock.now() - std::chrono::hours(24))}}}));
  if (!n) return std::move(n).error();
  return static_cast<int>(*n);
}

Result<ShipStats> BigQueryWarehouse::ship(ShipMode mode) {
  ShipStats stats;
  if (m_staging == nullptr) return stats;
  if (mode == ShipMode::due && !due()) return stats;
  m_last_ship = m_clock.now();
  auto tables = m_staging->query("SELECT DISTINCT tbl FROM outbox UNION SELECT tbl FROM ship_batches ORDER BY 1", {});
  if (!tables) return std::move(tables).error();
  std::optional<Error> first_error;
  for (const auto& row : *tables) {
    const std::string table = row[0].as_text().value_or("");
    auto shipped =
        m_options.write == WriteMethod::load ? ship_table_load(table, mode, stats) : ship_table_stream(table, stats);
    if (!shipped) {
      if (!first_error) first_error = std::move(shipped).error().with_context(fmt::format("shipping {}", table));
      continue;
    }
    stats.rows += *shipped;
    m_pending -= std::min(m_pending, *shipped);
  }
  // Keep the job log to what the budget looks at (and a day of slack).
  (void)m_staging->query("DELETE FROM ship_log WHERE submitted_at < @before",
                         {SqlParam{"before", SqlValue{format_timestamp(m_clock.now() - std::chrono::hours(48))}}});
  if (stats.rows > 0 || stats.jobs > 0) {
    m_logger.info("shipped staged rows to BigQuery", {{"rows", stats.rows},
                                                      {"jobs", stats.jobs},
                                                      {"already_loaded", stats.already_loaded},
                                                      {"pending_rows", m_pending}});
  }
  if (first_error) return *first_error;
  return stats;
}

// One batch at a time: plan it, poll a job sent before, check the budget,
// submit, settle. Every step can end the ship early and shares the job id, the
// seq range and the stats, so its pieces would not stand alone.
// NOLINTNEXTLINE(readability-function-size): one state machine (see above)
Result<std::size_t> BigQueryWarehouse::ship_table_load(const std::string& table, ShipMode mode, ShipStats& stats) {
  std::size_t shipped = 0;
  const SqlParam t{"t", SqlValue{table}};
  for (;;) {
    auto planned = m_staging->query("SELECT first_seq, last_seq, attempt FROM ship_batches WHERE tbl = @t", {t});
    if (!planned) return std::move(planned).error();
    if (planned->empty()) {
      auto range = m_staging->query(
          "SELECT min(seq), max(seq), count(*) FROM (SELECT seq FROM outbox WHERE tbl = @t ORDER BY seq LIMIT @n)",
          {t, SqlParam{"n", SqlValue{static_cast<std::int64_t>(m_options.job_rows)}}});
      if (!range) return std::move(range).error();
      if (range->empty() || range->front()[2].as_integer().value_or(0) == 0) return shipped;
      const auto& r = range->front();
      auto planned_ok =
          m_staging->query("INSERT INTO ship_batches (tbl, first_seq, last_seq, attempt) VALUES (@t, @a, @b, 0)",
                           {t, SqlParam{"a", r[0]}, SqlParam{"b", r[1]}});
      if (!planned_ok) return std::move(planned_ok).error();
      continue;
    }
    const std::int64_t first = planned->front()[0].as_integer().value_or(0);
    const std::int64_t last = planned->front()[1].as_integer().value_or(0);
    const std::int64_t attempt = planned->front()[2].as_integer().value_or(0);
    const std::vector<SqlParam> range = {t, SqlParam{"a", SqlValue{first}}, SqlParam{"b", SqlValue{last}}};

    const std::string job_id = fmt::format("gbpm_{}_{}_{}_{}_a{}", m_store_id, table, first, last, attempt);
    const google::JobReference job{m_options.project, job_id, m_options.location};
    const auto wait = mode == ShipMode::now ? m_options.flush_wait : m_options.ship_wait;
    // A job still running (or whose answer was lost) keeps its id; only a job
    // known to have failed inside BigQuery moves the batch on to a new one.
    const auto next_attempt = [&] {
      (void)m_staging->query("UPDATE ship_batches SET attempt = attempt + 1 WHERE tbl = @t", {t});
    };
    const auto still_running = [&] {
      ++stats.still_running;
      m_logger.info("BigQuery load job still running; its rows stay staged until it finishes",
                    {{"table", table}, {"job_id", job_id}});
    };

    auto submitted = count_of(
        m_staging->query("SELECT count(*) FROM ship_log WHERE job_id = @j", {SqlParam{"j", SqlValue{job_id}}}));
    if (!submitted) return std::move(submitted).error();
    bool loaded_before = false;
    if (*submitted > 0) {
      // Sent before (an earlier ship, or a run that stopped while waiting):
      // ask how it went before sending the rows again.
      auto outcome = m_client->poll_job(job, wait);
      if (!outcome && !is_not_found(outcome.error())) return std::move(outcome).error();
      if (outcome) {
        switch (outcome->state) {
          case google::JobOutcome::State::running: still_running(); return shipped;
          case google::JobOutcome::State::failed: next_attempt(); return *outcome->failure;
          case google::JobOutcome::State::succeeded:
            ++stats.already_loaded;
            loaded_before = true;
            break;
        }
      }
      // 404: BigQuery never received it; submit it (same id) below.
    }

    if (!loaded_before) {
      auto used = jobs_last_day(table);
      if (!used) return std::move(used).error();
      if (*used >= m_options.jobs_per_table_per_day) {
        ++stats.budget_exhausted;
        m_logger.warn("BigQuery load-job budget for this table is spent; rows stay staged",
                      {{"table", table}, {"jobs_last_24h", *used}, {"budget", m_options.jobs_per_table_per_day}});
        return shipped;
      }
      if (auto ok = ensure_table(table); !ok) return std::move(ok).error();

      auto rows =
          m_staging->query("SELECT row FROM outbox WHERE tbl = @t AND seq BETWEEN @a AND @b ORDER BY seq", range);
      if (!rows) return std::move(rows).error();
      std::string ndjson;
      for (const auto& r : *rows) {
        ndjson += r[0].as_text().value_or("{}");
        ndjson += '\n';
      }
      auto logged = m_staging->query(
          "INSERT OR IGNORE INTO ship_log (job_id, tbl, rows, submitted_at) VALUES (@j, @t, @n, @at)",
          {t, SqlParam{"j", SqlValue{job_id}}, SqlParam{"n", SqlValue{static_cast<std::int64_t>(rows->size())}},
           SqlParam{"at", SqlValue{format_timestamp(m_clock.now())}}});
      if (!logged) return std::move(logged).error();
      ++stats.jobs;
      google::LoadRequest request{.dataset = m_options.dataset,
                                  .table = table,
                                  .job_id = job_id,
                                  .ndjson = std::move(ndjson),
                                  .wait = std::chrono::duration_cast<std::chrono::milliseconds>(wait)};
      auto loaded = m_client->load_ndjson(request);
      if (!loaded) {
        // Did BigQuery take the job after all (the answer was lost), or did
        // the job fail? One look decides; anything else keeps the same id.
        auto outcome = m_client->poll_job(job, std::chrono::milliseconds{0});
        if (!outcome) return std::move(loaded).error();
        if (outcome->state == google::JobOutcome::State::failed) {
          next_attempt();
          return std::move(loaded).error();
        }
        if (outcome->state == google::JobOutcome::State::running) {
          still_running();
          return shipped;
        }
      } else if (!loaded->finished) {
        still_running();
        return shipped;
      } else if (loaded->already_existed) {
        ++stats.already_loaded;
      }
    }

    auto count =
        count_of(m_staging->query("SELECT count(*) FROM outbox WHERE tbl = @t AND seq BETWEEN @a AND @b", range));
    if (!count) return std::move(count).error();
    auto done = m_staging->transaction([&]() -> Status {
      if (auto r = m_staging->query("DELETE FROM outbox WHERE tbl = @t AND seq BETWEEN @a AND @b", range); !r) {
        return std::move(r).error();
      }
      if (auto r = m_staging->query("DELETE FROM ship_batches WHERE tbl = @t", {t}); !r) return std::move(r).error();
      return {};
    });
    if (!done) return std::move(done).error();
    shipped += static_cast<std::size_t>(*count);
  }
}

Result<std::size_t> BigQueryWarehouse::ship_table_stream(const std::string& table, ShipStats& stats) {
  std::size_t shipped = 0;
  const SqlParam t{"t", SqlValue{table}};
  for (;;) {
    auto rows = m_staging->query("SELECT seq, row FROM outbox WHERE tbl = @t ORDER BY seq LIMIT @n",
                                 {t, SqlParam{"n", SqlValue{static_cast<std::int64_t>(m_options.stream_rows)}}});
    if (!rows) return std::move(rows).error();
    if (rows->empty()) return shipped;
    if (auto ok = ensure_table(table); !ok) return std::move(ok).error();
    std::vector<google::InsertRow> insert;
    insert.reserve(rows->size());
    for (const auto& r : *rows) {
      insert.push_back(google::InsertRow{fmt::format("{}-{}-{}", m_store_id, table, r[0].as_integer().value_or(0)),
                                         r[1].as_text().value_or("{}")});
    }
    ++stats.jobs;
    auto inserted = m_client->insert_all(m_options.dataset, table, insert);
    if (!inserted) return std::move(inserted).error();
    if (!inserted->ok()) {
      const auto invalid = inserted->invalid_rows();
      const auto& e = inserted->row_errors.front();
      return make_error(invalid.empty() ? ErrorKind::temporary : ErrorKind::data,
                        fmt::format("insertAll into {}: {} rows refused ({} invalid), first: row {} {} {}", table,
                                    inserted->row_errors.size(), invalid.size(), e.index,
                                    e.errors.empty() ? "" : e.errors.front().reason,
                                    e.errors.empty() ? "" : e.errors.front().message));
    }
    const std::int64_t last = rows->back()[0].as_integer().value_or(0);
    if (auto r =
            m_staging->query("DELETE FROM outbox WHERE tbl = @t AND seq <= @b", {t, SqlParam{"b", SqlValue{last}}});
        !r) {
      return std::move(r).error();
    }
    shipped += rows->size();
  }
}

// --- reads --------------------------------------------------------------------------

std::optional<std::string> BigQueryWarehouse::table_ref(const elexon::DatasetSpec& spec, Source source) {
  const std::string table = table_name(spec, source);
  if (m_tables.count(table) != 0) return quoted(table);
  if (m_missing.count(table) != 0) return std::nullopt;
  auto found = m_client->get_table(m_options.dataset, table);
  if (!found && is_not_found(found.error())) {
    m_missing.insert(table);
    return std::nullopt;
  }
  // Found, or unknown (auth, network): name it, so the query reports the real error.
  if (found) m_tables.insert(table);
  return quoted(table);
}

Result<std::vector<SqlRow>> BigQueryWarehouse::query(std::string_view sql, const std::vector<SqlParam>& params) {
  google::QueryRequest request;
  request.sql = std::string(sql);
  for (const auto& p : params) {
    if (!mentions_param(sql, p.name)) continue;  // BigQuery refuses parameters a query does not use
    auto qp = to_parameter(p);
    if (!qp) return std::move(qp).error();
    request.parameters.push_back(std::move(qp).value());
  }
  auto result = m_client->query(request);
  if (!result) return std::move(result).error();
  m_bytes_processed += result->total_bytes_processed;
  std::vector<SqlRow> rows;
  rows.reserve(result->rows.size());
  for (const auto& r : result->rows) {
    SqlRow row;
    row.reserve(r.size());
    for (const auto& v : r) row.push_back(to_sql_value(v));
    rows.push_back(std::move(row));
  }
  return rows;
}

WarehouseUsage BigQueryWarehouse::usage() const {
  return WarehouseUsage{.api_calls = m_client->api_calls(), .bytes_processed = m_bytes_processed};
}

// --- open_warehouse's bigquery: branch ---------------------------------------------

std::filesystem::path staging_path(const BigQueryUri& uri, const std::filesystem::path& home) {
  return home / "bigquery" / fmt::format("{}.{}.db", uri.project, uri.dataset);
}

Result<std::unique_ptr<BigQueryWarehouse>> open_bigquery_warehouse(const BigQueryUri& uri, OpenMode mode,
                                                                   const OpenContext& context) {
  BigQueryWarehouseOptions options;
  options.project = uri.project;
  options.dataset = uri.dataset;
  options.location = uri.location;
  if (auto ok = apply_config(options, context.config); !ok) return std::move(ok).error();
  if (mode == OpenMode::read_write) {
    options.staging = staging_path(uri, context.home);
  }
  auto session =
      google::open_google_session(context.config, context.clock, context.logger, {std::string(auth::kBigQueryScope)});
  if (!session) return std::move(session).error();
  google::BigQueryOptions bq;
  bq.project = uri.project;
  bq.location = uri.location;
  google::apply_config(bq, context.config);
  auto client = std::make_unique<google::BigQueryClient>(*(*session)->transport, *(*session)->credentials.tokens,
                                                         context.clock, bq);
  std::shared_ptr<void> keep_alive(std::move(session).value().release(),
                                   [](void* p) { delete static_cast<google::GoogleSession*>(p); });
  return BigQueryWarehouse::open(std::move(options), mode, std::move(client), std::move(keep_alive), context.clock,
                                 context.logger);
}

}  // namespace gbpm::warehouse
