#include "sheet/sheet.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <thread>

#include "sheet/workbook.hpp"
#include "support/temp_dir.hpp"

using namespace gbpm::sheet;
using gbpm::testing::read_file;
using gbpm::testing::TempDir;

namespace {

Block block(std::string_view a1, std::vector<std::vector<Cell>> cells) {
  auto r = parse_a1(a1);
  REQUIRE(r.ok());
  return Block{*r, std::move(cells), false};
}

TabValues read_tab(const TempDir& dir, std::string_view tab) {
  auto v = parse_csv(read_file(dir / (std::string(tab) + ".csv")));
  REQUIRE(v.ok());
  return std::move(v).value();
}

CellValue value_at(const TabValues& t, std::size_t r, std::size_t c) {
  if (r >= t.size() || c >= t[r].size()) return {};
  return t[r][c];
}

}  // namespace

TEST_CASE("A1 notation", "[sheet]") {
  CHECK(column_letters(0) == "A");
  CHECK(column_letters(25) == "Z");
  CHECK(column_letters(26) == "AA");
  CHECK(column_letters(701) == "ZZ");
  CHECK(to_a1(Range{"Dashboard", 30, 0, 40, 8}) == "Dashboard!A31:H70");
  auto r = parse_a1("Daily_Chart_Data!B2:AA50");
  REQUIRE(r.ok());
  CHECK(*r == Range{"Daily_Chart_Data", 1, 1, 49, 26});
  CHECK_FALSE(parse_a1("A1:B2").ok());
  CHECK_FALSE(parse_a1("Tab!B2:A1").ok());
  CHECK_FALSE(parse_a1("Tab!A0").ok());
}

TEST_CASE("display text follows the number format", "[sheet]") {
  CHECK(display_text(Cell::number(22750, {.number_format = "#,##0"})) == "22,750");
  CHECK(display_text(Cell::number(-1234567.25, {.number_format = "#,##0.0"})) == "-1,234,567.2");
  CHECK(display_text(Cell::number(-0.01, {.number_format = "0.0"})) == "0.0");
  CHECK(display_text(Cell::number(41.25, {.number_format = "0.0\"%\""})) == "41.2%");
  CHECK(display_text(Cell::number(1.5)) == "1.5");
  CHECK(display_text(Cell::text("=1+1")) == "=1+1");
  CHECK(display_text(Cell::blank()).empty());
}

TEST_CASE("CSV: RFC 4180 quoting, plain numbers, formula-looking text stays text", "[sheet][csv]") {
  const TabValues tab = {
      {CellValue(std::string("a,b")), CellValue(std::string("say \"hi\"")), CellValue(std::string("two\nlines"))},
      {CellValue(1.5), CellValue(-700.0), CellValue(), CellValue(std::string("=SUM(A1:A2)"))},
      {CellValue(std::string("123")), CellValue(std::string("-5 MW")), CellValue(std::string("'quoted")),
       CellValue(std::string("🔥 Gas (CCGT)"))},
      {CellValue(true), CellValue(std::string("TRUE")), CellValue(std::string("+44"))},
  };
  const std::string csv = to_csv(tab);
  CHECK(csv ==
        "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n"
        "1.5,-700,,'=SUM(A1:A2)\r\n"
        "'123,'-5 MW,''quoted,🔥 Gas (CCGT)\r\n"
        "TRUE,'TRUE,'+44,\r\n");
  auto back = parse_csv(csv);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 4);
  CHECK((*back)[0] == TabValues{tab[0]}[0]);
  CHECK((*back)[1] == tab[1]);
  CHECK((*back)[2] == tab[2]);
  CHECK((*back)[3] == std::vector<CellValue>(tab[3].begin(), tab[3].end()));
  CHECK_FALSE(parse_csv("\"open").ok());
}

TEST_CASE("stdout grid: row numbers, column letters, emoji kept", "[sheet]") {
  Update u;
  u.blocks.push_back(block("Dashboard!A30:C31",
                           {{Cell::text("🔥 Gas"), Cell::number(1234, {.number_format = "#,##0"})}, {Cell::text("x")}}));
  const std::string text = render_text(u);
  CHECK(text ==
        "== Dashboard!A30:C31 ==\n"
        "   | A      | B     | C |\n"
        "30 | 🔥 Gas | 1,234 |   |\n"
        "31 | x      |       |   |\n");
  std::FILE* f = std::tmpfile();
  REQUIRE(f != nullptr);
  auto sink = open_sheet("-", {.out = f});
  REQUIRE(sink.ok());
  REQUIRE((*sink)->write(u).ok());
  std::rewind(f);
  std::string got(4096, '\0');
  got.resize(std::fread(got.data(), 1, got.size(), f));
  std::fclose(f);
  CHECK(got == text);
}

