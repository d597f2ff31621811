#include "elexon/decode.hpp"

#include <fmt/format.h>

#include <utility>

#include "core/time.hpp"
#include "json/writer.hpp"
#include "market/settlement.hpp"

namespace gbpm::elexon {
namespace {

constexpr std::int64_t kFirstPeriod = 1;
constexpr std::int64_t kLastPeriod = 50;
// Longer stamps are refused before parsing, so error messages stay short.
constexpr std::size_t kMaxTimestampLength = 64;
constexpr std::size_t kMaxDateLength = 10;
// Timestamps are kept as system_clock nanoseconds, which span only the years
// 1678..2261; stamps outside this narrower range are refused before
// conversion (a far-off year would overflow it).
constexpr int kFirstYear = 1900;
constexpr int kLastYear = 2199;

// "<DATASET> record 3: <cause>" — the cause already names the JSON path.
Error row_error(std::string_view dataset, std::string_view noun, std::size_t index, const Error& cause) {
  return make_error(ErrorKind::data, fmt::format("{} {} {}: {}", dataset, noun, index, cause.message));
}

std::string_view source_name(DatasetSource source) {
  switch (source) {
    case DatasetSource::subject: return "subject";
    case DatasetSource::records: return "records";
    case DatasetSource::fallback: return "fallback";
  }
  return "unknown";
}

// False when `stamp` starts with a four-digit year outside
// kFirstYear..kLastYear. Anything else is left to core::parse_utc to judge.
bool year_in_range(std::string_view stamp) {
  if (stamp.size() < 4) return true;
  int year = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (stamp[i] < '0' || stamp[i] > '9') return true;
    year = year * 10 + (stamp[i] - '0');
  }
  return year >= kFirstYear && year <= kLastYear;
}

// `text` as a JSON string literal, cut to its first 64 bytes.
std::string quote_short(std::string_view text) {
  constexpr std::size_t kMax = 64;
  return text.size() <= kMax ? json::quote(text) : json::quote(text.substr(0, kMax)) + "...";
}

// The field a column reads: json_field, or fallback_field when json_field is
// absent or null and the fallback is present.
json::View source_of(const ColumnSpec& column, const json::View& row) {
  json::View v = row.field(column.json_field);
  if ((v.is_missing() || v.is_null()) && !column.fallback_field.empty()) {
    json::View alt = row.field(column.fallback_field);
    if (!alt.is_missing() && !alt.is_null()) return alt;
  }
  return v;
}

// Decodes `column` of `row` into `out` (left null when an optional field is
// absent or null). Writes in place rather than returning a Result<Value>:
// GCC 12 warns (-Wmaybe-uninitialized, falsely) when a variant holding a
// string is moved through another variant under the sanitizers.
Status decode_value(const ColumnSpec& column, const json::View& row, Value& out) {
  const json::View v = source_of(column, row);
  if (v.is_missing() || v.is_null()) {
    if (column.requirement == Requirement::optional) return {};
    std::string why = v.is_null() ? "required field is null" : "required field is missing";
    if (!column.fallback_field.empty()) why += fmt::format(" (and so is {})", column.fallback_field);
    return v.error(why);
  }
  switch (column.type) {
    case ColumnType::text: {
      auto s = v.as_string();
      if (!s) return std::move(s).error();
      out.data.emplace<std::string>(*s);
      return {};
    }
    case ColumnType::integer: {
      auto i = v.as_int64();
      if (!i) return std::move(i).error();
      if (column.check == ValueCheck::settlement_period && (*i < kFirstPeriod || *i > kLastPeriod)) {
        return v.error(fmt::format("settlement period {} is outside {}..{}", *i, kFirstPeriod, kLastPeriod));
      }
      out.data.emplace<std::int64_t>(*i);
      return {};
    }
    case ColumnType::real: {
      auto d = v.as_double();
      if (!d) return std::move(d).error();
      out.data.emplace<double>(*d);
      return {};
    }
    case ColumnType::timestamp: {
      auto s = v.as_string();
      if (!s) return std::move(s).error();
      if (s->size() > kMaxTimestampLength) return v.error("invalid timestamp " + v.describe() + ": too long");
      if (!year_in_range(*s)) {
        return v.error(
            fmt::format("invalid timestamp {}: the year is outside {}..{}", v.describe(), kFirstYear, kLastYear));
      }
      // Elexon writes "...Z", offsets, fractions and naive stamps; naive ones are UTC.
      auto t = core::parse_utc(*s, /*naive_is_utc=*/true);
      if (!t) return v.error(t.error().message);
      out.data.emplace<core::TimePoint>(*t);
      return {};
    }
    case ColumnType::date: {
      auto s = v.as_string();
      if (!s) return std::move(s).error();
      if (s->size() > kMaxDateLength) return v.error("invalid date " + v.describe() + ": expected YYYY-MM-DD");
      auto d = market::parse_date(*s);
      if (!d) return v.error(d.error().message);
      out.data.emplace<std::chrono::sys_days>(*d);
      return {};
    }
    case ColumnType::boolean: {
      auto b = v.as_bool();
      if (!b) return std::move(b).error();
      out.data.emplace<bool>(*b);
      return {};
    }
    case ColumnType::json: {
      json::Writer writer;
      writer.value(v);
      auto text = writer.finish();
      if (!text) return v.error(text.error().message);
      out.data.emplace<std::string>(std::move(text).value());
      return {};
    }
  }
  return v.error("column has an unknown type");
}

// Calls fn(index, row) for each record of a message body: the elements of an
// array, or the body itself when it is one object. Stops at the first error.
template <typename Fn>
Status for_each_record(const json::View& root, Fn&& fn) {
  if (root.is_object()) return fn(std::size_t{0}, root);
  std::size_t index = 0;
  for (const json::View row : root.elements()) {
    if (Status s = fn(index, row); !s) return s;
    ++index;
  }
  return {};
}

// The dataset named by the records' `dataset` field: the first non-empty
// string one, or an empty string when no record names one.
Result<std::string> dataset_from_records(const json::View& root) {
  std::string found;
  const Status status = for_each_record(root, [&](std::size_t index, const json::View& row) -> Status {
    if (!found.empty() || !row.is_object()) return {};
    auto name = row.field("dataset").optional_string();
    if (!name) return row_error("IRIS message", "record", index, name.error());
    if (*name && !(*name)->empty()) found = std::string(**name);
    return {};
  });
  if (!status) return status.error();
  return found;
}

}  // namespace

