#include "fakes/fake-google/sheets_service.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <charconv>
#include <mutex>
#include <random>
#include <set>

#include "fakes/fake-google/token_service.hpp"
#include "google/a1.hpp"
#include "json/json.hpp"
#include "json/writer.hpp"
#include "sheet/grid.hpp"
#include "sheet/sheet.hpp"

namespace gbpm::fakes::google {
namespace {

using gbpm::google::A1Range;
using gbpm::google::cell_name;
using gbpm::google::format_a1_range;
using gbpm::google::parse_a1_range;

// A Google API error raised inside a handler; turned into the error body at
// the handler boundary (never escapes this file).
struct ApiError {
  int code;
  std::string status;
  std::string message;
};

[[noreturn]] void invalid(std::string message) {
  throw ApiError{400, "INVALID_ARGUMENT", std::move(message)};
}

void write_error(httplib::Response& res, int code, std::string_view status, std::string_view message) {
  json::Writer w;
  w.begin_object()
      .key("error")
      .begin_object()
      .key("code")
      .int64(code)
      .key("message")
      .string(message)
      .key("status")
      .string(status)
      .end_object()
      .end_object();
  res.status = code;
  res.set_content(w.finish().value_or("{}"), "application/json; charset=UTF-8");
}

void write_quota_error(httplib::Response& res) {
  res.status = 429;
  res.set_content(
      R"({"error":{"code":429,"message":"Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:123456789012'.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED","domain":"googleapis.com","metadata":{"consumer":"projects/123456789012","quota_limit":"WriteRequestsPerMinutePerUser","quota_metric":"sheets.googleapis.com/write_requests","service":"sheets.googleapis.com"}}]}})",
      "application/json; charset=UTF-8");
}

std::string json_text(const json::View& v) {
  json::Writer w;
  w.value(v);
  return w.finish().value_or("null");
}

struct Sheet {
  int id = 0;
  std::string title;
  int rows = 1000;
  int columns = 26;
  int frozen_rows = 0;
  std::map<std::pair<int, int>, FakeCell> cells;  // (row, column) → cell; blank cells are absent
};

struct Book {
  std::string id;
  std::string title;
  std::vector<Sheet> sheets;  // in index order
  int writes = 0;
  int metadata_reads = 0;  // spreadsheets.get calls answered
  int value_reads = 0;     // values.get / values.batchGet calls answered
};

Sheet* find_sheet(Book& book, int id) {
  for (auto& s : book.sheets) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Sheet* find_sheet(Book& book, std::string_view title) {
  for (auto& s : book.sheets) {
    if (s.title == title) return &s;
  }
  return nullptr;
}

// What a person sees in `range` ("Dashboard!A1:H17"), rendered exactly as
// gbpm's --dry-run renders a block (sheet::render_text): typed values with
// their number formats, so a test can compare the two texts byte for byte.
Result<std::string> render_range(Book& book, const std::string& range) {
  auto r = sheet::parse_a1(range);
  if (!r) return r.error();
  const Sheet* s = find_sheet(book, std::string_view(r->tab));
  if (s == nullptr) return make_error(ErrorKind::data, "no tab " + r->tab);
  sheet::Block block{*r, {}, false};
  for (int i = 0; i < r->rows; ++i) {
    auto& row = block.cells.emplace_back();
    for (int j = 0; j < r->cols; ++j) {
      sheet::Cell out;
      const auto c = s->cells.find({r->row + i, r->col + j});
      if (c != s->cells.end()) {
        const FakeCell& cell = c->second;
        if (const auto nf = cell.format.find("numberFormat"); nf != cell.format.end()) {
          if (auto doc = json::parse(nf->second); doc) {
            out.format.number_format = std::string(doc->root().field("pattern").as_string().value_or(""));
          }
        }
        switch (cell.kind) {
          case FakeCell::Kind::number: out.value = cell.number; break;
          case FakeCell::Kind::boolean: out.value = cell.boolean; break;
          case FakeCell::Kind::string:
          case FakeCell::Kind::formula: out.value = cell.text; break;
          case FakeCell::Kind::empty: break;
        }
      }
      row.push_back(std::move(out));
    }
  }
  sheet::Update update;
  update.blocks.push_back(std::move(block));
  return sheet::render_text(update);
}

// Resolved rectangle [r0, r1) × [c0, c1) on one sheet.
struct Box {
  Sheet* sheet = nullptr;
  int r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  bool bounded_rows = false, bounded_columns = false;

  [[nodiscard]] std::string a1() const { return format_a1_range(A1Range{sheet->title, r0, c0, r1, c1}); }
};

std::string grid_limits_message(const Sheet& s, int r0, int r1, int c0, int c1) {
  return fmt::format("Range ({}) exceeds grid limits. Max rows: {}, max columns: {}",
                     format_a1_range(A1Range{s.title, r0, c0, r1, c1}), s.rows, s.columns);
}

// A GridRange object → Box, checked against the grid.
Box resolve_grid_range(Book& book, const json::View& range, const std::string& where) {
  if (!range.is_object()) invalid(where + "range is required");
  const int sheet_id = range.field("sheetId").optional_int().value_or(std::nullopt).value_or(0);
  Box b;
  b.sheet = find_sheet(book, sheet_id);
  if (b.sheet == nullptr) invalid(fmt::format("{}No grid with id: {}", where, sheet_id));
  const auto get = [&](std::string_view name, int fallback) {
    auto v = range.field(name).optional_int();
    if (!v) invalid(where + v.error().message);
    return v->value_or(fallback);
  };
  b.r0 = get("startRowIndex", 0);
  b.r1 = get("endRowIndex", b.sheet->rows);
  b.c0 = get("startColumnIndex", 0);
  b.c1 = get("endColumnIndex", b.sheet->columns);
  b.bounded_rows = true;
  b.bounded_columns = true;
  if (b.r0 < 0 || b.c0 < 0 || b.r1 < b.r0 || b.c1 < b.c0) invalid(where + "Invalid range: start after end");
  if (b.r1 > b.sheet->rows || b.c1 > b.sheet->columns) {
    invalid(where + grid_limits_message(*b.sheet, b.r0, b.r1, b.c0, b.c1));
  }
  return b;
}

// An A1 range → Box. Open ends stop at the grid; `clamp` also clips explicit
// ends that go past it (reads and clears do, writes do not).
Box resolve_a1(Book& book, const std::string& text, bool clamp) {
  auto parsed = parse_a1_range(text);
  if (!parsed) invalid("Unable to parse range: " + text);
  Box b;
  b.sheet = parsed->sheet.empty() ? (book.sheets.empty() ? nullptr : &book.sheets.front())
                                  : find_sheet(book, std::string_view(parsed->sheet));
  if (b.sheet == nullptr) invalid("Unable to parse range: " + text);
  b.r0 = parsed->start_row.value_or(0);
  b.c0 = parsed->start_column.value_or(0);
  b.bounded_rows = parsed->end_row.has_value();
  b.bounded_columns = parsed->end_column.has_value();
  b.r1 = parsed->end_row.value_or(b.sheet->rows);
  b.c1 = parsed->end_column.value_or(b.sheet->columns);
  if (clamp) {
    b.r1 = std::min(b.r1, b.sheet->rows);
    b.c1 = std::min(b.c1, b.sheet->columns);
  }
  if (b.r0 >= b.sheet->rows || b.c0 >= b.sheet->columns || b.r1 > b.sheet->rows || b.c1 > b.sheet->columns) {
    invalid(grid_limits_message(*b.sheet, b.r0, b.r1, b.c0, b.c1));
  }
  return b;
}

// Which CellData fields an updateCells/repeatCell mask touches.
struct CellMask {
  bool value = false;
  bool all_formats = false;
  std::set<std::string> format_keys;
};

std::vector<std::string_view> split_top_level(std::string_view s) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || (s[i] == ',' && depth == 0)) {
      std::string_view item = s.substr(start, i - start);
      while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
      while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
      if (!item.empty()) out.push_back(item);
      start = i + 1;
    } else if (s[i] == '(') {
      ++depth;
    } else if (s[i] == ')') {
      --depth;
    }
  }
  return out;
}

