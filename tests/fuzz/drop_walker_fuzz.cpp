// libFuzzer target: the dir: source (ingest::DirSource) walking a drop
// folder built from the input bytes: dataset folders (also `.quarantine`,
// `.processed`), message files, symlinks to files and folders outside the
// drop, inside it, to the drop itself and dangling, FIFOs, directories named
// like messages, and entries swapped for a FIFO or a symlink between scan,
// read and settle, with receive/acknowledge/release steps interleaved.
// Besides "no crash, no UB, no leak, no hang" (a FIFO opened for reading
// without a writer would block forever), it checks what the source promises:
//   - receive never fails;
//   - every message handed out is the bytes of a regular file written at its
//     path inside the drop (or their first bytes, for one over the limit),
//     never bytes from outside;
//   - nothing outside the drop is created, changed, moved or removed;
//   - refused entries (symlinks, FIFOs, directories named *.json) stay where
//     they are.
//   clang build: drop_walker_fuzz [corpus dirs] (-DGBPM_FUZZ=ON)
//   any build:   drop_walker_replay FILE|DIR...

#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ingest/dir_source.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace gbpm;
using namespace gbpm::ingest;
namespace fs = std::filesystem;

void check(bool condition) {
  if (!condition) std::abort();
}

class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : m_data(data), m_size(size) {}
  [[nodiscard]] bool empty() const { return m_pos >= m_size; }
  std::uint8_t next() { return m_pos < m_size ? m_data[m_pos++] : 0; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& options) {
    return options[next() % N];
  }

 private:
  const std::uint8_t* m_data;
  std::size_t m_size;
  std::size_t m_pos = 0;
};

constexpr std::array<const char*, 7> kFolders = {"FREQ", "MID", "unknown", ".quarantine", ".processed", "runs", "x"};
constexpr std::array<const char*, 7> kFiles = {"a.json", "b.json", "c.json", ".h.json", "d.json.tmp", "e.json", "f"};

void write(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Everything under `root`, symlinks not followed: path → type and content.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const auto rel = fs::relative(it->path(), root).string();
    const auto status = it->symlink_status();
    if (fs::is_symlink(status)) {
      out[rel] = "link:" + fs::read_symlink(it->path()).string();
    } else if (fs::is_regular_file(status)) {
      out[rel] = "file:" + read(it->path());
    } else if (fs::is_directory(status)) {
      out[rel] = "dir";
    } else {
      out[rel] = "other";
    }
  }
  return out;
}

struct World {
  fs::path base;                                 // <tmp>/drop-walker.XXXXXX
  fs::path root;                                 // base/drop
  fs::path outside;                              // base/outside
  std::map<std::string, std::string> files;      // "<folder>/<name>" → content of regular files we wrote
  std::map<std::string, fs::file_type> special;  // refused entries we made, by path relative to root
  std::set<std::string> handed_out;              // locators handed out at least once
};

std::string entry(Bytes& in, const char* folder) {
  return std::string(folder) + "/" + in.pick(kFiles);
}

// Creates <root>/<folder> unless something is there; true when it is a real
// directory (never a symlink: the test itself must not write through one).
bool real_folder(const World& w, const std::string& folder) {
  std::error_code ec;
  if (!fs::exists(fs::symlink_status(w.root / folder, ec))) fs::create_directory(w.root / folder, ec);
  return fs::is_directory(fs::symlink_status(w.root / folder, ec));
}

// Replaces whatever is at `rel` with a FIFO or a symlink out of the drop.
void swap_special(World& w, Bytes& in, const std::string& rel) {
  std::error_code ec;
  fs::remove(w.root / rel, ec);
  w.files.erase(rel);
  if (in.next() % 2 == 0) {
    if (::mkfifo((w.root / rel).c_str(), 0600) == 0) w.special[rel] = fs::file_type::fifo;
  } else {
    fs::create_symlink(w.outside / "secret.json", w.root / rel, ec);
    if (!ec) w.special[rel] = fs::file_type::symlink;
  }
}

