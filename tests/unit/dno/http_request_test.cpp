#include "dno/http_request.hpp"

#include <catch2/catch.hpp>

using namespace gbpm;
using State = dno::RequestParser::State;

namespace {

dno::RequestParser parse(std::string_view text, dno::RequestLimits limits = {}) {
  dno::RequestParser p(limits);
  p.feed(text);
  return p;
}

}  // namespace

TEST_CASE("a POST with a body, fed byte by byte", "[dno][http]") {
  const std::string text =
      "POST /trigger-dno-lookup?x=1 HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
      "Content-Length: 17\r\n\r\n{\"postcode\":\"B1\"}";
  dno::RequestParser p;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) REQUIRE(p.feed(text.substr(i, 1)) == State::incomplete);
  REQUIRE(p.feed(text.substr(text.size() - 1)) == State::complete);
  CHECK(p.request().method == "POST");
  CHECK(p.request().path == "/trigger-dno-lookup");
  CHECK(p.request().target == "/trigger-dno-lookup?x=1");
  CHECK(p.request().header("content-type") == "application/json");
  CHECK(p.request().body == "{\"postcode\":\"B1\"}");
}

TEST_CASE("a GET in one piece, bare LF line ends, extra bytes ignored", "[dno][http]") {
  auto p = parse("GET /health HTTP/1.0\nHost: a\n\nGARBAGE");
  REQUIRE(p.state() == State::complete);
  CHECK(p.request().body.empty());
  CHECK(p.request().path == "/health");
}

TEST_CASE("malformed and oversized requests get the right status", "[dno][http]") {
  const auto status_of = [](std::string_view text, dno::RequestLimits limits = {}) {
    auto p = parse(text, limits);
    INFO(text);
    REQUIRE(p.state() == State::error);
    return p.error_status();
  };
  CHECK(status_of("GARBAGE\r\n\r\n") == 400);
  CHECK(status_of("GET  /x HTTP/1.1\r\n\r\n") == 400);
  CHECK(status_of("GET x HTTP/1.1\r\n\r\n") == 400);
  CHECK(status_of("GET /x HTTP/2.0\r\n\r\n") == 505);
  CHECK(status_of("GET /x HTTP/1.1\r\nNoColon\r\n\r\n") == 400);
  CHECK(status_of("GET /x HTTP/1.1\r\nName : v\r\n\r\n") == 400);
  CHECK(status_of("GET /x HTTP/1.1\r\nA: b\r\n folded\r\n\r\n") == 400);
  CHECK(status_of("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") == 501);
  CHECK(status_of("POST /x HTTP/1.1\r\n\r\n") == 411);
  CHECK(status_of("POST /x HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
  CHECK(status_of("POST /x HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") == 400);
  CHECK(status_of("POST /x HTTP/1.1\r\nContent-Length: 99999999999999\r\n\r\n") == 400);
  CHECK(status_of("POST /x HTTP/1.1\r\nContent-Length: 16385\r\n\r\n") == 413);
  CHECK(status_of("GET /x HTTP/1.1\r\nA: " + std::string(9000, 'a') + "\r\n\r\n") == 431);
  CHECK(status_of(std::string(9000, 'a')) == 431);
  std::string many = "GET /x HTTP/1.1\r\n";
  for (int i = 0; i < 65; ++i) many += "A: b\r\n";
  CHECK(status_of(many + "\r\n") == 431);
}

TEST_CASE("a body stops at Content-Length and waits for the rest", "[dno][http]") {
  dno::RequestParser p;
  CHECK(p.feed("POST /x HTTP/1.1\r\nContent-Length: 4\r\n\r\nab") == State::incomplete);
  CHECK(p.feed("cdEXTRA") == State::complete);
  CHECK(p.request().body == "abcd");
}
