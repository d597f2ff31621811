#include "support/fixtures.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gbpm::testing {

std::filesystem::path elexon_fixtures() {
  const char* dir = std::getenv("GBPM_FIXTURES");
  if (dir == nullptr) throw std::runtime_error("GBPM_FIXTURES must point at tests/fixtures (ctest sets it)");
  const std::filesystem::path path = std::filesystem::path(dir) / "elexon";
  if (!std::filesystem::is_directory(path)) throw std::runtime_error("no fixtures directory " + path.string());
  return path;
}

std::string read_fixture_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in.good()) throw std::runtime_error("cannot read fixture " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace gbpm::testing
