#include "json/json.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "json/writer.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm;
namespace fs = std::filesystem;

namespace {

fs::path fixtures_dir() {
  const char* dir = std::getenv("GBPM_FIXTURES");
  INFO("GBPM_FIXTURES must point at tests/fixtures (ctest sets it)");
  REQUIRE(dir != nullptr);
  REQUIRE(fs::is_directory(dir));
  return dir;
}

std::vector<fs::path> json_files(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

json::Document parse_ok(std::string_view text, json::Limits limits = {}) {
  auto doc = json::parse(text, limits);
  INFO((doc.ok() ? std::string("ok") : doc.error().message));
  REQUIRE(doc.ok());
  return std::move(doc).value();
}

std::string parse_error(std::string_view text, json::Limits limits = {}) {
  auto doc = json::parse(text, limits);
  REQUIRE_FALSE(doc.ok());
  CHECK(doc.error().kind == ErrorKind::data);
  return doc.error().message;
}

template <typename T>
std::string error_of(const Result<T>& r) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().kind == ErrorKind::data);
  return r.error().message;
}

// Compact re-serialisation of a whole document.
std::string dump(const json::Document& doc) {
  json::Writer w;
  w.value(doc.root());
  auto text = w.finish();
  REQUIRE(text.ok());
  return *text;
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

// --- Real payloads -----------------------------------------------------------

TEST_CASE("every Elexon fixture parses and survives a round trip", "[json][fixtures]") {
  const fs::path root = fixtures_dir() / "elexon";
  std::size_t count = 0;
  for (const char* sub : {"iris", "api"}) {
    for (const fs::path& file : json_files(root / sub)) {
      INFO(file.string());
      const std::string text = testing::read_file(file);
      const json::Document doc = parse_ok(text);
      const json::View top = doc.root();
      if (file.filename() == "FUELINST.wire.json") {
        CHECK(top.is_string());
      } else {
        CHECK((top.is_array() || top.is_object()));
      }
      const std::string once = dump(doc);
      CHECK(dump(parse_ok(once)) == once);
      ++count;
    }
  }
  CHECK(count >= 40);
}

TEST_CASE("the double-encoded IRIS body decodes to the plain records", "[json][fixtures]") {
  const fs::path iris = fixtures_dir() / "elexon" / "iris";
  const std::string wire = testing::read_file(iris / "FUELINST.wire.json");
  const std::string plain = testing::read_file(iris / "FUELINST.json");

  auto decoded = json::parse_maybe_double_encoded(wire);
  REQUIRE(decoded.ok());
  const json::View rows = decoded->root();
  REQUIRE(rows.is_array());
  CHECK(rows.size() == 19);
  CHECK(dump(*decoded) == dump(parse_ok(plain)));

  const json::View first = rows.index(0);
  CHECK(*first.field("dataset").as_string() == "FUELINST");
  CHECK(*first.field("settlementPeriod").as_int() == 36);
  CHECK(*first.field("fuelType").as_string() == "BIOMASS");
  CHECK(*first.field("generation").as_int64() == 2249);
  CHECK(rows.index(3).path() == "$[3]");

  // A body that is not double-encoded comes back as it is.
  auto direct = json::parse_maybe_double_encoded(plain);
  REQUIRE(direct.ok());
  CHECK(direct->root().size() == 19);
  // A string that is not JSON inside is a data error saying so.
  auto bad = json::parse_maybe_double_encoded(R"("[{\"a\":1},")");
  CHECK(contains(error_of(bad), "double-encoded JSON"));
  // Only one level is unwrapped.
  auto twice = json::parse_maybe_double_encoded(R"("\"[1]\"")");
  REQUIRE(twice.ok());
  CHECK(*twice->root().as_string() == "[1]");
}

TEST_CASE("fixture records read through typed getters", "[json][fixtures]") {
  const std::string text =
      testing::read_file(fixtures_dir() / "elexon" / "api" / "balancing_settlement_system-prices_2026-08-01_5.json");
  const json::Document doc = parse_ok(text);
  const json::View row = doc.root().field("data").index(0);
  CHECK(*row.field("settlementPeriod").as_int() == 5);
  CHECK(*row.field("systemSellPrice").as_double() == 160.0);
  CHECK(*row.field("settlementDate").as_string() == "2026-08-01");
  CHECK(row.field("data").is_missing());

  const json::Document problem =
      parse_ok(testing::read_file(fixtures_dir() / "elexon" / "api" / "error_400_problem.json"));
  const json::View message = problem.root().field("errors").field("").index(0);
  CHECK(*message.as_string() == "The date range must not exceed 7 days.");
  CHECK(message.path() == R"($.errors[""][0])");
}

// --- Paths -------------------------------------------------------------------

TEST_CASE("errors name the JSON path of the offending value", "[json][path]") {
  const json::Document doc =
      parse_ok(R"({"data":[{"settlementPeriod":1},{},{},{"settlementPeriod":"abc","fuel type":{"x y":[true]}}]})");
  const json::View data = doc.root().field("data");
  CHECK(error_of(data.index(3).field("settlementPeriod").as_int64()) ==
        R"(at $.data[3].settlementPeriod: expected integer, got string "abc")");
  const json::View deep = data.index(3).field("fuel type").field("x y").index(0);
  CHECK(deep.path() == R"($.data[3]["fuel type"]["x y"][0])");
  CHECK(error_of(deep.as_string()) == R"(at $.data[3]["fuel type"]["x y"][0]: expected string, got boolean true)");
  CHECK(doc.root().path() == "$");
  CHECK(data.path() == "$.data");
  CHECK(data.error("no rows for period 7").message == "at $.data: no rows for period 7");
  CHECK(data.error("x").kind == ErrorKind::data);
}

TEST_CASE("absent values report the path and why they are absent", "[json][path]") {
  const json::Document doc = parse_ok(R"({"a":{"n":5,"nil":null,"list":[1,2,3]}})");
  const json::View a = doc.root().field("a");
  CHECK(error_of(a.field("missing").as_int()) == "at $.a.missing: expected integer, got nothing (no such member)");
  CHECK(error_of(a.field("list").index(7).as_int()) ==
        "at $.a.list[7]: expected integer, got nothing (the array has 3 elements)");
  CHECK(error_of(a.field("nil").field("x").as_string()) ==
        "at $.a.nil.x: expected string, got nothing ($.a.nil is null)");
  CHECK(error_of(a.field("n").field("x").as_string()) ==
        "at $.a.n.x: expected string, got nothing ($.a.n is number 5, not an object)");
  CHECK(error_of(a.field("n").index(0).as_string()) ==
        "at $.a.n[0]: expected string, got nothing ($.a.n is number 5, not an array)");
  CHECK(error_of(a.field("list").field("x").as_string()) ==
        "at $.a.list.x: expected string, got nothing ($.a.list is array of 3 elements, not an object)");
  CHECK(error_of(a.field("gone").field("deeper").index(2).as_bool()) ==
        "at $.a.gone.deeper[2]: expected boolean, got nothing ($.a.gone is missing)");
  CHECK(a.field("gone").field("deeper").index(2).path() == "$.a.gone.deeper[2]");
  CHECK(error_of(json::View().as_int()) == "at $: expected integer, got nothing");
}

TEST_CASE("paths work for values reached by iteration and for odd keys", "[json][path]") {
  const json::Document doc = parse_ok(R"({"rows":[{"k":1},{"k":2},{"k":"x"}],"":{"a\"b":[0]},"9lives":1,"_ok1":2})");
  std::vector<std::string> paths;
  for (const json::View row : doc.root().field("rows").elements()) paths.push_back(row.field("k").path());
  CHECK(paths == std::vector<std::string>{"$.rows[0].k", "$.rows[1].k", "$.rows[2].k"});
  for (const auto& [key, value] : doc.root().members()) {
    if (key.empty()) CHECK(value.field("a\"b").index(0).path() == R"($[""]["a\"b"][0])");
    if (key == "9lives") CHECK(value.path() == R"($["9lives"])");
    if (key == "_ok1") CHECK(value.path() == "$._ok1");
  }
  // A very long key is cut short in the path.
  const std::string long_key(500, 'k');
  const json::Document big = parse_ok("{\"" + long_key + "-\":true}");
  const std::string path = big.root().field(long_key + "-").path();
  CHECK(path.size() < 100);
  CHECK(contains(path, "...\"]"));
}