CellMask parse_cell_mask(std::string_view fields, const std::string& where) {
  if (fields.empty()) invalid(where + "At least one field must be specified in 'fields'.");
  CellMask m;
  for (const std::string_view item : split_top_level(fields)) {
    if (item == "*") {
      m.value = true;
      m.all_formats = true;
    } else if (item == "userEnteredValue") {
      m.value = true;
    } else if (item == "userEnteredFormat") {
      m.all_formats = true;
    } else if (item.rfind("userEnteredFormat(", 0) == 0 && item.back() == ')') {
      for (std::string_view sub : split_top_level(item.substr(18, item.size() - 19))) {
        m.format_keys.emplace(sub.substr(0, std::min(sub.find('('), sub.find('.'))));
      }
    } else if (item.rfind("userEnteredFormat.", 0) == 0) {
      const std::string_view sub = item.substr(18);
      m.format_keys.emplace(sub.substr(0, sub.find('.')));
    } else {
      invalid(fmt::format("{}fake-google does not support field '{}' in the mask", where, item));
    }
  }
  return m;
}

void set_value(FakeCell& cell, const json::View& uev, const std::string& where) {
  if (uev.is_missing() || uev.is_null()) {
    cell.kind = FakeCell::Kind::empty;
    cell.text.clear();
    return;
  }
  if (!uev.is_object() || uev.size() != 1) invalid(where + "userEnteredValue must hold exactly one value");
  if (auto s = uev.field("stringValue").as_string(); s) {
    cell.kind = FakeCell::Kind::string;
    cell.text = std::string(*s);
  } else if (auto n = uev.field("numberValue").as_double(); n) {
    cell.kind = FakeCell::Kind::number;
    cell.number = *n;
  } else if (auto b = uev.field("boolValue").as_bool(); b) {
    cell.kind = FakeCell::Kind::boolean;
    cell.boolean = *b;
  } else if (auto f = uev.field("formulaValue").as_string(); f) {
    if (f->empty() || f->front() != '=') invalid(where + "formulaValue must start with '='");
    cell.kind = FakeCell::Kind::formula;
    cell.text = std::string(*f);
  } else {
    invalid(fmt::format("{}unsupported userEnteredValue {}", where, json_text(uev)));
  }
}

void apply_cell(Sheet& sheet, int row, int column, const json::View& data, const CellMask& mask,
                const std::string& where) {
  if (!data.is_missing() && !data.is_null() && !data.is_object()) invalid(where + "a cell must be an object");
  FakeCell cell = sheet.cells.count({row, column}) ? sheet.cells[{row, column}] : FakeCell{};
  if (mask.value) set_value(cell, data.field("userEnteredValue"), where);
  const json::View format = data.field("userEnteredFormat");
  if (!format.is_missing() && !format.is_object()) invalid(where + "userEnteredFormat must be an object");
  if (mask.all_formats) {
    cell.format.clear();
    for (const auto& [key, value] : format.members()) cell.format[std::string(key)] = json_text(value);
  }
  for (const auto& key : mask.format_keys) {
    const json::View v = format.field(key);
    if (v.is_missing()) {
      cell.format.erase(key);
    } else {
      cell.format[key] = json_text(v);
    }
  }
  if (cell.blank()) {
    sheet.cells.erase({row, column});
  } else {
    sheet.cells[{row, column}] = std::move(cell);
  }
}

// ---- batchUpdate requests ----------------------------------------------------

void write_sheet_properties(json::Writer& w, const Book& book, const Sheet& s) {
  int index = 0;
  for (const auto& other : book.sheets) {
    if (&other == &s) break;
    ++index;
  }
  w.begin_object()
      .key("sheetId")
      .int64(s.id)
      .key("title")
      .string(s.title)
      .key("index")
      .int64(index)
      .key("sheetType")
      .string("GRID")
      .key("gridProperties")
      .begin_object()
      .key("rowCount")
      .int64(s.rows)
      .key("columnCount")
      .int64(s.columns);
  if (s.frozen_rows > 0) w.key("frozenRowCount").int64(s.frozen_rows);
  w.end_object().end_object();
}

int required_int(const json::View& v, const std::string& where) {
  auto n = v.as_int();
  if (!n) invalid(where + n.error().message);
  return *n;
}

