#include "google/bigquery_types.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "google/bigquery.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "net/http.hpp"

using namespace gbpm;
using namespace gbpm::google;

namespace {

// A jobs.query response in the documented QueryResponse shape.
constexpr std::string_view kReferenceResponse = R"({
  "kind": "bigquery#queryResponse",
  "schema": {"fields": [
    {"name": "id",   "type": "INTEGER",   "mode": "NULLABLE"},
    {"name": "name", "type": "STRING",    "mode": "NULLABLE"},
    {"name": "ts",   "type": "TIMESTAMP", "mode": "NULLABLE"},
    {"name": "tags", "type": "STRING",    "mode": "REPEATED"},
    {"name": "addr", "type": "RECORD",    "mode": "NULLABLE", "fields": [
        {"name": "city", "type": "STRING", "mode": "NULLABLE"},
        {"name": "zip",  "type": "STRING", "mode": "NULLABLE"}]}
  ]},
  "jobReference": {"projectId": "my-project", "jobId": "job_AbC123", "location": "EU"},
  "totalRows": "1",
  "rows": [
    {"f": [
      {"v": "42"},
      {"v": "Ada"},
      {"v": "1.7145864E9"},
      {"v": [{"v": "a"}, {"v": "b"}]},
      {"v": {"f": [{"v": "London"}, {"v": null}]}}
    ]}
  ],
  "totalBytesProcessed": "1024",
  "jobComplete": true,
  "cacheHit": false,
  "queryId": "...",
  "location": "EU"
})";

Result<Value> decode_one(std::string_view type, std::string_view cell_json,
                         TimestampEncoding enc = TimestampEncoding::int64_micros, std::string_view mode = "NULLABLE") {
  const std::string text = std::string(R"({"schema":{"fields":[{"name":"c","type":")") + std::string(type) +
                           R"(","mode":")" + std::string(mode) + R"("}]},"v":)" + std::string(cell_json) + "}";
  auto doc = json::parse(text);
  REQUIRE(doc.ok());
  auto schema = parse_schema(doc->root().field("schema"));
  REQUIRE(schema.ok());
  return decode_cell(doc->root().field("v"), schema->at(0), enc);
}

}  // namespace

TEST_CASE("the reference jobs.query response decodes into typed values", "[bigquery]") {
  auto doc = json::parse(kReferenceResponse);
  REQUIRE(doc.ok());
  auto schema = parse_schema(doc->root().field("schema"));
  REQUIRE(schema.ok());
  REQUIRE(schema->size() == 5);
  CHECK(schema->at(0).type == FieldType::int64);
  CHECK(schema->at(3).mode == FieldMode::repeated);
  CHECK(schema->at(4).fields.size() == 2);

  // BigQuery's default TIMESTAMP form is float seconds in scientific notation.
  auto rows = decode_rows(doc->root().field("rows"), *schema, TimestampEncoding::float_seconds);
  REQUIRE(rows.ok());
  REQUIRE(rows->size() == 1);
  const Row& r = rows->at(0);
  CHECK(r[0] == Value::int64(42));
  CHECK(r[1] == Value::text(FieldType::string, "Ada"));
  CHECK(r[2] == Value::timestamp_micros(1714586400000000));
  CHECK(r[3] ==
        Value::array(FieldType::string, {Value::text(FieldType::string, "a"), Value::text(FieldType::string, "b")}));
  CHECK(r[4] == Value::record({Value::text(FieldType::string, "London"), Value::null(FieldType::string)}));
  CHECK(r[4].children().at(1).is_null());
}