TEST_CASE("parse errors carry the byte offset, the reason and the path", "[json][path]") {
  CHECK(parse_error(R"({"data":[1,2,x]})") == "at $.data[2]: invalid JSON at byte 13: Invalid value");
  CHECK(parse_error(R"({"a":{"b":tru}})") == "at $.a.b: invalid JSON at byte 13: Invalid value");
  CHECK(contains(parse_error(R"([1,2)"), "Missing a comma or ']' after an array element"));
  CHECK(contains(parse_error(R"({"a":1,})"), "Missing a name for object member"));
  CHECK(contains(parse_error(""), "The document is empty"));
  CHECK(contains(parse_error("  \n "), "The document is empty"));
  CHECK(contains(parse_error("[1] [2]"), "The document root must not be followed by other values"));
  CHECK(contains(parse_error("[1] x"), "at byte 4"));
  CHECK(contains(parse_error("// c\n[1]"), "Invalid value"));
  CHECK(contains(parse_error(std::string("[1]\0[2]", 7)), "NUL byte after the value"));
  CHECK(contains(parse_error(std::string("[\"a\0b\"]", 7)), "invalid JSON"));
}

// --- Hostile input -------------------------------------------------------------

TEST_CASE("nesting is capped without recursion", "[json][hostile]") {
  const std::string deep(100000, '[');
  const std::string message = parse_error(deep);
  CHECK(contains(message, "nesting deeper than 64 at byte 64"));
  CHECK(message.size() < 400);  // the 64-level path is cut in the middle
  CHECK(contains(parse_error(std::string(100000, '[') + std::string(100000, ']')), "nesting deeper than 64"));

  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += R"({"a":)";
  CHECK(contains(parse_error(objects), "nesting deeper than 64"));

  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  parse_ok(nested(64));
  CHECK(contains(parse_error(nested(65)), "nesting deeper than 64"));
  parse_ok(nested(3), json::Limits{.max_depth = 3});
  CHECK(parse_error(nested(4), json::Limits{.max_depth = 3}) == "at $[0][0][0]: nesting deeper than 3 at byte 3");
  CHECK(contains(parse_error("[]", json::Limits{.max_depth = 0}), "nesting deeper than 0"));
  CHECK(*parse_ok("7", json::Limits{.max_depth = 0}).root().as_int() == 7);

  // A deep but permitted document is read, written and destroyed without recursion trouble.
  const json::Limits roomy{.max_depth = 20000};
  const json::Document doc = parse_ok(nested(20000), roomy);
  json::View v = doc.root();
  for (int i = 0; i < 19999; ++i) v = v.index(0);
  CHECK(v.is_array());
  CHECK(v.size() == 0);
  CHECK(v.path().size() == 1 + 3 * 19999);
  CHECK(dump(doc) == nested(20000));
}

