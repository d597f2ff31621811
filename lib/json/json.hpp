#pragma once
// Reading JSON: a bounded, validating parser over RapidJSON and a read-only
// cursor (View) that knows its JSON path, so every error names the value it is
// about: `at $.data[3].settlementPeriod: expected integer, got string "abc"`.
//
// RapidJSON stays out of this header. A Document owns the parsed tree; Views
// and string_views taken from it stay valid while the Document lives (also
// across a move of the Document), and never longer.

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gbpm::json {

// Bounds applied by parse(). The defaults fit any Elexon IRIS message (the
// largest ever seen was 25 MB) and any Google/Azure API response; IRIS and
// BMRS JSON is at most 4 levels deep.
struct Limits {
  std::size_t max_bytes = std::size_t{64} * 1024 * 1024;  // larger input is refused unread
  int max_depth = 64;                                     // objects/arrays nested deeper than this are refused
  // Values and object keys, counted as parsed; a document with more is
  // refused before it is built in full. Each costs about 32 bytes while
  // parsing (RapidJSON's value stack plus the finished tree), so this bounds
  // the parser's memory whatever the input's shape ("[0,0,...]": 2 bytes each).
  std::size_t max_values = SIZE_MAX;
};

class Document;
class View;
class Writer;
struct Member;

// The elements of an array, in order (see View::as_array()). A cheap handle
// into the Document; iterators yield Views.
class Elements {
 public:
  class Iterator;
  [[nodiscard]] Iterator begin() const;
  [[nodiscard]] Iterator end() const;
  [[nodiscard]] std::size_t size() const { return m_size; }
  [[nodiscard]] bool empty() const { return m_size == 0; }

 private:
  friend class View;
  const void* m_first = nullptr;
  const void* m_doc = nullptr;
  std::size_t m_size = 0;
};

// The members of an object, in document order (see View::as_object()).
class Members {
 public:
  class Iterator;
  [[nodiscard]] Iterator begin() const;
  [[nodiscard]] Iterator end() const;
  [[nodiscard]] std::size_t size() const { return m_size; }
  [[nodiscard]] bool empty() const { return m_size == 0; }

 private:
  friend class View;
  const void* m_first = nullptr;
  const void* m_doc = nullptr;
  std::size_t m_size = 0;
};

class Elements::Iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = View;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = View;

  Iterator() = default;
  View operator*() const;
  Iterator& operator++() {
    ++m_index;
    return *this;
  }
  Iterator operator++(int) {
    Iterator old = *this;
    ++m_index;
    return old;
  }
  friend bool operator==(const Iterator& a, const Iterator& b) { return a.m_index == b.m_index; }

 private:
  friend class Elements;
  Iterator(const void* first, const void* doc, std::size_t index) : m_first(first), m_doc(doc), m_index(index) {}
  const void* m_first = nullptr;
  const void* m_doc = nullptr;
  std::size_t m_index = 0;
};

class Members::Iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = Member;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = Member;

  Iterator() = default;
  Member operator*() const;
  Iterator& operator++() {
    ++m_index;
    return *this;
  }
  Iterator operator++(int) {
    Iterator old = *this;
    ++m_index;
    return old;
  }
  friend bool operator==(const Iterator& a, const Iterator& b) { return a.m_index == b.m_index; }

 private:
  friend class Members;
  Iterator(const void* first, const void* doc, std::size_t index) : m_first(first), m_doc(doc), m_index(index) {}
  const void* m_first = nullptr;
  const void* m_doc = nullptr;
  std::size_t m_index = 0;
};

// A read-only cursor on one value of a Document, or on a value that is absent
// (a missing member, an index past the end, or a step through null or through
// a value of the wrong shape). Navigation never fails: field() and index()
// always return a View, and the typed getters report what was wrong, with the
// JSON path, as an ErrorKind::data Error. Paths are worked out only when an
// error or path() asks for one, so navigation costs no string building.
class View {
 public:
  // An absent value belonging to no document (path "$").
  View() = default;

  [[nodiscard]] bool is_missing() const { return m_value == nullptr; }
  [[nodiscard]] bool is_null() const;
  [[nodiscard]] bool is_bool() const;
  [[nodiscard]] bool is_number() const;
  // True for numbers that as_int64() accepts.
  [[nodiscard]] bool is_integer() const;
  [[nodiscard]] bool is_string() const;
  [[nodiscard]] bool is_object() const;
  [[nodiscard]] bool is_array() const;

  // Number of elements (array) or members (object); 0 for anything else.
  [[nodiscard]] std::size_t size() const;

  // The member called `name` (an absent View when there is none). On null or
  // on an absent View the result is absent too, so optional chains like
  // row.field("outageProfile").field("x").optional_int() work; on any other
  // non-object the result is absent and every getter reports the mismatch.
  // Keys are unique: parse() rejects duplicate keys.
  [[nodiscard]] View field(std::string_view name) const;
  // Element `i` of an array; absent past the end. Same rules as field().
  [[nodiscard]] View index(std::size_t i) const;

