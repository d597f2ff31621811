#pragma once
// Writing JSON: a streaming writer for run records and API request bodies.
//
//   json::Writer w;
//   w.begin_object().key("dataset").string("FUELINST").key("rows").int64(19).end_object();
//   Result<std::string> text = w.finish();  // {"dataset":"FUELINST","rows":19}
//
// Output is compact, valid JSON and valid UTF-8: control characters, quotes
// and backslashes are escaped, other UTF-8 passes through unchanged, and bytes
// that are not UTF-8 become U+FFFD. Mistakes (a value where a key belongs, an
// unclosed array, NaN) do not throw or assert: the first one is remembered and
// finish() reports it.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gbpm::json {

class View;

class Writer {
 public:
  Writer();
  ~Writer();
  Writer(Writer&&) noexcept;
  Writer& operator=(Writer&&) noexcept;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  // The next member's name; only inside an object, before each value.
  Writer& key(std::string_view name);

  Writer& string(std::string_view value);
  Writer& int64(std::int64_t value);
  Writer& uint64(std::uint64_t value);
  // Shortest text that reads back as the same double. NaN and ±infinity have
  // no JSON form: they are a mistake reported by finish().
  Writer& float64(double value);
  Writer& boolean(bool value);
  Writer& null();
  // A copy of a parsed value and everything under it (iterative, so any depth
  // parse() accepted is fine). An absent View is a mistake.
  Writer& value(const View& value);

  // True when exactly one complete top-level value has been written and no
  // mistake was made.
  [[nodiscard]] bool complete() const;
  // The JSON text, or ErrorKind::internal describing the first mistake (or
  // that the value is incomplete). Either way the writer is reset, ready to
  // write a new document.
  [[nodiscard]] Result<std::string> finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// `text` as a JSON string literal, quotes included: quote("a\"b\n") is
// "a\"b\n" with the escapes written out. Bytes that are not UTF-8 become U+FFFD.
std::string quote(std::string_view text);

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates,
// nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

}  // namespace gbpm::json
