#include "sheet/sheet.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "core/fs.hpp"
#include "sheet/google_sink.hpp"
#include "sheet/workbook.hpp"

namespace gbpm::sheet {

namespace {

// Display width of UTF-8 text in a terminal, close enough for emoji labels:
// wide symbols count 2, variation selectors and joiners 0.
std::size_t display_width(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0) {
      len = 4;
      cp = c & 0x07u;
    } else if (c >= 0xE0) {
      len = 3;
      cp = c & 0x0Fu;
    } else if (c >= 0xC0) {
      len = 2;
      cp = c & 0x1Fu;
    }
    for (std::size_t k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    i += len;
    if (cp == 0xFE0F || cp == 0x200D || (cp >= 0x0300 && cp <= 0x036F)) continue;
    if (cp >= 0x1F1E6 && cp <= 0x1F1FF) {
      width += 1;  // a flag is two regional indicators: 2 columns in all
    } else if (cp >= 0x1F000 || (cp >= 0x2600 && cp <= 0x27BF) || (cp >= 0x2B00 && cp <= 0x2BFF) || cp == 0x23F0) {
      width += 2;
    } else {
      width += 1;
    }
  }
  return width;
}

std::string pad(std::string_view s, std::size_t width) {
  std::string out(s);
  const std::size_t w = display_width(s);
  if (w < width) out.append(width - w, ' ');
  return out;
}

class StdoutSink final : public SheetSink {
 public:
  explicit StdoutSink(std::FILE* out) : m_out(out) {}
  Status write(const Update& update) override {
    const std::string text = render_text(update);
    if (std::fwrite(text.data(), 1, text.size(), m_out) != text.size() || std::fflush(m_out) != 0) {
      return make_error(ErrorKind::output, "cannot write the dashboard to stdout");
    }
    return {};
  }

 private:
  std::FILE* m_out;
};

// An exclusive flock held for the life of the object.
class DirLock {
 public:
  DirLock() = default;
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  ~DirLock() {
    if (m_fd >= 0) ::close(m_fd);  // closing drops the flock
  }

  Status acquire(const std::filesystem::path& path, std::chrono::milliseconds timeout) {
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (m_fd < 0) {
      return make_error(ErrorKind::output, fmt::format("workbook lock {}: {}", path.string(), std::strerror(errno)));
    }
    // Poll rather than block forever: a wedged writer must not wedge every cron job.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (::flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) {
        return make_error(ErrorKind::output, fmt::format("workbook lock {}: {}", path.string(), std::strerror(errno)));
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        return make_error(ErrorKind::temporary,
                          fmt::format("workbook {} is locked by another tool for more than {} ms; try again",
                                      path.parent_path().string(), timeout.count()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return {};
  }

 private:
  int m_fd = -1;
};

bool valid_tab_name(std::string_view name) {
  if (name.empty() || name.size() > 100 || name.front() == '.') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == ' ' || c == '.';
  });
}

class DirSink final : public SheetSink {
 public:
  DirSink(std::filesystem::path dir, std::chrono::milliseconds lock_timeout)
      : m_dir(std::move(dir)), m_lock_timeout(lock_timeout) {}

  Status write(const Update& update) override {
    std::set<std::string> tabs;
    for (const auto& b : update.blocks) {
      if (!valid_tab_name(b.range.tab)) {
        return make_error(ErrorKind::internal, fmt::format("tab name \"{}\" cannot be a file name", b.range.tab));
      }
      tabs.insert(b.range.tab);
    }
    if (auto s = core::ensure_directory(m_dir); !s) return s;
    DirLock lock;
    if (auto s = lock.acquire(m_dir / ".lock", m_lock_timeout); !s) return s;
    // Temp files of a writer that died mid-commit; only lock holders write here.
    core::remove_stale_temp_files(m_dir);

    // Read-modify-write of the touched tabs only, all computed before any file changes.
    std::map<std::string, TabValues> changed;
    std::map<std::string, std::string> before;  // the touched tabs' CSV as read, when the file exists
    for (const auto& tab : tabs) {
      auto text = read_text(tab + ".csv");
      if (!text) return text.error();
      auto values = parse_csv(text->value_or(""));
      if (!values) return values.error().with_context((m_dir / (tab + ".csv")).string());
      if (*text) before[tab] = std::move(**text);
      changed[tab] = std::move(values).value();
    }
    for (const auto& b : update.blocks) apply_block(changed[b.range.tab], b);

    // Files whose bytes would not change are left alone: no rewrite, no fsync.
    core::AtomicFileBatch commit(m_dir);
    for (const auto& [tab, values] : changed) {
      const std::string csv = to_csv(values);
      if (const auto it = before.find(tab); it != before.end() && it->second == csv) continue;
      if (auto s = commit.stage(tab + ".csv", csv); !s) return s;
    }

    // index.html renders every tab of the workbook (the touched ones as
    // they will be, even when their file is still only staged), Dashboard first.
    std::vector<NamedTab> all;
    for (const auto& [name, values] : changed) all.push_back({name, values});
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(m_dir, ec)) {
      if (entry.path().extension() != ".csv") continue;
      const std::string name = entry.path().stem().string();
      if (!valid_tab_name(name) || changed.count(name) != 0) continue;
      auto values = read_tab(name);
      if (!values) return values.error();
      all.push_back({name, std::move(values).value()});
    }
    if (ec) return make_error(ErrorKind::output, fmt::format("workbook {}: {}", m_dir.string(), ec.message()));
    std::sort(all.begin(), all.end(), [](const NamedTab& a, const NamedTab& b) {
      if ((a.name == "Dashboard") != (b.name == "Dashboard")) return a.name == "Dashboard";
      return a.name < b.name;
    });
    const std::string html = render_html(all);
    auto old_html = read_text("index.html");
    if (!old_html) return old_html.error();
    if (!*old_html || html != **old_html) {
      if (auto s = commit.stage("index.html", html); !s) return s;
    }
    return commit.commit();
  }

