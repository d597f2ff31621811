#include "ingest/dir_source.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <queue>
#include <utility>
#include <vector>

#include "core/fs.hpp"

namespace gbpm::ingest {

namespace {

std::chrono::system_clock::time_point mtime_of(const struct stat& st) {
  return std::chrono::system_clock::time_point{std::chrono::duration_cast<std::chrono::system_clock::duration>(
      std::chrono::seconds{st.st_mtim.tv_sec} + std::chrono::nanoseconds{st.st_mtim.tv_nsec})};
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A name the official clients could have written as a finished message file.
bool looks_like_message(std::string_view name) {
  return !name.empty() && name.front() != '.' && ends_with(name, ".json") && name.size() > 5;
}

// A message's locator, "<folder>/<name>": its key in m_in_flight and its path
// under the root.
std::string locator_of(std::string_view folder, std::string_view name) {
  std::string locator;
  locator.reserve(folder.size() + 1 + name.size());
  locator.append(folder).append("/").append(name);
  return locator;
}

Error os_error(std::string_view what, const std::filesystem::path& path, int err) {
  return make_error(ErrorKind::output, std::string(what) + " " + path.string() + ": " + std::strerror(err));
}

// Reads a whole regular file through one descriptor. ENOENT comes back as
// nullopt-like empty error text via `gone`.
Result<std::string> read_whole(const std::filesystem::path& path, std::size_t max_bytes, bool& gone, bool& too_big) {
  gone = false;
  too_big = false;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) gone = true;
    return os_error("cannot open", path, errno);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return os_error("cannot stat", path, err);
  }
  if (static_cast<std::size_t>(st.st_size) > max_bytes) {
    ::close(fd);
    too_big = true;
    return make_error(ErrorKind::data, "file of " + std::to_string(st.st_size) + " bytes is over the limit of " +
                                           std::to_string(max_bytes) + " bytes");
  }
  std::string body(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = ::read(fd, body.data() + done, body.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return os_error("cannot read", path, err);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  body.resize(done);
  ::close(fd);
  return body;
}

Status move_file(const std::filesystem::path& from, const std::filesystem::path& to_dir, const std::string& name) {
  if (auto st = core::ensure_directory(to_dir); !st) return st;
  const auto to = to_dir / name;
  if (::rename(from.c_str(), to.c_str()) != 0) return os_error("cannot move", from, errno);
  return {};
}

}  // namespace

DirSource::DirSource(std::filesystem::path root, DirSourceOptions options)
    : m_root(std::move(root)), m_options(options) {}

std::string DirSource::describe() const {
  return "dir:" + m_root.string();
}

bool DirSource::has_pending() const {
  return m_unready_seen || !m_queue.empty();
}

Status DirSource::scan() {
  m_unready_seen = false;
  DIR* root = ::opendir(m_root.c_str());
  if (root == nullptr) {
    const int err = errno;
    return make_error(err == ENOENT ? ErrorKind::config : ErrorKind::output,
                      "cannot read the drop directory " + m_root.string() + ": " + std::strerror(err));
  }
  const auto now = std::chrono::system_clock::now();
  // A max-heap on age order: its top is the newest of the oldest `window` files.
  std::priority_queue<Entry> oldest;
  const std::size_t window = std::max<std::size_t>(1, m_options.scan_window);
  while (const dirent* folder = ::readdir(root)) {
    const std::string folder_name = folder->d_name;
    if (folder_name.empty() || folder_name.front() == '.') continue;
    const auto folder_path = m_root / folder_name;
    DIR* dir = ::opendir(folder_path.c_str());
    if (dir == nullptr) continue;  // a file at the top level, or it vanished
    while (const dirent* file = ::readdir(dir)) {
      const std::string name = file->d_name;
      if (!looks_like_message(name)) continue;
      if (m_in_flight.count(locator_of(folder_name, name)) != 0) continue;
      struct stat st {};
      if (::fstatat(::dirfd(dir), name.c_str(), &st, 0) != 0 || !S_ISREG(st.st_mode)) continue;
      Entry entry{mtime_of(st), folder_name, name, static_cast<std::size_t>(st.st_size)};
      if (now - entry.mtime < m_options.min_age) {
        m_unready_seen = true;
        continue;
      }
      if (oldest.size() < window) {
        oldest.push(std::move(entry));
      } else if (entry < oldest.top()) {
        oldest.pop();
        oldest.push(std::move(entry));
      }
    }
    ::closedir(dir);
  }
  ::closedir(root);
  std::vector<Entry> sorted;
  sorted.reserve(oldest.size());
  while (!oldest.empty()) {
    sorted.push_back(oldest.top());
    oldest.pop();
  }
  m_queue.assign(sorted.rbegin(), sorted.rend());
  return {};
}

Result<std::vector<Message>> DirSource::receive(const ReceiveLimits& limits) {
  if (m_queue.empty()) {
    if (auto st = scan(); !st) return st.error();
  }
  std::vector<Message> out;
  std::size_t bytes = 0;
  while (!m_queue.empty() && out.size() < limits.max_messages) {
    const Entry& next = m_queue.front();
    if (!out.empty() && bytes + next.size > limits.max_bytes) break;
    Entry entry = std::move(m_queue.front());
    m_queue.pop_front();
    const auto path = m_root / entry.folder / entry.name;
    Message message;
    message.id = entry.name;
    message.fallback_dataset = entry.folder == "unknown" ? std::string() : entry.folder;
    message.locator = locator_of(entry.folder, entry.name);
    message.source_ref = "dir:" + path.string();
    message.enqueued_at = entry.mtime;
    bool gone = false;
    bool too_big = false;
    auto body = read_whole(path, m_options.max_file_bytes, gone, too_big);
    if (!body) {
      if (gone) continue;  // settled by someone else meanwhile
      if (!too_big) return body.error();
      message.read_error = body.error().message;
    } else {
      message.body = std::move(*body);
    }
    bytes += message.body.size();
    m_in_flight.insert(message.locator);
    out.push_back(std::move(message));
  }
  return out;
}

Status DirSource::acknowledge(const Message& message, Outcome outcome, std::string_view error) {
  m_in_flight.erase(message.locator);
  const auto path = m_root / message.locator;
  const auto folder = std::filesystem::path(message.locator).parent_path();
  if (outcome == Outcome::quarantined) {
    const auto dir = m_root / ".quarantine" / folder;
    if (auto st = core::ensure_directory(dir); !st) return st;
    if (auto st = core::write_file_atomic(dir / (message.id + ".error.txt"), std::string(error) + "\n"); !st) {
      return st;
    }
    return move_file(path, dir, message.id);
  }
  if (m_options.keep == KeepFiles::keep) {
    return move_file(path, m_root / ".processed" / folder, message.id);
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return os_error("cannot remove", path, errno);
  return {};
}

void DirSource::release(const Message& message) {
  m_in_flight.erase(message.locator);
}

}  // namespace gbpm::ingest