Result<Record> decode_record(const DatasetSpec& spec, const json::View& row) {
  if (!row.is_object()) return row.error("expected a record object, got " + row.describe());
  Record record{&spec, std::vector<Value>(spec.columns.size())};
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    if (Status s = decode_value(spec.columns[i], row, record.values[i]); !s) return std::move(s).error();
  }
  return record;
}

Result<std::vector<Record>> decode_rows(const DatasetSpec& spec, const json::View& rows) {
  auto elements = rows.as_array();
  if (!elements) return elements.error().with_context(fmt::format("{} rows", spec.code));
  std::vector<Record> out;
  out.reserve(elements->size());
  std::size_t index = 0;
  for (const json::View row : *elements) {
    auto record = decode_record(spec, row);
    if (!record) return row_error(spec.code, "row", index, record.error());
    out.push_back(std::move(record).value());
    ++index;
  }
  return out;
}

Result<json::View> rows_of_envelope(json::View root) {
  if (root.is_array()) return root;
  if (root.is_object()) {
    const json::View data = root.field("data");
    if (data.is_array()) return data;
    if (!data.is_missing()) return data.error("expected the response's rows as an array, got " + data.describe());
    // Error bodies: RFC 9110 problem details ({title,...}) or {statusCode,message}.
    for (const std::string_view name : {"title", "message"}) {
      const json::View text = root.field(name);
      if (text.is_string()) {
        return root.error(
            fmt::format("not an Insights data response: an error body with {} {}", name, text.describe()));
      }
    }
  }
  return root.error("expected an Insights data response (an array, or an object with a \"data\" array), got " +
                    root.describe());
}

Result<std::vector<std::string>> decode_string_list(const json::View& array) {
  auto elements = array.as_array();
  if (!elements) return std::move(elements).error();
  std::vector<std::string> out;
  out.reserve(elements->size());
  for (const json::View element : *elements) {
    auto s = element.as_string();
    if (!s) return std::move(s).error();
    out.emplace_back(*s);
  }
  return out;
}

Result<DecodedMessage> decode_message(std::string_view body, std::string_view subject,
                                      std::string_view fallback_dataset, const json::Limits& limits) {
  auto doc = json::parse_maybe_double_encoded(body, limits);
  if (!doc) return doc.error().with_context("IRIS message body");
  const json::View root = doc->root();
  if (!root.is_array() && !root.is_object()) {
    return root.error("expected an array of records or one record object, got " + root.describe())
        .with_context("IRIS message body");
  }

  DecodedMessage message;
  message.record_count = root.is_object() ? 1 : root.size();
  if (!subject.empty()) {
    message.dataset = std::string(subject);
    message.source = DatasetSource::subject;
  } else {
    auto from_records = dataset_from_records(root);
    if (!from_records) return std::move(from_records).error();
    if (!from_records->empty()) {
      message.dataset = std::move(from_records).value();
      message.source = DatasetSource::records;
    } else if (!fallback_dataset.empty()) {
      message.dataset = std::string(fallback_dataset);
      message.source = DatasetSource::fallback;
    } else {
      return make_error(ErrorKind::data,
                        "IRIS message: cannot tell the dataset: no subject, no record has a \"dataset\" field, "
                        "and no fallback was given");
    }
  }

  message.spec = find_dataset(message.dataset);
  if (message.spec == nullptr) return message;  // unknown: the caller keeps the body raw

  const DatasetSpec& spec = *message.spec;
  message.records.reserve(message.record_count);
  const Status status = for_each_record(root, [&](std::size_t index, const json::View& row) -> Status {
    if (!row.is_object()) {
      return row_error(spec.code, "record", index, row.error("expected a record object, got " + row.describe()));
    }
    const json::View named = row.field("dataset");
    auto name = named.optional_string();
    if (!name) return row_error(spec.code, "record", index, name.error());
    if (*name && !(*name)->empty() && **name != spec.code) {
      return row_error(spec.code, "record", index,
                       named.error(fmt::format("the record is for dataset {}, but the message is {} (from the {})",
                                               quote_short(**name), spec.code, source_name(message.source))));
    }
    auto record = decode_record(spec, row);
    if (!record) return row_error(spec.code, "record", index, record.error());
    message.records.push_back(std::move(record).value());
    return {};
  });
  if (!status) return status.error();
  return message;
}

}  // namespace gbpm::elexon