void add_sheet(Book& book, const json::View& req, const std::string& where, json::Writer& reply, std::mt19937& rng) {
  const json::View p = req.field("properties");
  Sheet s;
  auto id = p.field("sheetId").optional_int();
  if (!id) invalid(where + id.error().message);
  if (*id) {
    if (find_sheet(book, **id) != nullptr) invalid(fmt::format("{}Sheet with id {} already exists.", where, **id));
    s.id = **id;
  } else {
    do {
      s.id = static_cast<int>(rng() % 2000000000u) + 1;
    } while (find_sheet(book, s.id) != nullptr);
  }
  auto title = p.field("title").optional_string();
  if (!title) invalid(where + title.error().message);
  s.title = *title ? std::string(**title) : fmt::format("Sheet{}", book.sheets.size() + 1);
  if (find_sheet(book, std::string_view(s.title)) != nullptr) {
    invalid(fmt::format("{}A sheet with the name \"{}\" already exists. Please enter another name.", where, s.title));
  }
  const json::View grid = p.field("gridProperties");
  if (!grid.field("rowCount").is_missing()) s.rows = required_int(grid.field("rowCount"), where);
  if (!grid.field("columnCount").is_missing()) s.columns = required_int(grid.field("columnCount"), where);
  if (s.rows < 1 || s.columns < 1 || s.columns > gbpm::google::kMaxColumns) invalid(where + "invalid grid size");
  book.sheets.push_back(std::move(s));
  reply.begin_object().key("addSheet").begin_object().key("properties");
  write_sheet_properties(reply, book, book.sheets.back());
  reply.end_object().end_object();
}

void trim_to_grid(Sheet& s) {
  for (auto it = s.cells.begin(); it != s.cells.end();) {
    it = (it->first.first >= s.rows || it->first.second >= s.columns) ? s.cells.erase(it) : std::next(it);
  }
}

void update_sheet_properties(Book& book, const json::View& req, const std::string& where) {
  const json::View p = req.field("properties");
  Sheet* s = find_sheet(book, p.field("sheetId").optional_int().value_or(std::nullopt).value_or(0));
  if (s == nullptr) invalid(fmt::format("{}No grid with id: {}", where, json_text(p.field("sheetId"))));
  const std::string fields(req.field("fields").as_string().value_or(""));
  if (fields.empty()) invalid(where + "At least one field must be specified in 'fields'.");
  for (const std::string_view f : split_top_level(fields)) {
    const bool all = f == "*";
    const bool grid = all || f == "gridProperties";
    bool known = all || grid;
    if (all || f == "title") {
      known = true;
      const std::string title(p.field("title").as_string().value_or(""));
      if (title.empty()) invalid(where + "title must not be empty");
      if (Sheet* other = find_sheet(book, std::string_view(title)); other != nullptr && other != s) {
        invalid(fmt::format("{}A sheet with the name \"{}\" already exists. Please enter another name.", where, title));
      }
      s->title = title;
    }
    const json::View g = p.field("gridProperties");
    if (grid || f == "gridProperties.rowCount") {
      known = true;
      s->rows = g.field("rowCount").is_missing() && grid ? s->rows : required_int(g.field("rowCount"), where);
    }
    if (grid || f == "gridProperties.columnCount") {
      known = true;
      s->columns =
          g.field("columnCount").is_missing() && grid ? s->columns : required_int(g.field("columnCount"), where);
    }
    if (grid || f == "gridProperties.frozenRowCount") {
      known = true;
      s->frozen_rows = g.field("frozenRowCount").optional_int().value_or(std::nullopt).value_or(0);
    }
    if (f == "index") known = true;  // accepted, order unchanged
    if (!known) invalid(fmt::format("{}fake-google does not support field '{}'", where, f));
  }
  if (s->rows < 1 || s->columns < 1 || s->frozen_rows >= s->rows) invalid(where + "invalid grid properties");
  trim_to_grid(*s);
}

void update_cells(Book& book, const json::View& req, const std::string& where) {
  const CellMask mask = parse_cell_mask(req.field("fields").as_string().value_or(""), where);
  const json::View rows = req.field("rows");
  if (!rows.is_missing() && !rows.is_array()) invalid(where + "rows must be a list");
  if (const json::View start = req.field("start"); !start.is_missing()) {
    if (!req.field("range").is_missing()) invalid(where + "give either start or range, not both");
    Sheet* s = find_sheet(book, start.field("sheetId").optional_int().value_or(std::nullopt).value_or(0));
    if (s == nullptr) invalid(fmt::format("{}No grid with id: {}", where, json_text(start.field("sheetId"))));
    const int r0 = start.field("rowIndex").optional_int().value_or(std::nullopt).value_or(0);
    const int c0 = start.field("columnIndex").optional_int().value_or(std::nullopt).value_or(0);
    int r = r0;
    for (const json::View row : rows.elements()) {
      int c = c0;
      for (const json::View cell : row.field("values").elements()) {
        if (r >= s->rows || c >= s->columns) invalid(where + grid_limits_message(*s, r0, r + 1, c0, c + 1));
        apply_cell(*s, r, c, cell, mask, where);
        ++c;
      }
      ++r;
    }
    return;
  }
  const Box b = resolve_grid_range(book, req.field("range"), where);
  std::set<std::pair<int, int>> written;
  int r = b.r0;
  for (const json::View row : rows.elements()) {
    int c = b.c0;
    for (const json::View cell : row.field("values").elements()) {
      if (r >= b.r1 || c >= b.c1) {
        invalid(fmt::format("{}Attempting to write cell {} outside the requested range {}", where, cell_name(r, c),
                            b.a1()));
      }
      apply_cell(*b.sheet, r, c, cell, mask, where);
      written.emplace(r, c);
      ++c;
    }
    ++r;
  }
  // Cells of the range not covered by rows: the masked fields are cleared.
  std::vector<std::pair<int, int>> to_clear;
  for (const auto& [pos, cell] : b.sheet->cells) {
    if (pos.first >= b.r0 && pos.first < b.r1 && pos.second >= b.c0 && pos.second < b.c1 && !written.count(pos)) {
      to_clear.push_back(pos);
    }
  }
  for (const auto& pos : to_clear) apply_cell(*b.sheet, pos.first, pos.second, json::View(), mask, where);
}

