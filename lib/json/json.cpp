#include "json/json.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <mutex>
#include <vector>

#include "json/writer.hpp"

namespace gbpm::json {

namespace {

using Value = rapidjson::Value;
using RjMember = rapidjson::Value::Member;
using rapidjson::SizeType;

// Where one container's children live in memory. RapidJSON stores the
// elements of an array (and the members of an object) contiguously, so a
// value's parent is the container whose child range holds its address.
struct Span {
  std::uintptr_t begin = 0;
  std::uintptr_t end = 0;
  const Value* container = nullptr;
};

}  // namespace

struct Document::Impl {
  rapidjson::Document doc;
  // Built on the first request for a path, then reused.
  mutable std::once_flag spans_once;
  mutable std::vector<Span> spans;
};

namespace {

constexpr std::size_t kMaxQuotedBytes = 40;  // of a string value in a message
constexpr std::size_t kMaxKeyBytes = 64;     // of a bracketed key in a path
constexpr std::size_t kMaxPathChars = 200;   // of a path in a message
// RapidJSON keeps string lengths and some number-scanning counters in 32-bit
// integers; 1 GiB keeps every one of them far from overflow.
constexpr std::size_t kMaxDocumentBytes = std::size_t{1} << 30;

const Value* as_value(const void* p) {
  return static_cast<const Value*>(p);
}
const Document::Impl* as_impl(const void* p) {
  return static_cast<const Document::Impl*>(p);
}
std::uintptr_t address_of(const void* p) {
  return reinterpret_cast<std::uintptr_t>(p);
}

std::string_view string_of(const Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, std::size_t max) {
  if (text.size() <= max) return text;
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0U) == 0x80U) --n;
  return text.substr(0, n);
}

bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  const auto ok_first = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  if (!ok_first(key.front())) return false;
  return std::all_of(key.begin() + 1, key.end(), [&](char c) { return ok_first(c) || (c >= '0' && c <= '9'); });
}

void append_key_step(std::string& out, std::string_view key) {
  if (is_identifier(key)) {
    out += '.';
    out += key;
    return;
  }
  const std::string_view shown = utf8_prefix(key, kMaxKeyBytes);
  std::string quoted = quote(shown);
  if (shown.size() < key.size()) quoted.insert(quoted.size() - 1, "...");
  out += '[';
  out += quoted;
  out += ']';
}

void append_index_step(std::string& out, std::size_t index) {
  out += '[';
  out += std::to_string(index);
  out += ']';
}

// Long paths (deep nesting) are cut in the middle for messages.
std::string shorten_path(std::string path) {
  if (path.size() <= kMaxPathChars) return path;
  return path.substr(0, 80) + "..." + path.substr(path.size() - 100);
}

std::string format_double(double d) {
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, d);
  if (ec != std::errc{}) return "?";
  return std::string(buffer, end);
}

std::string describe_value(const Value* v) {
  if (v == nullptr) return "nothing";
  switch (v->GetType()) {
    case rapidjson::kNullType: return "null";
    case rapidjson::kFalseType: return "boolean false";
    case rapidjson::kTrueType: return "boolean true";
    case rapidjson::kNumberType:
      if (v->IsInt64()) return "number " + std::to_string(v->GetInt64());
      if (v->IsUint64()) return "number " + std::to_string(v->GetUint64());
      return "number " + format_double(v->GetDouble());
    case rapidjson::kStringType: {
      const std::string_view text = string_of(*v);
      const std::string_view shown = utf8_prefix(text, kMaxQuotedBytes);
      std::string out = "string " + quote(shown);
      if (shown.size() < text.size()) {
        out.insert(out.size() - 1, "...");
        out += " (" + std::to_string(text.size()) + " bytes)";
      }
      return out;
    }
    case rapidjson::kObjectType: {
      const SizeType n = v->MemberCount();
      return "object with " + std::to_string(n) + (n == 1 ? " member" : " members");
    }
    case rapidjson::kArrayType: {
      const SizeType n = v->Size();
      return "array of " + std::to_string(n) + (n == 1 ? " element" : " elements");
    }
  }
  return "value";
}

// --- Paths of values in a parsed document --------------------------------

