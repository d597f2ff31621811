#pragma once
// Layered configuration: built-in defaults < KEY=VALUE env file < environment
// < command-line flags. Every value remembers where it came from,
// so an error can say "GBPM_WAREHOUSE from /etc/gbpm/gbpm.env:3 is not ...".

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace gbpm::config {

enum class Source { default_value = 0, file = 1, environment = 2, flag = 3 };
std::string_view source_name(Source source);

struct Entry {
  std::string value;
  Source source = Source::default_value;
  std::string origin;  // "default", "/etc/gbpm/gbpm.env:12", "environment", "--warehouse"
};

// A documented configuration key. Keys not in this table that start with
// GBPM_ are reported as unknown (likely typos).
struct KeyInfo {
  std::string_view name;
  std::string_view description;
};
const std::vector<KeyInfo>& known_keys();
bool is_known_key(std::string_view key);

// The file systemd's EnvironmentFile= reads: KEY=VALUE lines, '#' or ';'
// comments, blank lines, an optional leading "export ", values optionally in
// single or double quotes (double quotes understand \" \\ \n escapes).
// Errors (ErrorKind::config) name the file and line.
Result<std::vector<std::pair<std::string, Entry>>> parse_env_file(std::string_view text, std::string_view origin);

// The process environment as a key → value map.
std::map<std::string, std::string> process_environment();

class Config {
 public:
  // Layers. A later call at the same layer overrides an earlier one.
  void set_default(std::string_view key, std::string value);
  Status load_file(const std::string& path);
  void load_file_entries(std::vector<std::pair<std::string, Entry>> entries);
  // Takes the GBPM_* keys and the few standard ones gbpm reads (HOME,
  // XDG_STATE_HOME, CREDENTIALS_DIRECTORY, GOOGLE_APPLICATION_CREDENTIALS).
  void load_environment(const std::map<std::string, std::string>& env);
  void set_flag(std::string_view key, std::string value, std::string_view flag_name);

  // The winning entry for `key`, if any layer has it.
  [[nodiscard]] std::optional<Entry> find(std::string_view key) const;
  [[nodiscard]] bool has(std::string_view key) const { return find(key).has_value(); }

  // Typed getters. A missing key is ErrorKind::config ("GBPM_X is not set");
  // a malformed value names the key, its value (unless secret) and its origin.
  [[nodiscard]] Result<std::string> get_string(std::string_view key) const;
  [[nodiscard]] std::string get_string_or(std::string_view key, std::string_view fallback) const;
  [[nodiscard]] Result<long long> get_int(std::string_view key, long long min, long long max) const;
  [[nodiscard]] Result<bool> get_bool(std::string_view key) const;
  // "250ms", "30s", "5m", "2h", "1d"; a bare number means seconds.
  [[nodiscard]] Result<std::chrono::milliseconds> get_duration(std::string_view key) const;

  // GBPM_* keys set by a file or the environment that no tool knows.
  [[nodiscard]] std::vector<Entry> unknown_keys() const;
  [[nodiscard]] std::vector<std::string> unknown_key_names() const;

  // "KEY=value  # origin" lines for every set key, secrets redacted.
  [[nodiscard]] std::string describe() const;

 private:
  // key → one slot per Source layer.
  std::map<std::string, std::map<Source, Entry>, std::less<>> m_entries;
};

// Parses "30s"-style durations; exposed for flags that take durations.
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

}  // namespace gbpm::config
