#include "json/writer.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "json/json.hpp"

using namespace gbpm;

namespace {

std::string finish_ok(json::Writer& w) {
  CHECK(w.complete());
  auto text = w.finish();
  INFO((text.ok() ? std::string() : text.error().message));
  REQUIRE(text.ok());
  return *text;
}

std::string finish_error(json::Writer& w) {
  CHECK_FALSE(w.complete());
  auto text = w.finish();
  REQUIRE_FALSE(text.ok());
  CHECK(text.error().kind == ErrorKind::internal);
  return text.error().message;
}

}  // namespace

TEST_CASE("the writer produces compact JSON", "[json][writer]") {
  json::Writer w;
  w.begin_object()
      .key("dataset")
      .string("FUELINST")
      .key("rows")
      .int64(19)
      .key("big")
      .uint64(18446744073709551615ULL)
      .key("neg")
      .int64(-5)
      .key("price")
      .float64(160.5)
      .key("whole")
      .float64(3.0)
      .key("tiny")
      .float64(1e-7)
      .key("ok")
      .boolean(true)
      .key("no")
      .boolean(false)
      .key("none")
      .null()
      .key("list")
      .begin_array()
      .int64(1)
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .end_object();
  CHECK(finish_ok(w) ==
        R"({"dataset":"FUELINST","rows":19,"big":18446744073709551615,"neg":-5,"price":160.5,"whole":3.0,)"
        R"("tiny":1e-7,"ok":true,"no":false,"none":null,"list":[1,{},[]]})");
  // finish() resets the writer for the next document.
  w.int64(7);
  CHECK(finish_ok(w) == "7");
}

TEST_CASE("strings are escaped and round-trip through the parser", "[json][writer]") {
  std::string all_controls;
  for (int c = 0; c < 0x20; ++c) all_controls += static_cast<char>(c);
  const std::string tricky = all_controls + "\"\\/\x7F £€😀 </script>";

  CHECK(json::quote("plain") == R"("plain")");
  CHECK(json::quote("a\"b\\c\n\r\t\b\f\x01\x1f") == R"("a\"b\\c\n\r\t\b\f\u0001\u001F")");
  CHECK(json::quote(std::string_view("nul\0byte", 8)) == R"("nul\u0000byte")");
  CHECK(json::quote("£€😀") == "\"£€😀\"");  // UTF-8 passes through unescaped
  CHECK(json::quote("") == R"("")");

  json::Writer w;
  w.begin_object().key(tricky).string(tricky).end_object();
  const std::string text = finish_ok(w);
  for (char c : text) CHECK(static_cast<unsigned char>(c) >= 0x20);
  auto doc = json::parse(text);
  REQUIRE(doc.ok());
  CHECK(*doc->root().field(tricky).as_string() == tricky);
  const auto quoted = json::parse(json::quote(tricky));
  REQUIRE(quoted.ok());
  CHECK(*quoted->root().as_string() == tricky);
}

TEST_CASE("bytes that are not UTF-8 become U+FFFD", "[json][writer][utf8]") {
  CHECK(json::quote("a\xFF"
                    "b") ==
        "\"a\xEF\xBF\xBD"
        "b\"");
  CHECK(json::quote("\xE2\x82") == "\"\xEF\xBF\xBD\"");  // truncated sequence: one replacement
  CHECK(json::quote("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
  CHECK(json::quote("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");                  // an overlong form

  json::Writer w;
  w.begin_object().key("k\xC3").string("\xF4\x90\x80\x80").end_object();
  const std::string text = finish_ok(w);
  CHECK(json::is_valid_utf8(text));
  CHECK(json::parse(text).ok());

  CHECK(json::is_valid_utf8(""));
  CHECK(json::is_valid_utf8("ascii £ € 😀 \xF4\x8F\xBF\xBF"));
  for (const char* bad : {"\x80", "\xC1\x81", "\xE0\x9F\xBF", "\xED\xBF\xBF", "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80",
                          "\xF5\x80\x80\x80", "\xFE", "\xE2\x82", "\xE2\x82\x41"}) {
    INFO(bad);
    CHECK_FALSE(json::is_valid_utf8(bad));
  }
}

TEST_CASE("writer mistakes are reported by finish, not thrown", "[json][writer]") {
  json::Writer w;
  w.begin_object().string("value without a key").end_object();
  CHECK(finish_error(w) == "JSON writer: a string where an object key was expected");

  w.key("k");
  CHECK(finish_error(w) == R"(JSON writer: key "k" outside an object)");

  w.begin_object().key("a").key("b");
  CHECK(finish_error(w) == R"(JSON writer: key "b" where a value was expected)");

  w.begin_object().key("a").end_object();
  CHECK(finish_error(w) == "JSON writer: end_object() after a key with no value");

  w.begin_array().end_object();
  CHECK(finish_error(w) == "JSON writer: end_object() with no object open");

  w.begin_object().end_array();
  CHECK(finish_error(w) == "JSON writer: end_array() with no array open");

  w.int64(1).int64(2);
  CHECK(finish_error(w) == "JSON writer: a second top-level value (a number)");

  w.begin_array().begin_object();
  CHECK(finish_error(w) == "JSON writer: 2 object(s)/array(s) left open");

  CHECK(finish_error(w) == "JSON writer: nothing written");

  w.begin_array().float64(std::numeric_limits<double>::quiet_NaN()).end_array();
  CHECK(finish_error(w) == "JSON writer: NaN has no JSON form");
  w.float64(-std::numeric_limits<double>::infinity());
  CHECK(finish_error(w) == "JSON writer: infinity has no JSON form");

  w.value(json::View());
  CHECK(finish_error(w) == "JSON writer: an absent value ($)");

  // Still usable after all that.
  w.begin_array().end_array();
  CHECK(finish_ok(w) == "[]");
}

TEST_CASE("the writer copies parsed values", "[json][writer]") {
  const std::string text =
      R"({"a":[1,-2,18446744073709551615,2.5,2249.0,"s",true,false,null,{"x":{}}],"b":{"c":[[],[[]]]},"":""})";
  auto doc = json::parse(text);
  REQUIRE(doc.ok());
  json::Writer w;
  w.value(doc->root());
  CHECK(finish_ok(w) == text);

  w.begin_object().key("copy").value(doc->root().field("b")).key("n").int64(1).end_object();
  CHECK(finish_ok(w) == R"({"copy":{"c":[[],[[]]]},"n":1})");

  w.begin_array().value(doc->root().field("nope")).end_array();
  CHECK(finish_error(w) == "JSON writer: an absent value ($.nope)");
}

TEST_CASE("doubles are written in their shortest exact form", "[json][writer]") {
  for (const double d : {0.1, 1.0 / 3.0, 1e300, -2.5e-300, 49.987, 123456789.125, 5e-324}) {
    json::Writer w;
    w.float64(d);
    auto text = w.finish();
    REQUIRE(text.ok());
    auto back = json::parse(*text);
    REQUIRE(back.ok());
    CHECK(*back->root().as_double() == d);
  }
}