void build_spans(const Document::Impl& impl) {
  std::vector<Span>& spans = impl.spans;
  std::vector<const Value*> todo{&impl.doc};
  while (!todo.empty()) {
    const Value* v = todo.back();
    todo.pop_back();
    if (v->IsArray() && !v->Empty()) {
      spans.push_back({address_of(v->Begin()), address_of(v->End()), v});
      for (const Value* e = v->Begin(); e != v->End(); ++e) {
        if (e->IsArray() || e->IsObject()) todo.push_back(e);
      }
    } else if (v->IsObject() && v->MemberCount() > 0) {
      const RjMember* first = &*v->MemberBegin();
      spans.push_back({address_of(first), address_of(first + v->MemberCount()), v});
      for (const RjMember* m = first; m != first + v->MemberCount(); ++m) {
        if (m->value.IsArray() || m->value.IsObject()) todo.push_back(&m->value);
      }
    }
  }
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) { return a.begin < b.begin; });
}

std::string path_of(const void* doc, const void* value) {
  const Document::Impl* impl = as_impl(doc);
  if (impl == nullptr || value == nullptr) return "$";
  std::call_once(impl->spans_once, [impl] { build_spans(*impl); });
  const std::vector<Span>& spans = impl->spans;

  struct Step {
    const Value* container;
    std::size_t index;
  };
  std::vector<Step> steps;
  const Value* root = &impl->doc;
  const Value* current = as_value(value);
  while (current != root) {
    const std::uintptr_t at = address_of(current);
    auto it =
        std::upper_bound(spans.begin(), spans.end(), at, [](std::uintptr_t a, const Span& s) { return a < s.begin; });
    if (it == spans.begin()) return "$?";
    --it;
    if (at >= it->end) return "$?";
    const std::size_t offset = at - it->begin;
    const bool array = it->container->IsArray();
    steps.push_back({it->container, offset / (array ? sizeof(Value) : sizeof(RjMember))});
    current = it->container;
  }

  std::string out = "$";
  for (auto step = steps.rbegin(); step != steps.rend(); ++step) {
    if (step->container->IsArray()) {
      append_index_step(out, step->index);
    } else {
      const RjMember& m = *(step->container->MemberBegin() + static_cast<std::ptrdiff_t>(step->index));
      append_key_step(out, string_of(m.name));
    }
  }
  return out;
}

Error data_error_at(const std::string& path, std::string_view message) {
  std::string text = "at " + shorten_path(path) + ": ";
  text += message;
  return make_error(ErrorKind::data, std::move(text));
}

// --- Parsing ---------------------------------------------------------------

// JSON text is UTF-8 and validated; the iterative parser uses heap memory,
// not the call stack, for nesting. RapidJSON only checks the grammar of
// numbers and hands over their text: its own string-to-double code (1.1.0,
// both precisions) reads out of bounds on long fractions and huge exponents
// ("0.000...0001" with 100,000 zeros), so std::from_chars converts instead.
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseValidateEncodingFlag;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// For a JSON number out of double range: true when it is tiny (rounds to
// zero) rather than huge. Compares the decimal order of magnitude with 0; the
// two failure regions (below 1e-323, above 1e308) are far apart.
bool is_underflow(std::string_view number) {
  std::size_t i = number.empty() || number[0] != '-' ? 0 : 1;
  long long order = 0;  // 10^(order-1) <= |x| < 10^order, before the exponent
  bool significant = false;
  for (; i < number.size() && is_digit(number[i]); ++i) {
    if (significant) {
      ++order;
    } else if (number[i] != '0') {
      significant = true;
      order = 1;
    }
  }
  if (i < number.size() && number[i] == '.') {
    for (++i; i < number.size() && is_digit(number[i]); ++i) {
      if (significant) continue;
      if (number[i] != '0') {
        significant = true;
      } else {
        --order;
      }
    }
  }
  if (i < number.size() && (number[i] == 'e' || number[i] == 'E')) {
    ++i;
    const bool negative = i < number.size() && number[i] == '-';
    if (i < number.size() && (number[i] == '-' || number[i] == '+')) ++i;
    long long exponent = 0;
    for (; i < number.size() && is_digit(number[i]); ++i) {
      exponent = std::min(exponent * 10 + (number[i] - '0'), 1'000'000'000'000LL);
    }
    order += negative ? -exponent : exponent;
  }
  return order <= 0;
}

