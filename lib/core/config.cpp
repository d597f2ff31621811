#include "core/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/log.hpp"
#include "core/redact.hpp"

extern char** environ;  // NOLINT: POSIX

namespace gbpm::config {
namespace {

constexpr std::size_t kMaxConfigFileBytes = 1 << 20;

bool is_valid_key(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  return std::all_of(key.begin(), key.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '.' || c == '-'; });
}

std::string_view trim(std::string_view s) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  const auto b = std::find_if(s.begin(), s.end(), not_space);
  const auto e = std::find_if(s.rbegin(), s.rend(), not_space).base();
  return b < e ? std::string_view(&*b, static_cast<std::size_t>(e - b)) : std::string_view{};
}

bool is_standard_env_key(std::string_view key) {
  return key == "HOME" || key == "XDG_STATE_HOME" || key == "CREDENTIALS_DIRECTORY" ||
         key == "GOOGLE_APPLICATION_CREDENTIALS" || key == "NOTIFY_SOCKET" || key == "WATCHDOG_USEC" ||
         key == "WATCHDOG_PID" || key == "CLOUDSDK_CONFIG" || key == "GCE_METADATA_HOST";
}

// A value shown to a person: secrets are replaced, credentials in URLs
// removed, long values shortened.
std::string shown_value(std::string_view key, std::string_view value) {
  if (log::is_secret_key(key)) return "[REDACTED]";
  std::string shown = value.find("://") != std::string_view::npos ? core::redact_url(value) : std::string(value);
  if (shown.size() > 80) return shown.substr(0, 77) + "...";
  return shown;
}

Error bad_value(std::string_view key, const Entry& e, std::string_view expected) {
  return make_error(ErrorKind::config, fmt::format("{}=\"{}\" (from {}) is not valid: expected {}", key,
                                                   shown_value(key, e.value), e.origin, expected));
}

}  // namespace

std::string_view source_name(Source source) {
  switch (source) {
    case Source::default_value: return "default";
    case Source::file: return "file";
    case Source::environment: return "environment";
    case Source::flag: return "flag";
  }
  return "?";
}