void repeat_cell(Book& book, const json::View& req, const std::string& where) {
  const CellMask mask = parse_cell_mask(req.field("fields").as_string().value_or(""), where);
  const Box b = resolve_grid_range(book, req.field("range"), where);
  const json::View cell = req.field("cell");
  if (static_cast<long long>(b.r1 - b.r0) * (b.c1 - b.c0) > 2'000'000)
    invalid(where + "range too large for fake-google");
  for (int r = b.r0; r < b.r1; ++r) {
    for (int c = b.c0; c < b.c1; ++c) apply_cell(*b.sheet, r, c, cell, mask, where);
  }
}

void delete_sheet(Book& book, const json::View& req, const std::string& where) {
  const int id = required_int(req.field("sheetId"), where);
  if (find_sheet(book, id) == nullptr) invalid(fmt::format("{}No sheet with id: {}", where, id));
  if (book.sheets.size() == 1) invalid(where + "You can't remove all the sheets in a document.");
  std::erase_if(book.sheets, [id](const Sheet& s) { return s.id == id; });
}

void append_dimension(Book& book, const json::View& req, const std::string& where) {
  Sheet* s = find_sheet(book, required_int(req.field("sheetId"), where));
  if (s == nullptr) invalid(where + "No grid with id: " + json_text(req.field("sheetId")));
  const int length = required_int(req.field("length"), where);
  if (length < 1) invalid(where + "length must be at least 1");
  const std::string dim(req.field("dimension").as_string().value_or(""));
  if (dim == "ROWS") {
    s->rows += length;
  } else if (dim == "COLUMNS") {
    s->columns += length;
  } else {
    invalid(where + "dimension must be ROWS or COLUMNS");
  }
}

// ---- values ------------------------------------------------------------------

enum class Render { formatted, unformatted, formula };

void render(json::Writer& w, const FakeCell* cell, Render mode) {
  if (cell == nullptr || cell->kind == FakeCell::Kind::empty) {
    w.string("");
  } else if (cell->kind == FakeCell::Kind::number && mode != Render::formatted) {
    w.float64(cell->number);
  } else if (cell->kind == FakeCell::Kind::boolean && mode != Render::formatted) {
    w.boolean(cell->boolean);
  } else {
    w.string(cell->display());
  }
}

void write_value_range(json::Writer& w, const Box& b, Render mode, bool columns_major) {
  w.begin_object().key("range").string(b.a1()).key("majorDimension").string(columns_major ? "COLUMNS" : "ROWS");
  const int outer0 = columns_major ? b.c0 : b.r0;
  const int outer1 = columns_major ? b.c1 : b.r1;
  const int inner0 = columns_major ? b.r0 : b.c0;
  const int inner1 = columns_major ? b.r1 : b.c1;
  std::vector<std::vector<const FakeCell*>> lines;
  for (int o = outer0; o < outer1; ++o) {
    std::vector<const FakeCell*> line;
    for (int i = inner0; i < inner1; ++i) {
      const auto it = b.sheet->cells.find(columns_major ? std::pair{i, o} : std::pair{o, i});
      line.push_back(it == b.sheet->cells.end() || it->second.kind == FakeCell::Kind::empty ? nullptr : &it->second);
    }
    while (!line.empty() && line.back() == nullptr) line.pop_back();
    lines.push_back(std::move(line));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (!lines.empty()) {
    w.key("values").begin_array();
    for (const auto& line : lines) {
      w.begin_array();
      for (const FakeCell* c : line) render(w, c, mode);
      w.end_array();
    }
    w.end_array();
  }
  w.end_object();
}

Render parse_render(const httplib::Request& req) {
  const std::string v = req.get_param_value("valueRenderOption");
  if (v.empty() || v == "FORMATTED_VALUE") return Render::formatted;
  if (v == "UNFORMATTED_VALUE") return Render::unformatted;
  if (v == "FORMULA") return Render::formula;
  invalid("Invalid value at 'value_render_option' (" + v + ")");
}

bool parse_major(std::string_view v) {
  if (v.empty() || v == "ROWS" || v == "DIMENSION_UNSPECIFIED") return false;
  if (v == "COLUMNS") return true;
  invalid(fmt::format("Invalid value at 'major_dimension' ({})", v));
}

struct WriteCounts {
  std::string range;
  int rows = 0, columns = 0, cells = 0;
};

FakeCell user_entered(std::string_view text) {
  FakeCell c;
  if (text.empty()) return c;
  if (text.front() == '=') {
    c.kind = FakeCell::Kind::formula;
    c.text = std::string(text);
    return c;
  }
  if (text == "TRUE" || text == "FALSE" || text == "true" || text == "false") {
    c.kind = FakeCell::Kind::boolean;
    c.boolean = text[0] == 'T' || text[0] == 't';
    return c;
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec == std::errc() && ptr == text.data() + text.size()) {
    c.kind = FakeCell::Kind::number;
    c.number = d;
    return c;
  }
  c.kind = FakeCell::Kind::string;
  c.text = std::string(text);
  return c;
}

WriteCounts write_values(Book& book, const std::string& range_text, const json::View& body, bool user_entered_input) {
  const Box b = resolve_a1(book, range_text, false);
  const bool columns_major = parse_major(body.field("majorDimension").as_string().value_or(""));
  const json::View values = body.field("values");
  if (!values.is_missing() && !values.is_array()) invalid("values must be a list of lists");
  WriteCounts counts;
  int outer = 0;
  int max_inner = 0;
  for (const json::View line : values.elements()) {
    if (!line.is_array()) invalid(fmt::format("Invalid values[{}]: must be a list", outer));
    int inner = 0;
    for (const json::View v : line.elements()) {
      const int r = b.r0 + (columns_major ? inner : outer);
      const int c = b.c0 + (columns_major ? outer : inner);
      if ((b.bounded_rows && r >= b.r1) || (b.bounded_columns && c >= b.c1)) {
        invalid(fmt::format("Requested writing within range [{}], but tried writing to cell [{}]", range_text,
                            cell_name(r, c)));
      }
      if (r >= b.sheet->rows || c >= b.sheet->columns) {
        invalid(grid_limits_message(*b.sheet, b.r0, r + 1, b.c0, c + 1));
      }
      ++inner;
      if (v.is_null()) continue;  // null leaves the cell as it is
      FakeCell incoming;
      if (v.is_string()) {
        const std::string_view s = *v.as_string();
        if (user_entered_input) {
          incoming = user_entered(s);
        } else if (!s.empty()) {
          incoming.kind = FakeCell::Kind::string;
          incoming.text = std::string(s);
        }
      } else if (v.is_bool()) {
        incoming.kind = FakeCell::Kind::boolean;
        incoming.boolean = *v.as_bool();
      } else if (v.is_number()) {
        incoming.kind = FakeCell::Kind::number;
        incoming.number = *v.as_double();
      } else {
        invalid(fmt::format("Invalid values[{}][{}]: {}", outer, inner - 1, v.describe()));
      }
      FakeCell& cell = b.sheet->cells[{r, c}];
      incoming.format = std::move(cell.format);
      cell = std::move(incoming);
      if (cell.blank()) b.sheet->cells.erase({r, c});
      ++counts.cells;
    }
    max_inner = std::max(max_inner, inner);
    ++outer;
  }
  counts.rows = columns_major ? max_inner : outer;
  counts.columns = columns_major ? outer : max_inner;
  counts.range =
      format_a1_range(A1Range::box(b.sheet->title, b.r0, b.c0, std::max(counts.rows, 1), std::max(counts.columns, 1)));
  return counts;
}

std::string clear_values(Book& book, const std::string& range_text) {
  const Box b = resolve_a1(book, range_text, true);
  for (auto it = b.sheet->cells.begin(); it != b.sheet->cells.end();) {
    const auto [r, c] = it->first;
    if (r >= b.r0 && r < b.r1 && c >= b.c0 && c < b.c1) {
      it->second.kind = FakeCell::Kind::empty;
      it->second.text.clear();
      if (it->second.blank()) {
        it = b.sheet->cells.erase(it);
        continue;
      }
    }
    ++it;
  }
  return b.a1();
}

bool parse_input_option(std::string_view v) {
  if (v == "RAW") return false;
  if (v == "USER_ENTERED") return true;
  if (v.empty()) invalid("'valueInputOption' is required but not specified");
  invalid(fmt::format("Invalid value at 'value_input_option' ({})", v));
}

void write_update_response(json::Writer& w, const std::string& id, const WriteCounts& c) {
  w.begin_object()
      .key("spreadsheetId")
      .string(id)
      .key("updatedRange")
      .string(c.range)
      .key("updatedRows")
      .int64(c.rows)
      .key("updatedColumns")
      .int64(c.columns)
      .key("updatedCells")
      .int64(c.cells)
      .end_object();
}

// ---- fields masks on spreadsheets.get ------------------------------------------

struct MaskNode {
  bool all = false;
  std::map<std::string, MaskNode, std::less<>> children;
};

void parse_mask_list(std::string_view s, std::size_t& pos, MaskNode& into) {
  const auto read_name = [&] {
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] != ',' && s[pos] != '(' && s[pos] != ')' && s[pos] != '.') ++pos;
    std::string_view name = s.substr(start, pos - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    return std::string(name);
  };
  while (pos < s.size()) {
    MaskNode* cur = &into.children[read_name()];
    while (pos < s.size() && s[pos] == '.') {
      ++pos;
      cur = &cur->children[read_name()];
    }
    if (pos < s.size() && s[pos] == '(') {
      ++pos;
      parse_mask_list(s, pos, *cur);
      if (pos >= s.size() || s[pos] != ')') invalid("Invalid field selection: unbalanced parentheses");
      ++pos;
    } else {
      cur->all = true;
    }
    if (pos < s.size() && s[pos] == ',') {
      ++pos;
      continue;
    }
    break;
  }
}

