#include "google/sheets.hpp"

#include <fmt/format.h>

#include <atomic>

#include "auth/token_source.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "net/http.hpp"

namespace gbpm::google {
namespace {

std::string one_line(std::string_view text) {
  std::string out(text.substr(0, 300));
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

void write_grid_range(json::Writer& w, const GridRange& r) {
  w.begin_object().key("sheetId").int64(r.sheet_id);
  if (r.start_row) w.key("startRowIndex").int64(*r.start_row);
  if (r.end_row) w.key("endRowIndex").int64(*r.end_row);
  if (r.start_column) w.key("startColumnIndex").int64(*r.start_column);
  if (r.end_column) w.key("endColumnIndex").int64(*r.end_column);
  w.end_object();
}

void write_value(json::Writer& w, const CellValue& value) {
  std::visit(
      [&w](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          // no key: the value is cleared by the fields mask
        } else if constexpr (std::is_same_v<T, double>) {
          w.key("userEnteredValue").begin_object().key("numberValue").float64(v).end_object();
        } else if constexpr (std::is_same_v<T, std::string>) {
          w.key("userEnteredValue").begin_object().key("stringValue").string(v).end_object();
        } else if constexpr (std::is_same_v<T, bool>) {
          w.key("userEnteredValue").begin_object().key("boolValue").boolean(v).end_object();
        } else {
          w.key("userEnteredValue").begin_object().key("formulaValue").string(v.text).end_object();
        }
      },
      value.get());
}

void write_format(json::Writer& w, const CellFormat& f) {
  w.begin_object();
  if (f.number_pattern) {
    w.key("numberFormat")
        .begin_object()
        .key("type")
        .string("NUMBER")
        .key("pattern")
        .string(*f.number_pattern)
        .end_object();
  }
  if (f.bold) w.key("textFormat").begin_object().key("bold").boolean(*f.bold).end_object();
  if (f.background) {
    w.key("backgroundColor")
        .begin_object()
        .key("red")
        .float64(f.background->red)
        .key("green")
        .float64(f.background->green)
        .key("blue")
        .float64(f.background->blue)
        .end_object();
  }
  if (f.align) {
    static constexpr std::string_view kNames[] = {"LEFT", "CENTER", "RIGHT"};
    w.key("horizontalAlignment").string(kNames[static_cast<int>(*f.align)]);
  }
  w.end_object();
}

void write_request(json::Writer& w, const UpdateCells& r) {
  bool formats = r.write_formats;
  for (const auto& row : r.rows) {
    for (const auto& cell : row) formats = formats || cell.format.has_value();
  }
  w.key("updateCells").begin_object().key("range");
  write_grid_range(w, r.range);
  w.key("rows").begin_array();
  for (const auto& row : r.rows) {
    w.begin_object().key("values").begin_array();
    for (const auto& cell : row) {
      w.begin_object();
      write_value(w, cell.value);
      if (cell.format) {
        w.key("userEnteredFormat");
        write_format(w, *cell.format);
      }
      w.end_object();
    }
    w.end_array().end_object();
  }
  w.end_array();
  w.key("fields").string(formats ? "userEnteredValue,userEnteredFormat" : "userEnteredValue");
  w.end_object();
}

void write_request(json::Writer& w, const AddSheet& r) {
  w.key("addSheet").begin_object().key("properties").begin_object();
  if (r.sheet_id) w.key("sheetId").int64(*r.sheet_id);
  w.key("title").string(r.title);
  w.key("gridProperties")
      .begin_object()
      .key("rowCount")
      .int64(r.row_count)
      .key("columnCount")
      .int64(r.column_count)
      .end_object();
  w.end_object().end_object();
}

void write_request(json::Writer& w, const RepeatCell& r) {
  w.key("repeatCell").begin_object().key("range");
  write_grid_range(w, r.range);
  w.key("cell").begin_object().key("userEnteredFormat");
  write_format(w, r.format);
  w.end_object();
  w.key("fields").string("userEnteredFormat");
  w.end_object();
}

void write_request(json::Writer& w, const UpdateSheetProperties& r) {
  std::vector<std::string> fields;
  w.key("updateSheetProperties").begin_object().key("properties").begin_object().key("sheetId").int64(r.sheet_id);
  if (r.title) {
    w.key("title").string(*r.title);
    fields.emplace_back("title");
  }
  if (r.row_count || r.column_count || r.frozen_row_count) {
    w.key("gridProperties").begin_object();
    if (r.row_count) {
      w.key("rowCount").int64(*r.row_count);
      fields.emplace_back("gridProperties.rowCount");
    }
    if (r.column_count) {
      w.key("columnCount").int64(*r.column_count);
      fields.emplace_back("gridProperties.columnCount");
    }
    if (r.frozen_row_count) {
      w.key("frozenRowCount").int64(*r.frozen_row_count);
      fields.emplace_back("gridProperties.frozenRowCount");
    }
    w.end_object();
  }
  w.end_object();
  std::string mask;
  for (const auto& f : fields) mask += (mask.empty() ? "" : ",") + f;
  w.key("fields").string(mask);
  w.end_object();
}

Result<SheetProperties> parse_properties(const json::View& p) {
  SheetProperties out;
  auto id = p.field("sheetId").optional_int();  // sheet 0 may be omitted (proto3 default)
  auto title = p.field("title").as_string();
  auto index = p.field("index").optional_int();
  auto rows = p.field("gridProperties").field("rowCount").optional_int();
  auto cols = p.field("gridProperties").field("columnCount").optional_int();
  if (!id) return id.error();
  if (!title) return title.error();
  if (!index) return index.error();
  if (!rows) return rows.error();
  if (!cols) return cols.error();
  out.sheet_id = id->value_or(0);
  out.title = std::string(*title);
  out.index = index->value_or(0);
  out.row_count = rows->value_or(0);
  out.column_count = cols->value_or(0);
  return out;
}

// Counts requests that reach the wire (each retry attempt included).
class CountingTransport final : public net::HttpTransport {
 public:
  explicit CountingTransport(net::HttpTransport& inner) : m_inner(inner) {}
  Result<net::Response> send(const net::Request& request) override {
    ++m_count;
    return m_inner.send(request);
  }
  [[nodiscard]] int count() const { return m_count.load(); }