// RapidJSON's validation rejects surrogates written as raw bytes, but encodes
// a lone low surrogate written as an escape (\udc00) as the invalid bytes
// ED B0..BF xx. Those are the only way such bytes reach a parsed string.
bool has_encoded_surrogate(const char* s, SizeType n) {
  const char* end = s + n;
  for (const char* p = s; p < end;) {
    const void* hit = std::memchr(p, 0xED, static_cast<std::size_t>(end - p));
    if (hit == nullptr) return false;
    const char* at = static_cast<const char*>(hit);
    if (at + 1 < end && static_cast<unsigned char>(at[1]) >= 0xA0U) return true;
    p = at + 1;
  }
  return false;
}

std::uint32_t hash_bytes(const char* s, SizeType n) {
  std::uint32_t h = 2166136261U;  // FNV-1a
  for (SizeType i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(s[i]);
    h *= 16777619U;
  }
  return h;
}

// Forwards SAX events to the Document being built while enforcing the depth
// cap, rejecting duplicate keys and lone surrogates, and keeping enough state
// (open containers, their keys, element counts) to name the path of whatever
// is being parsed when something goes wrong.
class BoundedHandler {
 public:
  BoundedHandler(rapidjson::Document& doc, const rapidjson::MemoryStream& stream, int max_depth, std::size_t max_values)
      : m_doc(doc),
        m_stream(stream),
        m_max_depth(static_cast<std::size_t>(std::max(max_depth, 0))),
        m_values_left(max_values),
        m_max_values(max_values) {
    m_frames.reserve(std::min<std::size_t>(m_max_depth, 64) + 1);
  }

  bool Null() { return counted() && m_doc.Null() && value_done(); }
  bool Bool(bool b) { return counted() && m_doc.Bool(b) && value_done(); }
  bool Int(int i) { return counted() && m_doc.Int(i) && value_done(); }
  bool Uint(unsigned u) { return counted() && m_doc.Uint(u) && value_done(); }
  bool Int64(std::int64_t i) { return counted() && m_doc.Int64(i) && value_done(); }
  bool Uint64(std::uint64_t u) { return counted() && m_doc.Uint64(u) && value_done(); }
  bool Double(double d) { return counted() && m_doc.Double(d) && value_done(); }

