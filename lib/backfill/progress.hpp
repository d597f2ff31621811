#pragma once
// Progress of a backfill for the person watching: a one-line bar redrawn in
// place (chunks done/total, rows, rate, ETA) when stderr is a terminal;
// periodic log lines otherwise (cron, systemd, a pipe), so logs are not
// flooded with carriage returns.

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <string>

#include "core/clock.hpp"

namespace gbpm::log {
class Logger;
}

namespace gbpm::backfill {

// Where a backfill stands.
struct ProgressSnapshot {
  std::size_t chunks_done = 0;   // fetched + failed this run
  std::size_t chunks_total = 0;  // to fetch this run (skipped chunks excluded)
  std::size_t chunks_failed = 0;
  std::size_t rows = 0;                  // rows received so far
  std::chrono::milliseconds elapsed{0};  // since the first request
};

// Chunks per second so far (0 before anything finished).
double chunk_rate(const ProgressSnapshot& s);
// Seconds left at the current rate, or nullopt when unknown.
std::optional<std::chrono::seconds> eta(const ProgressSnapshot& s);

// "[#########...........]  45/120 chunks  12.3k rows  3.2 chunks/s  ETA 0:23"
// (`width` = characters of the bar between the brackets). Pure, for tests.
std::string format_bar(const ProgressSnapshot& s, int width = 24);
// "H:MM:SS" or "M:SS".
std::string format_duration(std::chrono::seconds d);

enum class ProgressStyle {
  bar,        // redraw a line on `tty`
  log_lines,  // an info log line every `interval`
  none,
};

class ProgressReporter {
 public:
  // `tty` is where the bar is drawn (stderr); `logger` and `clock` must
  // outlive the reporter.
  ProgressReporter(ProgressStyle style, std::FILE* tty, log::Logger& logger, core::Clock& clock,
                   std::chrono::seconds interval = std::chrono::seconds(10));

  // Reports `s` (a bar at most every 100 ms; a log line every interval).
  void update(const ProgressSnapshot& s);
  // Draws the final state and ends the bar's line.
  void finish(const ProgressSnapshot& s);

 private:
  ProgressStyle m_style;
  std::FILE* m_tty;
  log::Logger& m_logger;
  core::Clock& m_clock;
  std::chrono::seconds m_interval;
  std::optional<core::TimePoint> m_last;
};

// bar when `stream` is a terminal, else log_lines.
ProgressStyle progress_style_for(std::FILE* stream);

}  // namespace gbpm::backfill