 private:
  net::HttpTransport& m_inner;
  std::atomic<int> m_count{0};
};

}  // namespace

const SheetProperties* Spreadsheet::find(std::string_view sheet_title) const {
  for (const auto& s : sheets) {
    if (s.title == sheet_title) return &s;
  }
  return nullptr;
}

Result<std::string> batch_update_body(const std::vector<SheetRequest>& requests) {
  json::Writer w;
  w.begin_object().key("requests").begin_array();
  for (const auto& request : requests) {
    w.begin_object();
    std::visit([&w](const auto& r) { write_request(w, r); }, request);
    w.end_object();
  }
  w.end_array().key("includeSpreadsheetInResponse").boolean(false).end_object();
  return w.finish();
}

Error sheets_error(const net::Response& response, std::string_view what, std::string_view client_email) {
  std::string message;
  std::string status;
  if (auto doc = json::parse(response.body); doc) {
    const json::View err = doc->root().field("error");
    if (auto m = err.field("message").as_string(); m) message = std::string(*m);
    if (auto s = err.field("status").as_string(); s) status = std::string(*s);
  }
  if (message.empty()) message = response.body.empty() ? "empty body" : one_line(response.body);
  ErrorKind kind = net::error_kind_for_status(response.status);
  if (response.status == 400) kind = ErrorKind::data;
  std::string advice;
  if (response.status == 401) {
    advice = " (the access token was refused: check the credentials and this machine's clock)";
  } else if (response.status == 403 || response.status == 404) {
    advice =
        client_email.empty()
            ? std::string(" (check the spreadsheet id, and that it is shared with the account gbpm uses)")
            : fmt::format(" (check the spreadsheet id, and share the spreadsheet with {} as an Editor)", client_email);
  } else if (response.status == 429) {
    advice = " (Sheets write quota exhausted; the next run will try again)";
  }
  return make_error(kind, fmt::format("{}: HTTP {}{}{}: {}{}", what, response.status, status.empty() ? "" : " ", status,
                                      message, advice));
}

struct SheetsClient::Impl {
  Impl(net::HttpTransport& transport, auth::TokenSource& token_source, core::Clock& clock, SheetsOptions opts)
      : counting(transport),
        retrying(counting, clock, opts.retry, opts.backoff, opts.logger),
        tokens(token_source),
        options(std::move(opts)) {
    while (!options.base_url.empty() && options.base_url.back() == '/') options.base_url.pop_back();
  }

