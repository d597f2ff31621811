// libFuzzer target: elexon::decode_message on arbitrary bytes, as an IRIS
// body with the dataset taken from the records, from a subject and from a
// fallback; and the API path (json::parse -> rows_of_envelope -> decode_rows)
// against every registry spec. Besides "no crash, no UB,
// no leak", it checks what the module promises: failures are ErrorKind::data
// with a readable (UTF-8) message; successes hold one value per column, typed
// as the column says, required columns present, periods within 1..50, and a
// natural key that starts with the dataset code.
//   clang build: elexon_decode_fuzz [corpus dirs] (-DGBPM_FUZZ=ON)
//   any build:   elexon_decode_replay FILE|DIR...

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "elexon/dataset.hpp"
#include "elexon/decode.hpp"
#include "elexon/record.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

using namespace gbpm;
using namespace gbpm::elexon;

void check(bool condition) {
  if (!condition) std::abort();
}

void check_error(const Error& error) {
  check(error.kind == ErrorKind::data);
  check(!error.message.empty());
  check(json::is_valid_utf8(error.message));
}

bool holds(const Value& v, ColumnType type) {
  switch (type) {
    case ColumnType::text:
    case ColumnType::json: return v.text().has_value();
    case ColumnType::integer: return v.integer().has_value();
    case ColumnType::real: return v.real().has_value();
    case ColumnType::timestamp: return v.timestamp().has_value();
    case ColumnType::date: return v.date().has_value();
    case ColumnType::boolean: return v.boolean().has_value();
  }
  return false;
}

void check_record(const Record& record, const DatasetSpec& spec) {
  check(record.spec == &spec);
  check(record.values.size() == spec.columns.size());
  for (std::size_t i = 0; i < spec.columns.size(); ++i) {
    const ColumnSpec& column = spec.columns[i];
    const Value& v = record.values[i];
    if (v.is_null()) {
      check(column.requirement == Requirement::optional);
      continue;
    }
    check(holds(v, column.type));
    if (column.check == ValueCheck::settlement_period) check(*v.integer() >= 1 && *v.integer() <= 50);
    if (column.type == ColumnType::json) check(json::parse(*v.text()).ok());
    check(json::is_valid_utf8(canonical_text(v)));
  }
  const std::string key = key_of(record);
  check(key.compare(0, spec.code.size(), spec.code) == 0);
}

void check_message(const Result<DecodedMessage>& message) {
  if (!message.ok()) {
    check_error(message.error());
    return;
  }
  if (!message->known()) {
    check(message->records.empty());
    check(find_dataset(message->dataset) == nullptr);
    return;
  }
  check(message->dataset == message->spec->code);
  check(message->records.size() == message->record_count);
  for (const Record& record : message->records) check_record(record, *message->spec);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<DatasetSpec>& specs = all_datasets();
  check_message(decode_message(text, "", ""));
  // The input's size picks the subject's and the fallback's schema.
  check_message(decode_message(text, specs[size % specs.size()].code, ""));
  check_message(decode_message(text, "", specs[(size / specs.size()) % specs.size()].code));

  // The API path, against every schema.
  auto doc = json::parse(text);
  if (!doc) {
    check_error(doc.error());
    return 0;
  }
  auto rows = rows_of_envelope(doc->root());
  if (!rows) {
    check_error(rows.error());
    return 0;
  }
  for (const DatasetSpec& spec : specs) {
    auto records = decode_rows(spec, *rows);
    if (records) {
      check(records->size() == rows->size());
      for (const Record& record : *records) check_record(record, spec);
    } else {
      check_error(records.error());
    }
  }
  if (auto strings = decode_string_list(*rows)) {
    check(strings->size() == rows->size());
  } else {
    check_error(strings.error());
  }
  return 0;
}
