#pragma once
// The Elexon fixtures kept in the repository (tests/fixtures/elexon), located
// through $GBPM_FIXTURES, which ctest sets for every test.

#include <filesystem>
#include <string>
#include <string_view>

namespace gbpm::testing {

// $GBPM_FIXTURES/elexon. Throws std::runtime_error (a test failure under
// Catch) when the variable is unset or the directory is missing.
std::filesystem::path elexon_fixtures();

// The whole file; throws std::runtime_error naming it when it cannot be read.
std::string read_fixture_file(const std::filesystem::path& path);

}  // namespace gbpm::testing
