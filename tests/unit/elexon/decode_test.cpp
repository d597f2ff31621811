#include "elexon/decode.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.hpp"
#include "market/settlement.hpp"
#include "support/fixtures.hpp"

using namespace gbpm;
using namespace gbpm::elexon;
using namespace std::chrono;
namespace fs = std::filesystem;

namespace {

fs::path elexon_fixtures() {
  return testing::elexon_fixtures();
}

std::string read_file(const fs::path& path) {
  return testing::read_fixture_file(path);
}

std::string iris_body(std::string_view name) {
  return read_file(elexon_fixtures() / "iris" / name);
}

core::TimePoint utc(std::string_view text) {
  const auto parsed = core::parse_utc(text);
  REQUIRE(parsed.ok());
  return *parsed;
}

DecodedMessage decode_ok(std::string_view body, std::string_view subject = {}, std::string_view fallback = {}) {
  auto message = decode_message(body, subject, fallback);
  INFO((message.ok() ? std::string("ok") : message.error().message));
  REQUIRE(message.ok());
  return std::move(message).value();
}

std::string decode_error(std::string_view body, std::string_view subject = {}, std::string_view fallback = {}) {
  auto message = decode_message(body, subject, fallback);
  REQUIRE_FALSE(message.ok());
  CHECK(message.error().kind == ErrorKind::data);
  return message.error().message;
}

// Decodes an IRIS fixture, taking the dataset from its records.
DecodedMessage iris(std::string_view name, std::string_view code, std::size_t count) {
  INFO(name);
  DecodedMessage message = decode_ok(iris_body(name));
  CHECK(message.dataset == code);
  CHECK(message.source == DatasetSource::records);
  REQUIRE(message.known());
  CHECK(message.spec->code == code);
  CHECK(message.record_count == count);
  REQUIRE(message.records.size() == count);
  return message;
}

// Decodes an API fixture: envelope, then rows against `code`'s spec.
std::vector<Record> api(std::string_view name, std::string_view code, std::size_t count) {
  INFO(name);
  const std::string body = read_file(elexon_fixtures() / "api" / name);
  auto doc = json::parse(body);
  REQUIRE(doc.ok());
  auto rows = rows_of_envelope(doc->root());
  INFO((rows.ok() ? std::string("ok") : rows.error().message));
  REQUIRE(rows.ok());
  const DatasetSpec* spec = find_dataset(code);
  REQUIRE(spec != nullptr);
  auto records = decode_rows(*spec, *rows);
  INFO((records.ok() ? std::string("ok") : records.error().message));
  REQUIRE(records.ok());
  REQUIRE(records->size() == count);
  return std::move(records).value();
}

// The record whose `column` is the text `value`.
const Record& with_text(const std::vector<Record>& records, std::string_view column, std::string_view value) {
  for (const Record& r : records) {
    if (r.text(column) == value) return r;
  }
  FAIL("no record with " << column << " = " << value);
  return records.front();
}

bool contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

sys_days date_of(year y, month m, std::chrono::day d) {
  return sys_days{year_month_day{y, m, d}};
}

// Checks what every decoded record must satisfy: one value per column, typed
// as its column says, required columns present, and distinct natural keys.
void check_records(const std::vector<Record>& records) {
  std::set<std::string> keys;
  for (const Record& r : records) {
    REQUIRE(r.spec != nullptr);
    REQUIRE(r.values.size() == r.spec->columns.size());
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      const ColumnSpec& column = r.spec->columns[i];
      const Value& v = r.values[i];
      INFO(r.spec->code << "." << column.name);
      if (column.requirement == Requirement::required) CHECK_FALSE(v.is_null());
      if (v.is_null()) continue;
      switch (column.type) {
        case ColumnType::text:
        case ColumnType::json: CHECK(v.text().has_value()); break;
        case ColumnType::integer: CHECK(v.integer().has_value()); break;
        case ColumnType::real: CHECK(v.real().has_value()); break;
        case ColumnType::timestamp: CHECK(v.timestamp().has_value()); break;
        case ColumnType::date: CHECK(v.date().has_value()); break;
        case ColumnType::boolean: CHECK(v.boolean().has_value()); break;
      }
    }
    CHECK(keys.insert(key_of(r)).second);
    // Settlement date and period agree with the row's own start instant
    // (SP1 starts at London midnight, periods are 30 elapsed minutes).
    const auto sd = r.date("settlement_date");
    const auto sp = r.integer("settlement_period");
    auto start = r.timestamp("start_time");
    if (!start) start = r.timestamp("time_from");
    if (sd && sp && start) {
      INFO(r.spec->code << " " << key_of(r));
      const market::SettlementPeriod expected{year_month_day{*sd}, static_cast<int>(*sp)};
      CHECK(market::period_at(*start) == expected);
    }
  }
}

}  // namespace

// --- Every fixture -------------------------------------------------------------