TEST_CASE("documents over the size limit are refused unread", "[json][hostile]") {
  CHECK(parse_error("[1,2,3,4,5]", json::Limits{.max_bytes = 10}) == "document larger than 10 bytes (got 11)");
  parse_ok("[1,2,3,45]", json::Limits{.max_bytes = 10});
  CHECK(json::Limits{}.max_bytes == 64U * 1024 * 1024);
}

TEST_CASE("invalid UTF-8 is rejected, valid UTF-8 kept byte for byte", "[json][hostile][utf8]") {
  for (const char* bad : {"\"\xFF\"", "\"\x80\"", "\"\xC0\xAF\"", "\"\xE0\x80\xAF\"", "\"\xED\xA0\x80\"",
                          "\"\xF4\x90\x80\x80\"", "\"\xE2\x82\"", "\"\xF0\x9F\x98\"", "{\"\xC3\":1}"}) {
    INFO(bad);
    CHECK(contains(parse_error(bad), "Invalid encoding in string"));
  }
  CHECK(contains(parse_error("\xFF"), "Invalid value"));
  // Escapes that name a lone surrogate are refused too.
  CHECK(contains(parse_error(R"(["\udc00"])"), "lone UTF-16 surrogate"));
  CHECK(contains(parse_error(R"({"\udfff":1})"), "lone UTF-16 surrogate"));
  CHECK(contains(parse_error(R"(["\ud800"])"), "surrogate"));
  CHECK(contains(parse_error(R"(["\ud800\u0041"])"), "surrogate"));

  const json::Document doc = parse_ok(R"(["£ € 😀", "\u00a3\u20ac\ud83d\ude00", "\u0000x", "é"])");
  const json::View root = doc.root();
  CHECK(*root.index(0).as_string() == "£ € 😀");
  CHECK(*root.index(1).as_string() == "£€😀");
  CHECK(*root.index(2).as_string() == std::string_view("\0x", 2));
  for (const json::View s : root.elements()) CHECK(json::is_valid_utf8(*s.as_string()));
  // A UTF-8 byte-order mark is skipped; offsets still count it.
  CHECK(*parse_ok("\xEF\xBB\xBF[1]").root().index(0).as_int() == 1);
  CHECK(contains(parse_error("\xEF\xBB\xBF[x]"), "at byte 4"));
}

