#pragma once
// Decoding Elexon payloads into typed records: IRIS message bodies
// (records, or a JSON string holding them) and Insights API responses.
//
// Policy: a body or response is decoded whole or not at all. One record that
// does not fit its dataset's schema fails the whole message with an
// ErrorKind::data Error naming the dataset, the record index, the field's
// JSON path and the reason:
//   FUELINST record 3: at $[3].settlementPeriod: expected integer, got string "x"
// iris-ingest then quarantines the raw body with that error, so no
// row is lost and no message is half-stored; a fixed decoder can replay it.
// Fields a schema does not name are ignored; absent or null optional fields
// become null values.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "elexon/dataset.hpp"
#include "elexon/record.hpp"
#include "json/json.hpp"

namespace gbpm::elexon {

// Where a message's dataset name came from.
enum class DatasetSource {
  subject,   // the message subject (AMQP `subject`)
  records,   // the records' `dataset` field
  fallback,  // the caller's fallback (e.g. the drop folder's name)
};

// A decoded IRIS message.
struct DecodedMessage {
  std::string dataset;  // the dataset name, as the subject/records/fallback gave it
  DatasetSource source = DatasetSource::subject;
  // The registry entry, or nullptr when the dataset is not in the registry:
  // then `records` is empty and the caller keeps the body raw.
  const DatasetSpec* spec = nullptr;
  std::vector<Record> records;   // typed records, in body order (known datasets)
  std::size_t record_count = 0;  // records in the body, known dataset or not

  [[nodiscard]] bool known() const { return spec != nullptr; }
};

// Decodes one IRIS message body. The body is parsed (bounded: 64 MiB, 64
// levels; see json::parse); when the result is a JSON string its content is
// parsed again (the double-encoded wire form). The result must be an array of
// record objects or one record object. The dataset is `subject` when not
// empty, else the `dataset` field of the first record that has one, else
// `fallback_dataset`.
//   - Known dataset: every record is decoded against its spec; a record whose
//     own `dataset` field names another dataset is an error (a message must
//     not mix datasets).
//   - Unknown dataset (not in the registry): success with spec == nullptr,
//     no records and record_count set, so the caller can keep it raw.
// Errors (ErrorKind::data): malformed/oversized/too deep/invalid UTF-8 JSON,
// a body that is neither an array nor an object, a record that is not an
// object, no dataset name anywhere, a record that does not fit (see above).
// `limits` bound the parse (size, depth, values: the caller's memory budget).
Result<DecodedMessage> decode_message(std::string_view body, std::string_view subject,
                                      std::string_view fallback_dataset, const json::Limits& limits = {});

// Decodes one row object against `spec`. Errors name the field's JSON path.
Result<Record> decode_record(const DatasetSpec& spec, const json::View& row);

// Decodes an array of row objects (an API response's rows, see
// rows_of_envelope) against `spec`, all or nothing. Errors name the dataset
// and the row index. The rows' own `dataset` field is not checked: some API
// endpoints label rows with their source dataset (interconnector outturn rows
// say "FUELINST").
Result<std::vector<Record>> decode_rows(const DatasetSpec& spec, const json::View& rows);

// The rows of an Insights API response: the root itself when it is an array
// (`/stream`, `/reference`), else its `data` member when that is an array
// (`{"data":[...]}` and `{"metadata":{...},"data":[...]}`). Anything else is
// ErrorKind::data; an RFC 9110 problem body is named by its title.
Result<json::View> rows_of_envelope(json::View root);

// The strings of an array of strings (`/reference/fueltypes/all`).
Result<std::vector<std::string>> decode_string_list(const json::View& array);

}  // namespace gbpm::elexon