TEST_CASE("every IRIS fixture decodes into typed records", "[elexon][decode][fixtures]") {
  const std::map<std::string, std::pair<std::string, std::size_t>> expected = {
      {"BOALF.json", {"BOALF", 1}},
      {"BOD.json", {"BOD", 1}},
      {"DISBSAD.json", {"DISBSAD", 1}},
      {"DISEBSP.json", {"DISEBSP", 1}},
      {"FREQ.json", {"FREQ", 2}},
      {"FUELHH.json", {"FUELHH", 2}},
      {"FUELINST.json", {"FUELINST", 19}},
      {"FUELINST.wire.json", {"FUELINST", 19}},
      {"INDDEM.json", {"INDDEM", 2}},
      {"INDGEN.json", {"INDGEN", 2}},
      {"INDO.json", {"INDO", 1}},
      {"ITSDO.json", {"ITSDO", 1}},
      {"MELS.json", {"MELS", 2}},
      {"MID.json", {"MID", 2}},
      {"MILS.json", {"MILS", 2}},
      {"NETBSAD.json", {"NETBSAD", 1}},
      {"PN.json", {"PN", 2}},
      {"QPN.json", {"QPN", 4}},
      {"REMIT.json", {"REMIT", 1}},
      {"REMIT_with_outageProfile.json", {"REMIT", 1}},
      {"TSDF.json", {"TSDF", 2}},
  };
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(elexon_fixtures() / "iris")) {
    const std::string name = entry.path().filename().string();
    if (name == "_message_properties_example.json") continue;  // AMQP properties, not a body
    INFO(name);
    const auto it = expected.find(name);
    REQUIRE(it != expected.end());  // a new fixture needs an expectation here
    const auto& [code, count] = it->second;
    const DecodedMessage message = iris(name, code, count);
    check_records(message.records);
    // With the subject the official clients would have seen: same records.
    const DecodedMessage with_subject = decode_ok(iris_body(name), code);
    CHECK(with_subject.source == DatasetSource::subject);
    CHECK(with_subject.records == message.records);
    ++seen;
  }
  CHECK(seen == expected.size());
}

TEST_CASE("every API fixture decodes (or is refused as the error body it is)", "[elexon][decode][fixtures]") {
  const std::map<std::string, std::pair<std::string, std::size_t>> expected = {
      {"balancing_settlement_system-prices_2026-08-01_5.json", {"DISEBSP", 1}},
      {"datasets_BOALF.json", {"BOALF", 2}},
      {"datasets_BOD.json", {"BOD", 1}},
      {"datasets_DISBSAD.json", {"DISBSAD", 2}},
      {"datasets_FREQ.json", {"FREQ", 2}},
      {"datasets_FUELHH.json", {"FUELHH", 2}},
      {"datasets_FUELINST.json", {"FUELINST", 2}},
      {"datasets_FUELINST_stream.json", {"FUELINST", 19}},
      {"datasets_INDDEM.json", {"INDDEM", 2}},
      {"datasets_INDGEN.json", {"INDGEN", 2}},
      {"datasets_INDO.json", {"INDO", 3}},
      {"datasets_ITSDO.json", {"ITSDO", 3}},
      {"datasets_MELS_stream.json", {"MELS", 2}},
      {"datasets_MID.json", {"MID", 2}},
      {"datasets_NDF_truncated.json", {"NDF", 6}},
      {"datasets_NETBSAD.json", {"NETBSAD", 2}},
      {"datasets_PN.json", {"PN", 2}},
      {"datasets_QPN_stream.json", {"QPN", 4}},
      {"datasets_REMIT.json", {"REMIT", 4}},
      {"datasets_TSDF.json", {"TSDF", 2}},
      {"generation_outturn_interconnectors.json", {"INTERCONNECTOR_OUTTURN", 2}},
      {"remit_list_by-publish.json", {"REMIT_LIST", 1}},
  };
  std::size_t seen = 0;
  for (const auto& entry : fs::directory_iterator(elexon_fixtures() / "api")) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    if (name == "reference_fueltypes_all.json") {
      auto doc = json::parse(read_file(entry.path()));
      REQUIRE(doc.ok());
      auto rows = rows_of_envelope(doc->root());
      REQUIRE(rows.ok());
      auto codes = decode_string_list(*rows);
      REQUIRE(codes.ok());
      REQUIRE(codes->size() == 20);
      CHECK(codes->front() == "BIOMASS");
      CHECK(codes->at(6) == "INTGRNL");
      CHECK(codes->back() == "WIND");
      ++seen;
      continue;
    }
    if (name == "error_400_problem.json") {
      auto doc = json::parse(read_file(entry.path()));
      REQUIRE(doc.ok());
      auto rows = rows_of_envelope(doc->root());
      REQUIRE_FALSE(rows.ok());
      CHECK(rows.error().kind == ErrorKind::data);
      CHECK(contains(rows.error().message, "One or more validation errors occurred."));
      ++seen;
      continue;
    }
    const auto it = expected.find(name);
    REQUIRE(it != expected.end());
    const auto& [code, count] = it->second;
    check_records(api(name, code, count));
    ++seen;
  }
  CHECK(seen == expected.size() + 2);
}

// --- Specific values -------------------------------------------------------------

TEST_CASE("FUELINST: generation by fuel type at one instant", "[elexon][decode]") {
  const DecodedMessage m = iris("FUELINST.json", "FUELINST", 19);
  const Record& ccgt = with_text(m.records, "fuel_type", "CCGT");
  CHECK(ccgt.integer("generation") == 15842);
  CHECK(ccgt.timestamp("start_time") == utc("2024-02-12T17:45:00Z"));
  CHECK(ccgt.timestamp("publish_time") == utc("2024-02-12T17:50:00Z"));
  CHECK(ccgt.date("settlement_date") == date_of(2024y, February, 12d));
  CHECK(ccgt.integer("settlement_period") == 36);
  CHECK(key_of(ccgt) == "FUELINST|2024-02-12T17:45:00Z|CCGT");
  CHECK(with_text(m.records, "fuel_type", "INTVKL").integer("generation") == -790);  // export
  CHECK(with_text(m.records, "fuel_type", "BIOMASS").integer("generation") == 2249);
  CHECK(with_text(m.records, "fuel_type", "OIL").integer("generation") == 0);

  const auto api_rows = api("datasets_FUELINST.json", "FUELINST", 2);
  CHECK(with_text(api_rows, "fuel_type", "CCGT").integer("generation") == 7527);
  CHECK(api_rows[0].timestamp("start_time") == utc("2026-05-06T02:55:00Z"));
  CHECK(api_rows[0].integer("settlement_period") == 8);
  // The stream capture is the same instant as the IRIS body.
  CHECK(api("datasets_FUELINST_stream.json", "FUELINST", 19) == m.records);
}