TEST_CASE("every scalar BigQuery type decodes from its wire string", "[bigquery]") {
  CHECK(*decode_one("INT64", R"("-9223372036854775808")") == Value::int64(INT64_MIN));
  CHECK(*decode_one("NUMERIC", R"("123.45")") == Value::text(FieldType::numeric, "123.45"));
  CHECK(*decode_one("BIGNUMERIC", R"("1234567890123456789012345678.123")") ==
        Value::text(FieldType::bignumeric, "1234567890123456789012345678.123"));
  CHECK(*decode_one("FLOAT", R"("1.5")") == Value::float64(1.5));
  CHECK(*decode_one("FLOAT64", R"("-Infinity")") == Value::float64(-std::numeric_limits<double>::infinity()));
  CHECK(std::isnan(*decode_one("FLOAT", R"("NaN")")->as_double()));
  CHECK(*decode_one("BOOLEAN", R"("true")") == Value::boolean(true));
  CHECK(*decode_one("BOOL", R"("false")") == Value::boolean(false));
  CHECK(*decode_one("STRING", R"j("=SUM(A1)")j") == Value::text(FieldType::string, "=SUM(A1)"));
  CHECK(*decode_one("BYTES", R"("aGVsbG8/Pz8+")") == Value::bytes(std::string("hello?") + "?" + "?>"));
  CHECK(*decode_one("DATE", R"("2024-05-01")") == Value::text(FieldType::date, "2024-05-01"));
  CHECK(*decode_one("DATETIME", R"("2024-05-01T12:34:56.789")") ==
        Value::text(FieldType::datetime, "2024-05-01T12:34:56.789"));
  CHECK(*decode_one("TIME", R"("12:34:56.789")") == Value::text(FieldType::time, "12:34:56.789"));
  CHECK(*decode_one("GEOGRAPHY", R"j("POINT(1 2)")j") == Value::text(FieldType::geography, "POINT(1 2)"));
  CHECK(*decode_one("JSON", R"("{\"a\":1}")") == Value::text(FieldType::json, R"({"a":1})"));
  CHECK(decode_one("INTEGER", "null")->is_null());
  CHECK(decode_one("INTEGER", "null")->type() == FieldType::int64);
}

TEST_CASE("TIMESTAMP decodes from int64 micros and from every float-seconds form", "[bigquery]") {
  CHECK(*decode_one("TIMESTAMP", R"("1714586400123456")") == Value::timestamp_micros(1714586400123456));
  // Scientific forms BigQuery has been seen to send, and goccy's fixed form.
  CHECK(*decode_one("TIMESTAMP", R"("1.7145864E9")", TimestampEncoding::float_seconds) ==
        Value::timestamp_micros(1714586400000000));
  CHECK(*decode_one("TIMESTAMP", R"("-1.9954383398377106E10")", TimestampEncoding::float_seconds) ==
        Value::timestamp_micros(-19954383398377106));
  CHECK(*decode_one("TIMESTAMP", R"("1.67899e8")", TimestampEncoding::float_seconds) ==
        Value::timestamp_micros(167899000000000));
  // A float form is recognised even when int64 micros were asked for.
  CHECK(*decode_one("TIMESTAMP", R"("1714586400.123456")") == Value::timestamp_micros(1714586400123456));
  // Parsed decimally: no microsecond lost to a double.
  CHECK(*parse_float_seconds_micros("1714586400.999999") == 1714586400999999);
  CHECK(*parse_float_seconds_micros("1.7145864009999995E9") == 1714586401000000);  // rounds half up
  CHECK(*parse_float_seconds_micros("-0.0000005") == -1);
  CHECK(*parse_float_seconds_micros("0") == 0);
  CHECK_FALSE(parse_float_seconds_micros("1.5E30").ok());
  CHECK_FALSE(parse_float_seconds_micros("abc").ok());
  CHECK_FALSE(parse_float_seconds_micros("1.5E").ok());

  const auto t = decode_one("TIMESTAMP", R"("1714586400123456")")->as_time_point();
  REQUIRE(t.ok());
  CHECK(std::chrono::duration_cast<std::chrono::microseconds>(t->time_since_epoch()).count() == 1714586400123456);
}

TEST_CASE("REPEATED RECORD and empty arrays decode recursively", "[bigquery]") {
  auto doc = json::parse(R"({"fields":[{"name":"kv","type":"RECORD","mode":"REPEATED","fields":[
      {"name":"k","type":"STRING"},{"name":"ts","type":"TIMESTAMP"},{"name":"n","type":"INT64","mode":"REPEATED"}]}]})");
  REQUIRE(doc.ok());
  auto schema = parse_schema(doc->root());
  REQUIRE(schema.ok());
  auto rows = json::parse(R"([
    {"f":[{"v":[{"v":{"f":[{"v":"a"},{"v":"1000000"},{"v":[{"v":"1"},{"v":"2"}]}]}},
                {"v":{"f":[{"v":null},{"v":null},{"v":[]}]}}]}]},
    {"f":[{"v":[]}]}])");
  REQUIRE(rows.ok());
  auto decoded = decode_rows(rows->root(), *schema, TimestampEncoding::int64_micros);
  REQUIRE(decoded.ok());
  const Value& kv = decoded->at(0).at(0);
  REQUIRE(kv.kind() == Value::Kind::array);
  REQUIRE(kv.children().size() == 2);
  CHECK(kv.children()[0] == Value::record({Value::text(FieldType::string, "a"), Value::timestamp_micros(1000000),
                                           Value::array(FieldType::int64, {Value::int64(1), Value::int64(2)})}));
  CHECK(kv.children()[1].children()[0].is_null());
  CHECK(kv.children()[1].children()[2].children().empty());
  CHECK(decoded->at(1).at(0).children().empty());
}

