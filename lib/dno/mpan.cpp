#include "dno/mpan.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>

#include "dno/areas.hpp"

namespace gbpm::dno {

namespace {

constexpr std::array<int, 12> kWeights{3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43};

bool all_digits(std::string_view s) {
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return !s.empty();
}

bool all_alnum(std::string_view s) {
  for (const char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) return false;
  }
  return !s.empty();
}

std::string shown(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 40)) out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  if (text.size() > 40) out += "...";
  return out;
}

}  // namespace

std::optional<int> mpan_check_digit(std::string_view first12) {
  if (first12.size() != 12 || !all_digits(first12)) return std::nullopt;
  int sum = 0;
  for (std::size_t i = 0; i < 12; ++i) sum += (first12[i] - '0') * kWeights[i];
  return sum % 11 % 10;
}

Result<Mpan> parse_mpan(std::string_view text) {
  std::string s;
  for (const char c : text) {
    if (c == ' ' || c == '-' || c == '\t') continue;
    s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const auto bad = [&](std::string_view why) {
    return make_error(ErrorKind::usage, fmt::format("MPAN \"{}\": {}", shown(text), why));
  };
  if (s.size() == 22 && s[0] == 'S') s.erase(0, 1);
  Mpan mpan;
  if (s.size() == 21) {
    const std::string_view top = std::string_view(s).substr(0, 8);
    if (!all_digits(top.substr(0, 5)) || !all_alnum(top.substr(5, 3))) {
      return bad(
          "the top line must be a 2-digit profile class, a 3-digit meter time-switch code and a 3-character LLFC");
    }
    mpan.profile_class = std::string(top.substr(0, 2));
    mpan.llfc = std::string(top.substr(5, 3));
    s.erase(0, 8);
  } else if (s.size() != 13) {
    return bad(fmt::format("expected a 13-digit core or a 21-character full MPAN, got {} characters", s.size()));
  }
  if (!all_digits(s)) return bad("the core must be 13 decimal digits");
  const int expected = *mpan_check_digit(std::string_view(s).substr(0, 12));
  if (s[12] - '0' != expected) {
    return bad(fmt::format("check digit is {}, expected {} (mistyped?)", s[12], expected));
  }
  mpan.distributor_id = (s[0] - '0') * 10 + (s[1] - '0');
  if (!find_area(mpan.distributor_id)) {
    return bad(fmt::format("distributor id {:02d} is not a GB licence area (10-23)", mpan.distributor_id));
  }
  mpan.core = std::move(s);
  return mpan;
}

}  // namespace gbpm::dno