TEST_CASE("sheet URIs", "[sheet]") {
  CHECK(parse_sheet_uri("-")->kind == SinkKind::stdout_text);
  CHECK(parse_sheet_uri("dir:/tmp/x")->target == "/tmp/x");
  CHECK(parse_sheet_uri("gsheets:1AbC")->kind == SinkKind::google);
  CHECK(parse_sheet_uri("dir:").error().kind == gbpm::ErrorKind::config);
  CHECK(parse_sheet_uri("xls:foo").error().kind == gbpm::ErrorKind::config);
  // gsheets: is built from the tool's configuration (google_sink_test.cpp);
  // opening it without one is a bug in the caller, not a user error.
  auto g = open_sheet("gsheets:1AbC");
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().kind == gbpm::ErrorKind::internal);
}

TEST_CASE("dir sink: read-modify-write of owned ranges only, and stale cells cleared", "[sheet][dir]") {
  TempDir dir;
  auto sink = make_dir_sink(dir.path(), std::chrono::milliseconds(5000));
  Update a;
  a.blocks.push_back(
      block("Dashboard!A1:B3", {{Cell::text("title")}, {Cell::number(1), Cell::number(2)}, {Cell::text("old row")}}));
  REQUIRE(sink->write(a).ok());
  Update b;
  b.blocks.push_back(block("Dashboard!A5:B5", {{Cell::text("<script>alert(1)</script>"), Cell::number(3.25)}}));
  REQUIRE(sink->write(b).ok());
  auto tab = read_tab(dir, "Dashboard");
  CHECK(value_at(tab, 0, 0) == CellValue(std::string("title")));
  CHECK(value_at(tab, 1, 1) == CellValue(2.0));
  CHECK(value_at(tab, 4, 1) == CellValue(3.25));
  // A rewrite of A1:B3 with fewer rows clears the old third row and keeps A5:B5.
  Update a2;
  a2.blocks.push_back(block("Dashboard!A1:B3", {{Cell::text("title 2")}}));
  REQUIRE(sink->write(a2).ok());
  tab = read_tab(dir, "Dashboard");
  CHECK(value_at(tab, 0, 0) == CellValue(std::string("title 2")));
  CHECK(value_at(tab, 1, 1) == CellValue());
  CHECK(value_at(tab, 2, 0) == CellValue());
  CHECK(value_at(tab, 4, 0) == CellValue(std::string("<script>alert(1)</script>")));
  // index.html shows every tab, HTML-escaped.
  const std::string html = read_file(dir / "index.html");
  CHECK(html.find("title 2") != std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("<script>") == std::string::npos);
  // No temp files left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    const auto name = e.path().filename().string();
    CHECK((name == "Dashboard.csv" || name == "index.html" || name == ".lock"));
  }
}

TEST_CASE("dir sink: index.html has SVG charts of the fuel mix and the daily series", "[sheet][dir]") {
  TempDir dir;
  auto sink = make_dir_sink(dir.path(), std::chrono::milliseconds(5000));
  Update u;
  std::vector<std::vector<Cell>> fuels;
  fuels.push_back({Cell::text("🔥 Gas (CCGT)"), Cell::number(10.0)});
  fuels.push_back({Cell::text("💨 Wind"), Cell::number(8.0)});
  u.blocks.push_back(block("Dashboard!A8:C9", fuels));
  std::vector<std::vector<Cell>> daily = {{Cell::text("Date"), Cell::text("SP"), Cell::text("SSP")}};
  for (int sp = 1; sp <= 50; ++sp) {
    daily.push_back({Cell::text("2025-10-26"), Cell::number(sp), sp == 7 ? Cell::blank() : Cell::number(50.0 + sp)});
  }
  u.blocks.push_back({Range{"Daily_Chart_Data", 0, 0, 51, 3}, daily, true});
  REQUIRE(sink->write(u).ok());
  const std::string html = read_file(dir / "index.html");
  CHECK(html.find("aria-label=\"Generation mix\"") != std::string::npos);
  CHECK(html.find("🔥 Gas (CCGT)") != std::string::npos);
  CHECK(html.find("aria-label=\"SSP\"") != std::string::npos);
  CHECK(html.find("id=\"tab-Daily_Chart_Data\"") != std::string::npos);
  CHECK(read_tab(dir, "Daily_Chart_Data").size() == 51);
}

TEST_CASE("dir sink: index.html shows numbers rounded for reading while the CSV keeps them exact", "[sheet][dir]") {
  TempDir dir;
  auto sink = make_dir_sink(dir.path(), std::chrono::milliseconds(5000));
  Update u;
  u.blocks.push_back(block("Dashboard!A5:D5", {{Cell::text("Renewables (%)"), Cell::number(50.943396226415096),
                                                Cell::number(12000), Cell::number(-0.001)}}));
  REQUIRE(sink->write(u).ok());
  const std::string html = read_file(dir / "index.html");
  CHECK(html.find("<td class=\"n\">50.94</td>") != std::string::npos);
  CHECK(html.find("<td class=\"n\">12000</td>") != std::string::npos);
  CHECK(html.find("<td class=\"n\">0</td>") != std::string::npos);  // never "-0"
  CHECK(html.find("50.943396") == std::string::npos);
  CHECK(read_file(dir / "Dashboard.csv").find("50.943396226415096") != std::string::npos);
}