const std::vector<KeyInfo>& known_keys() {
  static const std::vector<KeyInfo> keys = {
      {"GBPM_HOME", "state directory: runs/, locks/, the SQLite warehouse (default $XDG_STATE_HOME/gbpm)"},
      {"GBPM_CONFIG", "KEY=VALUE file read before the environment (default /etc/gbpm/gbpm.env when present)"},
      {"GBPM_LOG_LEVEL", "debug|info|warn|error"},
      {"GBPM_LOG_FORMAT", "text|json"},
      {"GBPM_WAREHOUSE", "sqlite:PATH or bigquery:PROJECT/DATASET[?location=US]"},
      {"GBPM_SHEET", "gsheets:SPREADSHEET_ID, dir:PATH or - (stdout)"},
      {"GBPM_CA_FILE", "PEM file of an extra trusted CA (added to the system store)"},
      {"GBPM_GOOGLE_TOKEN_URL", "override of Google's OAuth2 token endpoint"},
      {"GBPM_BIGQUERY_URL", "override of the BigQuery API base URL"},
      {"GBPM_BIGQUERY_WRITE", "how staged rows reach BigQuery: load (NDJSON load jobs, default) or stream (insertAll)"},
      {"GBPM_BIGQUERY_SHIP_INTERVAL", "ship staged rows to BigQuery at least this often (default 5m)"},
      {"GBPM_BIGQUERY_SHIP_ROWS", "ship sooner once this many rows are staged (default 50000)"},
      {"GBPM_BIGQUERY_JOBS_PER_DAY", "most BigQuery load jobs per table in 24 h (default 1000; BigQuery allows 1500)"},
      {"GBPM_SHEETS_URL", "override of the Sheets API base URL"},
      {"GBPM_AZURE_AUTHORITY_URL", "override of the Entra ID authority URL"},
      {"GBPM_SERVICEBUS_URL", "override of the Service Bus base URL"},
      {"GBPM_ELEXON_URL", "override of the Elexon Insights API base URL"},
      {"GBPM_POSTCODES_URL", "override of the Postcodes.io base URL (default https://api.postcodes.io)"},
      {"GBPM_DNO_AREAS", "dno-lookup/dno-webhook: path of NESO's GB DNO licence-area GeoJSON (EPSG:27700 or 4326)"},
      {"GBPM_DNO_SHEET", "dno-lookup/dno-webhook: gsheets:ID or dir:PATH whose BESS tab is written"},
      {"GBPM_DNO_WAREHOUSE", "dno-lookup: sqlite:PATH holding the DUoS tariffs (default GBPM_WAREHOUSE)"},
      {"GBPM_DNO_LISTEN", "dno-webhook HOST:PORT (default 127.0.0.1:5001)"},
      {"GBPM_DNO_SECRET_FILE",
       "dno-webhook: file holding the shared secret (default $CREDENTIALS_DIRECTORY/dno-webhook-secret)"},
      {"GBPM_HTTP_TIMEOUT", "total timeout of one HTTP request (e.g. 30s)"},
      {"GBPM_HTTP_CONNECT_TIMEOUT", "TCP+TLS connect timeout (e.g. 10s)"},
      {"GBPM_RETRY_ATTEMPTS", "maximum attempts per HTTP request"},
      {"GBPM_RETRY_DEADLINE", "maximum total time spent retrying one request"},
      {"GBPM_FUEL_CLASSES", "fuel classification override, e.g. renewable=WIND,NPSHYD;fossil=CCGT,OCGT,COAL,OIL,OTHER"},
      {"GBPM_IRIS_SOURCE", "iris-ingest source: dir:PATH (official clients' drop) or servicebus:NAMESPACE/QUEUE"},
      {"GBPM_IRIS_MEMORY_MAX",
       "memory iris-ingest may use, as the unit's MemoryMax= (default 192M): bounds each message (a sixth of it) "
       "and its parse"},
      {"GBPM_IRIS_TENANT_ID", "IRIS Entra ID tenant (default 4203b7a0-7773-4de5-b830-8b263a20426e)"},
      {"GBPM_IRIS_CLIENT_ID", "IRIS Entra ID application (client) id"},
      {"GBPM_IRIS_CLIENT_SECRET_FILE",
       "file holding the IRIS client secret (default $CREDENTIALS_DIRECTORY/iris-client-secret)"},
      {"GBPM_SERVICEBUS_SAS_KEY_NAME",
       "Service Bus SAS policy name; when set, iris-ingest signs SAS tokens instead of using Entra ID"},
      {"GBPM_SERVICEBUS_SAS_KEY_FILE",
       "file holding the Service Bus SAS key (default $CREDENTIALS_DIRECTORY/servicebus-sas-key)"},
      {"GBPM_BACKFILL_DATASETS",
       "bmrs-backfill datasets, comma-separated (default FUELINST,FUELHH,FREQ,MID,INDO,ITSDO,DISEBSP)"},
      {"GBPM_BACKFILL_CONCURRENCY", "bmrs-backfill requests in flight at most (default 4)"},
      {"GBPM_HEALTH_LISTEN", "healthd HOST:PORT (default 127.0.0.1:8080; 0.0.0.0:8080 or [::]:8080 for the secondary)"},
      {"GBPM_HEALTH_INTERVAL", "healthd: how often the checks run (default 15s)"},
      {"GBPM_HEALTH_CRONTAB", "healthd: the crontab giving each tool's schedule (default /etc/cron.d/gbpm)"},
      {"GBPM_HEALTH_RUN_GRACE", "healthd: a scheduled run is due this long after its fire time (default 3m)"},
      {"GBPM_HEALTH_RUN_WARN_MISSED", "healthd: due runs without a success that make a tool warn (default 1)"},
      {"GBPM_HEALTH_RUN_FAIL_MISSED", "healthd: due runs without a success that make a tool fail (default 2)"},
      {"GBPM_HEALTH_INGEST_HEARTBEAT", "healthd: oldest iris-ingest status file accepted (default 30s)"},
      {"GBPM_HEALTH_INGEST_MESSAGE_AGE", "healthd: oldest newest-IRIS-message accepted (default 15m)"},
      {"GBPM_HEALTH_DATASETS",
       "healthd: key datasets and their maximum data age (default FUELINST=20m,FREQ=10m,MID=90m)"},
      {"GBPM_HEALTH_DISK_WARN_MB", "healthd: warn below this many MiB free on $GBPM_HOME (default 2048)"},
      {"GBPM_HEALTH_DISK_FAIL_MB", "healthd: fail below this many MiB free on $GBPM_HOME (default 512)"},
      {"GBPM_HEALTH_MEMORY_WARN_MB", "healthd: warn below this many MiB MemAvailable (default 256)"},
      {"GBPM_HEALTH_MEMORY_FAIL_MB", "healthd: fail below this many MiB MemAvailable (default 100)"},
      {"GBPM_HEALTH_MAX_CONNECTIONS",
       "healthd: open connections at most; the longest-waiting idle one is evicted (default 1024)"},
      {"GBPM_HEALTH_HEADER_TIMEOUT", "healthd: a request head must arrive within this (default 5s)"},
      {"GBPM_HEALTH_IDLE_TIMEOUT", "healthd: idle keep-alive connections close after this (default 5s)"},
      {"GBPM_FAILOVER_PRIMARY_URL", "failover-monitor: the primary's health URL, e.g. http://primary:8080/health"},
      {"GBPM_FAILOVER_INTERVAL", "failover-monitor: time between checks of the primary (default 10s)"},
      {"GBPM_FAILOVER_TIMEOUT", "failover-monitor: timeout of one check (default 5s)"},
      {"GBPM_FAILOVER_FALL", "failover-monitor: consecutive failed checks before taking over (default 3)"},
      {"GBPM_FAILOVER_RISE", "failover-monitor: consecutive healthy checks before failing back (default 5)"},
      {"GBPM_FAILOVER_HOLD_DOWN", "failover-monitor: minimum time active before failing back (default 300s)"},
      {"GBPM_FAILOVER_TCP_PORT", "failover-monitor: primary TCP port probed to classify failures (default 22; 0 off)"},
      {"GBPM_FAILOVER_CRONTAB", "failover-monitor: crontab whose jobs run while active (default /etc/cron.d/gbpm)"},
      {"GBPM_FAILOVER_WEBHOOK_URL", "failover-monitor: optional URL that receives transitions as JSON {\"text\": ...}"},
      {"GBPM_FAILOVER_JOB_TIMEOUT", "failover-monitor: a job running longer is terminated (default 15m)"},
      {"GBPM_FAILOVER_STOP_GRACE", "failover-monitor: on failback, time running jobs get to finish (default 60s)"},
      {"GBPM_FAILOVER_TIME_SCALE",
       "failover-monitor: testing only; job schedules run this many times faster (default 1)"},
  };
  return keys;
}

