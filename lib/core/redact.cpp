#include "core/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/log.hpp"

namespace gbpm::core {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Query parameters that carry credentials without saying "secret": Azure SAS
// `sig`, OAuth `code`, JWT `assertion`, plus every log::is_secret_key name.
bool is_secret_param(std::string_view name) {
  static constexpr std::array<std::string_view, 3> kExtra = {"sig", "code", "assertion"};
  for (const auto extra : kExtra) {
    if (iequals(name, extra)) return true;
  }
  return log::is_secret_key(name);
}

// The parts of an absolute URL: "scheme://", user-info (with its '@'),
// host[:port], and the rest (path, query, fragment).
struct UrlParts {
  std::string_view scheme;
  std::string_view userinfo;
  std::string_view host;
  std::string_view rest;
};

bool split_url(std::string_view url, UrlParts& out) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return false;
  out.scheme = url.substr(0, scheme_end + 3);
  std::string_view after = url.substr(scheme_end + 3);
  const auto authority_end = std::min(after.find_first_of("/?#"), after.size());
  const std::string_view authority = after.substr(0, authority_end);
  const auto at = authority.rfind('@');
  out.userinfo = at == std::string_view::npos ? std::string_view{} : authority.substr(0, at + 1);
  out.host = at == std::string_view::npos ? authority : authority.substr(at + 1);
  out.rest = after.substr(authority_end);
  return true;
}

void replace_all(std::string& text, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  std::size_t pos = 0;
  while ((pos = text.find(needle, pos)) != std::string::npos) {
    text.replace(pos, needle.size(), with);
    pos += with.size();
  }
}

}  // namespace

std::string redact_url(std::string_view url) {
  std::string out;
  out.reserve(url.size());
  std::string_view rest = url;
  if (UrlParts parts; split_url(url, parts)) {
    out += parts.scheme;
    out += parts.host;
    rest = parts.rest;
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

std::string redact_secret_url(std::string_view url) {
  UrlParts parts;
  if (!split_url(url, parts)) return std::string(kRedacted);
  return std::string(parts.scheme) + std::string(parts.host) + "/" + std::string(kRedacted);
}

std::string scrub_secret_url(std::string_view text, std::string_view secret_url) {
  std::string out(text);
  UrlParts parts;
  if (!split_url(secret_url, parts)) {
    replace_all(out, secret_url, kRedacted);
    return out;
  }
  // Longest first: the whole URL, then the forms a transport may quote.
  replace_all(out, secret_url, redact_secret_url(secret_url));
  const std::string shown = redact_url(secret_url);
  replace_all(out, shown, redact_secret_url(secret_url));
  if (parts.rest.size() > 1) replace_all(out, parts.rest, "/" + std::string(kRedacted));
  if (parts.userinfo.size() > 1) replace_all(out, parts.userinfo, "");
  return out;
}

bool is_https_or_loopback(std::string_view url) {
  UrlParts parts;
  if (!split_url(url, parts) || !parts.userinfo.empty()) {
    return false;
  }
  if (iequals(parts.scheme, "https://")) return !parts.host.empty();
  if (!iequals(parts.scheme, "http://")) return false;
  std::string_view host = parts.host;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(0, host.find(']') + 1);
  } else {
    host = host.substr(0, host.find(':'));
  }
  return host == "[::1]" || iequals(host, "localhost") ||
         (host.substr(0, 4) == "127." &&
          std::all_of(host.begin(), host.end(), [](char c) { return c == '.' || (c >= '0' && c <= '9'); }));
}

}  // namespace gbpm::core