TEST_CASE("dir sink: concurrent writers of different ranges never lose an update", "[sheet][dir]") {
  TempDir dir;
  std::atomic<int> failures{0};
  const auto writer = [&](std::string_view a1, std::size_t row) {
    auto sink = make_dir_sink(dir.path(), std::chrono::milliseconds(30000));
    for (int i = 0; i < 50; ++i) {
      Update u;
      u.blocks.push_back(block(a1, {{Cell::number(i), Cell::text(fmt::format("w{}", i))}}));
      if (!sink->write(u).ok()) ++failures;
      // Our own latest write must be there (no other writer put back a stale copy).
      auto t = parse_csv(read_file(dir / "Dashboard.csv"));
      if (!t.ok() || value_at(*t, row, 0) != CellValue(static_cast<double>(i))) ++failures;
    }
  };
  std::thread t1(writer, "Dashboard!A1:B1", 0);
  std::thread t2(writer, "Dashboard!A31:B31", 30);
  t1.join();
  t2.join();
  CHECK(failures == 0);
  const auto tab = read_tab(dir, "Dashboard");
  CHECK(value_at(tab, 0, 0) == CellValue(49.0));
  CHECK(value_at(tab, 0, 1) == CellValue(std::string("w49")));
  CHECK(value_at(tab, 30, 0) == CellValue(49.0));
  CHECK(value_at(tab, 30, 1) == CellValue(std::string("w49")));
}

TEST_CASE("dir sink: a held lock times out as a temporary error and changes nothing", "[sheet][dir]") {
  TempDir dir;
  auto fast = make_dir_sink(dir.path(), std::chrono::milliseconds(50));
  Update u;
  u.blocks.push_back(block("Dashboard!A1:A1", {{Cell::text("first")}}));
  REQUIRE(fast->write(u).ok());
  const std::string before = read_file(dir / "Dashboard.csv");
  // Hold the workbook lock from another open file description.
  std::FILE* f = std::fopen((dir / ".lock").c_str(), "r+");
  REQUIRE(f != nullptr);
  REQUIRE(::flock(fileno(f), LOCK_EX) == 0);
  Update v;
  v.blocks.push_back(block("Dashboard!A1:A1", {{Cell::text("second")}}));
  const auto s = fast->write(v);
  std::fclose(f);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().kind == gbpm::ErrorKind::temporary);
  CHECK(read_file(dir / "Dashboard.csv") == before);
}

namespace {

// The inode of a file: a replaced file (rename over it) gets a new one.
ino_t inode_of(const std::filesystem::path& p) {
  struct stat st {};
  REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_ino;
}

}  // namespace

TEST_CASE("dir sink: files whose bytes would not change are not rewritten, new tabs appear in index.html",
          "[sheet][dir]") {
  TempDir dir;
  auto sink = make_dir_sink(dir.path(), std::chrono::milliseconds(5000));
  Update a;
  a.blocks.push_back(block("Dashboard!A1:B2", {{Cell::text("title")}, {Cell::number(1), Cell::number(2)}}));
  REQUIRE(sink->write(a).ok());
  const auto dash = inode_of(dir / "Dashboard.csv");
  const auto index = inode_of(dir / "index.html");
  const std::string html = read_file(dir / "index.html");

  // The same update again: nothing is replaced (a cron run with unchanged data costs no fsync).
  REQUIRE(sink->write(a).ok());
  CHECK(inode_of(dir / "Dashboard.csv") == dash);
  CHECK(inode_of(dir / "index.html") == index);
  CHECK(read_file(dir / "index.html") == html);

  // A new tab: its CSV is written and index.html, rendered before the CSV is in
  // place, already shows it; the unchanged Dashboard.csv stays as it was.
  Update g;
  g.blocks.push_back(block("GSP!A1:A1", {{Cell::text("zones")}}));
  REQUIRE(sink->write(g).ok());
  CHECK(inode_of(dir / "Dashboard.csv") == dash);
  CHECK(value_at(read_tab(dir, "GSP"), 0, 0) == CellValue(std::string("zones")));
  const std::string html2 = read_file(dir / "index.html");
  CHECK(html2.find("id=\"tab-GSP\"") != std::string::npos);
  CHECK(html2.find("zones") != std::string::npos);

  // A changed value replaces that tab and index.html.
  Update a2;
  a2.blocks.push_back(block("Dashboard!A1:B2", {{Cell::text("title")}, {Cell::number(1), Cell::number(3)}}));
  REQUIRE(sink->write(a2).ok());
  CHECK(inode_of(dir / "Dashboard.csv") != dash);
  CHECK(value_at(read_tab(dir, "Dashboard"), 1, 1) == CellValue(3.0));
  CHECK(read_file(dir / "index.html").find("<td class=\"n\">3</td>") != std::string::npos);

  // A deleted index.html is written again even when no tab changes.
  std::filesystem::remove(dir / "index.html");
  REQUIRE(sink->write(a2).ok());
  CHECK(read_file(dir / "index.html").find("id=\"tab-GSP\"") != std::string::npos);
  // No temp files left behind.
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    const auto name = e.path().filename().string();
    CHECK((name == "Dashboard.csv" || name == "GSP.csv" || name == "index.html" || name == ".lock"));
  }
}
