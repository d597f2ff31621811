#include "sheet/workbook.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

namespace gbpm::sheet {

namespace {

// The whole field as a finite number, or nullopt.
std::optional<double> parse_number(std::string_view s) {
  if (s.empty()) return std::nullopt;
  double v = 0;
  const auto* begin = s.data();
  const auto* end = s.data() + s.size();
  if (*begin == '+') return std::nullopt;
  const auto [ptr, ec] = std::from_chars(begin, end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v)) return std::nullopt;
  return v;
}

bool needs_text_marker(std::string_view s) {
  if (s.empty()) return false;
  const char c = s.front();
  if (c == '=' || c == '+' || c == '-' || c == '@' || c == '\'') return true;
  if (s == "TRUE" || s == "FALSE") return true;
  return parse_number(s).has_value();
}

std::string csv_field(const CellValue& v) {
  std::string text;
  if (const auto* d = std::get_if<double>(&v)) {
    text = std::isfinite(*d) ? fmt::format("{}", *d) : "";
  } else if (const auto* b = std::get_if<bool>(&v)) {
    text = *b ? "TRUE" : "FALSE";
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    text = needs_text_marker(*s) ? "'" + *s : *s;
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

CellValue typed(std::string field, bool was_quoted) {
  if (field.empty()) return was_quoted ? CellValue(std::string()) : CellValue();
  if (field.front() == '\'') return CellValue(field.substr(1));
  if (field == "TRUE") return CellValue(true);
  if (field == "FALSE") return CellValue(false);
  if (const auto n = parse_number(field)) return CellValue(*n);
  return CellValue(std::move(field));
}

struct Series {
  std::string name;
  std::vector<std::optional<double>> values;
};

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::optional<double> number_of(const CellValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  return std::nullopt;
}

std::string text_of(const CellValue& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{}", *d);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "TRUE" : "FALSE";
  return "";
}

// A number as the page shows it: the CSV keeps full precision but not the
// sheet's number formats, so the page rounds to at most two decimals
// (50.943396226415096 → 50.94, 12000 → 12000, 0.5 → 0.5).
std::string display_number(double v) {
  if (!std::isfinite(v)) return "";
  std::string text = fmt::format("{:.2f}", v);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text == "-0" ? "0" : text;
}

const CellValue* at(const TabValues& t, std::size_t r, std::size_t c) {
  if (r >= t.size() || c >= t[r].size()) return nullptr;
  return &t[r][c];
}

// Horizontal bars of the fuel mix: Dashboard rows 8-17, label in A, GW in B.
std::string fuel_mix_svg(const TabValues& dash) {
  std::vector<std::pair<std::string, double>> bars;
  for (std::size_t r = 7; r < 17; ++r) {
    const auto* label = at(dash, r, 0);
    const auto* value = at(dash, r, 1);
    if (label == nullptr || value == nullptr) continue;
    if (const auto n = number_of(*value)) bars.emplace_back(text_of(*label), *n);
  }
  if (bars.empty()) return "";
  double max = 0;
  for (const auto& b : bars) max = std::max(max, std::abs(b.second));
  if (max <= 0) max = 1;
  const int row_h = 22;
  const int label_w = 170;
  const int bar_w = 400;
  std::string svg = fmt::format(
      "<figure><figcaption>Generation mix (GW)</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"Generation mix\">\n",
      label_w + bar_w + 80, row_h * static_cast<int>(bars.size()) + 10);
  int y = 5;
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const double w = std::abs(bars[i].second) / max * bar_w;
    svg += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"13\">{}</text>"
        "<rect x=\"{}\" y=\"{}\" width=\"{:.1f}\" height=\"{}\" fill=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{}\" font-size=\"12\">{:.1f}</text>\n",
        label_w - 6, y + 15, html_escape(bars[i].first), label_w, y + 2, w, row_h - 6, kPalette[i % 10],
        label_w + w + 4, y + 15, bars[i].second);
    y += row_h;
  }
  return svg + "</svg></figure>\n";
}

// Lines of every numeric column of Daily_Chart_Data (row 1 = header, column B = SP).
std::string daily_svg(const TabValues& daily) {
  if (daily.size() < 2) return "";
  std::size_t cols = 0;
  for (const auto& row : daily) cols = std::max(cols, row.size());
  std::vector<Series> series;
  for (std::size_t c = 2; c < cols; ++c) {
    Series s;
    s.name = at(daily, 0, c) ? text_of(*at(daily, 0, c)) : column_letters(static_cast<int>(c));
    bool any = false;
    for (std::size_t r = 1; r < daily.size(); ++r) {
      const auto* v = at(daily, r, c);
      s.values.push_back(v ? number_of(*v) : std::nullopt);
      any = any || s.values.back().has_value();
    }
    if (any) series.push_back(std::move(s));
  }
  std::string out;
  const int w = 480;
  const int h = 160;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& s = series[i];
    double lo = 0, hi = 0;
    bool first = true;
    for (const auto& v : s.values) {
      if (!v) continue;
      lo = first ? *v : std::min(lo, *v);
      hi = first ? *v : std::max(hi, *v);
      first = false;
    }
    if (hi == lo) hi = lo + 1;
    const double n = static_cast<double>(std::max<std::size_t>(s.values.size() - 1, 1));
    std::string path;
    bool pen_up = true;
    for (std::size_t k = 0; k < s.values.size(); ++k) {
      if (!s.values[k]) {
        pen_up = true;  // missing data is a gap, never 0
        continue;
      }
      const double x = 40 + static_cast<double>(k) / n * (w - 50);
      const double y = 10 + (hi - *s.values[k]) / (hi - lo) * (h - 30);
      path += fmt::format("{}{:.1f},{:.1f} ", pen_up ? "M" : "L", x, y);
      pen_up = false;
    }
    out += fmt::format(
        "<figure><figcaption>{} by settlement period</figcaption>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
        "width=\"{}\" height=\"{}\" role=\"img\" aria-label=\"{}\">\n"
        "<line x1=\"40\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#999\"/>"
        "<text x=\"2\" y=\"14\" font-size=\"11\">{:.6g}</text><text x=\"2\" y=\"{}\" font-size=\"11\">{:.6g}</text>\n"
        "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"1.5\"/>\n</svg></figure>\n",
        html_escape(s.name), w, h, html_escape(s.name), h - 20, w - 10, h - 20, hi, h - 20, lo, path, kPalette[i % 10]);
  }
  return out;
}

}  // namespace