void filter(json::Writer& w, const json::View& v, const MaskNode& mask) {
  if (mask.all || mask.children.empty() || mask.children.count("*")) {
    w.value(v);
  } else if (v.is_array()) {
    w.begin_array();
    for (const json::View e : v.elements()) filter(w, e, mask);
    w.end_array();
  } else if (v.is_object()) {
    w.begin_object();
    for (const auto& [key, value] : v.members()) {
      const auto it = mask.children.find(key);
      if (it == mask.children.end()) continue;
      w.key(key);
      filter(w, value, it->second);
    }
    w.end_object();
  } else {
    w.value(v);
  }
}

void write_spreadsheet(json::Writer& w, const Book& book) {
  w.begin_object()
      .key("spreadsheetId")
      .string(book.id)
      .key("properties")
      .begin_object()
      .key("title")
      .string(book.title)
      .key("locale")
      .string("en_GB")
      .key("timeZone")
      .string("Europe/London")
      .end_object()
      .key("sheets")
      .begin_array();
  for (const auto& s : book.sheets) {
    w.begin_object().key("properties");
    write_sheet_properties(w, book, s);
    w.end_object();
  }
  w.end_array()
      .key("spreadsheetUrl")
      .string("https://docs.google.com/spreadsheets/d/" + book.id + "/edit")
      .end_object();
}

}  // namespace

std::string FakeCell::display() const {
  switch (kind) {
    case Kind::empty: return {};
    case Kind::number: return fmt::format("{}", number);
    case Kind::boolean: return boolean ? "TRUE" : "FALSE";
    case Kind::string:
    case Kind::formula: return text;
  }
  return {};
}

struct SheetsService::Impl {
  TokenService& tokens;
  SheetsServiceOptions options;
  core::SystemClock system_clock;
  const core::Clock* clock = nullptr;

  mutable std::mutex mutex;
  std::map<std::string, Book> books;
  std::mt19937 rng{std::random_device{}()};
  int created = 0;
  core::TimePoint window_start{};
  int window_writes = 0;
  int rejections = 0;

  Impl(TokenService& t, SheetsServiceOptions o) : tokens(t), options(o) {
    clock = options.clock != nullptr ? options.clock : &system_clock;
  }

  Book& book_locked(const std::string& id) {
    const auto it = books.find(id);
    if (it == books.end()) throw ApiError{404, "NOT_FOUND", "Requested entity was not found."};
    return it->second;
  }

  // True when a write may proceed; false after answering 429.
  bool take_write_quota_locked(httplib::Response& res) {
    if (options.write_quota_per_minute <= 0) return true;
    const auto now = clock->now();
    if (now - window_start >= std::chrono::minutes(1) || now < window_start) {
      window_start = now;
      window_writes = 0;
    }
    if (window_writes >= options.write_quota_per_minute) {
      ++rejections;
      write_quota_error(res);
      return false;
    }
    ++window_writes;
    return true;
  }

