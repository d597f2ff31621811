// ingest_bench: drain a dir backlog of real-shaped IRIS messages into SQLite
// through the real DirSource + Ingester (issue 6), side by side in one run with
//   (a) parse-only: the same files read and parsed into a RapidJSON DOM;
//   (b) the predecessor-style Python uploader (predecessor_ingest.py: json.load
//       per file, dict rows, sqlite3 executemany) on the same bytes.
//
//   ingest_bench [--ingest-only] [MESSAGES=50000] [WORKDIR=$TMPDIR] [PREDECESSOR_SCRIPT]
//
// --ingest-only skips the parse-only and Python legs (for profiling the
// ingest: perf record -g ingest_bench --ingest-only 50000 /dev/shm/x).
// --generate-only writes the backlog, prints its directory and keeps it; the
// ingest alone is then `ingest_bench --ingest-phase DIR/drop DB` (on a
// hard-linked copy, `cp -al`, as it deletes what it stores).
// INGEST_BENCH_PIPELINE=off runs the ingest with Pipeline::off (decode and
// commit one after the other), to compare with the default pipelined run.
//
// Messages: 45% FUELINST (the 19-record fixture, startTime shifted per
// message), 45% FREQ (20 samples), 9% MELS (fixture, a distinct BM unit per
// message), 1% unknown dataset (kept raw). The ingest runs in a fresh child
// process (this binary with --ingest-phase) so its peak RSS is its own; it
// deletes each file once stored, as iris-ingest does by default.
// Reports messages/s, records/s, MB/s and peak RSS for each, and the goals:
// ingest ≥ 10× Python, ≥ 0.3 × parse-only, peak RSS ≤ 64 MB. Exit 1 when the
// drain stored the wrong counts (not when a goal is missed).

#include <fmt/format.h>
#include <rapidjson/document.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

// One read of a whole file into a string (as DirSource reads), so the
// parse-only pass is not slowed by iostreams.
std::string read_fast(const fs::path& path, std::size_t size) {
  std::string body(size, '\0');
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  body.resize(std::fread(body.data(), 1, size, f));
  std::fclose(f);
  return body;
}

// User + system CPU seconds of this process so far.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(usage.ru_utime) + secs(usage.ru_stime);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double ms(core::Duration d) {
  return static_cast<double>(d.count()) / 1000.0;
}