  Result<net::Response> call(std::string method, const std::string& path, std::string body, std::string_view what) {
    auto token = tokens.token();
    if (!token) return token.error().with_context(what);
    net::Request request;
    request.method = std::move(method);
    request.url = options.base_url + path;
    request.headers = {{"Authorization", token->authorization()}, {"Accept", "application/json"}};
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    if (!options.quota_project.empty()) request.headers.emplace_back("x-goog-user-project", options.quota_project);
    request.body = std::move(body);
    request.timeout = options.timeout;
    auto response = retrying.send(request);
    if (!response) return response.error().with_context(what);
    if (!response->success()) return sheets_error(*response, what, options.client_email);
    return response;
  }

  CountingTransport counting;
  net::RetryingTransport retrying;
  auth::TokenSource& tokens;
  SheetsOptions options;
};

SheetsClient::SheetsClient(net::HttpTransport& transport, auth::TokenSource& tokens, core::Clock& clock,
                           SheetsOptions options)
    : m_impl(std::make_unique<Impl>(transport, tokens, clock, std::move(options))) {}

SheetsClient::~SheetsClient() = default;

int SheetsClient::api_calls() const {
  return m_impl->counting.count();
}

Result<Spreadsheet> SheetsClient::get_spreadsheet(std::string_view spreadsheet_id) {
  const std::string what = fmt::format("reading spreadsheet {}", spreadsheet_id);
  static constexpr std::string_view kFields =
      "spreadsheetId,properties.title,sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount))";
  auto response = m_impl->call(
      "GET", fmt::format("/v4/spreadsheets/{}?fields={}", percent_encode(spreadsheet_id), percent_encode(kFields)), {},
      what);
  if (!response) return response.error();
  auto doc = json::parse(response->body);
  if (!doc) return doc.error().with_context(what);
  const json::View root = doc->root();
  Spreadsheet out;
  out.id = std::string(root.field("spreadsheetId").as_string().value_or(spreadsheet_id));
  out.title = std::string(root.field("properties").field("title").as_string().value_or(""));
  for (const json::View sheet : root.field("sheets").elements()) {
    auto props = parse_properties(sheet.field("properties"));
    if (!props) return props.error().with_context(what);
    out.sheets.push_back(std::move(*props));
  }
  return out;
}

Result<BatchUpdateResult> SheetsClient::batch_update(std::string_view spreadsheet_id,
                                                     const std::vector<SheetRequest>& requests) {
  const std::string what = fmt::format("updating spreadsheet {} ({} requests)", spreadsheet_id, requests.size());
  auto body = batch_update_body(requests);
  if (!body) return body.error().with_context(what);
  auto response = m_impl->call("POST", fmt::format("/v4/spreadsheets/{}:batchUpdate", percent_encode(spreadsheet_id)),
                               std::move(*body), what);
  if (!response) return response.error();
  auto doc = json::parse(response->body);
  if (!doc) return doc.error().with_context(what);
  BatchUpdateResult out;
  out.added.resize(requests.size());
  std::size_t i = 0;
  for (const json::View reply : doc->root().field("replies").elements()) {
    if (i >= requests.size()) break;
    if (const json::View add = reply.field("addSheet").field("properties"); !add.is_missing()) {
      auto props = parse_properties(add);
      if (!props) return props.error().with_context(what);
      out.added[i] = std::move(*props);
    }
    ++i;
  }
  return out;
}

Result<ValueGrid> SheetsClient::get_values(std::string_view spreadsheet_id, const A1Range& range) {
  const std::string a1 = format_a1_range(range);
  const std::string what = fmt::format("reading {} of spreadsheet {}", a1, spreadsheet_id);
  auto response = m_impl->call("GET",
                               fmt::format("/v4/spreadsheets/{}/values/{}?valueRenderOption=UNFORMATTED_VALUE",
                                           percent_encode(spreadsheet_id), percent_encode(a1)),
                               {}, what);
  if (!response) return response.error();
  auto doc = json::parse(response->body);
  if (!doc) return doc.error().with_context(what);
  ValueGrid grid;
  for (const json::View row : doc->root().field("values").elements()) {
    auto& out = grid.emplace_back();
    for (const json::View v : row.elements()) {
      if (v.is_string()) {
        out.push_back(CellValue::text(std::string(*v.as_string())));
      } else if (v.is_bool()) {
        out.push_back(CellValue::boolean(*v.as_bool()));
      } else if (v.is_number()) {
        out.push_back(CellValue::number(*v.as_double()));
      } else {
        out.push_back(CellValue::blank());
      }
    }
  }
  return grid;
}

}  // namespace gbpm::google