  std::string create_locked(const std::string& title, const std::vector<Sheet>& sheets) {
    std::string id;
    do {
      id = fmt::format("fake-sheet-{}-{:08x}", ++created, rng());
    } while (books.count(id));
    Book& book = books[id];
    book.id = id;
    book.title = title;
    book.sheets = sheets;
    return id;
  }

  // Runs `body` under the lock with Google-style error handling and auth.
  template <typename F>
  void api(const httplib::Request& req, httplib::Response& res, F&& body) {
    if (!tokens.authorize(req, res)) return;
    std::lock_guard lock(mutex);
    try {
      body();
    } catch (const ApiError& e) {
      write_error(res, e.code, e.status, e.message);
    }
  }

  static json::Document parse_body(const httplib::Request& req, bool allow_empty = false) {
    if (allow_empty && req.body.empty()) return json::Document();
    auto doc = json::parse(req.body);
    if (!doc) invalid("Invalid JSON payload received. " + doc.error().message);
    if (!doc->root().is_object()) invalid("Invalid JSON payload received. Expected an object.");
    return std::move(*doc);
  }

  void send_json(httplib::Response& res, json::Writer& w) {
    res.set_content(w.finish().value_or("{}"), "application/json; charset=UTF-8");
  }

  void handle_create(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      if (!take_write_quota_locked(res)) return;
      const json::Document doc = parse_body(req, true);
      const json::View root = doc.root();
      std::vector<Sheet> sheets;
      int next_id = 0;
      for (const json::View s : root.field("sheets").elements()) {
        Sheet sheet;
        const json::View p = s.field("properties");
        sheet.id = p.field("sheetId").optional_int().value_or(std::nullopt).value_or(next_id);
        next_id = sheet.id + 1;
        sheet.title = std::string(p.field("title").as_string().value_or(fmt::format("Sheet{}", sheets.size() + 1)));
        sheet.rows = p.field("gridProperties").field("rowCount").optional_int().value_or(std::nullopt).value_or(1000);
        sheet.columns =
            p.field("gridProperties").field("columnCount").optional_int().value_or(std::nullopt).value_or(26);
        sheets.push_back(std::move(sheet));
      }
      if (sheets.empty()) sheets.push_back(Sheet{0, "Sheet1", 1000, 26, 0, {}});
      const std::string id = create_locked(
          std::string(root.field("properties").field("title").as_string().value_or("Untitled spreadsheet")), sheets);
      json::Writer w;
      write_spreadsheet(w, books[id]);
      send_json(res, w);
    });
  }

  void handle_get(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      ++book.metadata_reads;
      json::Writer w;
      write_spreadsheet(w, book);
      const std::string fields = req.get_param_value("fields");
      if (fields.empty()) return send_json(res, w);
      auto full = json::parse(w.finish().value_or("{}"));
      MaskNode mask;
      std::size_t pos = 0;
      parse_mask_list(fields, pos, mask);
      if (pos != fields.size()) invalid("Invalid field selection " + fields);
      filter(w, full->root(), mask);
      send_json(res, w);
    });
  }

  void handle_batch_update(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      if (!take_write_quota_locked(res)) return;
      const json::Document doc = parse_body(req);
      const json::View requests = doc.root().field("requests");
      if (requests.size() == 0 || !requests.is_array()) invalid("Must specify at least one request.");
      Book copy = book;  // every request applies to the copy; committed only if all succeed
      json::Writer w;
      w.begin_object().key("spreadsheetId").string(book.id).key("replies").begin_array();
      int i = 0;
      for (const json::View r : requests.elements()) {
        if (!r.is_object() || r.size() != 1)
          invalid(fmt::format("Invalid requests[{}]: exactly one kind of request", i));
        const auto member = *r.members().begin();
        const std::string kind(member.key);
        const std::string where = fmt::format("Invalid requests[{}].{}: ", i, kind);
        if (kind == "addSheet") {
          add_sheet(copy, member.value, where, w, rng);
        } else {
          if (kind == "updateCells") {
            update_cells(copy, member.value, where);
          } else if (kind == "repeatCell") {
            repeat_cell(copy, member.value, where);
          } else if (kind == "updateSheetProperties") {
            update_sheet_properties(copy, member.value, where);
          } else if (kind == "deleteSheet") {
            delete_sheet(copy, member.value, where);
          } else if (kind == "appendDimension") {
            append_dimension(copy, member.value, where);
          } else {
            invalid(fmt::format("Invalid requests[{}]: fake-google does not implement {}", i, kind));
          }
          w.begin_object().end_object();
        }
        ++i;
      }
      w.end_array().end_object();
      copy.writes = book.writes + 1;
      book = std::move(copy);
      send_json(res, w);
    });
  }

  void handle_values_get(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      ++book.value_reads;
      const Box b = resolve_a1(book, req.matches[2], true);
      json::Writer w;
      write_value_range(w, b, parse_render(req), parse_major(req.get_param_value("majorDimension")));
      send_json(res, w);
    });
  }

  void handle_batch_get(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      ++book.value_reads;
      const Render mode = parse_render(req);
      const bool major = parse_major(req.get_param_value("majorDimension"));
      json::Writer w;
      w.begin_object().key("spreadsheetId").string(book.id).key("valueRanges").begin_array();
      for (std::size_t i = 0; i < req.get_param_value_count("ranges"); ++i) {
        write_value_range(w, resolve_a1(book, req.get_param_value("ranges", i), true), mode, major);
      }
      w.end_array().end_object();
      send_json(res, w);
    });
  }

  void handle_values_update(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      if (!take_write_quota_locked(res)) return;
      const bool user = parse_input_option(req.get_param_value("valueInputOption"));
      const json::Document doc = parse_body(req);
      const std::string range = req.matches[2];
      if (auto body_range = doc.root().field("range").as_string(); body_range && *body_range != range) {
        if (parse_a1_range(*body_range).ok() && parse_a1_range(range).ok() &&
            !(*parse_a1_range(*body_range) == *parse_a1_range(range))) {
          invalid(fmt::format("Requested writing within range [{}], but the body's range is [{}]", range, *body_range));
        }
      }
      Book copy = book;
      const WriteCounts counts = write_values(copy, range, doc.root(), user);
      copy.writes = book.writes + 1;
      book = std::move(copy);
      json::Writer w;
      write_update_response(w, book.id, counts);
      send_json(res, w);
    });
  }

  void handle_values_batch_update(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      if (!take_write_quota_locked(res)) return;
      const json::Document doc = parse_body(req);
      const bool user = parse_input_option(doc.root().field("valueInputOption").as_string().value_or(""));
      Book copy = book;
      std::vector<WriteCounts> all;
      for (const json::View data : doc.root().field("data").elements()) {
        const std::string range(data.field("range").as_string().value_or(""));
        all.push_back(write_values(copy, range, data, user));
      }
      copy.writes = book.writes + 1;
      book = std::move(copy);
      int rows = 0, cols = 0, cells = 0;
      std::set<std::string> sheets;
      for (const auto& c : all) {
        rows += c.rows;
        cols = std::max(cols, c.columns);
        cells += c.cells;
        sheets.insert(parse_a1_range(c.range)->sheet);
      }
      json::Writer w;
      w.begin_object()
          .key("spreadsheetId")
          .string(book.id)
          .key("totalUpdatedRows")
          .int64(rows)
          .key("totalUpdatedColumns")
          .int64(cols)
          .key("totalUpdatedCells")
          .int64(cells)
          .key("totalUpdatedSheets")
          .int64(static_cast<std::int64_t>(sheets.size()))
          .key("responses")
          .begin_array();
      for (const auto& c : all) write_update_response(w, book.id, c);
      w.end_array().end_object();
      send_json(res, w);
    });
  }

  void handle_clear(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      if (!take_write_quota_locked(res)) return;
      Book copy = book;
      const std::string cleared = clear_values(copy, req.matches[2]);
      copy.writes = book.writes + 1;
      book = std::move(copy);
      json::Writer w;
      w.begin_object().key("spreadsheetId").string(book.id).key("clearedRange").string(cleared).end_object();
      send_json(res, w);
    });
  }

  void handle_batch_clear(const httplib::Request& req, httplib::Response& res) {
    api(req, res, [&] {
      Book& book = book_locked(req.matches[1]);
      if (!take_write_quota_locked(res)) return;
      const json::Document doc = parse_body(req);
      Book copy = book;
      std::vector<std::string> cleared;
      for (const json::View r : doc.root().field("ranges").elements()) {
        cleared.push_back(clear_values(copy, std::string(r.as_string().value_or(""))));
      }
      copy.writes = book.writes + 1;
      book = std::move(copy);
      json::Writer w;
      w.begin_object().key("spreadsheetId").string(book.id).key("clearedRanges").begin_array();
      for (const auto& c : cleared) w.string(c);
      w.end_array().end_object();
      send_json(res, w);
    });
  }

  std::optional<std::string> dump_locked(const std::string& id) const {
    const auto it = books.find(id);
    if (it == books.end()) return std::nullopt;
    const Book& book = it->second;
    json::Writer w;
    w.begin_object()
        .key("spreadsheetId")
        .string(book.id)
        .key("title")
        .string(book.title)
        .key("writeRequests")
        .int64(book.writes)
        .key("quotaRejections")
        .int64(rejections)
        .key("sheets")
        .begin_array();
    for (const auto& s : book.sheets) {
      w.begin_object()
          .key("sheetId")
          .int64(s.id)
          .key("title")
          .string(s.title)
          .key("rowCount")
          .int64(s.rows)
          .key("columnCount")
          .int64(s.columns)
          .key("frozenRowCount")
          .int64(s.frozen_rows)
          .key("cells")
          .begin_object();
      for (const auto& [pos, cell] : s.cells) {
        w.key(cell_name(pos.first, pos.second)).begin_object();
        if (cell.kind != FakeCell::Kind::empty) {
          w.key("userEnteredValue").begin_object();
          switch (cell.kind) {
            case FakeCell::Kind::number: w.key("numberValue").float64(cell.number); break;
            case FakeCell::Kind::boolean: w.key("boolValue").boolean(cell.boolean); break;
            case FakeCell::Kind::formula: w.key("formulaValue").string(cell.text); break;
            default: w.key("stringValue").string(cell.text);
          }
          w.end_object();
        }
        if (!cell.format.empty()) {
          w.key("userEnteredFormat").begin_object();
          for (const auto& [key, text] : cell.format) {
            auto v = json::parse(text);
            w.key(key);
            if (v) {
              w.value(v->root());
            } else {
              w.null();
            }
          }
          w.end_object();
        }
        w.end_object();
      }
      w.end_object().end_object();
    }
    w.end_array().end_object();
    return w.finish().value_or("{}");
  }
};