  // Every number arrives here as text (grammar already checked). Integers
  // that fit int64/uint64 stay exact; the rest become the nearest double.
  bool RawNumber(const char* s, SizeType n, bool /*copy*/) {
    const char* end = s + n;
    if (std::find_if(s, end, [](char c) { return c == '.' || c == 'e' || c == 'E'; }) == end) {
      if (*s == '-') {
        std::int64_t i = 0;
        const auto [ptr, ec] = std::from_chars(s, end, i);
        if (ec == std::errc{} && ptr == end) return Int64(i);
      } else {
        std::uint64_t u = 0;
        const auto [ptr, ec] = std::from_chars(s, end, u);
        if (ec == std::errc{} && ptr == end) {
          return u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())
                     ? Int64(static_cast<std::int64_t>(u))
                     : Uint64(u);
        }
      }
    }
    double d = 0.0;
    const auto [ptr, ec] = std::from_chars(s, end, d);
    if (ec == std::errc::result_out_of_range) {
      if (!is_underflow(std::string_view(s, n))) return fail(path_here(), "Number too big to be stored in double");
      d = *s == '-' ? -0.0 : 0.0;
    } else if (ec != std::errc{} || ptr != end) {
      return fail(path_here(), "unreadable number");
    }
    return Double(d);
  }

  bool String(const char* s, SizeType n, bool copy) {
    if (!counted()) return false;
    if (has_encoded_surrogate(s, n)) return fail(path_here(), "lone UTF-16 surrogate in a \\u escape");
    return m_doc.String(s, n, copy) && value_done();
  }

  bool Key(const char* s, SizeType n, bool copy) {
    if (!counted()) return false;
    if (has_encoded_surrogate(s, n)) return fail(path_here(), "lone UTF-16 surrogate in a \\u escape");
    Frame& frame = m_frames.back();
    frame.awaiting_value = true;
    m_keys.push_back({hash_bytes(s, n), n, m_key_bytes.size()});
    m_key_bytes.append(s, n);
    return m_doc.Key(s, n, copy);
  }

  bool StartObject() { return counted() && enter(true) && m_doc.StartObject(); }
  bool StartArray() { return counted() && enter(false) && m_doc.StartArray(); }

  bool EndObject(SizeType count) {
    if (!keys_unique()) return false;
    const Frame& frame = m_frames.back();
    m_keys.resize(frame.keys_begin);
    m_key_bytes.resize(frame.bytes_begin);
    m_frames.pop_back();
    return m_doc.EndObject(count) && value_done();
  }

  bool EndArray(SizeType count) {
    m_frames.pop_back();
    return m_doc.EndArray(count) && value_done();
  }

  [[nodiscard]] bool failed() const { return m_failure.has_value(); }
  // Set when failed(): the error, with offsets shifted by `base`.
  [[nodiscard]] Error failure(std::size_t base) const {
    return data_error_at(m_failure->path, m_failure->what + " at byte " + std::to_string(m_failure->offset + base));
  }

  // The path of the value being parsed now.
  [[nodiscard]] std::string path_here() const {
    std::string out = "$";
    for (const Frame& frame : m_frames) {
      if (!frame.object) {
        append_index_step(out, frame.count);
      } else if (frame.awaiting_value) {
        append_key_step(out, key_text(m_keys[last_key_of(frame)]));
      }
    }
    return out;
  }

 private:
  struct Frame {
    bool object = false;
    bool awaiting_value = false;  // objects: a key was read, its value was not
    std::size_t count = 0;        // arrays: elements completed
    std::size_t keys_begin = 0;   // objects: this frame's first entry in m_keys
    std::size_t bytes_begin = 0;  // objects: ...and in m_key_bytes
  };
  struct KeyRef {
    std::uint32_t hash;
    SizeType size;
    std::size_t offset;  // into m_key_bytes
  };
  struct Failure {
    std::string path;
    std::string what;
    std::size_t offset;
  };

  // Charges one value or key against the budget.
  bool counted() {
    if (m_values_left == 0) return fail(path_here(), "more values than the limit of " + std::to_string(m_max_values));
    --m_values_left;
    return true;
  }

  bool enter(bool object) {
    if (m_frames.size() >= m_max_depth) {
      return fail(path_here(), "nesting deeper than " + std::to_string(m_max_depth));
    }
    m_frames.push_back(Frame{object, false, 0, m_keys.size(), m_key_bytes.size()});
    return true;
  }

  bool value_done() {
    if (m_frames.empty()) return true;
    Frame& frame = m_frames.back();
    if (frame.object) {
      frame.awaiting_value = false;
    } else {
      ++frame.count;
    }
    return true;
  }

  bool fail(std::string path, std::string what) {
    m_failure = Failure{std::move(path), std::move(what), m_stream.Tell()};
    return false;
  }

  // Index in m_keys of the last key read in an open object frame: the entry
  // just before the next open object's keys, or the last entry of all.
  [[nodiscard]] std::size_t last_key_of(const Frame& frame) const {
    for (const Frame* f = &frame + 1; f <= &m_frames.back(); ++f) {
      if (f->object) return f->keys_begin - 1;
    }
    return m_keys.size() - 1;
  }

  [[nodiscard]] std::string_view key_text(const KeyRef& k) const {
    return std::string_view(m_key_bytes).substr(k.offset, k.size);
  }

  [[nodiscard]] bool same_key(const KeyRef& a, const KeyRef& b) const {
    return a.hash == b.hash && a.size == b.size && key_text(a) == key_text(b);
  }

  // Checks the innermost object's keys; on a duplicate, fails naming it.
  bool keys_unique() {
    const Frame& frame = m_frames.back();
    const std::size_t first = frame.keys_begin;
    const std::size_t n = m_keys.size() - first;
    std::size_t duplicate = m_keys.size();  // the first repeated key, in document order
    if (n < 2) return true;
    if (n <= 16) {
      for (std::size_t i = first + 1; i < m_keys.size() && duplicate == m_keys.size(); ++i) {
        for (std::size_t j = first; j < i; ++j) {
          if (same_key(m_keys[i], m_keys[j])) {
            duplicate = i;
            break;
          }
        }
      }
    } else {
      m_order.resize(n);
      for (std::size_t i = 0; i < n; ++i) m_order[i] = first + i;
      std::sort(m_order.begin(), m_order.end(), [this](std::size_t a, std::size_t b) {
        const KeyRef& ka = m_keys[a];
        const KeyRef& kb = m_keys[b];
        if (ka.hash != kb.hash) return ka.hash < kb.hash;
        if (ka.size != kb.size) return ka.size < kb.size;
        const int c = key_text(ka).compare(key_text(kb));
        return c != 0 ? c < 0 : a < b;
      });
      for (std::size_t i = 1; i < n; ++i) {
        if (same_key(m_keys[m_order[i - 1]], m_keys[m_order[i]])) duplicate = std::min(duplicate, m_order[i]);
      }
    }
    if (duplicate == m_keys.size()) return true;
    m_frames.back().awaiting_value = false;
    std::string path = path_here();
    append_key_step(path, key_text(m_keys[duplicate]));
    return fail(std::move(path), "duplicate key in the object ending");
  }

  rapidjson::Document& m_doc;
  const rapidjson::MemoryStream& m_stream;
  std::size_t m_max_depth;
  std::size_t m_values_left;
  std::size_t m_max_values;
  std::vector<Frame> m_frames;
  std::vector<KeyRef> m_keys;  // keys of the open objects, outermost first
  std::string m_key_bytes;
  std::vector<std::size_t> m_order;  // scratch for large objects
  std::optional<Failure> m_failure;
};

