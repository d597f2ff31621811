#include "fakes/common/server_host.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include "net/curl_transport.hpp"

using namespace gbpm;

namespace {

struct Hosted {
  fakes::ServerHost host{fakes::ServeOptions{}, [](httplib::Server& s) {
                           s.Get("/hello", [](const httplib::Request&, httplib::Response& res) {
                             res.set_content(R"({"hello":"world"})", "application/json");
                           });
                           s.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
                             res.set_content(req.body, "application/json");
                           });
                         }};
  std::unique_ptr<net::CurlTransport> client;
  Hosted() {
    host.start();
    auto c = net::CurlTransport::create({.ca_file = host.ca_file().string()});
    REQUIRE(c.ok());
    client = std::move(*c);
  }
  Result<net::Response> get(const std::string& path) {
    return client->send(net::Request{.method = "GET", .url = host.url() + path});
  }
};

}  // namespace

TEST_CASE("a hosted service answers over HTTPS with its generated CA", "[fakes]") {
  Hosted h;
  const auto r = h.get("/hello");
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == R"({"hello":"world"})");
  CHECK(h.get("/_fake/health")->body == "ok");
}

TEST_CASE("injected faults apply to the next N matching requests only", "[fakes]") {
  Hosted h;
  h.host.inject(fakes::Fault{
      .path_prefix = "/hello", .count = 2, .status = 503, .body = "busy", .headers = {{"Retry-After", "1"}}});
  const auto first = h.get("/hello");
  REQUIRE(first.ok());
  CHECK(first->status == 503);
  CHECK(first->header("Retry-After") == "1");
  CHECK(h.get("/_fake/health")->status == 200);  // admin routes are never faulted
  CHECK(h.get("/hello")->status == 503);
  CHECK(h.get("/hello")->status == 200);
}

TEST_CASE("faults can be armed over HTTP and can drop the connection", "[fakes]") {
  Hosted h;
  const auto armed = h.client->send(net::Request{
      .method = "POST", .url = h.host.url() + "/_fake/faults", .body = R"({"path_prefix":"/hello","drop":true})"});
  REQUIRE(armed.ok());
  REQUIRE(armed->status == 200);
  const auto dropped = h.get("/hello");
  REQUIRE_FALSE(dropped.ok());
  CHECK(dropped.error().kind == ErrorKind::temporary);
  CHECK(h.get("/hello")->status == 200);

  const auto bad = h.client->send(
      net::Request{.method = "POST", .url = h.host.url() + "/_fake/faults", .body = R"({"count":"three"})"});
  REQUIRE(bad.ok());
  CHECK(bad->status == 400);
  CHECK(bad->body.find("$.count") != std::string::npos);
}

// A fault answers before the request body is read; the connection must not be
// reused with that body still unread, or the next request is parsed from it.
TEST_CASE("a faulted POST does not corrupt the next request on the connection", "[fakes]") {
  Hosted h;
  h.host.inject(fakes::Fault{.method = "POST", .path_prefix = "/echo", .count = 2, .status = 503});
  const std::string body = R"({"rows":[1,2,3],"padding":")" + std::string(4000, 'x') + R"("})";
  for (int i = 0; i < 2; ++i) {
    const auto faulted = h.client->send(net::Request{.method = "POST", .url = h.host.url() + "/echo", .body = body});
    REQUIRE(faulted.ok());
    CHECK(faulted->status == 503);
  }
  const auto ok = h.client->send(net::Request{.method = "POST", .url = h.host.url() + "/echo", .body = body});
  REQUIRE(ok.ok());
  CHECK(ok->status == 200);
  CHECK(ok->body == body);
  CHECK(h.get("/hello")->status == 200);
}
