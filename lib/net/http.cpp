#include "net/http.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/log.hpp"
#include "core/redact.hpp"

namespace gbpm::net {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<std::string> Request::header(std::string_view name) const {
  return find_header(headers, name);
}

std::optional<std::string> Response::header(std::string_view name) const {
  return find_header(headers, name);
}

bool is_secret_header(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kSecret = {"authorization", "proxy-authorization", "cookie",
                                                              "set-cookie", "x-goog-api-key"};
  for (const auto secret : kSecret) {
    if (iequals(name, secret)) return true;
  }
  return log::is_secret_key(name);
}

std::string redact_url(std::string_view url) {
  return core::redact_url(url);
}

std::string format_headers_redacted(const Headers& headers) {
  std::string out;
  for (const auto& [name, value] : headers) {
    if (!out.empty()) out += "; ";
    out += name;
    out += ": ";
    out += is_secret_header(name) ? kRedacted : std::string_view(value);
  }
  return out;
}

ErrorKind error_kind_for_status(long status) {
  if (status == 408 || status == 429 || (status >= 500 && status <= 599)) return ErrorKind::temporary;
  return ErrorKind::unavailable;
}

Error status_error(const Response& response, std::string_view what) {
  // One line: control characters become spaces, runs of spaces collapse.
  std::string excerpt;
  for (const char c : std::string_view(response.body).substr(0, 300)) {
    const bool blank = static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;
    if (blank && (excerpt.empty() || excerpt.back() == ' ')) continue;
    excerpt += blank ? ' ' : c;
  }
  while (!excerpt.empty() && excerpt.back() == ' ') excerpt.pop_back();
  std::string message = fmt::format("{}: HTTP {}", what, response.status);
  if (!excerpt.empty()) message += fmt::format(": {}", excerpt);
  return make_error(error_kind_for_status(response.status), std::move(message));
}

std::string percent_encode(std::string_view text, std::string_view also_keep) {
  static constexpr std::string_view kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved || also_keep.find(ch) != std::string_view::npos) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

}  // namespace gbpm::net
