#include "json/writer.hpp"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

#include "json/json.hpp"

namespace gbpm::json {
namespace {

using Value = rapidjson::Value;
using rapidjson::SizeType;

// RapidJSON output stream appending to a std::string.
class StringOutput {
 public:
  using Ch = char;
  explicit StringOutput(std::string& out) : m_out(&out) {}
  void Put(char c) { m_out->push_back(c); }
  void Flush() {}

 private:
  std::string* m_out;
};

// UTF-8 in, UTF-8 out, no validation: bytes >= 0x80 are copied as they are,
// so strings must be valid UTF-8 before they reach it (see sanitized()).
using RjWriter = rapidjson::Writer<StringOutput>;

// The UTF-8 sequence starting at s[i]: its length when valid; when not, the
// length of the maximal invalid subpart, which is replaced by one U+FFFD.
struct Sequence {
  std::size_t length;
  bool valid;
};

Sequence sequence_at(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80U) return {1, true};
  std::size_t tail = 0;
  unsigned char low = 0x80U;
  unsigned char high = 0xBFU;
  if (c >= 0xC2U && c <= 0xDFU) {
    tail = 1;
  } else if (c == 0xE0U) {
    tail = 2;
    low = 0xA0U;  // no overlong forms
  } else if (c == 0xEDU) {
    tail = 2;
    high = 0x9FU;  // no surrogates
  } else if (c >= 0xE1U && c <= 0xEFU) {
    tail = 2;
  } else if (c == 0xF0U) {
    tail = 3;
    low = 0x90U;
  } else if (c >= 0xF1U && c <= 0xF3U) {
    tail = 3;
  } else if (c == 0xF4U) {
    tail = 3;
    high = 0x8FU;  // nothing above U+10FFFF
  } else {
    return {1, false};
  }
  for (std::size_t k = 1; k <= tail; ++k) {
    if (i + k >= s.size()) return {k, false};
    const auto d = static_cast<unsigned char>(s[i + k]);
    const unsigned char lo = k == 1 ? low : 0x80U;
    const unsigned char hi = k == 1 ? high : 0xBFU;
    if (d < lo || d > hi) return {k, false};
  }
  return {tail + 1, true};
}

// `text` with every invalid UTF-8 subpart replaced by U+FFFD; nullopt when
// `text` is already valid (the common case, no copy).
std::optional<std::string> sanitized(std::string_view text) {
  if (is_valid_utf8(text)) return std::nullopt;
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size();) {
    const Sequence seq = sequence_at(text, i);
    if (seq.valid) {
      out.append(text.substr(i, seq.length));
    } else {
      out += "\xEF\xBF\xBD";
    }
    i += seq.length;
  }
  return out;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) < 0x80U) {
      ++i;
      continue;
    }
    const Sequence seq = sequence_at(text, i);
    if (!seq.valid) return false;
    i += seq.length;
  }
  return true;
}

struct Writer::Impl {
  std::string out;
  StringOutput stream{out};
  RjWriter writer{stream};
  std::vector<bool> open;   // one entry per open container: true for objects
  bool expect_key = false;  // in an object, the next token must be a key
  bool has_root = false;
  std::optional<std::string> mistake;

  bool fail(std::string what) {
    if (!mistake) mistake = std::move(what);
    return false;
  }

  // Whether a value may be written here; records the mistake when not.
  bool before_value(std::string_view what) {
    if (mistake) return false;
    if (open.empty()) return has_root ? fail("a second top-level value (" + std::string(what) + ")") : true;
    if (open.back() && expect_key) return fail(std::string(what) + " where an object key was expected");
    return true;
  }

  void after_value() {
    if (open.empty()) {
      has_root = true;
    } else if (open.back()) {
      expect_key = true;
    }
  }

  // Writes a string or key, replacing invalid UTF-8.
  bool write_text(std::string_view text, bool is_key) {
    if (text.size() > std::numeric_limits<SizeType>::max()) return fail("a string longer than 4 GiB");
    const std::optional<std::string> fixed = sanitized(text);
    const std::string_view s = fixed ? std::string_view(*fixed) : text;
    const auto n = static_cast<SizeType>(s.size());
    return is_key ? writer.Key(s.data(), n) : writer.String(s.data(), n);
  }

  void reset() {
    out.clear();
    writer.Reset(stream);
    open.clear();
    expect_key = false;
    has_root = false;
    mistake.reset();
  }
};

Writer::Writer() : m_impl(std::make_unique<Impl>()) {}
Writer::~Writer() = default;
Writer::Writer(Writer&&) noexcept = default;
Writer& Writer::operator=(Writer&&) noexcept = default;

Writer& Writer::begin_object() {
  if (m_impl->before_value("an object")) {
    m_impl->writer.StartObject();
    m_impl->open.push_back(true);
    m_impl->expect_key = true;
  }
  return *this;
}

Writer& Writer::end_object() {
  Impl& s = *m_impl;
  if (s.mistake) return *this;
  if (s.open.empty() || !s.open.back()) {
    s.fail("end_object() with no object open");
  } else if (!s.expect_key) {
    s.fail("end_object() after a key with no value");
  } else {
    s.writer.EndObject();
    s.open.pop_back();
    s.after_value();
  }
  return *this;
}