bool is_known_key(std::string_view key) {
  const auto& keys = known_keys();
  return std::any_of(keys.begin(), keys.end(), [&](const KeyInfo& k) { return k.name == key; });
}

Result<std::vector<std::pair<std::string, Entry>>> parse_env_file(std::string_view text, std::string_view origin) {
  std::vector<std::pair<std::string, Entry>> out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    const auto where = [&] { return fmt::format("{}:{}", origin, line_no); };
    if (line.substr(0, 7) == "export ") line = trim(line.substr(7));
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      return make_error(ErrorKind::config, fmt::format("{}: expected KEY=VALUE, got \"{}\"", where(), line));
    }
    const std::string_view key = trim(line.substr(0, eq));
    if (!is_valid_key(key)) {
      return make_error(ErrorKind::config, fmt::format("{}: \"{}\" is not a valid key name", where(), key));
    }
    std::string_view raw = trim(line.substr(eq + 1));
    std::string value;
    if (!raw.empty() && (raw.front() == '"' || raw.front() == '\'')) {
      const char quote = raw.front();
      std::size_t i = 1;
      bool closed = false;
      for (; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == quote) {
          closed = true;
          break;
        }
        if (quote == '"' && c == '\\' && i + 1 < raw.size()) {
          const char n = raw[++i];
          value += n == 'n' ? '\n' : n;
        } else {
          value += c;
        }
      }
      if (!closed) {
        return make_error(ErrorKind::config, fmt::format("{}: unterminated {} quote in the value of {}", where(),
                                                         quote == '"' ? "double" : "single", key));
      }
      const std::string_view rest = trim(raw.substr(i + 1));
      if (!rest.empty() && rest.front() != '#') {
        return make_error(ErrorKind::config,
                          fmt::format("{}: unexpected text after the quoted value of {}", where(), key));
      }
    } else {
      value = std::string(raw);
    }
    out.emplace_back(std::string(key), Entry{std::move(value), Source::file, where()});
  }
  return out;
}

std::map<std::string, std::string> process_environment() {
  std::map<std::string, std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view kv(*e);
    const std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return env;
}

void Config::set_default(std::string_view key, std::string value) {
  m_entries[std::string(key)][Source::default_value] = Entry{std::move(value), Source::default_value, "default"};
}

Status Config::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorKind::config, fmt::format("cannot read config file {}: {}", path, std::strerror(errno)));
  }
  std::string text;
  text.resize(kMaxConfigFileBytes + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxConfigFileBytes) {
    return make_error(ErrorKind::config, fmt::format("config file {} is larger than 1 MiB", path));
  }
  auto entries = parse_env_file(text, path);
  if (!entries) return std::move(entries).error();
  load_file_entries(std::move(*entries));
  return {};
}

