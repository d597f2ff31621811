#include "elexon/record.hpp"

#include <array>
#include <charconv>
#include <type_traits>

#include "core/time.hpp"
#include "market/settlement.hpp"

namespace gbpm::elexon {
namespace {

template <typename T>
std::optional<T> get_if(const Value::Storage& data) {
  if (const T* p = std::get_if<T>(&data)) return *p;
  return std::nullopt;
}

std::string format_timestamp(core::TimePoint t) {
  const auto whole = std::chrono::floor<std::chrono::seconds>(t);
  std::string out = core::format_utc(whole);
  const auto fraction = std::chrono::duration_cast<std::chrono::nanoseconds>(t - whole).count();
  if (fraction != 0) {
    std::array<char, 10> digits{};
    long long rest = fraction;
    for (int i = 8; i >= 0; --i) {
      digits[static_cast<std::size_t>(i)] = static_cast<char>('0' + rest % 10);
      rest /= 10;
    }
    std::size_t n = 9;
    while (n > 0 && digits[n - 1] == '0') --n;
    out.insert(out.size() - 1, "." + std::string(digits.data(), n));
  }
  return out;
}

std::string format_real(double d) {
  std::array<char, 64> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), d);
  if (ec != std::errc{}) return "nan";  // cannot happen for a finite double in 64 chars
  return std::string(buf.data(), end);
}

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\\' || c == '|') out += '\\';
    out += c;
  }
}

}  // namespace

std::optional<std::int64_t> Value::integer() const {
  return get_if<std::int64_t>(data);
}
std::optional<double> Value::real() const {
  return get_if<double>(data);
}
std::optional<double> Value::number() const {
  if (const auto* i = std::get_if<std::int64_t>(&data)) return static_cast<double>(*i);
  return real();
}
std::optional<std::string_view> Value::text() const {
  if (const auto* s = std::get_if<std::string>(&data)) return std::string_view(*s);
  return std::nullopt;
}
std::optional<bool> Value::boolean() const {
  return get_if<bool>(data);
}
std::optional<core::TimePoint> Value::timestamp() const {
  return get_if<core::TimePoint>(data);
}
std::optional<std::chrono::sys_days> Value::date() const {
  return get_if<std::chrono::sys_days>(data);
}

const Value* Record::find(std::string_view name) const {
  if (spec == nullptr) return nullptr;
  const auto index = spec->column_index(name);
  if (!index || *index >= values.size()) return nullptr;
  return &values[*index];
}

std::optional<std::int64_t> Record::integer(std::string_view name) const {
  const Value* v = find(name);
  return v != nullptr ? v->integer() : std::nullopt;
}
std::optional<double> Record::real(std::string_view name) const {
  const Value* v = find(name);
  return v != nullptr ? v->real() : std::nullopt;
}
std::optional<double> Record::number(std::string_view name) const {
  const Value* v = find(name);
  return v != nullptr ? v->number() : std::nullopt;
}
std::optional<std::string_view> Record::text(std::string_view name) const {
  const Value* v = find(name);
  return v != nullptr ? v->text() : std::nullopt;
}
std::optional<bool> Record::boolean(std::string_view name) const {
  const Value* v = find(name);
  return v != nullptr ? v->boolean() : std::nullopt;
}
std::optional<core::TimePoint> Record::timestamp(std::string_view name) const {
  const Value* v = find(name);
  return v != nullptr ? v->timestamp() : std::nullopt;
}
std::optional<std::chrono::sys_days> Record::date(std::string_view name) const {
  const Value* v = find(name);
  return v != nullptr ? v->date() : std::nullopt;
}

std::string canonical_text(const Value& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::monostate>) {
          return "\\N";
        } else if constexpr (std::is_same_v<V, std::int64_t>) {
          return std::to_string(v);
        } else if constexpr (std::is_same_v<V, double>) {
          return format_real(v);
        } else if constexpr (std::is_same_v<V, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<V, bool>) {
          return v ? "true" : "false";
        } else if constexpr (std::is_same_v<V, core::TimePoint>) {
          return format_timestamp(v);
        } else {
          static_assert(std::is_same_v<V, std::chrono::sys_days>);
          return market::format_date(std::chrono::year_month_day{v});
        }
      },
      value.data);
}

std::string key_of(const Record& record) {
  if (record.spec == nullptr) return {};
  std::string out;
  append_escaped(out, record.spec->code);
  for (const std::size_t index : record.spec->key_index) {
    out += '|';
    if (index < record.values.size()) {
      const Value& v = record.values[index];
      // Null is written unescaped, so it cannot collide with the text "\N"
      // (which is escaped to "\\N").
      if (v.is_null()) {
        out += "\\N";
      } else {
        append_escaped(out, canonical_text(v));
      }
    } else {
      out += "\\N";
    }
  }
  return out;
}

}  // namespace gbpm::elexon
