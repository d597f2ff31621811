#include "dno/postcodes.hpp"

#include <fmt/format.h>

#include <cctype>

#include "json/json.hpp"

namespace gbpm::dno {

namespace {

bool is_alpha(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string shown(std::string_view text) {
  std::string out;
  for (const char c : text.substr(0, 20)) out += std::isprint(static_cast<unsigned char>(c)) != 0 ? c : '?';
  return out;
}

}  // namespace

Result<std::string> normalise_postcode(std::string_view text) {
  std::string s;
  for (const char c : text) {
    if (c == ' ' || c == '\t') continue;
    s += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const auto bad = [&] {
    return make_error(ErrorKind::usage,
                      fmt::format("postcode \"{}\" is not a UK postcode (e.g. SW1A 1AA, M1 1AE)", shown(text)));
  };
  if (s.size() < 5 || s.size() > 7) return bad();
  const std::size_t n = s.size();
  if (!is_digit(s[n - 3]) || !is_alpha(s[n - 2]) || !is_alpha(s[n - 1])) return bad();
  if (!is_alpha(s[0])) return bad();
  for (std::size_t i = 1; i < n - 3; ++i) {
    if (!is_alpha(s[i]) && !is_digit(s[i])) return bad();
  }
  return s.substr(0, n - 3) + " " + s.substr(n - 3);
}

Status check_base_url(std::string_view url, std::string_view setting) {
  if (url.starts_with("https://")) return {};
  if (url.starts_with("http://")) {
    std::string_view rest = url.substr(7);
    for (std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
      if (rest.starts_with(host) &&
          (rest.size() == host.size() || rest[host.size()] == ':' || rest[host.size()] == '/')) {
        return {};
      }
    }
  }
  return make_error(ErrorKind::config, fmt::format("{} \"{}\" must start with https:// (http:// only to a loopback "
                                                   "address, for tests)",
                                                   setting, url.substr(0, 100)));
}

PostcodesClient::PostcodesClient(net::HttpTransport& transport, std::string base_url, std::chrono::milliseconds timeout)
    : m_transport(transport), m_base(std::move(base_url)), m_timeout(timeout) {
  while (!m_base.empty() && m_base.back() == '/') m_base.pop_back();
}

Result<PostcodeLocation> parse_postcode_response(std::string_view body, std::string_view postcode) {
  auto doc = json::parse(body, {.max_bytes = std::size_t{1} << 20, .max_depth = 16});
  const auto bad = [&](const std::string& why) {
    return make_error(ErrorKind::data, fmt::format("Postcodes.io answer for {} not understood: {}", postcode, why));
  };
  if (!doc) return bad(doc.error().message);
  const json::View result = doc->root().field("result");
  PostcodeLocation loc;
  auto pc = result.field("postcode").as_string();
  if (!pc) return bad(pc.error().message);
  loc.postcode = std::string(*pc);
  const auto number = [&](std::string_view key, std::optional<double>& into) -> Status {
    auto v = result.field(key).optional_double();
    if (!v) return v.error();
    into = *v;
    return {};
  };
  for (auto [key, into] : {std::pair{"eastings", &loc.eastings}, std::pair{"northings", &loc.northings},
                           std::pair{"longitude", &loc.longitude}, std::pair{"latitude", &loc.latitude}}) {
    if (auto ok = number(key, *into); !ok) return bad(ok.error().message);
  }
  if (auto country = result.field("country").optional_string(); country && *country)
    loc.country = std::string(**country);
  return loc;
}

Result<PostcodeLocation> PostcodesClient::locate(std::string_view postcode) {
  std::string compact;
  for (const char c : postcode) {
    if (c != ' ') compact += c;
  }
  net::Request request;
  request.url = m_base + "/postcodes/" + net::percent_encode(compact);
  request.timeout = m_timeout;
  request.headers = {{"Accept", "application/json"}};
  ++m_requests;
  auto response = m_transport.send(request);
  if (!response) return response.error().with_context(fmt::format("Postcodes.io lookup of {}", postcode));
  if (response->status == 404) {
    return make_error(ErrorKind::data,
                      fmt::format("postcode {} not found by Postcodes.io (check it, or give --mpan)", postcode));
  }
  if (!response->success()) return net::status_error(*response, fmt::format("Postcodes.io lookup of {}", postcode));
  return parse_postcode_response(response->body, postcode);
}

}  // namespace gbpm::dno