TEST_CASE("the double-encoded wire form decodes to the same records", "[elexon][decode]") {
  const DecodedMessage plain = decode_ok(iris_body("FUELINST.json"), "FUELINST");
  const std::string wire = iris_body("FUELINST.wire.json");
  REQUIRE(wire.front() == '"');
  const DecodedMessage decoded = decode_ok(wire, "FUELINST");
  CHECK(decoded.records.size() == 19);
  CHECK(decoded.records == plain.records);
  // And the dataset can come from the records inside the string.
  CHECK(decode_ok(wire).dataset == "FUELINST");
}

TEST_CASE("FUELHH, INDO, ITSDO, INDGEN, INDDEM, TSDF, NDF values", "[elexon][decode]") {
  const DecodedMessage fuelhh = iris("FUELHH.json", "FUELHH", 2);
  const Record& ccgt = with_text(fuelhh.records, "fuel_type", "CCGT");
  CHECK(ccgt.integer("generation") == 7729);
  CHECK(ccgt.timestamp("start_time") == utc("2026-05-06T02:30:00Z"));
  CHECK(key_of(ccgt) == "FUELHH|2026-05-06|8|CCGT");

  const DecodedMessage indo = iris("INDO.json", "INDO", 1);
  CHECK(indo.records[0].integer("demand") == 22748);
  CHECK(key_of(indo.records[0]) == "INDO|2026-08-19|24");
  CHECK(iris("ITSDO.json", "ITSDO", 1).records[0].integer("demand") == 24258);
  CHECK(api("datasets_INDO.json", "INDO", 3)[2].integer("demand") == 23803);

  const DecodedMessage indgen = iris("INDGEN.json", "INDGEN", 2);
  CHECK(indgen.records[0].integer("generation") == 272);
  CHECK(indgen.records[0].text("boundary") == "B1");
  CHECK(key_of(indgen.records[0]) == "INDGEN|B1|2026-05-06|9|2026-05-06T02:47:00Z");
  CHECK(iris("INDDEM.json", "INDDEM", 2).records[1].integer("demand") == -64);
  CHECK(iris("TSDF.json", "TSDF", 2).records[0].integer("demand") == 195);

  const auto ndf = api("datasets_NDF_truncated.json", "NDF", 6);
  CHECK(ndf[2].date("settlement_date") == date_of(2026y, August, 20d));
  CHECK(ndf[2].integer("settlement_period") == 1);
  CHECK(ndf[2].timestamp("start_time") == utc("2026-08-19T23:00:00Z"));  // BST: SP1 starts the UTC day before
  CHECK(ndf[2].integer("demand") == 21930);
}

TEST_CASE("FREQ and MID values", "[elexon][decode]") {
  const DecodedMessage freq = iris("FREQ.json", "FREQ", 2);
  CHECK(freq.records[0].timestamp("measurement_time") == utc("2026-05-07T23:59:45Z"));
  CHECK(freq.records[0].real("frequency") == 50.017);
  CHECK(freq.records[1].real("frequency") == 49.97);
  CHECK(key_of(freq.records[0]) == "FREQ|2026-05-07T23:59:45Z");

  const DecodedMessage mid = iris("MID.json", "MID", 2);
  const Record& apx = with_text(mid.records, "data_provider", "APXMIDP");
  CHECK(apx.real("price") == 105.43);
  CHECK(apx.real("volume") == 1892.45);
  CHECK(apx.timestamp("start_time") == utc("2026-05-06T03:00:00Z"));
  CHECK(key_of(apx) == "MID|2026-05-06|9|APXMIDP");
  CHECK(with_text(mid.records, "data_provider", "N2EXMIDP").real("price") == 0.0);
  CHECK(api("datasets_MID.json", "MID", 2) == mid.records);
}

TEST_CASE("BOALF, BOD, PN, QPN, MELS, MILS values", "[elexon][decode]") {
  const Record boalf = iris("BOALF.json", "BOALF", 1).records[0];
  CHECK(boalf.integer("acceptance_number") == 217257);
  CHECK(boalf.integer("level_from") == 480);
  CHECK(boalf.integer("settlement_period_from") == 9);
  CHECK(boalf.integer("settlement_period_to") == 10);
  CHECK(boalf.boolean("so_flag") == true);
  CHECK(boalf.boolean("deemed_bo_flag") == false);
  CHECK(boalf.boolean("rr_flag") == false);
  CHECK(boalf.text("amendment_flag") == "ORI");
  CHECK(boalf.text("bm_unit") == "T_MRWD-1");
  CHECK(boalf.text("national_grid_bm_unit") == "MRWD-1");
  CHECK(boalf.timestamp("acceptance_time") == utc("2026-05-06T02:31:00Z"));
  CHECK(key_of(boalf) == "BOALF|T_MRWD-1|217257|2026-05-06T03:00:00Z|2026-05-06T03:30:00Z");
  CHECK(api("datasets_BOALF.json", "BOALF", 2)[1].integer("level_to") == -2);

  const Record bod = iris("BOD.json", "BOD", 1).records[0];
  CHECK(bod.integer("pair_id") == -1);
  CHECK(bod.real("offer") == 220.0);
  CHECK(bod.real("bid") == 115.0);
  CHECK(bod.integer("level_from") == -16);
  CHECK(key_of(bod) == "BOD|E_ABERDARE|2026-07-02|22|-1|2026-07-02T09:30:00Z");

  const DecodedMessage pn = iris("PN.json", "PN", 2);
  CHECK(pn.records[0].integer("level_from") == -9);
  CHECK(pn.records[0].text("bm_unit") == "2__FFSEN007");
  CHECK(pn.records[0].timestamp("time_from") == utc("2026-05-06T10:59:00Z"));

  const DecodedMessage qpn = iris("QPN.json", "QPN", 4);
  CHECK(qpn.records[3].integer("settlement_period") == 2);
  CHECK(qpn.records[3].date("settlement_date") == date_of(2026y, August, 18d));
  CHECK(qpn.records[3].timestamp("time_from") == utc("2026-08-17T23:30:00Z"));

  const DecodedMessage mels = iris("MELS.json", "MELS", 2);
  CHECK(mels.records[0].integer("notification_sequence") == 235873031);
  CHECK(mels.records[0].timestamp("notification_time") == utc("2026-07-29T09:05:16Z"));
  CHECK(key_of(mels.records[1]) ==
        "MELS|T_DRAXX-1|2026-08-01T00:00:00Z|2026-08-01T00:30:00Z|235873031|2026-07-29T09:05:16Z");
  CHECK(iris("MILS.json", "MILS", 2).records[0].integer("notification_sequence") == 236071420);
}

