#pragma once
// Reading Insights API responses: the three envelope shapes normalised to one
// array of rows, and error responses (RFC 9110
// problem bodies, Elexon's 404 body) turned into Errors a person can act on.

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "json/json.hpp"
#include "net/http.hpp"

namespace gbpm::elexon {

// Which of the three shapes a response had.
enum class Envelope {
  bare_array,          // [ ...rows ]                       /stream, /reference
  data,                // {"data":[ ...rows ]}               /datasets/{X}
  data_with_metadata,  // {"metadata":{...},"data":[...]}    /balancing, /remit, ...
};

std::string_view to_string(Envelope envelope);

// One parsed response. The rows are Views into `document`, valid while the
// Page lives (moving the Page keeps them valid).
class Page {
 public:
  Page() = default;
  Page(json::Document document, json::View rows, Envelope envelope, std::vector<std::string> metadata_datasets);

  // The rows array (always an array).
  [[nodiscard]] json::View rows_array() const { return m_rows; }
  // The rows, in response order.
  [[nodiscard]] json::Elements rows() const { return m_rows.elements(); }
  [[nodiscard]] std::size_t size() const { return m_rows.size(); }
  [[nodiscard]] Envelope envelope() const { return m_envelope; }
  // metadata.datasets of the {metadata, data} shape ("DISEBSP"); else empty.
  [[nodiscard]] const std::vector<std::string>& metadata_datasets() const { return m_metadata_datasets; }
  [[nodiscard]] const json::Document& document() const { return m_document; }

 private:
  json::Document m_document;
  json::View m_rows;
  Envelope m_envelope = Envelope::bare_array;
  std::vector<std::string> m_metadata_datasets;
};

// Parses a 2xx response body into a Page. ErrorKind::data (naming the JSON
// path) for malformed JSON, an object without a `data` array, a `data` that
// is not an array, or a metadata.datasets that is not an array of strings.
Result<Page> parse_page(std::string_view body, json::Limits limits = {});

// An RFC 9110 problem body (application/problem+json), as Elexon sends for
// bad or too-long ranges: {type, title, status, detail, errors{field:[msgs]},
// traceId}. Absent members are empty.
struct Problem {
  std::string type;
  std::string title;
  long status = 0;
  std::string detail;
  std::map<std::string, std::vector<std::string>> errors;  // field ("" for the request as a whole) -> messages
  std::string trace_id;
};

// The problem in `body`, or nullopt when the body is not a JSON object with
// at least a title, detail or errors member.
std::optional<Problem> parse_problem(std::string_view body);

// The Error for a non-2xx Insights response to the request described by
// `what` (e.g. "GET /datasets/FREQ?measurementDateTimeFrom=..."):
//   - a problem body gives "<what>: HTTP 400 <title>: <detail>; <field>: <msg>; ..."
//     (a field called "" is the request as a whole and is not named);
//   - Elexon's 404 {"statusCode":404,"message":...} gives its message, with a
//     hint that the dataset or its window parameters are wrong;
//   - anything else falls back to net::status_error.
// Kinds: 400 and 422 are ErrorKind::usage (the request's arguments were
// refused: fix the dates, dataset or filters); other statuses follow
// net::error_kind_for_status (429/5xx temporary, other 4xx unavailable).
Error response_error(const net::Response& response, std::string_view what);

}  // namespace gbpm::elexon