TEST_CASE("malformed cells are errors that name the JSON path", "[bigquery]") {
  auto bad_int = decode_one("INTEGER", R"("4x2")");
  REQUIRE_FALSE(bad_int.ok());
  CHECK(bad_int.error().kind == ErrorKind::data);
  CHECK(bad_int.error().message.find("$.v") != std::string::npos);
  CHECK_FALSE(decode_one("BOOLEAN", R"("yes")").ok());
  CHECK_FALSE(decode_one("INTEGER", "42").ok());  // scalars are always strings on the wire
  CHECK_FALSE(decode_one("BYTES", R"("not base64!")").ok());

  auto schema_doc = json::parse(R"({"fields":[{"name":"a","type":"INTEGER"},{"name":"b","type":"STRING"}]})");
  auto schema = parse_schema(schema_doc->root());
  auto rows = json::parse(R"([{"f":[{"v":"1"}]}])");
  auto decoded = decode_rows(rows->root(), *schema, TimestampEncoding::int64_micros);
  REQUIRE_FALSE(decoded.ok());
  CHECK(decoded.error().message.find("1 cells for 2 schema fields") != std::string::npos);

  auto unknown_type = json::parse(R"({"fields":[{"name":"a","type":"INTERVAL_X"}]})");
  CHECK_FALSE(parse_schema(unknown_type->root()).ok());
}

TEST_CASE("schemas round-trip through write_schema, legacy and standard names alike", "[bigquery]") {
  auto doc = json::parse(R"({"fields":[{"name":"x","type":"INT64","mode":"REQUIRED"},
     {"name":"r","type":"STRUCT","mode":"REPEATED","fields":[{"name":"f","type":"FLOAT64"}]}]})");
  auto schema = parse_schema(doc->root());
  REQUIRE(schema.ok());
  json::Writer w;
  write_schema(w, *schema);
  const auto text = w.finish();
  REQUIRE(text.ok());
  CHECK(*text ==
        R"({"fields":[{"name":"x","type":"INTEGER","mode":"REQUIRED"},{"name":"r","type":"RECORD","mode":"REPEATED",)"
        R"("fields":[{"name":"f","type":"FLOAT","mode":"NULLABLE"}]}]})");
}

TEST_CASE("BigQuery errors are classified retryable or permanent by reason, then status", "[bigquery]") {
  const auto classify = [](long status, std::string body) {
    return parse_api_error(net::Response{status, {}, std::move(body)});
  };
  const auto envelope = [](int code, std::string_view reason, std::string_view status) {
    return fmt::format(
        R"({{"error":{{"code":{},"message":"m-{}","errors":[{{"message":"m","domain":"global","reason":"{}"}}],"status":"{}"}}}})",
        code, reason, reason, status);
  };
  // rateLimitExceeded is a 403 that IS retryable; quotaExceeded is not.
  const ApiError rate = classify(403, envelope(403, "rateLimitExceeded", "PERMISSION_DENIED"));
  CHECK(rate.reason == "rateLimitExceeded");
  CHECK(rate.status == "PERMISSION_DENIED");
  CHECK(rate.message == "m-rateLimitExceeded");
  CHECK(rate.retryable());
  CHECK_FALSE(classify(403, envelope(403, "quotaExceeded", "RESOURCE_EXHAUSTED")).retryable());
  CHECK_FALSE(classify(403, envelope(403, "accessDenied", "PERMISSION_DENIED")).retryable());
  CHECK(classify(500, envelope(500, "backendError", "INTERNAL")).retryable());
  CHECK(classify(500, envelope(500, "internalError", "INTERNAL")).retryable());
  CHECK(classify(503, envelope(503, "backendError", "UNAVAILABLE")).retryable());
  CHECK(classify(400, envelope(400, "badGateway", "X")).retryable());
  CHECK(classify(429, "").retryable());
  CHECK(classify(504, "").retryable());
  CHECK_FALSE(classify(404, envelope(404, "notFound", "NOT_FOUND")).retryable());
  CHECK_FALSE(classify(409, envelope(409, "duplicate", "ALREADY_EXISTS")).retryable());
  CHECK_FALSE(classify(400, envelope(400, "invalidQuery", "INVALID_ARGUMENT")).retryable());
  CHECK_FALSE(
      classify(
          401,
          R"({"error":{"code":401,"message":"Request had invalid authentication credentials.","status":"UNAUTHENTICATED"}})")
          .retryable());

  // A proxy's HTML 502 is retryable and its message is a one-line excerpt.
  const ApiError html = classify(502, "<html>\n<body>Bad   Gateway</body></html>");
  CHECK(html.retryable());
  CHECK(html.reason.empty());
  CHECK(html.message == "<html> <body>Bad Gateway</body></html>");

  // BigQuery's 404 body for a missing table.
  const ApiError nf = classify(
      404, R"({"error":{"code":404,"message":"Not found: Table my-project:sales.orders was not found in location US",
  "errors":[{"message":"Not found: Table my-project:sales.orders was not found in location US","domain":"global","reason":"notFound"}],
  "status":"NOT_FOUND"}})");
  const Error e = to_error(nf, "BigQuery tables.get sales.orders");
  CHECK(e.kind == ErrorKind::unavailable);
  CHECK(
      e.message ==
      "BigQuery tables.get sales.orders: HTTP 404 notFound: Not found: Table my-project:sales.orders was not found in "
      "location US");
  CHECK(to_error(rate, "x").kind == ErrorKind::temporary);
  const Error quota = to_error(classify(403, envelope(403, "quotaExceeded", "X")), "x");
  CHECK(quota.kind == ErrorKind::unavailable);
  CHECK(quota.message.find("quota") != std::string::npos);
}