TEST_CASE("NaN and Infinity are not JSON", "[json][hostile]") {
  for (const char* bad : {"NaN", "[NaN]", "Infinity", "-Infinity", "[1,Infinity]", "nan", "inf", "[+1]", "[.5]", "[01]",
                          "[1.]", "[1e]", "[0x10]"}) {
    INFO(bad);
    parse_error(bad);
  }
}

TEST_CASE("numbers: exact integers, rounded long decimals, refused overflow", "[json][hostile][numbers]") {
  const std::string digits400 = "1" + std::string(399, '0');
  CHECK(contains(parse_error(digits400), "Number too big to be stored in double"));
  CHECK(contains(parse_error("[-" + digits400 + "]"), "Number too big"));
  CHECK(contains(parse_error("1e400"), "Number too big"));
  CHECK(contains(parse_error("[1.5e999999999999]"), "Number too big"));
  // Past the scanner's own check, caught by the conversion: still refused, with the path.
  CHECK(parse_error(R"({"p":[1.8e308]})") == "at $.p[0]: Number too big to be stored in double at byte 13");
  CHECK(contains(parse_error("[-0.0000000000000000000000000000018e339]"), "Number too big"));
  CHECK(*parse_ok("1.7976931348623157e308").root().as_double() == std::numeric_limits<double>::max());
  CHECK(*parse_ok("5e-324").root().as_double() == std::numeric_limits<double>::denorm_min());
  CHECK(std::signbit(*parse_ok("-1e-400").root().as_double()));
  CHECK(*parse_ok("0." + std::string(500, '0') + "1e400").root().as_double() == Approx(1e-101));

  const std::string fraction400 = "0." + std::string(399, '3');
  CHECK(*parse_ok(fraction400).root().as_double() == Approx(1.0 / 3.0));
  const std::string mantissa400 = "1." + std::string(399, '9') + "e2";
  CHECK(*parse_ok(mantissa400).root().as_double() == 200.0);
  const std::string digits300 = "1" + std::string(300, '0');
  CHECK(*parse_ok(digits300).root().as_double() == 1e300);
  const std::string long_tiny = "0." + std::string(100000, '0') + "1";
  CHECK(*parse_ok(long_tiny).root().as_double() == 0.0);
  CHECK(*parse_ok("1e-400").root().as_double() == 0.0);
  CHECK(*parse_ok("[1e-99999999999999999999]").root().index(0).as_double() == 0.0);

  const json::Document doc =
      parse_ok("[9223372036854775807,-9223372036854775808,18446744073709551615,2249.0,5.5,1e3,-0.0,3000000000]");
  const json::View n = doc.root();
  CHECK(*n.index(0).as_int64() == INT64_MAX);
  CHECK(*n.index(1).as_int64() == INT64_MIN);
  CHECK(error_of(n.index(2).as_int64()) == "at $[2]: integer 18446744073709551615 out of range for int64");
  CHECK(*n.index(2).as_double() == 18446744073709551615.0);
  CHECK(*n.index(3).as_int64() == 2249);
  CHECK(n.index(3).is_integer());
  CHECK(error_of(n.index(4).as_int64()) == "at $[4]: expected integer, got number 5.5");
  CHECK_FALSE(n.index(4).is_integer());
  CHECK(*n.index(5).as_int() == 1000);
  CHECK(*n.index(6).as_int() == 0);
  CHECK(error_of(n.index(7).as_int()) == "at $[7]: integer 3000000000 out of range for int");
  CHECK(*n.index(7).as_int64() == 3000000000);
  CHECK(*n.index(4).as_double() == 5.5);
  CHECK(*n.index(0).as_double() == 9223372036854775807.0);
}

