#include "backfill/progress.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "core/log.hpp"

namespace gbpm::backfill {
namespace {

std::string format_count(std::size_t n) {
  if (n >= 10'000'000) return fmt::format("{:.1f}M", static_cast<double>(n) / 1e6);
  if (n >= 10'000) return fmt::format("{:.1f}k", static_cast<double>(n) / 1e3);
  return std::to_string(n);
}

}  // namespace

double chunk_rate(const ProgressSnapshot& s) {
  const double seconds = static_cast<double>(s.elapsed.count()) / 1000.0;
  if (seconds <= 0.0 || s.chunks_done == 0) return 0.0;
  return static_cast<double>(s.chunks_done) / seconds;
}

std::optional<std::chrono::seconds> eta(const ProgressSnapshot& s) {
  const double rate = chunk_rate(s);
  if (rate <= 0.0) return std::nullopt;
  const std::size_t left = s.chunks_total > s.chunks_done ? s.chunks_total - s.chunks_done : 0;
  return std::chrono::seconds(static_cast<long long>(std::ceil(static_cast<double>(left) / rate)));
}

std::string format_duration(std::chrono::seconds d) {
  const long long total = std::max<long long>(d.count(), 0);
  const long long h = total / 3600;
  const long long m = (total % 3600) / 60;
  const long long sec = total % 60;
  if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, sec);
  return fmt::format("{}:{:02}", m, sec);
}

std::string format_bar(const ProgressSnapshot& s, int width) {
  width = std::max(width, 1);
  const double fraction =
      s.chunks_total == 0 ? 1.0 : static_cast<double>(s.chunks_done) / static_cast<double>(s.chunks_total);
  const int filled = std::clamp(static_cast<int>(fraction * width), 0, width);
  std::string out = "[" + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(width - filled), '.') + "]";
  out += fmt::format(" {}/{} chunks  {} rows  {:.1f} chunks/s", s.chunks_done, s.chunks_total, format_count(s.rows),
                     chunk_rate(s));
  if (s.chunks_failed > 0) out += fmt::format("  {} failed", s.chunks_failed);
  const auto left = eta(s);
  out += "  ETA " + (left ? format_duration(*left) : std::string("--:--"));
  return out;
}

ProgressStyle progress_style_for(std::FILE* stream) {
  return stream != nullptr && ::isatty(::fileno(stream)) != 0 ? ProgressStyle::bar : ProgressStyle::log_lines;
}

ProgressReporter::ProgressReporter(ProgressStyle style, std::FILE* tty, log::Logger& logger, core::Clock& clock,
                                   std::chrono::seconds interval)
    : m_style(style), m_tty(tty), m_logger(logger), m_clock(clock), m_interval(interval) {}

void ProgressReporter::update(const ProgressSnapshot& s) {
  if (m_style == ProgressStyle::none) return;
  const core::TimePoint now = m_clock.now();
  const auto every = m_style == ProgressStyle::bar ? std::chrono::milliseconds(100)
                                                   : std::chrono::duration_cast<std::chrono::milliseconds>(m_interval);
  if (m_last && now - *m_last < every) return;
  m_last = now;
  if (m_style == ProgressStyle::bar) {
    std::fprintf(m_tty, "\r%s\033[K", format_bar(s).c_str());
    std::fflush(m_tty);
    return;
  }
  const auto left = eta(s);
  m_logger.info("backfill progress", {{"chunks_done", s.chunks_done},
                                      {"chunks_total", s.chunks_total},
                                      {"chunks_failed", s.chunks_failed},
                                      {"rows", s.rows},
                                      {"chunks_per_s", fmt::format("{:.2f}", chunk_rate(s))},
                                      {"eta", left ? format_duration(*left) : std::string("unknown")}});
}

void ProgressReporter::finish(const ProgressSnapshot& s) {
  if (m_style != ProgressStyle::bar) return;
  std::fprintf(m_tty, "\r%s\033[K\n", format_bar(s).c_str());
  std::fflush(m_tty);
}

}  // namespace gbpm::backfill
