#include "ingest/dir_source.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace gbpm::ingest {

namespace {

using core::retry_eintr;
using core::UniqueFd;

// Remembered refusals and stuck files; beyond this a refusal is logged again
// on a later scan rather than growing memory without bound.
constexpr std::size_t kMaxRemembered = 10000;

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

// Out of descriptors or memory: worth retrying later, not a property of the file.
bool is_resource_error(int err) {
  return err == EMFILE || err == ENFILE || err == ENOMEM;
}

// True when `name` in `parent` is a symlink (not followed).
bool is_symlink_at(int parent, const char* name) {
  struct stat st {};
  return ::fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

// A directory entry of `parent` as a directory descriptor, never through a
// symlink (O_NOFOLLOW with O_DIRECTORY fails with ENOTDIR or ELOOP on one:
// is_symlink_at tells which).
UniqueFd open_dir_at(int parent, const char* name) {
  return UniqueFd(retry_eintr([&] { return ::openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); }));
}

// The entries of the directory `fd` names (read through a fresh descriptor,
// so `fd` itself stays usable), "." and ".." left out.
Result<std::vector<std::string>> list_dir(int fd, const std::filesystem::path& shown) {
  UniqueFd own = open_dir_at(fd, ".");
  if (!own.valid()) return os_error("cannot read the directory", shown, errno);
  DIR* dir = ::fdopendir(own.get());
  if (dir == nullptr) return os_error("cannot read the directory", shown, errno);
  own.release();
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

// Reads up to `limit` bytes from `fd`.
Result<std::string> read_up_to(int fd, std::size_t limit, const std::filesystem::path& shown) {
  std::string body(limit, '\0');
  std::size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = retry_eintr([&] { return ::read(fd, body.data() + done, body.size() - done); });
    if (n < 0) return os_error("cannot read", shown, errno);
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  body.resize(done);
  return body;
}

// Writes `content` as `name` in the directory `dir_fd`: a temp file, fsync,
// renameat over the name. Nothing is followed.
Status write_at(int dir_fd, const std::string& name, std::string_view content, const std::filesystem::path& shown) {
  const std::string temp = "." + name + ".tmp";
  ::unlinkat(dir_fd, temp.c_str(), 0);
  UniqueFd fd(retry_eintr(
      [&] { return ::openat(dir_fd, temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640); }));
  if (!fd.valid()) return os_error("cannot create", shown, errno);
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = retry_eintr([&] { return ::write(fd.get(), content.data() + done, content.size() - done); });
    if (n < 0) {
      const int err = errno;
      ::unlinkat(dir_fd, temp.c_str(), 0);
      return os_error("cannot write", shown, err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::renameat(dir_fd, temp.c_str(), dir_fd, name.c_str()) != 0) {
    const int err = errno;
    ::unlinkat(dir_fd, temp.c_str(), 0);
    return os_error("cannot write", shown, err);
  }
  return {};
}

}  // namespace

DirSource::DirSource(std::filesystem::path root, DirSourceOptions options)
    : m_root(std::move(root)), m_options(options), m_log(options.log != nullptr ? options.log : &log::null_logger()) {}

std::string DirSource::describe() const {
  return "dir:" + m_root.string();
}

bool DirSource::has_pending() const {
  return m_unready_seen || !m_queue.empty();
}

void DirSource::refuse(const std::string& where, std::string_view what, std::string_view reason) {
  if (m_refused.count(where) != 0) return;
  if (m_refused.size() < kMaxRemembered) m_refused.insert(where);
  m_log->warn(std::string(what) + " refused and left in place",
              {{"path", (m_root / where).string()}, {"reason", reason}});
}

Status DirSource::open_root() {
  if (m_root_fd.valid()) return {};
  m_root_fd.reset(retry_eintr([&] { return ::open(m_root.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); }));
  if (m_root_fd.valid()) return {};
  const int err = errno;
  if (err == ELOOP || ((err == ENOTDIR) && is_symlink_at(AT_FDCWD, m_root.c_str()))) {
    return make_error(ErrorKind::config,
                      "the drop directory " + m_root.string() + " is a symlink: give the directory's real path");
  }
  if (is_resource_error(err)) {
    return make_error(ErrorKind::temporary,
                      "cannot open the drop directory " + m_root.string() + ": " + std::strerror(err));
  }
  return make_error(err == ENOENT || err == ENOTDIR ? ErrorKind::config : ErrorKind::output,
                    "cannot read the drop directory " + m_root.string() + ": " + std::strerror(err));
}

void DirSource::scan_folder(const std::string& folder_name, std::chrono::system_clock::time_point now,
                            std::size_t window, std::priority_queue<Entry>& oldest) {
  struct stat st {};
  if (::fstatat(m_root_fd.get(), folder_name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return;  // vanished
  if (S_ISLNK(st.st_mode)) {
    refuse(folder_name, "symlinked dataset folder", "a symlink is never followed");
    return;
  }
  if (!S_ISDIR(st.st_mode)) return;  // a file at the top level
  UniqueFd dir = open_dir_at(m_root_fd.get(), folder_name.c_str());
  if (!dir.valid()) {
    if (is_symlink_at(m_root_fd.get(), folder_name.c_str())) {
      refuse(folder_name, "symlinked dataset folder", "a symlink is never followed");
    }
    return;
  }
  auto names = list_dir(dir.get(), m_root / folder_name);
  if (!names) {
    refuse(folder_name, "unreadable dataset folder", names.error().message);
    return;
  }
  for (const std::string& name : *names) {
    if (!looks_like_message(name)) continue;
    const std::string where = locator_of(folder_name, name);
    if (m_in_flight.count(where) != 0 || m_stuck.count(where) != 0) continue;
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISLNK(st.st_mode)) {
      refuse(where, "symlinked message file", "a symlink is never followed");
      continue;
    }
    if (!S_ISREG(st.st_mode)) {
      refuse(where, "message that is not a regular file", "only regular files are read");
      continue;
    }
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
}

Status DirSource::scan() {
  m_unready_seen = false;
  if (auto opened = open_root(); !opened) return opened;
  auto folders = list_dir(m_root_fd.get(), m_root);
  if (!folders) return folders.error();
  const auto now = std::chrono::system_clock::now();
  // A max-heap on age order: its top is the newest of the oldest `window` files.
  std::priority_queue<Entry> oldest;
  const std::size_t window = std::max<std::size_t>(1, m_options.scan_window);
  for (const std::string& folder_name : *folders) {
    if (folder_name.front() == '.') continue;
    scan_folder(folder_name, now, window, oldest);
  }
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
    if (!out.empty() && bytes + std::min(next.size, m_options.max_file_bytes) > limits.max_bytes) break;
    Entry entry = std::move(m_queue.front());
    m_queue.pop_front();
    const std::string where = locator_of(entry.folder, entry.name);
    const auto path = m_root / where;
    UniqueFd dir = open_dir_at(m_root_fd.get(), entry.folder.c_str());
    if (!dir.valid()) {
      const int err = errno;
      if (err == ENOENT) continue;  // settled by someone else meanwhile
      if (is_resource_error(err)) return make_error(ErrorKind::temporary, os_error("cannot open", path, err).message);
      if (is_symlink_at(m_root_fd.get(), entry.folder.c_str())) {
        refuse(entry.folder, "symlinked dataset folder", "a symlink is never followed");
      } else {
        refuse(entry.folder, "dataset folder", std::strerror(err));
      }
      continue;
    }
    // O_NONBLOCK: a FIFO swapped in after the scan opens at once instead of
    // waiting for a writer; the fstat below then refuses it.
    UniqueFd fd(retry_eintr([&] {
      return ::openat(dir.get(), entry.name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    }));
    if (!fd.valid()) {
      const int err = errno;
      if (err == ENOENT) continue;
      if (is_resource_error(err)) return make_error(ErrorKind::temporary, os_error("cannot open", path, err).message);
      refuse(where, err == ELOOP ? "symlinked message file" : "unreadable message file", std::strerror(err));
      continue;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return os_error("cannot stat", path, errno);
    if (!S_ISREG(st.st_mode)) {
      refuse(where, "message that is not a regular file", "only regular files are read");
      continue;
    }
    Message message;
    message.id = entry.name;
    message.fallback_dataset = entry.folder == "unknown" ? std::string() : entry.folder;
    message.locator = where;
    message.source_ref = "dir:" + path.string();
    message.enqueued_at = entry.mtime;
    const auto size = static_cast<std::uint64_t>(st.st_size);
    const bool too_big = size > m_options.max_file_bytes;
    auto body = read_up_to(fd.get(), too_big ? kQuarantineHeadBytes : static_cast<std::size_t>(size), path);
    if (!body) return body.error();
    message.body = std::move(*body);
    if (too_big) mark_over_limit(message, size, m_options.max_file_bytes);
    bytes += message.body.size();
    m_in_flight.insert(message.locator);
    out.push_back(std::move(message));
  }
  return out;
}

Result<UniqueFd> DirSource::settle_dir(std::string_view top, const std::string& folder) {
  UniqueFd current;
  int parent = m_root_fd.get();
  std::filesystem::path shown = m_root;
  for (const std::string& name : {std::string(top), folder}) {
    shown /= name;
    if (::mkdirat(parent, name.c_str(), 0750) != 0 && errno != EEXIST) {
      return os_error("cannot create directory", shown, errno);
    }
    UniqueFd next = open_dir_at(parent, name.c_str());
    if (!next.valid()) {
      const int err = errno;
      if (err == ELOOP || is_symlink_at(parent, name.c_str())) {
        refuse(shown.lexically_relative(m_root).string(), "symlinked settle folder",
               "a symlink is never followed; files stay in the drop until it is a real directory");
        return make_error(ErrorKind::output, shown.string() + " is a symlink: refusing to move files through it");
      }
      return os_error("cannot open directory", shown, err);
    }
    current = std::move(next);
    parent = current.get();
  }
  return current;
}

Status DirSource::acknowledge(const Message& message, Outcome outcome, std::string_view error) {
  m_in_flight.erase(message.locator);
  const auto slash = message.locator.find('/');
  const std::string folder = message.locator.substr(0, slash);
  const std::string name = message.locator.substr(slash + 1);
  const auto path = m_root / message.locator;
  UniqueFd dir = open_dir_at(m_root_fd.get(), folder.c_str());
  if (!dir.valid()) {
    if (errno == ENOENT) return {};
    return os_error("cannot open", m_root / folder, errno);
  }
  // The message is committed whatever happens below: a file that cannot be
  // settled is not handed out again by this process.
  const auto stuck = [&](Error e) {
    if (m_stuck.size() < kMaxRemembered) m_stuck.insert(message.locator);
    return e;
  };
  if (outcome == Outcome::quarantined || m_options.keep == KeepFiles::keep) {
    const bool quarantine = outcome == Outcome::quarantined;
    auto to = settle_dir(quarantine ? ".quarantine" : ".processed", folder);
    if (!to) return stuck(to.error());
    if (quarantine) {
      const std::string note = name + ".error.txt";
      if (auto st = write_at(to->get(), note, std::string(error) + "\n", m_root / ".quarantine" / folder / note); !st) {
        return stuck(st.error());
      }
    }
    if (::renameat(dir.get(), name.c_str(), to->get(), name.c_str()) != 0) {
      if (errno == ENOENT) return {};
      return stuck(os_error("cannot move", path, errno));
    }
    return {};
  }
  if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
    return stuck(os_error("cannot remove", path, errno));
  }
  return {};
}

void DirSource::release(const Message& message) {
  m_in_flight.erase(message.locator);
}

}  // namespace gbpm::ingest