TEST_CASE("duplicate keys are refused wherever they are", "[json][hostile]") {
  CHECK(parse_error(R"({"a":1,"a":2})") == "at $.a: duplicate key in the object ending at byte 12");
  CHECK(contains(parse_error(R"({"x":[{"b":1,"c":2,"b":{"d":[]}}]})"), "at $.x[0].b: duplicate key"));
  CHECK(contains(parse_error(R"({"x":{"a":1},"y":2,"x":3})"), "at $.x: duplicate key"));
  // Same name in different objects, or at different levels, is fine.
  const json::Document ok = parse_ok(R"({"a":{"a":1},"b":[{"a":2},{"a":3}],"A":4,"a ":5})");
  CHECK(*ok.root().field("a").field("a").as_int() == 1);
  CHECK(*ok.root().field("b").index(1).field("a").as_int() == 3);

  // Large objects take the sorted path.
  std::string wide = "{";
  for (int i = 0; i < 5000; ++i) wide += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  const std::string unique = wide + R"("last":0})";
  const json::Document big = parse_ok(unique);
  CHECK(big.root().size() == 5001);
  CHECK(*big.root().field("k4321").as_int() == 4321);
  CHECK(contains(parse_error(wide + R"("k17":0})"), "at $.k17: duplicate key"));
  CHECK(contains(parse_error("[" + wide + R"("k4999":0}])"), "at $[0].k4999: duplicate key"));
}

