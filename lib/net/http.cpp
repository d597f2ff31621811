#include "net/http.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

#include "core/log.hpp"

namespace gbpm::net {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Query parameters that carry credentials without saying "secret": Azure SAS
// `sig`/`se`-style tokens and Google `key`.
bool is_secret_param(std::string_view name) {
  static constexpr std::array<std::string_view, 3> kExtra = {"sig", "code", "assertion"};
  for (const auto extra : kExtra) {
    if (iequals(name, extra)) return true;
  }
  return log::is_secret_key(name);
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
  std::string out;
  out.reserve(url.size());
  // Drop user:password@ from the authority.
  std::string_view rest = url;
  if (const auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    out += rest.substr(0, scheme_end + 3);
    rest.remove_prefix(scheme_end + 3);
    const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    const auto at = rest.substr(0, authority_end).rfind('@');
    if (at != std::string_view::npos) rest.remove_prefix(at + 1);
  }
  const auto query = rest.find('?');
  if (query == std::string_view::npos) {
    out += rest;
    return out;
  }
  out += rest.substr(0, query + 1);
  std::string_view params = rest.substr(query + 1);
  std::string_view fragment;
  if (const auto hash = params.find('#'); hash != std::string_view::npos) {
    fragment = params.substr(hash);
    params = params.substr(0, hash);
  }
  bool first = true;
  while (true) {
    const auto amp = params.find('&');
    const std::string_view param = params.substr(0, amp);
    if (!first) out += '&';
    first = false;
    const auto eq = param.find('=');
    if (eq != std::string_view::npos && is_secret_param(param.substr(0, eq))) {
      out += param.substr(0, eq + 1);
      out += kRedacted;
    } else {
      out += param;
    }
    if (amp == std::string_view::npos) break;
    params.remove_prefix(amp + 1);
  }
  out += fragment;
  return out;
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