SheetsService::SheetsService(TokenService& tokens, SheetsServiceOptions options)
    : m_impl(std::make_unique<Impl>(tokens, options)) {}

SheetsService::~SheetsService() = default;

void SheetsService::install(httplib::Server& server) {
  Impl* impl = m_impl.get();
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  constexpr const char* kId = "([^/:]+)";
  server.Post("/v4/spreadsheets", [impl](Req req, Res res) { impl->handle_create(req, res); });
  server.Get(fmt::format("/v4/spreadsheets/{}", kId), [impl](Req req, Res res) { impl->handle_get(req, res); });
  server.Post(fmt::format("/v4/spreadsheets/{}:batchUpdate", kId),
              [impl](Req req, Res res) { impl->handle_batch_update(req, res); });
  server.Get(fmt::format("/v4/spreadsheets/{}/values:batchGet", kId),
             [impl](Req req, Res res) { impl->handle_batch_get(req, res); });
  server.Post(fmt::format("/v4/spreadsheets/{}/values:batchUpdate", kId),
              [impl](Req req, Res res) { impl->handle_values_batch_update(req, res); });
  server.Post(fmt::format("/v4/spreadsheets/{}/values:batchClear", kId),
              [impl](Req req, Res res) { impl->handle_batch_clear(req, res); });
  server.Post(fmt::format("/v4/spreadsheets/{}/values/(.+):clear", kId),
              [impl](Req req, Res res) { impl->handle_clear(req, res); });
  server.Get(fmt::format("/v4/spreadsheets/{}/values/(.+)", kId),
             [impl](Req req, Res res) { impl->handle_values_get(req, res); });
  server.Put(fmt::format("/v4/spreadsheets/{}/values/(.+)", kId),
             [impl](Req req, Res res) { impl->handle_values_update(req, res); });
  // Admin (no token): create a spreadsheet, read request counters.
  server.Post("/_fake/sheets", [impl](Req req, Res res) {
    auto doc = json::parse(req.body.empty() ? std::string_view("{}") : std::string_view(req.body));
    if (!doc || !doc->root().is_object()) return write_error(res, 400, "INVALID_ARGUMENT", "expected a JSON object");
    const json::View root = doc->root();
    std::vector<Sheet> sheets;
    int next_id = 0;
    for (const json::View t : root.field("sheets").elements()) {
      auto title = t.as_string();
      if (!title) return write_error(res, 400, "INVALID_ARGUMENT", "sheets: expected an array of titles");
      sheets.push_back(Sheet{next_id++, std::string(*title), 1000, 26, 0, {}});
    }
    if (sheets.empty()) sheets.push_back(Sheet{0, "Sheet1", 1000, 26, 0, {}});
    std::lock_guard lock(impl->mutex);
    const std::string id =
        impl->create_locked(std::string(root.field("title").as_string().value_or("Untitled spreadsheet")), sheets);
    json::Writer w;
    w.begin_object().key("spreadsheetId").string(id).end_object();
    res.set_content(w.finish().value_or("{}"), "application/json");
  });
  server.Get("/_fake/sheets/([^/]+)/stats", [impl](Req req, Res res) {
    std::lock_guard lock(impl->mutex);
    const auto it = impl->books.find(req.matches[1]);
    if (it == impl->books.end()) return write_error(res, 404, "NOT_FOUND", "Requested entity was not found.");
    json::Writer w;
    w.begin_object()
        .key("spreadsheetId")
        .string(it->second.id)
        .key("writeRequests")
        .int64(it->second.writes)
        .key("metadataReads")
        .int64(it->second.metadata_reads)
        .key("valueReads")
        .int64(it->second.value_reads)
        .key("quotaRejections")
        .int64(impl->rejections)
        .end_object();
    res.set_content(w.finish().value_or("{}"), "application/json");
  });
  server.Get("/_fake/sheets/([^/]+)/render", [impl](Req req, Res res) {
    std::lock_guard lock(impl->mutex);
    const auto it = impl->books.find(req.matches[1]);
    if (it == impl->books.end()) return write_error(res, 404, "NOT_FOUND", "Requested entity was not found.");
    auto text = render_range(it->second, req.get_param_value("range"));
    if (!text) return write_error(res, 400, "INVALID_ARGUMENT", text.error().message);
    res.set_content(*text, "text/plain; charset=UTF-8");
  });
  server.Get("/_fake/sheets/([^/]+)", [impl](Req req, Res res) {
    std::lock_guard lock(impl->mutex);
    auto text = impl->dump_locked(req.matches[1]);
    if (!text) return write_error(res, 404, "NOT_FOUND", "Requested entity was not found.");
    res.set_content(*text, "application/json");
  });
}

