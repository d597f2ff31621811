#include "sheet/google_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>

#include "google/sheets.hpp"

namespace gbpm::sheet {

namespace {

std::optional<google::Color> parse_color(const std::optional<std::string>& hex) {
  if (!hex || hex->size() != 7 || (*hex)[0] != '#') return std::nullopt;
  const auto channel = [&](std::size_t at) {
    return static_cast<double>(std::stoi(hex->substr(at, 2), nullptr, 16)) / 255.0;
  };
  try {
    return google::Color{channel(1), channel(3), channel(5)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

google::Cell to_google(const Cell& cell) {
  google::Cell out;
  if (const auto* d = std::get_if<double>(&cell.value)) {
    out.value = google::CellValue::number(*d);
  } else if (const auto* s = std::get_if<std::string>(&cell.value)) {
    out.value = google::CellValue::text(*s);  // stringValue: never a formula
  } else if (const auto* b = std::get_if<bool>(&cell.value)) {
    out.value = google::CellValue::boolean(*b);
  }
  google::CellFormat f;
  if (!cell.format.number_format.empty()) f.number_pattern = cell.format.number_format;
  if (cell.format.bold) f.bold = true;
  f.background = parse_color(cell.format.background);
  if (cell.format.align) {
    f.align = *cell.format.align == Align::left     ? google::HorizontalAlign::left
              : *cell.format.align == Align::center ? google::HorizontalAlign::center
                                                    : google::HorizontalAlign::right;
  }
  out.format = f;
  return out;
}

class GoogleSink final : public SheetSink {
 public:
  GoogleSink(google::SheetsClient& client, std::string id) : m_client(client), m_id(std::move(id)) {}

  Status write(const Update& update) override {
    if (!m_tabs) {
      ++m_calls;
      auto meta = m_client.get_spreadsheet(m_id);
      if (!meta) return meta.error();
      m_tabs.emplace();
      for (const auto& s : meta->sheets) (*m_tabs)[s.title] = s.sheet_id;
    }
    std::vector<google::SheetRequest> requests;
    std::map<std::string, int> ids = *m_tabs;
    int next_id = 1;
    for (const auto& [title, id] : ids) next_id = std::max(next_id, id + 1);
    for (const auto& b : update.blocks) {
      if (ids.count(b.range.tab)) continue;
      int rows = 1000;
      int cols = 26;
      for (const auto& other : update.blocks) {
        if (other.range.tab != b.range.tab) continue;
        rows = std::max(rows, other.range.row + other.range.rows);
        cols = std::max(cols, other.range.col + other.range.cols);
      }
      requests.emplace_back(google::AddSheet{b.range.tab, next_id, rows, cols});
      ids[b.range.tab] = next_id++;
    }
    for (const auto& b : update.blocks) {
      const Range& r = b.range;
      google::UpdateCells u;
      u.range = google::GridRange{ids[r.tab], r.row, r.row + r.rows, r.col, r.col + r.cols};
      u.write_formats = true;
      for (int i = 0; i < r.rows; ++i) {
        google::CellRow row;
        for (int j = 0; j < r.cols; ++j) {
          const auto ui = static_cast<std::size_t>(i);
          const auto uj = static_cast<std::size_t>(j);
          const bool given = ui < b.cells.size() && uj < b.cells[ui].size();
          row.push_back(to_google(given ? b.cells[ui][uj] : Cell{}));
        }
        u.rows.push_back(std::move(row));
      }
      if (b.whole_tab) {
        google::UpdateSheetProperties p;
        p.sheet_id = ids[r.tab];
        p.row_count = std::max(r.row + r.rows, 1);
        requests.emplace_back(p);
      }
      requests.emplace_back(std::move(u));
    }
    ++m_calls;
    auto result = m_client.batch_update(m_id, requests);
    if (!result) return result.error();
    *m_tabs = ids;
    return {};
  }

  [[nodiscard]] int api_calls() const override { return m_calls; }

 private:
  google::SheetsClient& m_client;
  std::string m_id;
  std::optional<std::map<std::string, int>> m_tabs;
  int m_calls = 0;
};

}  // namespace

std::unique_ptr<SheetSink> make_google_sink(google::SheetsClient& client, std::string spreadsheet_id) {
  return std::make_unique<GoogleSink>(client, std::move(spreadsheet_id));
}

}  // namespace gbpm::sheet
