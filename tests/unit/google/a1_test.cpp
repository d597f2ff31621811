#include "google/a1.hpp"

#include <catch2/catch.hpp>

using namespace gbpm;
using google::A1Range;

TEST_CASE("column letters and indexes convert both ways", "[google][a1]") {
  CHECK(google::column_letters(0) == "A");
  CHECK(google::column_letters(7) == "H");
  CHECK(google::column_letters(25) == "Z");
  CHECK(google::column_letters(26) == "AA");
  CHECK(google::column_letters(51) == "AZ");
  CHECK(google::column_letters(52) == "BA");
  CHECK(google::column_letters(701) == "ZZ");
  CHECK(google::column_letters(702) == "AAA");
  CHECK(google::column_letters(google::kMaxColumns - 1) == "ZZZ");
  for (int i = 0; i < google::kMaxColumns; i += 37) {
    CHECK(google::column_index(google::column_letters(i)).value() == i);
  }
  CHECK(google::column_index("aa").value() == 26);
  CHECK_FALSE(google::column_index("").ok());
  CHECK_FALSE(google::column_index("A1").ok());
  CHECK_FALSE(google::column_index("AAAA").ok());
}

TEST_CASE("sheet names are quoted only when needed, apostrophes doubled", "[google][a1]") {
  CHECK(google::quote_sheet_name("Dashboard") == "Dashboard");
  CHECK(google::quote_sheet_name("Live_Raw_Gen") == "Live_Raw_Gen");
  CHECK(google::quote_sheet_name("Jon's") == "'Jon''s'");
  CHECK(google::quote_sheet_name("Daily Report") == "'Daily Report'");
  CHECK(google::quote_sheet_name("A1") == "'A1'");      // would read as a cell
  CHECK(google::quote_sheet_name("R1C1") == "'R1C1'");  // R1C1 notation
  CHECK(google::quote_sheet_name("2024") == "'2024'");
  CHECK(google::quote_sheet_name("it''s") == "'it''''s'");
}

TEST_CASE("A1 ranges parse into half-open zero-based bounds", "[google][a1]") {
  CHECK(google::parse_a1_range("Dashboard!A1:H17").value() == A1Range{"Dashboard", 0, 0, 17, 8});
  CHECK(google::parse_a1_range("'Jon''s'!B3").value() == A1Range{"Jon's", 2, 1, 3, 2});
  CHECK(google::parse_a1_range("'Daily Report'!A5:B").value() == A1Range{"Daily Report", 4, 0, std::nullopt, 2});
  CHECK(google::parse_a1_range("Sheet1!A:C").value() == A1Range{"Sheet1", std::nullopt, 0, std::nullopt, 3});
  CHECK(google::parse_a1_range("Sheet1!2:5").value() == A1Range{"Sheet1", 1, std::nullopt, 5, std::nullopt});
  CHECK(google::parse_a1_range("Sheet1").value() == A1Range{"Sheet1", {}, {}, {}, {}});
  CHECK(google::parse_a1_range("'My Sheet'").value() == A1Range{"My Sheet", {}, {}, {}, {}});
  CHECK(google::parse_a1_range("C2:A1").value() == A1Range{"", 0, 0, 2, 3});  // corners in any order
  CHECK(google::parse_a1_range("a!b!A1").value().sheet == "a!b");
  for (const char* bad : {"", "Sheet1!", "'Open!A1", "'x'A1", "Sheet1!A0", "Sheet1!1:B", "S!AAAA1", "!A1"}) {
    INFO(bad);
    const auto r = google::parse_a1_range(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::data);
  }
}

TEST_CASE("A1 ranges format back to canonical text", "[google][a1]") {
  CHECK(google::format_a1_range(A1Range::box("Dashboard", 0, 0, 17, 8)) == "Dashboard!A1:H17");
  CHECK(google::format_a1_range(A1Range::box("Dashboard", 29, 0, 1, 8)) == "Dashboard!A30:H30");
  CHECK(google::format_a1_range(A1Range::box("Jon's", 0, 0, 1, 1)) == "'Jon''s'!A1");
  CHECK(google::format_a1_range(A1Range{"Daily Report", 4, 0, std::nullopt, 2}) == "'Daily Report'!A5:B");
  CHECK(google::format_a1_range(A1Range{"GSP", {}, {}, {}, {}}) == "GSP");
  for (const char* text : {"Dashboard!A1:H17", "'Jon''s'!A1", "Sheet1!A:C", "'Daily Report'!A5:B", "Sheet1!2:5"}) {
    CHECK(google::format_a1_range(google::parse_a1_range(text).value()) == text);
  }
  CHECK(google::percent_encode("'Daily Report'!A2:Z") == "%27Daily%20Report%27%21A2%3AZ");
}
