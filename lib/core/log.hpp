#pragma once
// Structured logging: one line per event on stderr, logfmt
//   ts=2026-11-28T10:50:00.123Z level=info tool=layout-update msg="sheet written" rows=17
// or one JSON object per line. Values of secret-looking keys are redacted.

#include <cstdio>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>

namespace gbpm::core {
class Clock;
}

namespace gbpm::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, off = 4 };
enum class Format { text, json };

// Parses "debug|info|warn|warning|error|off"; false when unknown.
bool parse_level(std::string_view text, Level& out);
// Parses "text|json"; false when unknown.
bool parse_format(std::string_view text, Format& out);
std::string_view level_name(Level level);

// True for keys whose values must never reach a log: anything naming a secret,
// token, password, key, signature, credential or authorization header.
bool is_secret_key(std::string_view key);

// One key=value pair of a log event. Numbers and bools are formatted here so
// call sites stay terse: {"rows", 17}, {"dataset", name}.
struct Field {
  std::string_view key;
  std::string value;

  Field(std::string_view k, std::string v) : key(k), value(std::move(v)) {}
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(v ? v : "") {}
  Field(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  template <typename N, std::enable_if_t<std::is_arithmetic_v<N> && !std::is_same_v<N, bool>, int> = 0>
  Field(std::string_view k, N v) : key(k), value(format_number(v)) {}

 private:
  static std::string format_number(long long v);
  static std::string format_number(unsigned long long v);
  static std::string format_number(double v);
  template <typename N>
  static std::string format_number(N v) {
    if constexpr (std::is_floating_point_v<N>) {
      return format_number(static_cast<double>(v));
    } else if constexpr (std::is_signed_v<N>) {
      return format_number(static_cast<long long>(v));
    } else {
      return format_number(static_cast<unsigned long long>(v));
    }
  }
};

using Fields = std::initializer_list<Field>;

// Writes events at or above a level to a FILE* (stderr by default). Each event
// is formatted in full and written with one fwrite under a mutex, so lines from
// several threads never interleave. When stderr is the systemd journal
// (JOURNAL_STREAM matches), lines carry a <N> priority prefix so journald keeps
// the level.
class Logger {
 public:
  struct Options {
    std::string tool = "gbpm";
    Level level = Level::info;
    Format format = Format::text;
    std::FILE* sink = stderr;
    const core::Clock* clock = nullptr;  // nullptr: wall clock
    bool journal_prefix = false;
  };

  Logger();
  explicit Logger(Options options);

  [[nodiscard]] bool enabled(Level level) const { return level >= m_options.level; }
  [[nodiscard]] Level level() const { return m_options.level; }
  void set_level(Level level) { m_options.level = level; }
  void set_format(Format format) { m_options.format = format; }
  [[nodiscard]] const std::string& tool() const { return m_options.tool; }

  void log(Level level, std::string_view msg, Fields fields = {});
  void debug(std::string_view msg, Fields fields = {}) { log(Level::debug, msg, fields); }
  void info(std::string_view msg, Fields fields = {}) { log(Level::info, msg, fields); }
  void warn(std::string_view msg, Fields fields = {}) { log(Level::warn, msg, fields); }
  void error(std::string_view msg, Fields fields = {}) { log(Level::error, msg, fields); }

  // The line `log` would write, without the trailing newline. Exposed for tests.
  [[nodiscard]] std::string format_line(Level level, std::string_view msg, Fields fields) const;

 private:
  Options m_options;
  std::mutex m_mutex;
};

// True when stderr is connected to the systemd journal ($JOURNAL_STREAM names
// stderr's device and inode).
bool stderr_is_journal();

// A logger that discards everything; for library calls made without one.
Logger& null_logger();

}  // namespace gbpm::log