std::string SheetsService::create_spreadsheet(const std::string& title, const std::vector<std::string>& sheet_titles,
                                              int rows, int columns) {
  std::vector<Sheet> sheets;
  int id = 0;
  for (const auto& t : sheet_titles) sheets.push_back(Sheet{id++, t, rows, columns, 0, {}});
  std::lock_guard lock(m_impl->mutex);
  return m_impl->create_locked(title, sheets);
}

std::optional<FakeCell> SheetsService::cell(const std::string& spreadsheet_id, const std::string& sheet,
                                            const std::string& a1) const {
  std::lock_guard lock(m_impl->mutex);
  const auto it = m_impl->books.find(spreadsheet_id);
  if (it == m_impl->books.end()) return std::nullopt;
  Book& book = it->second;
  const Sheet* s = find_sheet(book, std::string_view(sheet));
  auto parsed = parse_a1_range(a1);
  if (s == nullptr || !parsed || !parsed->start_row || !parsed->start_column) return std::nullopt;
  const auto c = s->cells.find({*parsed->start_row, *parsed->start_column});
  return c == s->cells.end() ? FakeCell{} : c->second;
}

std::vector<std::vector<std::string>> SheetsService::read_values(const std::string& spreadsheet_id,
                                                                 const std::string& range) const {
  std::lock_guard lock(m_impl->mutex);
  const auto it = m_impl->books.find(spreadsheet_id);
  if (it == m_impl->books.end()) return {};
  try {
    const Box b = resolve_a1(it->second, range, true);
    std::vector<std::vector<std::string>> out;
    for (int r = b.r0; r < b.r1; ++r) {
      auto& line = out.emplace_back();
      for (int c = b.c0; c < b.c1; ++c) {
        const auto cell = b.sheet->cells.find({r, c});
        line.push_back(cell == b.sheet->cells.end() ? std::string() : cell->second.display());
      }
    }
    return out;
  } catch (const ApiError&) {
    return {};
  }
}

std::vector<std::string> SheetsService::sheet_titles(const std::string& spreadsheet_id) const {
  std::lock_guard lock(m_impl->mutex);
  std::vector<std::string> out;
  if (const auto it = m_impl->books.find(spreadsheet_id); it != m_impl->books.end()) {
    for (const auto& s : it->second.sheets) out.push_back(s.title);
  }
  return out;
}

int SheetsService::write_requests(const std::string& spreadsheet_id) const {
  std::lock_guard lock(m_impl->mutex);
  const auto it = m_impl->books.find(spreadsheet_id);
  return it == m_impl->books.end() ? 0 : it->second.writes;
}

int SheetsService::metadata_reads(const std::string& spreadsheet_id) const {
  std::lock_guard lock(m_impl->mutex);
  const auto it = m_impl->books.find(spreadsheet_id);
  return it == m_impl->books.end() ? 0 : it->second.metadata_reads;
}

int SheetsService::quota_rejections() const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->rejections;
}

std::optional<std::string> SheetsService::dump(const std::string& spreadsheet_id) const {
  std::lock_guard lock(m_impl->mutex);
  return m_impl->dump_locked(spreadsheet_id);
}

void SheetsService::set_write_quota(int per_minute) {
  std::lock_guard lock(m_impl->mutex);
  m_impl->options.write_quota_per_minute = per_minute;
  m_impl->window_start = m_impl->clock->now();
  m_impl->window_writes = 0;
}

}  // namespace gbpm::fakes::google
