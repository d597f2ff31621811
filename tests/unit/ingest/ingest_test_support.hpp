#pragma once
// Shared helpers for the ingest tests: a scripted MessageSource, a warehouse
// that can be told to fail, and fixture access.

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ingest/message_source.hpp"
#include "support/fixtures.hpp"
#include "support/temp_dir.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace gbpm::ingest::testing {

// The body of a fixture under $GBPM_FIXTURES/elexon/iris/.
inline std::string iris_fixture(const std::string& name) {
  return gbpm::testing::read_file(gbpm::testing::elexon_fixtures() / "iris" / name);
}

inline Message make_message(std::string id, std::string subject, std::string body) {
  Message m;
  m.id = id;
  m.subject = std::move(subject);
  m.source_ref = "fake:" + id;
  m.locator = std::move(id);
  m.body = std::move(body);
  m.enqueued_at = core::TimePoint{std::chrono::hours{24 * 20000}};
  return m;
}

// A MessageSource over a queue of messages. Released messages go back to the
// front; every settle is recorded with the number of commits seen so far.
class FakeSource final : public MessageSource {
 public:
  struct Ack {
    std::string id;
    Outcome outcome;
    std::string error;
    int commits_seen = -1;  // commits the warehouse had made when this ack came
  };

  void push(Message m) { m_queue.push_back(std::move(m)); }

  Result<std::vector<Message>> receive(const ReceiveLimits& limits) override {
    ++receives;
    if (fail_receives > 0) {
      --fail_receives;
      return make_error(ErrorKind::temporary, "broker unreachable");
    }
    std::vector<Message> out;
    std::size_t bytes = 0;
    while (!m_queue.empty() && out.size() < limits.max_messages) {
      if (!out.empty() && bytes + m_queue.front().body.size() > limits.max_bytes) break;
      bytes += m_queue.front().body.size();
      m_originals[m_queue.front().locator] = m_queue.front();
      out.push_back(m_queue.front());
      m_queue.pop_front();
    }
    in_flight += out.size();
    max_in_flight = std::max(max_in_flight, in_flight);
    if (!out.empty()) events.push_back("receive " + std::to_string(out.size()));
    return out;
  }
  Status acknowledge(const Message& m, Outcome outcome, std::string_view error) override {
    --in_flight;
    acks.push_back({m.id, outcome, std::string(error), commits ? commits() : -1});
    events.push_back("ack " + m.id);
    return {};
  }
  void release(const Message& m) override {
    --in_flight;
    released.push_back(m.id);
    events.push_back("release " + m.id);
    m_requeue.push_back(m_originals.at(m.locator));  // the Ingester may have moved the body out
    // Redelivery after the batch is settled, as a broker would.
    if (in_flight == 0) {
      for (auto it = m_requeue.rbegin(); it != m_requeue.rend(); ++it) m_queue.push_front(*it);
      m_requeue.clear();
    }
  }
  void keep_alive(const std::vector<Message>& batch) override {
    ++keep_alives;
    last_keep_alive_size = batch.size();
    keep_alive_commits.push_back(commits ? commits() : -1);
  }
  [[nodiscard]] SourceCounters counters() const override { return reported; }
  [[nodiscard]] std::string describe() const override { return "fake:queue"; }

  [[nodiscard]] std::size_t queued() const { return m_queue.size(); }

  std::function<int()> commits;  // reads the warehouse's commit count
  std::vector<Ack> acks;
  std::vector<std::string> released;
  std::size_t in_flight = 0;
  std::size_t max_in_flight = 0;        // most messages handed out and not yet settled at once
  std::vector<std::string> events;      // "receive N", "ack ID", "release ID", in order
  std::vector<int> keep_alive_commits;  // commits seen at each keep_alive
  int receives = 0;
  int fail_receives = 0;
  int keep_alives = 0;
  std::size_t last_keep_alive_size = 0;
  SourceCounters reported;  // what counters() returns

 private:
  std::deque<Message> m_queue;
  std::vector<Message> m_requeue;
  std::map<std::string, Message> m_originals;  // by locator, as handed out
};

// A real SQLite warehouse whose next `fail_next` stores fail with `kind`
// before touching the database. `commits` counts stores that reached it.
class FlakyWarehouse final : public warehouse::Warehouse {
 public:
  explicit FlakyWarehouse(warehouse::SqliteWarehouse& inner) : m_inner(inner) {}
  Result<warehouse::BatchStats> store(const warehouse::Batch& batch) override {
    ++stores;
    if (fail_next > 0) {
      --fail_next;
      return make_error(kind, "database is locked");
    }
    ++commits;
    return m_inner.store(batch);
  }
  warehouse::MarketQueries& market() override { return m_inner.market(); }

  // Atomic: the Ingester stores on its committer thread while the test's
  // source reads `commits` on the ingest thread.
  std::atomic<int> fail_next = 0;
  ErrorKind kind = ErrorKind::temporary;
  std::atomic<int> stores = 0;
  std::atomic<int> commits = 0;

 private:
  warehouse::SqliteWarehouse& m_inner;
};

// A clock that moves `step` forward every time it is read, so work that
// reads the time (a decode loop) sees time pass.
class TickingClock final : public core::Clock {
 public:
  TickingClock(core::TimePoint start, core::Duration step) : m_now(start), m_step(step) {}
  [[nodiscard]] core::TimePoint now() const override {
    m_now += m_step;
    return m_now;
  }
  void sleep_for(core::Duration d) override { m_now += d; }

 private:
  mutable core::TimePoint m_now;
  core::Duration m_step;
};

inline std::int64_t count_rows(warehouse::SqliteWarehouse& wh, const std::string& sql) {
  auto rows = wh.query(sql, {});
  if (!rows || rows->empty() || rows->front().empty()) return -1;
  return rows->front().front().as_integer().value_or(-1);
}

}  // namespace gbpm::ingest::testing