TEST_CASE("query requests are GoogleSQL with named, typed, string-valued parameters", "[bigquery]") {
  BigQueryOptions options;
  options.location = "EU";
  options.page_size = 500;
  QueryRequest request;
  request.sql = "SELECT 1 FROM `p.d.t` WHERE id = @id";
  request.parameters = {
      QueryParameter::int64("id", 42),
      QueryParameter::timestamp("since", core::TimePoint(std::chrono::microseconds(1714521600123456))),
      QueryParameter::null("gone", FieldType::date),
      QueryParameter::string_array("tags", {"a", "b"}),
      QueryParameter::boolean("flag", true),
      QueryParameter::float64("x", 0.5),
  };
  request.maximum_bytes_billed = 1000000;
  const std::string body = encode_query_request(request, options, "req-1");
  auto doc = json::parse(body);
  REQUIRE(doc.ok());
  const json::View r = doc->root();
  CHECK(*r.field("query").as_string() == request.sql);
  CHECK(*r.field("useLegacySql").as_bool() == false);
  CHECK(*r.field("parameterMode").as_string() == "NAMED");
  CHECK(*r.field("formatOptions").field("useInt64Timestamp").as_bool() == true);
  CHECK(*r.field("location").as_string() == "EU");
  CHECK(*r.field("maxResults").as_int() == 500);
  CHECK(*r.field("requestId").as_string() == "req-1");
  CHECK(*r.field("maximumBytesBilled").as_string() == "1000000");  // int64 as a string
  const json::View p = r.field("queryParameters");
  CHECK(*p.index(0).field("name").as_string() == "id");
  CHECK(*p.index(0).field("parameterType").field("type").as_string() == "INT64");
  CHECK(*p.index(0).field("parameterValue").field("value").as_string() == "42");
  CHECK(*p.index(1).field("parameterType").field("type").as_string() == "TIMESTAMP");
  CHECK(*p.index(1).field("parameterValue").field("value").as_string() == "2024-05-01 00:00:00.123456+00:00");
  CHECK(*p.index(2).field("parameterType").field("type").as_string() == "DATE");
  CHECK(p.index(2).field("parameterValue").field("value").is_null());
  CHECK(*p.index(3).field("parameterType").field("type").as_string() == "ARRAY");
  CHECK(*p.index(3).field("parameterType").field("arrayType").field("type").as_string() == "STRING");
  CHECK(*p.index(3).field("parameterValue").field("arrayValues").index(1).field("value").as_string() == "b");
  CHECK(*p.index(4).field("parameterType").field("type").as_string() == "BOOL");
  CHECK(*p.index(4).field("parameterValue").field("value").as_string() == "true");
  CHECK(*p.index(5).field("parameterValue").field("value").as_string() == "0.5");

  CHECK(format_timestamp_parameter(core::TimePoint(std::chrono::microseconds(-1))) ==
        "1969-12-31 23:59:59.999999+00:00");
}