void settle_some(World& w, DirSource& source, Bytes& in, std::size_t max_file_bytes) {
  const std::size_t max_messages = 1 + in.next() % 4;
  auto batch = source.receive({.max_messages = max_messages, .max_bytes = 1 + std::size_t{in.next()}});
  check(batch.ok());
  for (const Message& m : *batch) {
    check(m.body.find("OUTSIDE") == std::string::npos);
    const auto it = w.files.find(m.locator);
    check(it != w.files.end());
    if (m.read_error.empty()) {
      check(m.body == it->second);
    } else {
      check(it->second.size() > max_file_bytes && it->second.compare(0, m.body.size(), m.body) == 0);
    }
    w.handed_out.insert(m.locator);
  }
  for (const Message& m : *batch) {
    const std::uint8_t how = in.next();
    if (how % 7 == 6) swap_special(w, in, m.locator);  // changed after it was read
    if (how % 4 == 3) {
      source.release(m);
      continue;
    }
    const Outcome outcome = how % 4 == 0 ? Outcome::quarantined : how % 4 == 1 ? Outcome::kept_raw : Outcome::stored;
    // May fail (a symlinked .quarantine/.processed): the file then stays.
    const auto settled = source.acknowledge(m, outcome, "fuzz");
    if (settled.ok() && w.special.count(m.locator) == 0) {
      w.files.erase(m.locator);
    } else if (settled.ok()) {
      w.special.erase(m.locator);  // the swapped-in entry was settled in its place: inside the drop
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  Bytes in(data, size);
  char templ[] = "/tmp/drop-walker.XXXXXX";
  if (::mkdtemp(templ) == nullptr) return 0;
  World w;
  w.base = templ;
  w.root = w.base / "drop";
  w.outside = w.base / "outside";
  fs::create_directories(w.root);
  fs::create_directories(w.outside / "FREQ");
  write(w.outside / "secret.json", "[\"OUTSIDE secret\"]");
  write(w.outside / "FREQ" / "a.json", "[\"OUTSIDE a\"]");
  write(w.outside / "runs.json", "OUTSIDE run record");
  const auto outside_before = snapshot(w.outside);

  const bool keep = in.next() % 2 == 1;
  DirSourceOptions options{.keep = keep ? KeepFiles::keep : KeepFiles::remove,
                           .min_age = std::chrono::milliseconds{0},
                           .scan_window = 1 + std::size_t{in.next()} % 4,
                           .max_file_bytes = 4 + std::size_t{in.next()} % 40};
  DirSource source(w.root, options);
  int serial = 0;
  std::error_code ec;
  for (int op = 0; op < 64 && !in.empty(); ++op) {
    const char* folder = in.pick(kFolders);
    switch (in.next() % 8) {
      case 0: real_folder(w, folder); break;
      case 1: {
        if (!real_folder(w, folder)) break;
        const std::string rel = entry(in, folder);
        if (w.special.count(rel) != 0 || fs::is_directory(fs::symlink_status(w.root / rel, ec))) break;
        const std::string content = "[" + std::to_string(serial++) + std::string(in.next() % 48, ' ') + "]";
        write(w.root / rel, content);
        w.files[rel] = content;
        break;
      }
      case 2: {
        if (!real_folder(w, folder)) break;
        const std::string rel = entry(in, folder);
        if (fs::exists(fs::symlink_status(w.root / rel, ec))) break;
        static constexpr std::array<const char*, 4> kTargets = {"secret.json", "FREQ", "missing.json", "runs.json"};
        fs::create_symlink(w.outside / in.pick(kTargets), w.root / rel, ec);
        if (!ec) w.special[rel] = fs::file_type::symlink;
        break;
      }
      case 3: {
        if (fs::exists(fs::symlink_status(w.root / folder, ec))) break;
        static constexpr std::array<const char*, 4> kTargets = {"outside/FREQ", "outside", "drop", "nowhere"};
        fs::create_directory_symlink(w.base / in.pick(kTargets), w.root / folder, ec);
        if (!ec) w.special[folder] = fs::file_type::symlink;
        break;
      }
      case 4: {
        if (!real_folder(w, folder)) break;
        const std::string rel = entry(in, folder);
        if (fs::exists(fs::symlink_status(w.root / rel, ec))) break;
        if (::mkfifo((w.root / rel).c_str(), 0600) == 0) w.special[rel] = fs::file_type::fifo;
        break;
      }
      case 5: {
        if (!real_folder(w, folder)) break;
        const std::string rel = entry(in, folder);
        if (fs::exists(fs::symlink_status(w.root / rel, ec))) break;
        if (fs::create_directory(w.root / rel, ec)) w.special[rel] = fs::file_type::directory;
        break;
      }
      case 6: settle_some(w, source, in, options.max_file_bytes); break;
      case 7: {
        const std::string rel = entry(in, folder);
        if (w.files.count(rel) != 0) swap_special(w, in, rel);
        break;
      }
    }
  }
  for (int round = 0; round < 50; ++round) settle_some(w, source, in, options.max_file_bytes);

  check(snapshot(w.outside) == outside_before);
  for (const auto& [rel, type] : w.special) {
    // What was refused is still there, as it was (a swapped-in entry that
    // was settled in its file's place was dropped from `special` above).
    check(fs::symlink_status(w.root / rel, ec).type() == type);
  }
  fs::remove_all(w.base, ec);
  return 0;
}