  // Typed getters. Each fails with ErrorKind::data naming the path when the
  // value is absent or of another type; the message quotes the offending value
  // (long strings are cut short).
  // The string's bytes (valid UTF-8), owned by the Document.
  [[nodiscard]] Result<std::string_view> as_string() const;
  // Integers; also a double with an exact integral value in range (2249.0).
  [[nodiscard]] Result<std::int64_t> as_int64() const;
  // As as_int64(), and within the range of int.
  [[nodiscard]] Result<int> as_int() const;
  // Any number. Long decimals are rounded to the nearest double.
  [[nodiscard]] Result<double> as_double() const;
  [[nodiscard]] Result<bool> as_bool() const;
  // The array's elements / the object's members, or an error when this is
  // not an array / object. Name the result before looping over it:
  //   auto rows = v.as_array(); if (!rows) return rows.error();
  //   for (View row : *rows) ...
  // (`for (View row : *v.as_array())` would loop over a destroyed temporary.)
  [[nodiscard]] Result<Elements> as_array() const;
  [[nodiscard]] Result<Members> as_object() const;
  // The same ranges, returned by value so they can be looped over directly;
  // empty when this is not an array / object.
  [[nodiscard]] Elements elements() const;
  [[nodiscard]] Members members() const;

  // Optional getters: null or a missing member/element gives nullopt; a value
  // of another type, or a step through a non-object/non-array, is an error.
  [[nodiscard]] Result<std::optional<std::string_view>> optional_string() const;
  [[nodiscard]] Result<std::optional<std::int64_t>> optional_int64() const;
  [[nodiscard]] Result<std::optional<int>> optional_int() const;
  [[nodiscard]] Result<std::optional<double>> optional_double() const;
  [[nodiscard]] Result<std::optional<bool>> optional_bool() const;

  // The JSON path of this value, e.g. `$.data[3].settlementPeriod`; keys that
  // are not identifiers are bracketed: `$["fuel type"]`.
  [[nodiscard]] std::string path() const;
  // A short description for messages: `string "abc"`, `number 5.5`, `null`,
  // `object with 3 members`, `nothing`.
  [[nodiscard]] std::string describe() const;
  // An ErrorKind::data Error `at <path>: <message>`, for checks the caller
  // makes on a value it has read (e.g. a settlement period out of range).
  [[nodiscard]] Error error(std::string_view message) const;

 private:
  friend class Document;
  friend class Elements;
  friend class Members;
  friend class Elements::Iterator;
  friend class Members::Iterator;
  friend class Writer;

  // Why a View is absent.
  enum class Absence : unsigned char { none, no_member, past_end, under_null, wrong_parent };

  View(const void* value, const void* doc) : m_value(value), m_doc(doc) {}
  [[nodiscard]] View absent_child(Absence why, std::string step) const;
  [[nodiscard]] Error type_error(std::string_view expected) const;
  [[nodiscard]] bool optional_absent() const;

  const void* m_value = nullptr;  // the rapidjson value; nullptr when absent
  const void* m_doc = nullptr;    // the Document's state, for paths
  // When absent: the nearest present ancestor, the path from it (already
  // formatted, e.g. `.outageProfile.x`), and how long the first step is.
  const void* m_anchor = nullptr;
  std::string m_suffix;
  std::size_t m_first_step = 0;
  Absence m_absence = Absence::none;
};

// One member of an object, as yielded by iterating View::members():
//   for (const auto& [key, value] : row.members()) ...
struct Member {
  std::string_view key;
  View value;
};

// A parsed JSON document. Move-only; moving keeps existing Views valid. A
// default-constructed Document holds `null`. Reading (Views, paths, errors)
// is safe from several threads at once.
class Document {
 public:
  Document();
  ~Document();
  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // The top-level value.
  [[nodiscard]] View root() const;

  // Internal: the parsed state, opaque outside json.cpp.
  struct Impl;
  explicit Document(std::unique_ptr<Impl> impl);

 private:
  std::unique_ptr<Impl> m_impl;
};

// Parses one JSON text (RFC 8259) in a single pass. Refuses, as ErrorKind::data
// naming the byte offset and, where there is one, the path:
//   - input over limits.max_bytes ("document larger than N bytes") or 1 GiB;
//   - nesting deeper than limits.max_depth ("nesting deeper than 64");
//   - invalid UTF-8, including lone surrogates written as \u escapes;
//   - NaN/Infinity, comments, trailing commas, anything after the value;
//   - numbers too large for a double (e.g. a 400-digit integer, 1e400); long
//     mantissas are rounded and tiny numbers become 0;
//   - duplicate keys in one object (JSON readers disagree on which wins).
// A leading UTF-8 byte-order mark is skipped. Integers that fit int64/uint64
// are kept exact. Never throws on bad input and never recurses per level.
Result<Document> parse(std::string_view text, Limits limits = {});

// Parses an Elexon IRIS body, which arrives double-encoded: a JSON string
// literal whose content is the JSON text. Parses `text`; when
// the result is a string, parses that string's content (once, with the same
// limits) and returns the inner document. Any other result is returned as is,
// so a plain array body also works.
Result<Document> parse_maybe_double_encoded(std::string_view text, Limits limits = {});

}  // namespace gbpm::json