// By value: the caller gives its entries up and each is moved into place
// (clang-tidy misses the moves out of the structured binding).
// NOLINTNEXTLINE(performance-unnecessary-value-param)
void Config::load_file_entries(std::vector<std::pair<std::string, Entry>> entries) {
  for (auto& [key, entry] : entries) {
    entry.source = Source::file;
    m_entries[key][Source::file] = std::move(entry);
  }
}

void Config::load_environment(const std::map<std::string, std::string>& env) {
  for (const auto& [key, value] : env) {
    if (key.rfind("GBPM_", 0) == 0 || is_standard_env_key(key)) {
      m_entries[key][Source::environment] = Entry{value, Source::environment, "environment"};
    }
  }
}

void Config::set_flag(std::string_view key, std::string value, std::string_view flag_name) {
  m_entries[std::string(key)][Source::flag] = Entry{std::move(value), Source::flag, std::string(flag_name)};
}

std::optional<Entry> Config::find(std::string_view key) const {
  const auto it = m_entries.find(key);
  if (it == m_entries.end() || it->second.empty()) return std::nullopt;
  return it->second.rbegin()->second;  // highest Source wins
}

Result<std::string> Config::get_string(std::string_view key) const {
  auto e = find(key);
  if (!e) {
    return make_error(
        ErrorKind::config,
        fmt::format("{} is not set: set it in the environment, in the --config file, or with its flag", key));
  }
  return std::move(e->value);
}

std::string Config::get_string_or(std::string_view key, std::string_view fallback) const {
  auto e = find(key);
  return e ? std::move(e->value) : std::string(fallback);
}

Result<long long> Config::get_int(std::string_view key, long long min, long long max) const {
  const auto e = find(key);
  if (!e) return make_error(ErrorKind::config, fmt::format("{} is not set", key));
  const std::string_view v = trim(e->value);
  long long out = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || ptr != v.data() + v.size() || out < min || out > max) {
    return bad_value(key, *e, fmt::format("an integer from {} to {}", min, max));
  }
  return out;
}

Result<bool> Config::get_bool(std::string_view key) const {
  const auto e = find(key);
  if (!e) return make_error(ErrorKind::config, fmt::format("{} is not set", key));
  std::string v(trim(e->value));
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return std::tolower(c); });
  if (v == "1" || v == "true" || v == "yes" || v == "on") return true;
  if (v == "0" || v == "false" || v == "no" || v == "off") return false;
  return bad_value(key, *e, "true/false, yes/no, on/off or 1/0");
}

Result<std::chrono::milliseconds> Config::get_duration(std::string_view key) const {
  const auto e = find(key);
  if (!e) return make_error(ErrorKind::config, fmt::format("{} is not set", key));
  auto d = parse_duration(e->value);
  if (!d) return bad_value(key, *e, "a duration such as 250ms, 30s, 5m, 2h or 1d");
  return d;
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const std::string_view t = trim(text);
  long long n = 0;
  const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), n);
  if (ec != std::errc{} || ptr == t.data() || n < 0) {
    return make_error(ErrorKind::config, fmt::format("\"{}\" is not a duration", text));
  }
  const std::string_view unit(ptr, static_cast<std::size_t>(t.data() + t.size() - ptr));
  long long factor = 0;
  if (unit == "ms")
    factor = 1;
  else if (unit.empty() || unit == "s")
    factor = 1000;
  else if (unit == "m" || unit == "min")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else if (unit == "d")
    factor = 86'400'000;
  else
    return make_error(ErrorKind::config, fmt::format("\"{}\" has an unknown duration unit", text));
  if (n > (1LL << 40) / factor) return make_error(ErrorKind::config, fmt::format("\"{}\" is too long", text));
  return std::chrono::milliseconds{n * factor};
}

std::vector<Entry> Config::unknown_keys() const {
  std::vector<Entry> out;
  for (const auto& [key, layers] : m_entries) {
    if (key.rfind("GBPM_", 0) != 0 || is_known_key(key)) continue;
    for (const auto& [source, entry] : layers) {
      if (source == Source::file || source == Source::environment) {
        Entry e = entry;
        e.value = key;  // the name is what matters for a warning; never echo a value
        out.push_back(std::move(e));
      }
    }
  }
  return out;
}

std::vector<std::string> Config::unknown_key_names() const {
  std::vector<std::string> names;
  for (const auto& e : unknown_keys()) {
    if (std::find(names.begin(), names.end(), e.value) == names.end()) names.push_back(e.value);
  }
  return names;
}

std::string Config::describe() const {
  std::ostringstream out;
  for (const auto& [key, layers] : m_entries) {
    if (layers.empty()) continue;
    const Entry& e = layers.rbegin()->second;
    out << key << '=' << shown_value(key, e.value) << "  # " << e.origin << '\n';
  }
  return out.str();
}

}  // namespace gbpm::config
