#pragma once
// MPANs (meter point administration numbers). The 13-digit core is the
// distributor id (2 digits), a unique identifier (10 digits) and a check
// digit; a full MPAN adds the 8-character top line in front: profile class
// (2 digits), meter time-switch code (3 digits) and line loss factor class
// (LLFC, 3 characters), optionally preceded by 'S'. Spaces and hyphens are
// ignored.
//
// Check digit: multiply the first 12 digits by 3, 5, 7, 13, 17, 19, 23, 29,
// 31, 37, 41, 43 in turn; the sum modulo 11, then modulo 10, is the 13th digit.

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gbpm::dno {

struct Mpan {
  std::string core;                 // 13 digits
  int distributor_id = 0;           // first two digits of the core
  std::optional<std::string> llfc;  // from the top line, when given
  std::optional<std::string> profile_class;
};

// The check digit of a 12-digit prefix, or nullopt when `first12` is not
// exactly 12 decimal digits.
std::optional<int> mpan_check_digit(std::string_view first12);

// Parses a 13-digit core or a 21-character full MPAN. ErrorKind::usage with
// a message saying what is wrong (length, characters, check digit, a
// distributor id outside 10-23) and quoting the input (cut to 40 characters).
Result<Mpan> parse_mpan(std::string_view text);

}  // namespace gbpm::dno