TEST_CASE("DISBSAD nulls and NETBSAD values", "[elexon][decode]") {
  const Record disbsad = iris("DISBSAD.json", "DISBSAD", 1).records[0];
  CHECK(disbsad.integer("id") == 1);
  CHECK(disbsad.real("cost") == 0.0);
  CHECK(disbsad.boolean("so_flag") == true);
  for (const char* column : {"party_id", "asset_id", "is_tendered", "service"}) {
    INFO(column);
    REQUIRE(disbsad.find(column) != nullptr);
    CHECK(disbsad.find(column)->is_null());
  }
  const Record netbsad = iris("NETBSAD.json", "NETBSAD", 1).records[0];
  CHECK(netbsad.real("net_buy_price_cost_adjustment_energy") == 0.0);
  CHECK(netbsad.real("sell_price_price_adjustment") == 0.0);
  CHECK(key_of(netbsad) == "NETBSAD|2026-05-06|9");
}

TEST_CASE("REMIT: capacities, absent fields and the outage profile", "[elexon][decode]") {
  const Record remit = iris("REMIT.json", "REMIT", 1).records[0];
  CHECK(remit.real("unavailable_capacity") == 43.0);
  CHECK(remit.real("normal_capacity") == 133.0);
  CHECK(remit.real("available_capacity") == 90.0);
  CHECK(remit.integer("revision_number") == 2);
  CHECK(remit.text("asset_id") == "E_LYNE2");
  CHECK(remit.text("affected_unit") == "LNMTH-2");
  CHECK(remit.text("fuel_type") == "Biomass");
  CHECK(remit.text("event_status") == "Active");
  CHECK(remit.timestamp("event_start_time") == utc("2026-08-18T22:00:00Z"));
  CHECK(remit.timestamp("event_end_time") == utc("2026-08-19T02:00:00Z"));
  CHECK(remit.find("outage_profile")->is_null());  // absent in the capture
  CHECK(remit.find("duration_uncertainty")->is_null());
  CHECK(remit.find("related_information")->is_null());
  CHECK(key_of(remit) == "REMIT|48X000000000063X-NGET-RMT-00031063|2");

  const Record profiled = iris("REMIT_with_outageProfile.json", "REMIT", 1).records[0];
  CHECK(profiled.real("unavailable_capacity") == 361.0);  // written as an integer; the column is real
  CHECK(profiled.text("duration_uncertainty") == "+- 1 day");
  CHECK(profiled.text("outage_profile") ==
        R"([{"startTime":"2023-02-03T09:06:31Z","endTime":"2023-02-03T09:10:00Z","capacity":436}])");

  const auto revisions = api("datasets_REMIT.json", "REMIT", 4);
  CHECK(revisions[1].integer("revision_number") == 6);
  CHECK(revisions[1].real("unavailable_capacity") == 388.0);
  CHECK(revisions[1].text("related_information") == "\n");
  CHECK(revisions[0] == remit);

  const auto list = api("remit_list_by-publish.json", "REMIT_LIST", 1);
  CHECK(list[0].integer("id") == 24);
  CHECK(list[0].text("url") == "https://data.elexon.co.uk/bmrs/api/v1/remit/24");
  CHECK(key_of(list[0]) == "REMIT_LIST|11XINNOGY------2-NGET-RMT-00084421|2");
}

TEST_CASE("system prices keep 18-decimal values to full double precision", "[elexon][decode]") {
  const auto rows = api("balancing_settlement_system-prices_2026-08-01_5.json", "DISEBSP", 1);
  const Record& p = rows[0];
  CHECK(p.real("system_sell_price") == 160.000000000000000000);
  CHECK(p.real("system_buy_price") == 160.0);
  CHECK(p.real("net_imbalance_volume") == 344.249492314814801830);
  CHECK(p.real("total_accepted_offer_volume") == 918.941158981481521550);
  CHECK(p.real("total_accepted_bid_volume") == -574.584156666666672209);
  CHECK(p.real("total_system_tagged_accepted_offer_volume") == 917.941158981481521550);
  CHECK(p.real("reserve_scarcity_price") == 0.0);
  CHECK(p.find("replacement_price")->is_null());
  CHECK(p.find("total_system_tagged_adjustment_buy_volume")->is_null());
  CHECK(p.boolean("bsad_defaulted") == false);
  CHECK(p.text("price_derivation_code") == "P");
  CHECK(p.timestamp("start_time") == utc("2026-08-01T01:00:00Z"));
  CHECK(p.timestamp("created_date_time") == utc("2026-08-02T01:44:33Z"));
  CHECK(p.date("settlement_date") == date_of(2026y, August, 1d));
  CHECK(key_of(p) == "DISEBSP|2026-08-01|5");
  // The IRIS body (the API row plus "dataset") decodes to the same record.
  CHECK(iris("DISEBSP.json", "DISEBSP", 1).records[0] == p);
}

