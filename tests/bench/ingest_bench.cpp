// ingest_bench: drain a dir backlog of real-shaped IRIS messages into SQLite
// through the real DirSource + Ingester, beside a parse-only RapidJSON pass
// over the same bytes (issue 6, reliability-anchors §C.4/C.5).
//
//   ingest_bench [MESSAGES=50000] [WORKDIR=$TMPDIR]
//
// Messages: 45% FUELINST (the 19-record fixture, startTime shifted per
// message), 45% FREQ (20 samples), 9% BOALF-like MELS (fixture, shifted), 1%
// unknown dataset (kept raw). Reports messages/s, records/s, MB/s, peak RSS.

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/clock.hpp"
#include "core/log.hpp"
#include "core/time.hpp"
#include "ingest/dir_source.hpp"
#include "ingest/ingester.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace fs = std::filesystem;
using namespace gbpm;

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 50000;
  const char* fixtures_env = std::getenv("GBPM_FIXTURES");
  const fs::path fixtures = fs::path(fixtures_env ? fixtures_env : "/work/shared/fixtures") / "elexon" / "iris";
  const fs::path work = (argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path()) /
                        fmt::format("ingest_bench_{}", static_cast<long>(::getpid()));
  fs::create_directories(work / "drop");
  const std::string fuelinst = slurp(fixtures / "FUELINST.json");
  const std::string mels = slurp(fixtures / "MELS.json");

  const auto base = core::TimePoint{std::chrono::hours{24 * 19700}};
  std::size_t total_bytes = 0;
  long expected_records = 0;
  for (int i = 0; i < n; ++i) {
    std::string ds;
    std::string body;
    const int kind = i % 100;
    if (kind < 45) {
      ds = "FUELINST";
      body = fuelinst;
      replace_all(body, "2024-02-12T17:45:00Z", core::format_utc(base + std::chrono::minutes{5 * i}));
      expected_records += 19;
    } else if (kind < 90) {
      ds = "FREQ";
      body = "[";
      for (int k = 0; k < 20; ++k) {
        body += fmt::format(R"({}{{"dataset":"FREQ","measurementTime":"{}","frequency":{:.3f}}})", k ? "," : "",
                            core::format_utc(base + std::chrono::seconds{15 * (20 * i + k)}), 49.9 + (i % 20) / 100.0);
      }
      body += "]";
      expected_records += 20;
    } else if (kind < 99) {
      ds = "MELS";
      body = mels;
      replace_all(body, "T1", fmt::format("T{}", i));  // a distinct BM unit per message
      expected_records += 2;
    } else {
      ds = "ZZNEW";
      body = fmt::format(R"([{{"dataset":"ZZNEW","n":{}}}])", i);
      expected_records += 1;
    }
    fs::create_directories(work / "drop" / ds);
    std::ofstream(work / "drop" / ds / fmt::format("{}_{:08d}.json", ds, i), std::ios::binary) << body;
    total_bytes += body.size();
  }
  const double mb = static_cast<double>(total_bytes) / (1024.0 * 1024.0);
  std::printf("backlog: %d messages, %.1f MB, %ld records\n", n, mb, expected_records);
  const long rss_before = peak_rss_kb();

  // Ingest: DirSource → Ingester → SQLite.
  auto wh = warehouse::SqliteWarehouse::open(work / "gbpm.db", warehouse::OpenMode::read_write);
  if (!wh) {
    std::fprintf(stderr, "%s\n", wh.error().message.c_str());
    return 1;
  }
  ingest::DirSource source(work / "drop", ingest::DirSourceOptions{.keep = ingest::KeepFiles::keep,
                                                                   .min_age = std::chrono::milliseconds{0}});
  core::SystemClock clock;
  log::Logger logger(log::Logger::Options{.level = log::Level::warn});
  ingest::IngestOptions options;
  options.mode = ingest::RunMode::once;
  ingest::Ingester ingester(source, **wh, clock, logger, options);
  auto start = std::chrono::steady_clock::now();
  if (auto st = ingester.run(); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  const double ingest_s = seconds_since(start);
  const long rss_ingest = peak_rss_kb();
  const auto& s = ingester.stats();
  std::printf("ingest:     %8.2f s  %9.0f msg/s  %10.0f rec/s  %7.1f MB/s  peak RSS %ld MB (%ld MB before)\n", ingest_s,
              s.messages / ingest_s, s.records / ingest_s, mb / ingest_s, rss_ingest / 1024, rss_before / 1024);
  std::printf("            %lld messages, %lld records, %lld raw, %lld quarantined, %lld batches\n",
              static_cast<long long>(s.messages), static_cast<long long>(s.records), static_cast<long long>(s.kept_raw),
              static_cast<long long>(s.quarantined), static_cast<long long>(s.batches));

  std::printf("            time: receive (read files) %.2f s, decode %.2f s, store (SQLite) %.2f s, settle %.2f s\n",
              static_cast<double>(s.receive_time.count()) / 1000, static_cast<double>(s.decode_time.count()) / 1000,
              static_cast<double>(s.store_time.count()) / 1000, static_cast<double>(s.settle_time.count()) / 1000);

  // Parse-only: the very same files (the drain kept them under .processed/),
  // each read from disk and parsed into a RapidJSON DOM.
  std::size_t parsed = 0;
  start = std::chrono::steady_clock::now();
  for (const auto& entry : fs::recursive_directory_iterator(work / "drop" / ".processed")) {
    if (!entry.is_regular_file()) continue;
    const std::string body = slurp(entry.path());
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (!doc.HasParseError() && doc.IsArray()) parsed += doc.Size();
  }
  const double parse_s = seconds_since(start);
  std::printf("parse-only: %8.2f s  %9.0f msg/s  %10.0f rec/s  %7.1f MB/s  (RapidJSON DOM, in memory, %zu records)\n",
              parse_s, static_cast<double>(n) / parse_s, static_cast<double>(parsed) / parse_s, mb / parse_s, parsed);
  std::printf("ingest / parse-only rate: %.2f\n", parse_s / ingest_s);
  const bool ok = s.messages == n && s.records == expected_records;
  if (!ok) std::printf("MISMATCH: expected %d messages and %ld records\n", n, expected_records);
  std::error_code ec;
  fs::remove_all(work, ec);
  return ok ? 0 : 1;
}
