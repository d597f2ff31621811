// libFuzzer target: json::parse on arbitrary bytes, then every reader on the
// result. Besides "no crash, no UB, no leak", it checks what the module
// promises: parsed strings are valid UTF-8, quote() output is valid UTF-8, and
// parse -> write -> parse -> write is stable.
//   clang build: json_parse_fuzz [corpus dirs] (-DGBPM_FUZZ=ON)
//   any build:   json_parse_replay FILE|DIR...

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "json/json.hpp"
#include "json/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using gbpm::json::View;

void check(bool condition) {
  if (!condition) std::abort();
}

void read_everything(const View& v) {
  (void)v.as_int64();
  (void)v.as_int();
  (void)v.as_double();
  (void)v.as_bool();
  (void)v.optional_string();
  (void)v.optional_int();
  (void)v.optional_double();
  (void)v.optional_bool();
  (void)v.describe();
  (void)v.field("dataset").as_string().ok();
  (void)v.field("data").index(3).field("settlementPeriod").optional_int();
  (void)v.index(v.size()).as_int64();
  if (auto s = v.as_string()) check(gbpm::json::is_valid_utf8(*s));
}

// Recursion is bounded by the parser's depth cap (64 by default).
void walk(const View& v, std::size_t& budget) {
  read_everything(v);
  if (budget > 0) {
    --budget;
    check(!v.path().empty());
    (void)v.error("fuzz").message;
  }
  if (auto items = v.as_array()) {
    for (const View element : *items) walk(element, budget);
  } else if (auto members = v.as_object()) {
    for (const auto& [key, value] : *members) {
      check(gbpm::json::is_valid_utf8(key));
      check(budget == 0 || v.field(key).path() == value.path());
      walk(value, budget);
    }
  }
}

std::string write(const View& v) {
  gbpm::json::Writer w;
  w.value(v);
  auto text = w.finish();
  check(text.ok());
  return std::move(text).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  if (auto doc = gbpm::json::parse(text)) {
    std::size_t path_budget = 256;  // paths are the slow part; enough to cover the shapes
    walk(doc->root(), path_budget);
    const std::string once = write(doc->root());
    auto again = gbpm::json::parse(once);
    check(again.ok());
    check(write(again->root()) == once);
  }
  (void)gbpm::json::parse_maybe_double_encoded(text);
  check(gbpm::json::is_valid_utf8(gbpm::json::quote(text)));
  return 0;
}