TEST_CASE("interconnector outturn rows decode although they say FUELINST", "[elexon][decode]") {
  const auto rows = api("generation_outturn_interconnectors.json", "INTERCONNECTOR_OUTTURN", 2);
  const Record& viking = with_text(rows, "interconnector_name", "Denmark (Viking link)");
  CHECK(viking.integer("generation") == -790);
  CHECK(viking.text("settlement_date_timezone") == "Europe/London");
  CHECK(key_of(rows[0]) == "INTERCONNECTOR_OUTTURN|2024-02-12|36|France(IFA)");
}

// --- Dataset name precedence -----------------------------------------------------

TEST_CASE("dataset name: subject, else the records, else the fallback", "[elexon][decode]") {
  const std::string fuelinst = iris_body("FUELINST.json");
  SECTION("the subject wins") {
    const DecodedMessage m = decode_ok(fuelinst, "FUELINST", "MID");
    CHECK(m.dataset == "FUELINST");
    CHECK(m.source == DatasetSource::subject);
  }
  SECTION("the subject names the dataset of records that do not") {
    const DecodedMessage m =
        decode_ok(R"([{"measurementTime":"2026-05-07T23:59:45Z","frequency":50.017}])", "FREQ", "MID");
    CHECK(m.source == DatasetSource::subject);
    CHECK(m.records[0].real("frequency") == 50.017);
  }
  SECTION("the records, when there is no subject") {
    const DecodedMessage m = decode_ok(fuelinst, "", "MID");
    CHECK(m.dataset == "FUELINST");
    CHECK(m.source == DatasetSource::records);
  }
  SECTION("the fallback (the drop folder), when nothing else names it") {
    const DecodedMessage m =
        decode_ok(R"([{"measurementTime":"2026-05-07T23:59:45Z","frequency":50.017}])", "", "FREQ");
    CHECK(m.dataset == "FREQ");
    CHECK(m.source == DatasetSource::fallback);
    CHECK(m.records.size() == 1);
  }
  SECTION("an empty dataset field names nothing") {
    const DecodedMessage m =
        decode_ok(R"([{"dataset":"","measurementTime":"2026-05-07T23:59:45Z","frequency":1}])", "", "FREQ");
    CHECK(m.source == DatasetSource::fallback);
  }
  SECTION("the properties example's subject") {
    const std::string props = iris_body("_message_properties_example.json");
    auto doc = json::parse(props);
    REQUIRE(doc.ok());
    auto subject = doc->root().field("properties").field("subject").as_string();
    REQUIRE(subject.ok());
    const DecodedMessage m = decode_ok(fuelinst, *subject);
    CHECK(m.dataset == "FUELINST");
    CHECK(m.records.size() == 19);
  }
  SECTION("nothing names the dataset") {
    const std::string error = decode_error(R"([{"measurementTime":"2026-05-07T23:59:45Z"}])");
    CHECK(contains(error, "cannot tell the dataset"));
  }
  SECTION("a record of another dataset is refused") {
    const std::string error = decode_error(fuelinst, "FUELHH");
    CHECK(contains(error, "FUELHH record 0"));
    CHECK(contains(error, "$[0].dataset"));
    CHECK(contains(error, "\"FUELINST\""));
    CHECK(contains(error, "from the subject"));
  }
  SECTION("records that disagree among themselves are refused") {
    const std::string error = decode_error(
        R"([{"dataset":"FREQ","measurementTime":"2026-05-07T23:59:45Z"},{"dataset":"MID","measurementTime":"2026-05-07T23:59:45Z"}])");
    CHECK(contains(error, "FREQ record 1"));
    CHECK(contains(error, "from the records"));
  }
  SECTION("a dataset field that is not a string is refused") {
    const std::string error = decode_error(R"([{"dataset":5}])");
    CHECK(contains(error, "$[0].dataset"));
    CHECK(contains(error, "expected string"));
  }
}

TEST_CASE("unknown datasets are kept raw, not refused", "[elexon][decode]") {
  SECTION("by subject: records are not validated") {
    const DecodedMessage m = decode_ok(R"([{"whatever":1},{"dataset":"SYS_WARN"},[]])", "SYS_WARN");
    CHECK_FALSE(m.known());
    CHECK(m.spec == nullptr);
    CHECK(m.dataset == "SYS_WARN");
    CHECK(m.source == DatasetSource::subject);
    CHECK(m.records.empty());
    CHECK(m.record_count == 3);
  }
  SECTION("by record") {
    const DecodedMessage m = decode_ok(R"({"dataset":"ABUC","publishTime":"2023-11-14T07:41:00Z"})");
    CHECK_FALSE(m.known());
    CHECK(m.dataset == "ABUC");
    CHECK(m.source == DatasetSource::records);
    CHECK(m.record_count == 1);
  }
  SECTION("by fallback, e.g. the clients' 'unknown' folder") {
    const DecodedMessage m = decode_ok("[]", "", "unknown");
    CHECK_FALSE(m.known());
    CHECK(m.dataset == "unknown");
    CHECK(m.record_count == 0);
  }
  SECTION("codes are case-sensitive") {
    CHECK_FALSE(decode_ok("[]", "fuelinst").known());
  }
}

// --- Shapes and tolerance ----------------------------------------------------------