TEST_CASE("a million-element array parses and iterates", "[json][hostile]") {
  std::string text = "[";
  text.reserve(2'000'001);
  for (int i = 0; i < 1'000'000; ++i) {
    if (i > 0) text += ',';
    text += static_cast<char>('0' + i % 10);
  }
  text += ']';
  const json::Document doc = parse_ok(text);
  const json::View root = doc.root();
  REQUIRE(root.size() == 1'000'000);
  const auto items = root.as_array();
  REQUIRE(items.ok());
  std::int64_t sum = 0;
  for (const json::View v : *items) sum += *v.as_int64();
  CHECK(sum == 4'500'000);
  CHECK(root.index(999'999).path() == "$[999999]");
  CHECK(error_of(root.index(123'456).as_string()) == "at $[123456]: expected string, got number 6");
}

// --- Getters ----------------------------------------------------------------

TEST_CASE("typed getters say what they expected and what they found", "[json][getters]") {
  const std::string long_text(300, 'z');
  const json::Document doc = parse_ok(R"({"s":"abc","i":42,"d":2.5,"t":true,"f":false,"n":null,"o":{"a":1},)"
                                      R"("e":{},"l":[1,2],"one":[7],"q":"say \"hi\"\n","long":")" +
                                      long_text + R"("})");
  const json::View r = doc.root();
  CHECK(*r.field("s").as_string() == "abc");
  CHECK(*r.field("i").as_int() == 42);
  CHECK(*r.field("i").as_double() == 42.0);
  CHECK(*r.field("d").as_double() == 2.5);
  CHECK(*r.field("t").as_bool());
  CHECK_FALSE(*r.field("f").as_bool());

  CHECK(error_of(r.field("s").as_int()) == R"(at $.s: expected integer, got string "abc")");
  CHECK(error_of(r.field("i").as_string()) == "at $.i: expected string, got number 42");
  CHECK(error_of(r.field("d").as_bool()) == "at $.d: expected boolean, got number 2.5");
  CHECK(error_of(r.field("t").as_double()) == "at $.t: expected number, got boolean true");
  CHECK(error_of(r.field("n").as_string()) == "at $.n: expected string, got null");
  CHECK(error_of(r.field("o").as_int64()) == "at $.o: expected integer, got object with 1 member");
  CHECK(error_of(r.field("e").as_array()) == "at $.e: expected array, got object with 0 members");
  CHECK(error_of(r.field("l").as_object()) == "at $.l: expected object, got array of 2 elements");
  CHECK(error_of(r.field("one").as_string()) == "at $.one: expected string, got array of 1 element");
  CHECK(error_of(r.field("q").as_int()) == R"(at $.q: expected integer, got string "say \"hi\"\n")");
  const std::string long_message = error_of(r.field("long").as_int());
  CHECK(long_message == "at $.long: expected integer, got string \"" + std::string(40, 'z') + "...\" (300 bytes)");

  CHECK(r.field("s").describe() == R"(string "abc")");
  CHECK(r.field("nothing").describe() == "nothing");
  CHECK(r.is_object());
  CHECK(r.field("l").is_array());
  CHECK(r.field("n").is_null());
  CHECK(r.field("t").is_bool());
  CHECK(r.field("d").is_number());
  CHECK(r.field("s").is_string());
  CHECK_FALSE(r.field("nothing").is_null());
  CHECK(r.field("nothing").is_missing());
  CHECK(r.field("s").size() == 0);
  CHECK(r.size() == 12);
}

TEST_CASE("a long string in a message is not cut inside a character", "[json][getters]") {
  const json::Document doc = parse_ok("\"" + std::string(39, 'a') + "€€\"");
  const std::string message = error_of(doc.root().as_int());
  CHECK(json::is_valid_utf8(message));
  CHECK(contains(message, std::string(39, 'a') + "...\" (45 bytes)"));
}

TEST_CASE("optional getters: null and missing are nullopt, wrong types are errors", "[json][getters]") {
  const json::Document doc = parse_ok(R"({"s":"x","i":3,"d":1.5,"b":false,"n":null,"o":{"p":null},"num":4})");
  const json::View r = doc.root();
  CHECK(**r.field("s").optional_string() == "x");
  CHECK(**r.field("i").optional_int() == 3);
  CHECK(**r.field("i").optional_int64() == 3);
  CHECK(**r.field("d").optional_double() == 1.5);
  CHECK_FALSE(**r.field("b").optional_bool());

  for (const json::View& v : {r.field("n"), r.field("missing"), r.field("o").field("p"), r.field("o").field("q"),
                              r.field("n").field("deeper"), r.field("missing").index(3), r.field("o").index(0)}) {
    INFO(v.path());
    if (v.path() == "$.o[0]") {
      CHECK(error_of(v.optional_string()) ==
            "at $.o[0]: expected string, got nothing ($.o is object with 1 member, "
            "not an array)");
      continue;
    }
    CHECK_FALSE(v.optional_string()->has_value());
    CHECK_FALSE(v.optional_int()->has_value());
    CHECK_FALSE(v.optional_int64()->has_value());
    CHECK_FALSE(v.optional_double()->has_value());
    CHECK_FALSE(v.optional_bool()->has_value());
  }
  CHECK(error_of(r.field("s").optional_int()) == R"(at $.s: expected integer, got string "x")");
  CHECK(error_of(r.field("num").field("x").optional_string()) ==
        "at $.num.x: expected string, got nothing ($.num is number 4, not an object)");
  CHECK(error_of(r.field("d").optional_int64()) == "at $.d: expected integer, got number 1.5");
  CHECK(error_of(r.field("b").optional_double()) == "at $.b: expected number, got boolean false");
}

TEST_CASE("iterating arrays and objects", "[json][getters]") {
  const json::Document doc = parse_ok(R"({"z":1,"a":[10,20,30],"m":"x","e":[],"eo":{}})");
  std::vector<std::string> keys;
  const auto members = doc.root().as_object();
  REQUIRE(members.ok());
  for (const auto& [key, value] : *members) keys.emplace_back(key);
  CHECK(keys == std::vector<std::string>{"z", "a", "m", "e", "eo"});  // document order
  CHECK(doc.root().members().size() == 5);

  const auto items = doc.root().field("a").as_array();
  REQUIRE(items.ok());
  CHECK(items->size() == 3);
  std::vector<int> values;
  for (auto it = items->begin(); it != items->end(); ++it) values.push_back(*(*it).as_int());
  CHECK(values == std::vector<int>{10, 20, 30});
  CHECK(doc.root().field("e").as_array()->empty());
  CHECK(doc.root().field("eo").as_object()->empty());
  for (const auto& member : doc.root().field("eo").members()) FAIL("unexpected member " << member.key);
  // Not an array / object: the by-value ranges are empty, the checked ones are errors.
  CHECK(doc.root().field("m").elements().empty());
  CHECK(doc.root().field("missing").members().empty());
  CHECK(doc.root().elements().empty());
  CHECK(error_of(doc.root().field("missing").as_array()) ==
        "at $.missing: expected array, got nothing (no such member)");
}

TEST_CASE("documents own their data and keep views valid across a move", "[json]") {
  auto parsed = json::parse(R"({"k":["value long enough to live on the heap"]})");
  REQUIRE(parsed.ok());
  json::Document doc = std::move(parsed).value();
  const json::View v = doc.root().field("k").index(0);
  const std::string_view s = *v.as_string();
  json::Document moved = std::move(doc);
  CHECK(s == "value long enough to live on the heap");
  CHECK(v.path() == "$.k[0]");
  CHECK(*moved.root().field("k").index(0).as_string() == s);

  const json::Document empty;
  CHECK(empty.root().is_null());
}

TEST_CASE("a value budget refuses a document before its tree is built", "[json][limits]") {
  // Every value and key counts: 1 array + 3 numbers; 1 object + 2 keys + 2 values.
  parse_ok("[1,2,3]", json::Limits{.max_values = 4});
  CHECK(contains(parse_error("[1,2,3]", json::Limits{.max_values = 3}), "at $[2]: more values than the limit of 3"));
  parse_ok(R"({"a":1,"b":[]})", json::Limits{.max_values = 5});
  CHECK(contains(parse_error(R"({"a":1,"b":[]})", json::Limits{.max_values = 4}), "more values than the limit of 4"));
  // The pathological shape: two bytes a value.
  std::string zeros = "[0";
  for (int i = 0; i < 100000; ++i) zeros += ",0";
  zeros += "]";
  CHECK(contains(parse_error(zeros, json::Limits{.max_values = 50000}), "more values than the limit of 50000"));
  parse_ok(zeros, json::Limits{.max_values = 100002});
}
