#include "backfill/journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "backfill/plan.hpp"
#include "core/fs.hpp"
#include "core/time.hpp"

namespace gbpm::backfill {
namespace {

constexpr std::string_view kVersion = "v1";

// Tabs and line breaks would break the line format.
std::string clean_scope(std::string scope) {
  for (char& c : scope) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return scope;
}

std::vector<std::string_view> split_tabs(std::string_view line) {
  std::vector<std::string_view> out;
  for (std::size_t pos = 0;;) {
    const std::size_t tab = line.find('\t', pos);
    out.push_back(line.substr(pos, tab == std::string_view::npos ? std::string_view::npos : tab - pos));
    if (tab == std::string_view::npos) break;
    pos = tab + 1;
  }
  return out;
}

Error io_error(const std::filesystem::path& path, std::string_view what, int err) {
  return make_error(ErrorKind::output,
                    fmt::format("backfill journal {}: cannot {}: {}", path.string(), what, std::strerror(err)));
}

}  // namespace

std::filesystem::path journal_path(const std::filesystem::path& home, std::string_view dataset) {
  return home / "backfill" / (std::string(dataset) + ".chunks");
}

ChunkJournal::ChunkJournal(std::filesystem::path path, std::string scope, int fd)
    : m_path(std::move(path)), m_scope(std::move(scope)), m_fd(fd) {}

ChunkJournal::ChunkJournal(ChunkJournal&& other) noexcept
    : m_path(std::move(other.m_path)),
      m_scope(std::move(other.m_scope)),
      m_fd(std::exchange(other.m_fd, -1)),
      m_done(std::move(other.m_done)) {}

ChunkJournal& ChunkJournal::operator=(ChunkJournal&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_path = std::move(other.m_path);
    m_scope = std::move(other.m_scope);
    m_fd = std::exchange(other.m_fd, -1);
    m_done = std::move(other.m_done);
  }
  return *this;
}

ChunkJournal::~ChunkJournal() {
  if (m_fd >= 0) ::close(m_fd);
}

Result<ChunkJournal> ChunkJournal::open(const std::filesystem::path& path, std::string scope) {
  if (auto ok = core::ensure_directory(path.parent_path(), 0750); !ok) return std::move(ok).error();
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return io_error(path, "open", errno);
  ChunkJournal journal(path, clean_scope(std::move(scope)), fd);
  auto text = core::read_file(path, std::size_t{256} << 20);
  if (!text) return std::move(text).error().with_context("backfill journal");
  if (!text->empty() && text->back() != '\n') {
    // Terminate a torn last line so the next record starts a line of its own.
    if (::write(fd, "\n", 1) != 1) return io_error(path, "append", errno);
  }
  std::vector<elexon::TimeWindow> done;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // a torn last line: not durable, ignore
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    const auto fields = split_tabs(line);
    if (fields.size() != 5 || fields[0] != kVersion || fields[1] != journal.m_scope) continue;
    auto from = core::parse_utc(fields[2]);
    auto to = core::parse_utc(fields[3]);
    if (!from || !to || *to <= *from) continue;
    done.push_back(elexon::TimeWindow{*from, *to});
  }
  journal.m_done = merge_windows(std::move(done));
  return journal;
}

bool ChunkJournal::covers(elexon::TimeWindow slots) const {
  if (slots.from >= slots.to) return true;
  // m_done is merged and sorted: one range must contain the whole window.
  for (const elexon::TimeWindow& w : m_done) {
    if (w.from <= slots.from && slots.to <= w.to) return true;
    if (w.from > slots.from) break;
  }
  return false;
}

Status ChunkJournal::record(const std::vector<std::pair<elexon::TimeWindow, std::size_t>>& chunks) {
  if (chunks.empty()) return {};
  std::string text;
  for (const auto& [window, rows] : chunks) {
    text += fmt::format("{}\t{}\t{}\t{}\t{}\n", kVersion, m_scope, core::format_utc(window.from),
                        core::format_utc(window.to), rows);
  }
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t n = ::write(m_fd, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(m_path, "append", errno);
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fdatasync(m_fd) != 0) return io_error(m_path, "sync", errno);
  std::vector<elexon::TimeWindow> done = m_done;
  for (const auto& [window, rows] : chunks) done.push_back(window);
  m_done = merge_windows(std::move(done));
  return {};
}

}  // namespace gbpm::backfill