 private:
  // The bytes of <dir>/<name>; nullopt when the file does not exist.
  Result<std::optional<std::string>> read_text(const std::string& name) {
    const auto path = m_dir / name;
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return std::optional<std::string>();
    auto text = core::read_file(path);
    if (!text) return text.error();
    return std::optional<std::string>(std::move(text).value());
  }

  Result<TabValues> read_tab(const std::string& tab) {
    auto text = read_text(tab + ".csv");
    if (!text) return text.error();
    auto values = parse_csv(text->value_or(""));
    if (!values) return values.error().with_context((m_dir / (tab + ".csv")).string());
    return values;
  }

  std::filesystem::path m_dir;
  std::chrono::milliseconds m_lock_timeout;
};

}  // namespace

Result<SheetUri> parse_sheet_uri(std::string_view text) {
  if (text == "-") return SheetUri{SinkKind::stdout_text, ""};
  const auto rest = [&](std::string_view prefix) { return text.substr(prefix.size()); };
  if (text.rfind("gsheets:", 0) == 0 && !rest("gsheets:").empty()) {
    return SheetUri{SinkKind::google, std::string(rest("gsheets:"))};
  }
  if (text.rfind("dir:", 0) == 0 && !rest("dir:").empty()) {
    return SheetUri{SinkKind::directory, std::string(rest("dir:"))};
  }
  return make_error(ErrorKind::config,
                    fmt::format("--sheet \"{}\": expected gsheets:SPREADSHEET_ID, dir:PATH or - (stdout)", text));
}

std::unique_ptr<SheetSink> make_dir_sink(std::filesystem::path dir, std::chrono::milliseconds lock_timeout) {
  return std::make_unique<DirSink>(std::move(dir), lock_timeout);
}

Result<std::unique_ptr<SheetSink>> open_sheet(std::string_view uri, const SinkOptions& options) {
  auto parsed = parse_sheet_uri(uri);
  if (!parsed) return parsed.error();
  switch (parsed->kind) {
    case SinkKind::stdout_text: return std::unique_ptr<SheetSink>(std::make_unique<StdoutSink>(options.out));
    case SinkKind::directory: return make_dir_sink(parsed->target, options.lock_timeout);
    case SinkKind::google: break;
  }
  if (options.config == nullptr || options.clock == nullptr || options.logger == nullptr) {
    return make_error(ErrorKind::internal, fmt::format("--sheet {}: opened without configuration", uri));
  }
  return open_google_sink(*options.config, *options.clock, *options.logger, parsed->target);
}

std::string render_text(const Update& update) {
  std::string out;
  for (const auto& block : update.blocks) {
    const Range& r = block.range;
    std::vector<std::vector<std::string>> text(static_cast<std::size_t>(r.rows),
                                               std::vector<std::string>(static_cast<std::size_t>(r.cols)));
    std::vector<std::size_t> widths(static_cast<std::size_t>(r.cols), 1);
    for (std::size_t i = 0; i < block.cells.size() && i < text.size(); ++i) {
      for (std::size_t j = 0; j < block.cells[i].size() && j < widths.size(); ++j) {
        text[i][j] = display_text(block.cells[i][j]);
        for (auto& ch : text[i][j]) {
          if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
        }
      }
    }
    for (std::size_t j = 0; j < widths.size(); ++j) {
      widths[j] = std::max<std::size_t>(widths[j], column_letters(r.col + static_cast<int>(j)).size());
      for (const auto& row : text) widths[j] = std::max(widths[j], display_width(row[j]));
    }
    const std::size_t num_w = std::to_string(r.row + r.rows).size();
    out += fmt::format("== {} ==\n", to_a1(r));
    std::string header = std::string(num_w, ' ') + " |";
    for (std::size_t j = 0; j < widths.size(); ++j) {
      header += " " + pad(column_letters(r.col + static_cast<int>(j)), widths[j]) + " |";
    }
    out += header + "\n";
    for (std::size_t i = 0; i < text.size(); ++i) {
      std::string line = fmt::format("{:>{}} |", r.row + static_cast<int>(i) + 1, num_w);
      for (std::size_t j = 0; j < widths.size(); ++j) line += " " + pad(text[i][j], widths[j]) + " |";
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out += line + "\n";
    }
  }
  return out;
}

}  // namespace gbpm::sheet