std::string parse_error_text(rapidjson::ParseErrorCode code) {
  std::string text = rapidjson::GetParseError_En(code);
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

bool integral_double_to_int64(double d, std::int64_t& out) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (!std::isfinite(d) || d != std::trunc(d) || d < -kTwo63 || d >= kTwo63) return false;
  out = static_cast<std::int64_t>(d);
  return true;
}

bool to_int64(const Value& v, std::int64_t& out) {
  if (v.IsInt64()) {
    out = v.GetInt64();
    return true;
  }
  if (v.IsDouble()) return integral_double_to_int64(v.GetDouble(), out);
  return false;
}

}  // namespace

// --- Document ---------------------------------------------------------------

Document::Document() : m_impl(std::make_unique<Impl>()) {}
Document::Document(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Document::~Document() = default;
Document::Document(Document&&) noexcept = default;
Document& Document::operator=(Document&&) noexcept = default;

View Document::root() const {
  if (!m_impl) return View();
  return View(static_cast<const Value*>(&m_impl->doc), m_impl.get());
}

Result<Document> parse(std::string_view text, Limits limits) {
  if (text.size() > limits.max_bytes) {
    return make_error(ErrorKind::data, "document larger than " + std::to_string(limits.max_bytes) + " bytes (got " +
                                           std::to_string(text.size()) + ")");
  }
  if (text.size() > kMaxDocumentBytes) {
    return make_error(ErrorKind::data, "document larger than " + std::to_string(kMaxDocumentBytes) + " bytes (got " +
                                           std::to_string(text.size()) + ")");
  }
  const std::size_t bom = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;

  auto impl = std::make_unique<Document::Impl>();
  rapidjson::MemoryStream stream(text.data() + bom, text.size() - bom);
  BoundedHandler handler(impl->doc, stream, limits.max_depth, limits.max_values);
  rapidjson::Reader reader;
  rapidjson::ParseResult result;
  auto generate = [&](rapidjson::Document& /*target: impl->doc, fed via handler*/) {
    result = reader.Parse<kParseFlags>(stream, handler);
    return !result.IsError();
  };
  impl->doc.Populate(generate);

  if (handler.failed()) return handler.failure(bom);
  if (result.IsError()) {
    return data_error_at(handler.path_here(), "invalid JSON at byte " + std::to_string(result.Offset() + bom) + ": " +
                                                  parse_error_text(result.Code()));
  }
  if (stream.Tell() != stream.size_) {
    return data_error_at("$",
                         "invalid JSON at byte " + std::to_string(stream.Tell() + bom) + ": NUL byte after the value");
  }
  return Document(std::move(impl));
}

Result<Document> parse_maybe_double_encoded(std::string_view text, Limits limits) {
  auto outer = parse(text, limits);
  if (!outer.ok()) return std::move(outer).error();
  const View root = outer->root();
  if (!root.is_string()) return outer;
  auto inner = parse(*root.as_string(), limits);
  if (!inner.ok()) return std::move(inner).error().with_context("double-encoded JSON (inside a string)");
  return inner;
}

// --- View -------------------------------------------------------------------

bool View::is_null() const {
  return m_value != nullptr && as_value(m_value)->IsNull();
}
bool View::is_bool() const {
  return m_value != nullptr && as_value(m_value)->IsBool();
}
bool View::is_number() const {
  return m_value != nullptr && as_value(m_value)->IsNumber();
}
bool View::is_string() const {
  return m_value != nullptr && as_value(m_value)->IsString();
}
bool View::is_object() const {
  return m_value != nullptr && as_value(m_value)->IsObject();
}
bool View::is_array() const {
  return m_value != nullptr && as_value(m_value)->IsArray();
}
bool View::is_integer() const {
  std::int64_t ignored = 0;
  return m_value != nullptr && to_int64(*as_value(m_value), ignored);
}

std::size_t View::size() const {
  if (m_value == nullptr) return 0;
  const Value& v = *as_value(m_value);
  if (v.IsArray()) return v.Size();
  if (v.IsObject()) return v.MemberCount();
  return 0;
}

View View::absent_child(Absence why, std::string step) const {
  View child;
  child.m_doc = m_doc;
  child.m_anchor = m_value;
  child.m_first_step = step.size();
  child.m_suffix = std::move(step);
  child.m_absence = why;
  return child;
}

View View::field(std::string_view name) const {
  if (m_value == nullptr) {
    View child = *this;
    append_key_step(child.m_suffix, name);
    return child;
  }
  const Value& v = *as_value(m_value);
  if (v.IsObject()) {
    for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
      if (m->name.GetStringLength() == name.size() && std::memcmp(m->name.GetString(), name.data(), name.size()) == 0) {
        return View(&m->value, m_doc);
      }
    }
  }
  std::string step;
  append_key_step(step, name);
  if (v.IsObject()) return absent_child(Absence::no_member, std::move(step));
  return absent_child(v.IsNull() ? Absence::under_null : Absence::wrong_parent, std::move(step));
}