Writer& Writer::begin_array() {
  if (m_impl->before_value("an array")) {
    m_impl->writer.StartArray();
    m_impl->open.push_back(false);
  }
  return *this;
}

Writer& Writer::end_array() {
  Impl& s = *m_impl;
  if (s.mistake) return *this;
  if (s.open.empty() || s.open.back()) {
    s.fail("end_array() with no array open");
  } else {
    s.writer.EndArray();
    s.open.pop_back();
    s.after_value();
  }
  return *this;
}

Writer& Writer::key(std::string_view name) {
  Impl& s = *m_impl;
  if (s.mistake) return *this;
  if (s.open.empty() || !s.open.back()) {
    s.fail("key \"" + std::string(name.substr(0, 40)) + "\" outside an object");
  } else if (!s.expect_key) {
    s.fail("key \"" + std::string(name.substr(0, 40)) + "\" where a value was expected");
  } else if (s.write_text(name, true)) {
    s.expect_key = false;
  }
  return *this;
}

Writer& Writer::string(std::string_view value) {
  if (m_impl->before_value("a string") && m_impl->write_text(value, false)) m_impl->after_value();
  return *this;
}

Writer& Writer::int64(std::int64_t value) {
  if (m_impl->before_value("a number")) {
    m_impl->writer.Int64(value);
    m_impl->after_value();
  }
  return *this;
}

Writer& Writer::uint64(std::uint64_t value) {
  if (m_impl->before_value("a number")) {
    m_impl->writer.Uint64(value);
    m_impl->after_value();
  }
  return *this;
}

Writer& Writer::float64(double value) {
  if (!std::isfinite(value)) {
    m_impl->fail(std::isnan(value) ? "NaN has no JSON form" : "infinity has no JSON form");
  } else if (m_impl->before_value("a number")) {
    m_impl->writer.Double(value);
    m_impl->after_value();
  }
  return *this;
}

Writer& Writer::boolean(bool value) {
  if (m_impl->before_value("a boolean")) {
    m_impl->writer.Bool(value);
    m_impl->after_value();
  }
  return *this;
}

Writer& Writer::null() {
  if (m_impl->before_value("null")) {
    m_impl->writer.Null();
    m_impl->after_value();
  }
  return *this;
}

Writer& Writer::value(const View& view) {
  if (view.m_value == nullptr) {
    m_impl->fail("an absent value (" + view.path() + ")");
    return *this;
  }
  struct Frame {
    const Value* container;
    SizeType next;
  };
  std::vector<Frame> stack;
  // Writes a scalar, or opens a container and pushes it.
  const auto emit = [&](const Value& v) {
    switch (v.GetType()) {
      case rapidjson::kNullType: null(); break;
      case rapidjson::kFalseType: boolean(false); break;
      case rapidjson::kTrueType: boolean(true); break;
      case rapidjson::kNumberType:
        if (v.IsInt64()) {
          int64(v.GetInt64());
        } else if (v.IsUint64()) {
          uint64(v.GetUint64());
        } else {
          float64(v.GetDouble());
        }
        break;
      case rapidjson::kStringType: string(std::string_view(v.GetString(), v.GetStringLength())); break;
      case rapidjson::kObjectType:
        begin_object();
        stack.push_back({&v, 0});
        break;
      case rapidjson::kArrayType:
        begin_array();
        stack.push_back({&v, 0});
        break;
    }
  };
  emit(*static_cast<const Value*>(view.m_value));
  while (!stack.empty() && !m_impl->mistake) {
    const Value& container = *stack.back().container;
    const SizeType i = stack.back().next++;
    if (container.IsArray()) {
      if (i < container.Size()) {
        emit(container[i]);
      } else {
        end_array();
        stack.pop_back();
      }
    } else if (i < container.MemberCount()) {
      const Value::Member& m = *(container.MemberBegin() + i);
      key(std::string_view(m.name.GetString(), m.name.GetStringLength()));
      emit(m.value);
    } else {
      end_object();
      stack.pop_back();
    }
  }
  return *this;
}

bool Writer::complete() const {
  return !m_impl->mistake && m_impl->has_root && m_impl->open.empty();
}

Result<std::string> Writer::finish() {
  Impl& s = *m_impl;
  std::optional<Error> error;
  if (s.mistake) {
    error = make_error(ErrorKind::internal, "JSON writer: " + *s.mistake);
  } else if (!s.has_root) {
    error = make_error(ErrorKind::internal, s.open.empty() ? "JSON writer: nothing written"
                                                           : "JSON writer: " + std::to_string(s.open.size()) +
                                                                 " object(s)/array(s) left open");
  }
  if (error) {
    s.reset();
    return *std::move(error);
  }
  std::string text = std::move(s.out);
  s.reset();
  return text;
}

std::string quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  StringOutput stream(out);
  RjWriter writer(stream);
  const std::optional<std::string> fixed = sanitized(text);
  const std::string_view s = fixed ? std::string_view(*fixed) : text;
  // Longer than 4 GiB cannot happen for a message; cut rather than wrap.
  const auto n = static_cast<SizeType>(std::min<std::size_t>(s.size(), std::numeric_limits<SizeType>::max()));
  writer.String(s.data(), n);
  return out;
}

}  // namespace gbpm::json
