#include "schedule/crontab.hpp"

#include <fmt/format.h>

#include <cctype>

namespace gbpm::schedule {
namespace {

// Characters a shell would interpret. '%' is cron's own newline marker.
constexpr std::string_view k_shell_chars = ";|&$`<>(){}*?[]~%#'\"\\!";

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    if (pos >= line.size()) break;
    std::size_t end = pos;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t') ++end;
    words.push_back(line.substr(pos, end - pos));
    pos = end;
  }
  return words;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

bool is_identifier(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front())) != 0) return false;
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_') return false;
  }
  return true;
}

// "NAME=value" or "NAME = value" (values may be quoted, as cron allows).
std::optional<EnvAssignment> parse_env_line(std::string_view line, int line_no) {
  const std::size_t eq = line.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  const std::string_view name = trim(line.substr(0, eq));
  if (!is_identifier(name)) return std::nullopt;
  std::string_view value = trim(line.substr(eq + 1));
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
    value = value.substr(1, value.size() - 2);
  }
  return EnvAssignment{line_no, std::string(name), std::string(value)};
}

std::optional<char> shell_char(std::string_view word) {
  for (const char c : word) {
    if (k_shell_chars.find(c) != std::string_view::npos || std::iscntrl(static_cast<unsigned char>(c)) != 0) return c;
  }
  return std::nullopt;
}

}  // namespace

std::string CrontabJob::name() const {
  if (argv.empty()) return "";
  const std::string& p = argv.front();
  const std::size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::optional<std::string> Crontab::env_value(std::string_view name) const {
  std::optional<std::string> value;
  for (const auto& e : env) {
    if (e.name == name) value = e.value;
  }
  return value;
}

Result<Crontab> parse_crontab(std::string_view text, std::string_view origin) {
  Crontab out;
  int line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    const auto fail = [&](const std::string& why) {
      return make_error(ErrorKind::config, fmt::format("{}:{}: {}", origin, line_no, why));
    };
    const char first = line.front();
    if (first == '@') return fail(fmt::format("'@' schedules are not supported; write five time fields: {}", line));
    if (std::isdigit(static_cast<unsigned char>(first)) == 0 && first != '*') {
      if (auto env = parse_env_line(line, line_no)) {
        out.env.push_back(std::move(*env));
        continue;
      }
      // The minute field is always numeric or '*', so this is not a job line.
      return fail(fmt::format("expected a job or NAME=value line, got \"{}\"", line));
    }

    const auto words = split_words(line);
    if (words.size() < 7) {
      return fail(fmt::format("a job line needs five time fields, a user and a command; got \"{}\"", line));
    }
    std::string schedule_text = fmt::format("{} {} {} {} {}", words[0], words[1], words[2], words[3], words[4]);
    auto expr = CronExpr::parse(schedule_text);
    if (!expr) return fail(expr.error().message);
    std::string user(words[5]);
    if (shell_char(user) || user.find('=') != std::string::npos) {
      return fail(fmt::format("\"{}\" is not a user name", user));
    }
    std::vector<std::string> argv;
    std::optional<std::string> log_file;

    std::vector<std::string_view> command(words.begin() + 6, words.end());
    // Trailing ">>FILE 2>&1" or ">> FILE 2>&1".
    if (command.size() >= 2 && command.back() == "2>&1") {
      const std::string_view target = command[command.size() - 2];
      std::size_t drop = 0;
      std::string_view file;
      if (target.size() > 2 && target.substr(0, 2) == ">>") {
        file = target.substr(2);
        drop = 2;
      } else if (command.size() >= 3 && command[command.size() - 3] == ">>") {
        file = target;
        drop = 3;
      }
      if (drop != 0) {
        if (const auto c = shell_char(file)) {
          return fail(fmt::format("log file \"{}\" contains the shell character '{}'", file, *c));
        }
        log_file = std::string(file);
        command.resize(command.size() - drop);
      }
    }
    if (command.empty()) return fail("the job has no command before its redirection");
    for (const auto word : command) {
      if (const auto c = shell_char(word)) {
        return fail(
            fmt::format("\"{}\" contains the shell character '{}'; job commands must be plain argument "
                        "words (optionally ending in \">>FILE 2>&1\") because failover-monitor runs them "
                        "without a shell",
                        word, *c));
      }
      argv.emplace_back(word);
    }
    if (argv.front().find('=') != std::string::npos) {
      return fail(fmt::format("\"{}\": environment assignments before a command need a shell", argv.front()));
    }
    out.jobs.push_back(CrontabJob{line_no, std::move(schedule_text), std::move(*expr), std::move(user), std::move(argv),
                                  std::move(log_file)});
  }
  return out;
}

}  // namespace gbpm::schedule