View View::index(std::size_t i) const {
  if (m_value == nullptr) {
    View child = *this;
    append_index_step(child.m_suffix, i);
    return child;
  }
  const Value& v = *as_value(m_value);
  if (v.IsArray() && i < v.Size()) return View(v.Begin() + i, m_doc);
  std::string step;
  append_index_step(step, i);
  if (v.IsArray()) return absent_child(Absence::past_end, std::move(step));
  return absent_child(v.IsNull() ? Absence::under_null : Absence::wrong_parent, std::move(step));
}

std::string View::path() const {
  if (m_value != nullptr) return path_of(m_doc, m_value);
  if (m_anchor == nullptr) return "$" + m_suffix;
  return path_of(m_doc, m_anchor) + m_suffix;
}

std::string View::describe() const {
  return describe_value(as_value(m_value));
}

Error View::error(std::string_view message) const {
  return data_error_at(path(), message);
}

bool View::optional_absent() const {
  return m_value == nullptr ? m_absence != Absence::wrong_parent : as_value(m_value)->IsNull();
}

Error View::type_error(std::string_view expected) const {
  std::string message = "expected ";
  message += expected;
  message += ", got ";
  message += describe();
  if (m_value == nullptr && m_anchor != nullptr) {
    const bool chained = m_suffix.size() > m_first_step;
    const std::string anchor_path = path_of(m_doc, m_anchor);
    switch (m_absence) {
      case Absence::no_member:
      case Absence::past_end:
        if (chained) {
          message += " (" + shorten_path(anchor_path + m_suffix.substr(0, m_first_step)) + " is missing)";
        } else if (m_absence == Absence::no_member) {
          message += " (no such member)";
        } else {
          const SizeType n = as_value(m_anchor)->Size();
          message += " (the array has " + std::to_string(n) + (n == 1 ? " element)" : " elements)");
        }
        break;
      case Absence::under_null: message += " (" + shorten_path(anchor_path) + " is null)"; break;
      case Absence::wrong_parent: {
        const bool by_index = m_suffix.size() > 1 && m_suffix[0] == '[' && m_suffix[1] != '"';
        message += " (" + shorten_path(anchor_path) + " is " + describe_value(as_value(m_anchor)) + ", not " +
                   (by_index ? "an array)" : "an object)");
        break;
      }
      case Absence::none: break;
    }
  }
  return error(message);
}

