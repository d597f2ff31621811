#include "ingest/iris_ingest.hpp"

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"

using namespace gbpm;
using namespace gbpm::ingest;

TEST_CASE("source specs parse dir: and servicebus: and refuse anything else", "[ingest]") {
  auto dir = parse_source_spec("dir:/srv/iris/data");
  REQUIRE(dir.ok());
  CHECK(std::get<DirSourceSpec>(*dir).path == "/srv/iris/data");
  auto sb = parse_source_spec("servicebus:elexon-insights-iris/iris.0000");
  REQUIRE(sb.ok());
  CHECK(std::get<ServiceBusSourceSpec>(*sb).namespace_name == "elexon-insights-iris");
  CHECK(std::get<ServiceBusSourceSpec>(*sb).queue == "iris.0000");
  for (const char* bad :
       {"dir:", "servicebus:ns", "servicebus:/q", "servicebus:ns/", "servicebus:a/b/c", "/srv/iris", "file:/x"}) {
    auto r = parse_source_spec(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::config);
    CHECK(r.error().message.find(bad) != std::string::npos);
  }
}