TEST_CASE("a single object is one record, and an empty array is no records", "[elexon][decode]") {
  const DecodedMessage one = decode_ok(R"({"dataset":"FREQ","measurementTime":"2026-05-07T23:59:45Z","frequency":50})");
  REQUIRE(one.records.size() == 1);
  CHECK(one.record_count == 1);
  CHECK(one.records[0].real("frequency") == 50.0);  // an integer in a real column

  const DecodedMessage none = decode_ok("[]", "FUELINST");
  CHECK(none.known());
  CHECK(none.records.empty());
  CHECK(none.record_count == 0);

  // A double-encoded single object works too.
  const DecodedMessage wrapped =
      decode_ok(R"("{\"dataset\":\"FREQ\",\"measurementTime\":\"2026-05-07T23:59:45Z\",\"frequency\":49.97}")");
  REQUIRE(wrapped.records.size() == 1);
  CHECK(wrapped.records[0].real("frequency") == 49.97);
}

TEST_CASE("nulls, absent fields and the bmUnit fallback", "[elexon][decode]") {
  const std::string pn_row =
      R"("dataset":"PN","settlementDate":"2026-05-06","settlementPeriod":24,"timeFrom":"2026-05-06T10:59:00Z",)"
      R"("timeTo":"2026-05-06T11:00:00Z","levelFrom":-9,"levelTo":0)";
  SECTION("bmUnit null: nationalGridBmUnit is used") {
    const DecodedMessage m = decode_ok("[{" + pn_row + R"(,"nationalGridBmUnit":"FFSE02","bmUnit":null}])");
    CHECK(m.records[0].text("bm_unit") == "FFSE02");
    CHECK(m.records[0].text("national_grid_bm_unit") == "FFSE02");
    CHECK(key_of(m.records[0]) == "PN|FFSE02|2026-05-06|24|2026-05-06T10:59:00Z");
  }
  SECTION("bmUnit absent: nationalGridBmUnit is used") {
    const DecodedMessage m = decode_ok("[{" + pn_row + R"(,"nationalGridBmUnit":"FFSE02"}])");
    CHECK(m.records[0].text("bm_unit") == "FFSE02");
  }
  SECTION("both missing: refused, naming both fields") {
    const std::string error = decode_error("[{" + pn_row + R"(,"nationalGridBmUnit":null,"bmUnit":null}])");
    CHECK(contains(error, "PN record 0"));
    CHECK(contains(error, "$[0].bmUnit"));
    CHECK(contains(error, "nationalGridBmUnit"));
  }
  SECTION("optional measures may be null or absent; extra fields are ignored") {
    const DecodedMessage m = decode_ok(
        R"([{"dataset":"PN","settlementDate":"2026-05-06","settlementPeriod":24,"timeFrom":"2026-05-06T10:59:00Z",)"
        R"("timeTo":"2026-05-06T11:00:00Z","levelFrom":null,"bmUnit":"X","newField":{"a":[1,2]}}])");
    CHECK(m.records[0].find("level_from")->is_null());
    CHECK(m.records[0].find("level_to")->is_null());
    CHECK(m.records[0].find("national_grid_bm_unit")->is_null());
  }
  SECTION("MID's legacy field names") {
    const DecodedMessage m = decode_ok(
        R"([{"dataset":"MID","startTime":"2026-05-06T03:00:00Z","dataProviderId":"APXMIDP","settlementDate":"2026-05-06",)"
        R"("settlementPeriod":9,"midPrice":105.43}])");
    CHECK(m.records[0].text("data_provider") == "APXMIDP");
    CHECK(m.records[0].real("price") == 105.43);
    CHECK(m.records[0].find("volume")->is_null());
  }
}

TEST_CASE("numbers: integral doubles, long decimals, settlement period range", "[elexon][decode]") {
  const auto fuelinst = [](std::string_view period, std::string_view generation) {
    return std::string(
               R"([{"dataset":"FUELINST","publishTime":"2024-02-12T17:50:00Z","startTime":"2024-02-12T17:45:00Z",)") +
           R"("settlementDate":"2024-02-12","settlementPeriod":)" + std::string(period) +
           R"(,"fuelType":"CCGT","generation":)" + std::string(generation) + "}]";
  };
  CHECK(decode_ok(fuelinst("36", "2249.0")).records[0].integer("generation") == 2249);
  CHECK(decode_ok(fuelinst("36.0", "-83")).records[0].integer("settlement_period") == 36);
  CHECK(decode_ok(fuelinst("50", "0")).records[0].integer("settlement_period") == 50);
  CHECK(decode_ok(fuelinst("1", "1e3")).records[0].integer("generation") == 1000);

  CHECK(contains(decode_error(fuelinst("36", "2249.5")), "$[0].generation"));
  CHECK(contains(decode_error(fuelinst("51", "1")), "settlement period 51 is outside 1..50"));
  CHECK(contains(decode_error(fuelinst("0", "1")), "settlement period 0 is outside 1..50"));
  CHECK(contains(decode_error(fuelinst("-3", "1")), "outside 1..50"));
  CHECK(contains(decode_error(fuelinst("36", "1e300")), "$[0].generation"));
  CHECK(contains(decode_error(fuelinst("36", "99999999999999999999")), "$[0].generation"));
  CHECK(contains(decode_error(fuelinst("36", "\"15842\"")), "expected integer"));

  // An 18-decimal value in a real column, and one with a huge mantissa.
  const DecodedMessage freq = decode_ok(
      R"([{"dataset":"FREQ","measurementTime":"2026-05-07T23:59:45Z","frequency":49.999999999999999999999999999999999}])");
  CHECK(freq.records[0].real("frequency") == 50.0);
}

TEST_CASE("timestamps: Z, fractions, offsets and naive UTC, and dates exactly", "[elexon][decode]") {
  const auto freq = [](std::string_view stamp) {
    return R"([{"dataset":"FREQ","measurementTime":")" + std::string(stamp) + R"(","frequency":50}])";
  };
  const auto at = [&](std::string_view stamp) {
    return decode_ok(freq(stamp)).records[0].timestamp("measurement_time");
  };
  CHECK(at("2026-05-06T02:55:00Z") == utc("2026-05-06T02:55:00Z"));
  CHECK(at("2026-05-06 02:55:00") == utc("2026-05-06T02:55:00Z"));  // naive Elexon stamps are UTC
  CHECK(at("2026-05-06T02:55:00") == utc("2026-05-06T02:55:00Z"));
  CHECK(at("2022-06-25T01:00:00.0000000+00:00") == utc("2022-06-25T01:00:00Z"));
  CHECK(at("2026-05-06T03:55:00+01:00") == utc("2026-05-06T02:55:00Z"));
  CHECK(at("2026-05-06T02:55:00.250Z") == utc("2026-05-06T02:55:00.25Z"));

  const std::string bad = decode_error(freq("2026-02-30T00:00:00Z"));
  CHECK(contains(bad, "FREQ record 0"));
  CHECK(contains(bad, "$[0].measurementTime"));
  CHECK(contains(bad, "2026-02-30T00:00:00Z"));
  CHECK(contains(decode_error(freq("yesterday")), "$[0].measurementTime"));
  CHECK(contains(decode_error(freq("2026-05-06T25:00:00Z")), "$[0].measurementTime"));
  // Years the nanosecond clock cannot hold are refused, not overflowed.
  CHECK(contains(decode_error(freq("4052-05-07T23:59:45Z")), "year is outside 1900..2199"));
  CHECK(contains(decode_error(freq("0001-01-01T00:00:00Z")), "year is outside 1900..2199"));
  CHECK(contains(decode_error(freq("9999-12-31T23:59:59+23:59")), "$[0].measurementTime"));
  CHECK(at("2199-12-31T23:59:59-23:59") == utc("2200-01-01T23:58:59Z"));
  CHECK(at("1900-01-01T00:00:00+23:59") == utc("1899-12-31T00:01:00Z"));

  const auto netbsad = [](std::string_view date) {
    return R"([{"dataset":"NETBSAD","settlementDate":")" + std::string(date) + R"(","settlementPeriod":9}])";
  };
  CHECK(decode_ok(netbsad("2026-05-06")).records[0].date("settlement_date") == date_of(2026y, May, 6d));
  CHECK(contains(decode_error(netbsad("2026-05-06T00:00:00Z")), "$[0].settlementDate"));
  CHECK(contains(decode_error(netbsad("06/05/2026")), "$[0].settlementDate"));
  CHECK(contains(decode_error(netbsad("2026-13-01")), "$[0].settlementDate"));
}

// --- Hostile inputs ------------------------------------------------------------------

TEST_CASE("hostile bodies are refused cleanly", "[elexon][decode][hostile]") {
  SECTION("malformed") {
    CHECK(contains(decode_error(R"([{"dataset":"FREQ",}])", "FREQ"), "IRIS message body"));
    CHECK(contains(decode_error("", "FREQ"), "IRIS message body"));
    CHECK(contains(decode_error("   ", "FREQ"), "IRIS message body"));
    CHECK(contains(decode_error("[1,2] [3]", "FREQ"), "IRIS message body"));
    decode_error("{\"dataset\":\"FREQ\" \"x\":1}");
  }
  SECTION("truncated") {
    const std::string body = iris_body("FUELINST.json");
    for (const std::size_t cut : {std::size_t{1}, body.size() / 3, body.size() / 2, body.size() - 2}) {
      INFO(cut);
      decode_error(std::string_view(body).substr(0, cut), "FUELINST");
    }
    const std::string wire = iris_body("FUELINST.wire.json");
    decode_error(std::string_view(wire).substr(0, wire.size() / 2), "FUELINST");
    // A complete string literal whose content is cut short.
    const std::string inner_cut = wire.substr(0, wire.size() / 2) + "\"";
    CHECK(contains(decode_error(inner_cut, "FUELINST"), "double-encoded"));
  }
  SECTION("100,000 levels of nesting") {
    CHECK(contains(decode_error(std::string(100000, '['), "FREQ"), "deeper"));
    CHECK(contains(decode_error(std::string(100000, '[') + std::string(100000, ']'), "FREQ"), "deeper"));
    std::string objects;
    for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
    decode_error(objects, "FREQ");
    // The same inside the double-encoded form.
    decode_error("\"" + std::string(100000, '[') + "\"", "FREQ");
  }
  SECTION("a 400-digit number") {
    const std::string digits(400, '9');
    decode_error(R"([{"dataset":"FREQ","measurementTime":"2026-05-07T23:59:45Z","frequency":)" + digits + "}]");
    decode_error("[" + digits + "]", "FREQ");
    decode_error(R"([{"dataset":"FREQ","measurementTime":"2026-05-07T23:59:45Z","frequency":1e400}])");
  }
  SECTION("invalid UTF-8") {
    decode_error("[{\"dataset\":\"FREQ\",\"measurementTime\":\"2026-05-07T23:59:45Z\",\"x\":\"\xff\xfe\"}]");
    decode_error("[{\"dataset\":\"FR\xc3\x28Q\"}]");
    decode_error("[{\"dataset\":\"FREQ\",\"measurementTime\":\"\xed\xa0\x80\"}]");  // a raw surrogate
    decode_error(R"([{"dataset":"FREQ","measurementTime":"\udc00"}])");             // a lone escaped one
    decode_error("\"[{\\\"dataset\\\":\\\"FR\xff\\\"}]\"", "FREQ");                 // inside the string form
  }
  SECTION("not records") {
    CHECK(contains(decode_error("42", "FREQ"), "expected an array of records or one record object"));
    CHECK(contains(decode_error("null", "FREQ"), "expected an array"));
    CHECK(contains(decode_error("\"42\"", "FREQ"), "expected an array"));
    CHECK(contains(decode_error(R"("\"[]\"")", "FREQ"), "got string"));  // triple-encoded
    const std::string error = decode_error(R"([{"measurementTime":"2026-05-07T23:59:45Z"}, 7])", "FREQ");
    CHECK(contains(error, "FREQ record 1"));
    CHECK(contains(error, "expected a record object"));
  }
  SECTION("a wrong-typed field names the dataset, the record and the field") {
    std::string body = iris_body("FUELINST.json");
    // Record 3 is INTELEC; make its settlement period a string.
    const std::string needle = R"("fuelType": "INTELEC")";
    const auto at = body.find(needle);
    REQUIRE(at != std::string::npos);
    const auto sp = body.rfind(R"("settlementPeriod": 36)", at);
    REQUIRE(sp != std::string::npos);
    body.replace(sp, std::string_view(R"("settlementPeriod": 36)").size(), R"("settlementPeriod": "36")");
    const std::string error = decode_error(body);
    CHECK(contains(error, "FUELINST record 3"));
    CHECK(contains(error, "$[3].settlementPeriod"));
    CHECK(contains(error, "expected integer"));
    CHECK(contains(error, "\"36\""));
    // One bad record fails the whole message (it is quarantined raw).
  }
  SECTION("a required field missing or of the wrong type") {
    const std::string missing = decode_error(
        R"([{"dataset":"REMIT","revisionNumber":1,"publishTime":"2026-08-19T01:22:52Z","createdTime":"2026-08-19T01:20:00Z","eventStartTime":"2026-08-18T22:00:00Z"}])");
    CHECK(contains(missing, "REMIT record 0"));
    CHECK(contains(missing, "$[0].mrid"));
    CHECK(contains(missing, "required field is missing"));
    const std::string null_key = decode_error(R"([{"dataset":"FREQ","measurementTime":null,"frequency":50}])");
    CHECK(contains(null_key, "required field is null"));
    CHECK(contains(
        decode_error(
            R"([{"dataset":"BOALF","settlementDate":"2026-05-06","timeFrom":"2026-05-06T03:00:00Z","timeTo":"2026-05-06T03:30:00Z","acceptanceNumber":1,"bmUnit":"X","soFlag":"yes"}])"),
        "$[0].soFlag"));
    CHECK(contains(decode_error(R"([{"dataset":"FREQ","measurementTime":12345}])"), "expected string"));
  }
}

TEST_CASE("decode_rows and rows_of_envelope", "[elexon][decode]") {
  SECTION("the three envelope shapes") {
    for (const char* text :
         {R"([{"a":1}])", R"({"data":[{"a":1}]})", R"({"metadata":{"datasets":["X"]},"data":[{"a":1}]})"}) {
      INFO(text);
      auto doc = json::parse(text);
      REQUIRE(doc.ok());
      auto rows = rows_of_envelope(doc->root());
      REQUIRE(rows.ok());
      CHECK(rows->size() == 1);
    }
  }
  SECTION("not a data response") {
    for (const char* text : {R"({"data":5})", R"({"statusCode":404,"message":"Resource not found"})", R"({})", "5"}) {
      INFO(text);
      auto doc = json::parse(text);
      REQUIRE(doc.ok());
      auto rows = rows_of_envelope(doc->root());
      REQUIRE_FALSE(rows.ok());
      CHECK(rows.error().kind == ErrorKind::data);
    }
    auto doc = json::parse(R"({"statusCode":404,"message":"Resource not found"})");
    CHECK(contains(rows_of_envelope(doc->root()).error().message, "Resource not found"));
  }
  SECTION("a bad row names the dataset and the row") {
    auto doc = json::parse(
        R"({"data":[{"measurementTime":"2026-05-07T23:59:45Z","frequency":50},{"measurementTime":"2026-05-07T23:60:00Z"}]})");
    REQUIRE(doc.ok());
    auto rows = rows_of_envelope(doc->root());
    REQUIRE(rows.ok());
    auto records = decode_rows(*find_dataset("FREQ"), *rows);
    REQUIRE_FALSE(records.ok());
    CHECK(records.error().kind == ErrorKind::data);
    CHECK(contains(records.error().message, "FREQ row 1"));
    CHECK(contains(records.error().message, "$.data[1].measurementTime"));
  }
  SECTION("rows that are not an array") {
    auto doc = json::parse(R"({"a":1})");
    REQUIRE(doc.ok());
    auto records = decode_rows(*find_dataset("FREQ"), doc->root());
    REQUIRE_FALSE(records.ok());
    CHECK(contains(records.error().message, "FREQ rows"));
    CHECK_FALSE(decode_string_list(doc->root()).ok());
    auto mixed = json::parse(R"(["WIND", 5])");
    REQUIRE(mixed.ok());
    CHECK(contains(decode_string_list(mixed->root()).error().message, "$[1]"));
  }
  SECTION("decode_record on its own") {
    auto doc = json::parse(R"({"measurementTime":"2026-05-07T23:59:45Z","frequency":50.017})");
    REQUIRE(doc.ok());
    auto record = decode_record(*find_dataset("FREQ"), doc->root());
    REQUIRE(record.ok());
    CHECK(record->real("frequency") == 50.017);
    auto not_object = json::parse("[1]");
    REQUIRE(not_object.ok());
    CHECK_FALSE(decode_record(*find_dataset("FREQ"), not_object->root()).ok());
  }
}

TEST_CASE("a large message decodes every record", "[elexon][decode]") {
  std::string body = "[";
  constexpr int kRows = 20000;
  const auto start = utc("2026-05-07T00:00:00Z");
  for (int i = 0; i < kRows; ++i) {
    if (i > 0) body += ',';
    body += R"({"dataset":"FREQ","measurementTime":")" + core::format_utc(start + seconds{15 * i}) +
            R"(","frequency":50.)" + std::to_string(i % 1000) + "}";
  }
  body += "]";
  const DecodedMessage m = decode_ok(body, "FREQ");
  REQUIRE(m.records.size() == kRows);
  CHECK(m.records.back().timestamp("measurement_time") == start + seconds{15 * (kRows - 1)});
  std::set<std::string> keys;
  for (const Record& r : m.records) keys.insert(key_of(r));
  CHECK(keys.size() == kRows);
}