// The child: drains DROP into DB and prints one line of figures.
int ingest_phase(const fs::path& drop, const fs::path& db) {
  auto wh = warehouse::SqliteWarehouse::open(db, warehouse::OpenMode::read_write);
  if (!wh) {
    std::fprintf(stderr, "%s\n", wh.error().message.c_str());
    return 1;
  }
  ingest::DirSource source(
      drop, ingest::DirSourceOptions{.keep = ingest::KeepFiles::remove, .min_age = std::chrono::milliseconds{0}});
  core::SystemClock clock;
  log::Logger logger(log::Logger::Options{.level = log::Level::warn});
  ingest::IngestOptions options;
  options.mode = ingest::RunMode::once;
  // INGEST_BENCH_PIPELINE=off: the serial loop, for comparison.
  if (const char* p = std::getenv("INGEST_BENCH_PIPELINE"); p != nullptr && std::strcmp(p, "off") == 0) {
    options.pipeline = ingest::Pipeline::off;
  }
  ingest::Ingester ingester(source, **wh, clock, logger, options);
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  if (auto st = ingester.run(); !st) {
    std::fprintf(stderr, "%s\n", st.error().message.c_str());
    return 1;
  }
  const double seconds = seconds_since(start);
  const double cpu = cpu_seconds() - cpu_start;
  const auto& s = ingester.stats();
  std::printf("%lld %lld %lld %lld %lld %.4f %ld %.3f %.3f %.3f %.3f %.4f\n", static_cast<long long>(s.messages),
              static_cast<long long>(s.records), static_cast<long long>(s.kept_raw),
              static_cast<long long>(s.quarantined), static_cast<long long>(s.batches), seconds, peak_rss_kb(),
              ms(s.receive_time), ms(s.decode_time), ms(s.store_time), ms(s.settle_time), cpu);
  return 0;
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `command` and returns its first line of output ("" on failure).
std::string run_line(const std::string& command) {
  std::FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return {};
  char line[512] = {};
  const bool got = std::fgets(line, sizeof line, pipe) != nullptr;
  const int rc = ::pclose(pipe);
  return got && rc == 0 ? std::string(line) : std::string();
}

fs::path find_script(int argc, char** argv) {
  if (argc > 3) return argv[3];
  if (const char* env = std::getenv("GBPM_PREDECESSOR_SCRIPT")) return env;
  std::error_code ec;
  const fs::path here = fs::path(__FILE__).parent_path() / "predecessor_ingest.py";
  if (fs::exists(here, ec)) return here;
  // <source>/<build>/tests/bench/ingest_bench → <source>/tests/bench/.
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  const fs::path guess =
      exe.parent_path().parent_path().parent_path().parent_path() / "tests/bench/predecessor_ingest.py";
  return fs::exists(guess, ec) ? guess : fs::path();
}

// One line per contender: wall-clock rates, then the same per CPU second
// (user + system), which is what stays comparable on a loaded machine.
void report(const char* name, double seconds, double cpu, double messages, double records, double mb, long rss_kb,
            const char* note) {
  std::printf(
      "%-10s wall %7.2f s %8.0f msg/s %9.0f rec/s %6.1f MB/s | cpu %6.2f s %8.0f msg/s %9.0f rec/s %6.1f MB/s"
      " | peak RSS %5.1f MB  %s\n",
      name, seconds, messages / seconds, records / seconds, mb / seconds, cpu, messages / cpu, records / cpu, mb / cpu,
      static_cast<double>(rss_kb) / 1024.0, note);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--ingest-phase") == 0) return ingest_phase(argv[2], argv[3]);
  const bool ingest_only = argc > 1 && std::strcmp(argv[1], "--ingest-only") == 0;
  const bool generate_only = argc > 1 && std::strcmp(argv[1], "--generate-only") == 0;
  if (ingest_only || generate_only) {
    --argc;
    ++argv;
  }
  const int n = argc > 1 ? std::atoi(argv[1]) : 50000;
  const char* fixtures_env = std::getenv("GBPM_FIXTURES");
  const fs::path fixtures =
      fs::path(fixtures_env ? fixtures_env : GBPM_SOURCE_DIR "/tests/fixtures") / "elexon" / "iris";
  const fs::path work = (argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path()) /
                        fmt::format("ingest_bench_{}", static_cast<long>(::getpid()));
  fs::create_directories(work / "drop");
  const std::string fuelinst = slurp(fixtures / "FUELINST.json");
  const std::string mels = slurp(fixtures / "MELS.json");
  if (fuelinst.empty() || mels.empty()) {
    std::fprintf(stderr, "fixtures not found under %s (set GBPM_FIXTURES)\n", fixtures.c_str());
    return 2;
  }

  const auto base = core::TimePoint{std::chrono::hours{24 * 19700}};
  std::size_t total_bytes = 0;
  long expected_records = 0;
  long unknown_records = 0;
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
      unknown_records += 1;
    }
    fs::create_directories(work / "drop" / ds);
    fs::create_directories(work / "pydrop" / ds);
    const auto name = fmt::format("{}_{:08d}.json", ds, i);
    std::ofstream(work / "drop" / ds / name, std::ios::binary) << body;
    // The same bytes for parse-only and the Python baseline (the ingest and
    // Python each delete what they store, as in production).
    fs::create_hard_link(work / "drop" / ds / name, work / "pydrop" / ds / name);
    total_bytes += body.size();
  }
  const double mb = static_cast<double>(total_bytes) / (1024.0 * 1024.0);
  std::printf("backlog: %d messages, %.1f MB, %ld records (%s)\n", n, mb, expected_records, work.c_str());
  if (generate_only) return 0;

  // Ingest, in a fresh process: DirSource → Ingester → SQLite.
  const std::string self = fs::read_symlink("/proc/self/exe").string();
  const std::string line = run_line(shell_quote(self) + " --ingest-phase " + shell_quote((work / "drop").string()) +
                                    " " + shell_quote((work / "gbpm.db").string()));
  long long messages = 0, records = 0, raw = 0, quarantined = 0, batches = 0;
  double ingest_s = 0, receive_s = 0, decode_s = 0, store_s = 0, settle_s = 0, ingest_cpu = 0;
  long ingest_rss = 0;
  if (std::sscanf(line.c_str(), "%lld %lld %lld %lld %lld %lf %ld %lf %lf %lf %lf %lf", &messages, &records, &raw,
                  &quarantined, &batches, &ingest_s, &ingest_rss, &receive_s, &decode_s, &store_s, &settle_s,
                  &ingest_cpu) != 12) {
    std::fprintf(stderr, "the ingest phase failed\n");
    return 1;
  }
  report("ingest", ingest_s, ingest_cpu, static_cast<double>(messages), static_cast<double>(records), mb, ingest_rss,
         "DirSource+Ingester+SqliteWarehouse, fresh process");
  std::printf("            %lld messages, %lld records, %lld raw, %lld quarantined, %lld group commits\n", messages,
              records, raw, quarantined, batches);
  std::printf("            time: receive (scan+read) %.2f s, decode %.2f s, store (SQLite) %.2f s, settle %.2f s\n",
              receive_s, decode_s, store_s, settle_s);

  if (ingest_only) {
    const bool counts_ok = messages == n && records == expected_records && raw == unknown_records;
    if (!counts_ok)
      std::printf("MISMATCH: expected %d messages, %ld records, %ld raw\n", n, expected_records, unknown_records);
    std::error_code ec;
    fs::remove_all(work, ec);
    return counts_ok ? 0 : 1;
  }

  // (a) Parse-only: the very same files (the drain removed its links; the
  // Python copy links the same inodes), each read and parsed into a DOM.
  std::size_t parsed = 0;
  auto start = std::chrono::steady_clock::now();
  const double parse_cpu_start = cpu_seconds();
  for (const auto& entry : fs::recursive_directory_iterator(work / "pydrop")) {
    if (!entry.is_regular_file()) continue;
    const std::string body = read_fast(entry.path(), static_cast<std::size_t>(entry.file_size()));
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (!doc.HasParseError() && doc.IsArray()) parsed += doc.Size();
  }
  const double parse_s = seconds_since(start);
  const double parse_cpu = cpu_seconds() - parse_cpu_start;
  report("parse-only", parse_s, parse_cpu, n, static_cast<double>(parsed), mb, peak_rss_kb(),
         "read + RapidJSON DOM, this process");

  // (b) The predecessor-style Python uploader on the same bytes.
  double python_s = 0;
  double python_cpu = 0;
  const fs::path script = find_script(argc, argv);
  if (script.empty()) {
    std::printf("python      skipped: predecessor_ingest.py not found (pass its path as the third argument)\n");
  } else {
    const std::string py =
        run_line("python3 " + shell_quote(script.string()) + " " + shell_quote((work / "pydrop").string()) + " " +
                 shell_quote((work / "python.db").string()));
    long long py_files = 0, py_records = 0;
    long py_rss = 0;
    if (std::sscanf(py.c_str(), "%lld %lld %lf %ld %lf", &py_files, &py_records, &python_s, &py_rss, &python_cpu) !=
        5) {
      std::printf("python      failed (%s)\n", script.c_str());
      python_s = 0;
    } else {
      report("python", python_s, python_cpu, static_cast<double>(py_files), static_cast<double>(py_records), mb, py_rss,
             "predecessor_ingest.py: json.load, dict rows, executemany (skips unknown datasets)");
    }
  }

  const bool ok = messages == n && records == expected_records && raw == unknown_records;
  const auto verdict = [](bool met) { return met ? "met" : "MISSED"; };
  std::printf("goals (wall | cpu): ingest/parse-only %.2f | %.2f (>= 0.30: %s | %s)", parse_s / ingest_s,
              parse_cpu / ingest_cpu, verdict(parse_s / ingest_s >= 0.3), verdict(parse_cpu / ingest_cpu >= 0.3));
  if (python_s > 0) {
    std::printf(", ingest/python %.1fx | %.1fx (>= 10x: %s | %s)", python_s / ingest_s, python_cpu / ingest_cpu,
                verdict(python_s / ingest_s >= 10), verdict(python_cpu / ingest_cpu >= 10));
  }
  std::printf(", peak RSS %.1f MB (<= 64 MB: %s)\n", static_cast<double>(ingest_rss) / 1024.0,
              verdict(ingest_rss <= 64 * 1024));
  if (!ok) {
    std::printf("MISMATCH: expected %d messages, %ld records, %ld raw\n", n, expected_records, unknown_records);
  }
  std::error_code ec;
  fs::remove_all(work, ec);
  return ok ? 0 : 1;
}
