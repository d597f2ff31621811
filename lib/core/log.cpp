#include "core/log.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>

#include "core/clock.hpp"
#include "core/time.hpp"

namespace gbpm::log {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

bool needs_quoting(std::string_view v) {
  if (v.empty()) return true;
  return std::any_of(v.begin(), v.end(), [](unsigned char c) { return c <= ' ' || c == '"' || c == '=' || c == '\\'; });
}

// Appends `v` between double quotes with ", \ and control characters
// escaped; valid in both logfmt and JSON.
void append_quoted(std::string& out, std::string_view v) {
  out += '"';
  for (const char c : v) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// logfmt value: bare when safe, else quoted.
void append_logfmt_value(std::string& out, std::string_view v) {
  if (needs_quoting(v)) {
    append_quoted(out, v);
  } else {
    out += v;
  }
}

int journal_priority(Level level) {
  switch (level) {
    case Level::debug: return 7;
    case Level::info: return 6;
    case Level::warn: return 4;
    case Level::error: return 3;
    case Level::off: break;
  }
  return 6;
}

}  // namespace

bool parse_level(std::string_view text, Level& out) {
  const std::string t = lower(text);
  if (t == "debug")
    out = Level::debug;
  else if (t == "info")
    out = Level::info;
  else if (t == "warn" || t == "warning")
    out = Level::warn;
  else if (t == "error")
    out = Level::error;
  else if (t == "off" || t == "quiet")
    out = Level::off;
  else
    return false;
  return true;
}

bool parse_format(std::string_view text, Format& out) {
  const std::string t = lower(text);
  if (t == "text" || t == "logfmt")
    out = Format::text;
  else if (t == "json")
    out = Format::json;
  else
    return false;
  return true;
}

std::string_view level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
    case Level::off: return "off";
  }
  return "info";
}

bool is_secret_key(std::string_view key) {
  const std::string k = lower(key);
  // A webhook URL (Slack and the like) carries its own credential in the path.
  static constexpr std::array<std::string_view, 12> kNeedles = {"secret",        "token",      "password",  "passwd",
                                                                "authorization", "credential", "private",   "apikey",
                                                                "api_key",       "cookie",     "signature", "webhook"};
  for (const auto needle : kNeedles) {
    if (k.find(needle) != std::string::npos) return true;
  }
  // "key" as a whole word: key, sas_key, GBPM_SAS_KEY, access-key; but not
  // "keyword" or "monkey".
  std::size_t pos = 0;
  while ((pos = k.find("key", pos)) != std::string::npos) {
    const bool start_ok = pos == 0 || !std::isalnum(static_cast<unsigned char>(k[pos - 1]));
    const bool end_ok = pos + 3 == k.size() || !std::isalnum(static_cast<unsigned char>(k[pos + 3]));
    if (start_ok && end_ok) return true;
    pos += 3;
  }
  return false;
}

std::string Field::format_number(long long v) {
  return std::to_string(v);
}
std::string Field::format_number(unsigned long long v) {
  return std::to_string(v);
}
std::string Field::format_number(double v) {
  return fmt::format("{}", v);
}

Logger::Logger() : Logger(Options{}) {}
Logger::Logger(Options options) : m_options(std::move(options)) {}

std::string Logger::format_line(Level level, std::string_view msg, Fields fields) const {
  const core::TimePoint now = m_options.clock ? m_options.clock->now() : std::chrono::system_clock::now();
  const std::string ts = core::format_utc_millis(now);
  std::string out;
  out.reserve(128);
  if (m_options.format == Format::json) {
    out += "{\"ts\":";
    append_quoted(out, ts);
    out += ",\"level\":";
    append_quoted(out, level_name(level));
    out += ",\"tool\":";
    append_quoted(out, m_options.tool);
    out += ",\"msg\":";
    append_quoted(out, msg);
    for (const Field& f : fields) {
      out += ',';
      append_quoted(out, f.key);
      out += ':';
      append_quoted(out, is_secret_key(f.key) ? kRedacted : std::string_view(f.value));
    }
    out += '}';
  } else {
    if (m_options.journal_prefix) out += fmt::format("<{}>", journal_priority(level));
    out += "ts=";
    out += ts;
    out += " level=";
    out += level_name(level);
    out += " tool=";
    append_logfmt_value(out, m_options.tool);
    out += " msg=";
    append_logfmt_value(out, msg);
    for (const Field& f : fields) {
      out += ' ';
      out += f.key;
      out += '=';
      append_logfmt_value(out, is_secret_key(f.key) ? kRedacted : std::string_view(f.value));
    }
  }
  return out;
}

void Logger::log(Level level, std::string_view msg, Fields fields) {
  if (!enabled(level) || level == Level::off || m_options.sink == nullptr) return;
  std::string line = format_line(level, msg, fields);
  line += '\n';
  std::lock_guard lock(m_mutex);
  std::fwrite(line.data(), 1, line.size(), m_options.sink);
  std::fflush(m_options.sink);
}

bool stderr_is_journal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) return false;
  struct stat st {};
  if (fstat(2, &st) != 0) return false;
  unsigned long long dev = 0, ino = 0;
  if (std::sscanf(env, "%llu:%llu", &dev, &ino) != 2) return false;
  return dev == static_cast<unsigned long long>(st.st_dev) && ino == static_cast<unsigned long long>(st.st_ino);
}

Logger& null_logger() {
  static Logger logger(Logger::Options{.tool = "gbpm", .level = Level::off, .sink = nullptr});
  return logger;
}

}  // namespace gbpm::log