Result<std::string_view> View::as_string() const {
  if (!is_string()) return type_error("string");
  return string_of(*as_value(m_value));
}

Result<std::int64_t> View::as_int64() const {
  std::int64_t out = 0;
  if (m_value != nullptr && to_int64(*as_value(m_value), out)) return out;
  if (is_number() && as_value(m_value)->IsUint64()) {
    return error("integer " + std::to_string(as_value(m_value)->GetUint64()) + " out of range for int64");
  }
  return type_error("integer");
}

Result<int> View::as_int() const {
  auto wide = as_int64();
  if (!wide.ok()) return std::move(wide).error();
  if (*wide < std::numeric_limits<int>::min() || *wide > std::numeric_limits<int>::max()) {
    return error("integer " + std::to_string(*wide) + " out of range for int");
  }
  return static_cast<int>(*wide);
}

Result<double> View::as_double() const {
  if (!is_number()) return type_error("number");
  return as_value(m_value)->GetDouble();
}

Result<bool> View::as_bool() const {
  if (!is_bool()) return type_error("boolean");
  return as_value(m_value)->GetBool();
}

Elements View::elements() const {
  Elements out;
  if (!is_array()) return out;
  const Value& v = *as_value(m_value);
  out.m_first = v.Begin();
  out.m_doc = m_doc;
  out.m_size = v.Size();
  return out;
}

Members View::members() const {
  Members out;
  if (!is_object()) return out;
  const Value& v = *as_value(m_value);
  out.m_first = v.MemberCount() > 0 ? &*v.MemberBegin() : nullptr;
  out.m_doc = m_doc;
  out.m_size = v.MemberCount();
  return out;
}

Result<Elements> View::as_array() const {
  if (!is_array()) return type_error("array");
  return elements();
}

Result<Members> View::as_object() const {
  if (!is_object()) return type_error("object");
  return members();
}

namespace {

// The optional getters share one shape: absent/null → nullopt, else as_*.
template <typename T, typename Getter>
Result<std::optional<T>> optional_of(bool absent, Getter&& get) {
  if (absent) return std::optional<T>{};
  auto value = get();
  if (!value.ok()) return std::move(value).error();
  return std::optional<T>{std::move(value).value()};
}

}  // namespace

Result<std::optional<std::string_view>> View::optional_string() const {
  return optional_of<std::string_view>(optional_absent(), [this] { return as_string(); });
}
Result<std::optional<std::int64_t>> View::optional_int64() const {
  return optional_of<std::int64_t>(optional_absent(), [this] { return as_int64(); });
}
Result<std::optional<int>> View::optional_int() const {
  return optional_of<int>(optional_absent(), [this] { return as_int(); });
}
Result<std::optional<double>> View::optional_double() const {
  return optional_of<double>(optional_absent(), [this] { return as_double(); });
}
Result<std::optional<bool>> View::optional_bool() const {
  return optional_of<bool>(optional_absent(), [this] { return as_bool(); });
}

// --- Iteration ----------------------------------------------------------------

Elements::Iterator Elements::begin() const {
  return Iterator(m_first, m_doc, 0);
}
Elements::Iterator Elements::end() const {
  return Iterator(m_first, m_doc, m_size);
}
View Elements::Iterator::operator*() const {
  return View(as_value(m_first) + m_index, m_doc);
}

Members::Iterator Members::begin() const {
  return Iterator(m_first, m_doc, 0);
}
Members::Iterator Members::end() const {
  return Iterator(m_first, m_doc, m_size);
}
Member Members::Iterator::operator*() const {
  const RjMember& m = static_cast<const RjMember*>(m_first)[m_index];
  return Member{string_of(m.name), View(&m.value, m_doc)};
}

}  // namespace gbpm::json