std::string to_csv(const TabValues& tab) {
  std::string out;
  std::size_t width = 0;
  for (const auto& row : tab) width = std::max(width, row.size());
  for (const auto& row : tab) {
    for (std::size_t c = 0; c < width; ++c) {
      if (c > 0) out += ',';
      if (c < row.size()) out += csv_field(row[c]);
    }
    out += "\r\n";
  }
  return out;
}

Result<TabValues> parse_csv(std::string_view text) {
  TabValues tab;
  std::vector<CellValue> row;
  std::string field;
  bool quoted = false;
  bool in_quotes = false;
  std::size_t i = 0;
  const auto end_field = [&] {
    row.push_back(typed(std::move(field), quoted));
    field.clear();
    quoted = false;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          i += 2;
          continue;
        }
        in_quotes = false;
      } else {
        field += c;
      }
      ++i;
      continue;
    }
    if (c == '"' && field.empty()) {
      in_quotes = true;
      quoted = true;
    } else if (c == ',') {
      end_field();
    } else if (c == '\r' || c == '\n') {
      end_field();
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      while (!row.empty() && std::holds_alternative<std::monostate>(row.back())) row.pop_back();
      tab.push_back(std::move(row));
      row.clear();
    } else {
      field += c;
    }
    ++i;
  }
  if (in_quotes) return make_error(ErrorKind::data, "CSV: unterminated quoted field");
  if (!field.empty() || !row.empty() || quoted) {
    end_field();
    while (!row.empty() && std::holds_alternative<std::monostate>(row.back())) row.pop_back();
    tab.push_back(std::move(row));
  }
  while (!tab.empty() && tab.back().empty()) tab.pop_back();
  return tab;
}

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_html(const std::vector<NamedTab>& tabs) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>GB Dashboard</title>\n<style>\n"
      "body{font-family:system-ui,'Noto Color Emoji',sans-serif;margin:1em}table{border-collapse:collapse;"
      "margin-bottom:2em}td,th{border:1px solid #ccc;padding:2px 6px;white-space:pre-wrap}"
      "th{background:#eef;font-weight:normal;color:#555}td.n{text-align:right}figure{display:inline-block;"
      "margin:0 1em 1em 0}\n</style></head>\n<body>\n<h1>GB Dashboard</h1>\n<nav>";
  for (const auto& t : tabs) out += fmt::format(" <a href=\"#tab-{0}\">{0}</a>", html_escape(t.name));
  out += "</nav>\n";
  for (const auto& t : tabs) {
    out += fmt::format("<section id=\"tab-{0}\"><h2>{0}</h2>\n", html_escape(t.name));
    if (t.name == "Dashboard") out += fuel_mix_svg(t.values);
    if (t.name == "Daily_Chart_Data") out += daily_svg(t.values);
    std::size_t width = 0;
    for (const auto& row : t.values) width = std::max(width, row.size());
    out += "<table>\n<tr><th></th>";
    for (std::size_t c = 0; c < width; ++c) out += "<th>" + column_letters(static_cast<int>(c)) + "</th>";
    out += "</tr>\n";
    for (std::size_t r = 0; r < t.values.size(); ++r) {
      out += fmt::format("<tr><th>{}</th>", r + 1);
      for (std::size_t c = 0; c < width; ++c) {
        const CellValue v = c < t.values[r].size() ? t.values[r][c] : CellValue();
        const auto* number = std::get_if<double>(&v);
        out += number != nullptr ? "<td class=\"n\">" + display_number(*number) : "<td>" + html_escape(text_of(v));
        out += "</td>";
      }
      out += "</tr>\n";
    }
    out += "</table></section>\n";
  }
  return out + "</body></html>\n";
}

}  // namespace gbpm::sheet
