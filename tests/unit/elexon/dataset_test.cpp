#include "elexon/dataset.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <string_view>

using namespace gbpm::elexon;

namespace {

bool is_snake_case(std::string_view name) {
  if (name.empty() || name.front() == '_' || name.back() == '_') return false;
  if (name.front() >= '0' && name.front() <= '9') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

bool contains(const std::vector<std::string_view>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("the registry covers the datasets of issue 4 and the reference", "[elexon][registry]") {
  for (const char* code :
       {"FUELINST",  "FUELHH",  "FREQ",  "MID",     "INDO",     "ITSDO",  "INDGEN", "INDDEM",
        "TSDF",      "NDF",     "BOALF", "BOD",     "PN",       "QPN",    "MELS",   "MILS",
        "DISBSAD",   "NETBSAD", "REMIT", "DISEBSP", "IMBALNGC", "MELNGC", "B1610",  "INTERCONNECTOR_OUTTURN",
        "REMIT_LIST"}) {
    INFO(code);
    const DatasetSpec* spec = find_dataset(code);
    REQUIRE(spec != nullptr);
    CHECK(spec->code == code);
    CHECK_FALSE(spec->description.empty());
  }
  CHECK(find_dataset("fuelinst") == nullptr);  // codes are case-sensitive, like IRIS subjects
  CHECK(find_dataset("SYS_WARN") == nullptr);
  CHECK(find_dataset("") == nullptr);
  CHECK(find_dataset("FUELINST")->feed == Feed::iris_and_api);
  CHECK(find_dataset("INTERCONNECTOR_OUTTURN")->feed == Feed::api_only);
}

TEST_CASE("every spec is self-consistent, so the warehouse can derive tables from it", "[elexon][registry]") {
  std::set<std::string_view> codes;
  for (const DatasetSpec& spec : all_datasets()) {
    INFO(spec.code);
    CHECK(codes.insert(spec.code).second);
    CHECK(find_dataset(spec.code) == &spec);
    REQUIRE_FALSE(spec.columns.empty());

    std::set<std::string_view> names;
    std::set<std::string_view> fields;
    for (const ColumnSpec& column : spec.columns) {
      INFO(column.name);
      CHECK(is_snake_case(column.name));
      CHECK(names.insert(column.name).second);
      CHECK(fields.insert(column.json_field).second);
      CHECK_FALSE(column.json_field.empty());
      CHECK(column.json_field != "dataset");
      if (column.check == ValueCheck::settlement_period) CHECK(column.type == ColumnType::integer);
      if (!column.fallback_field.empty()) CHECK(column.fallback_field != column.json_field);
      const std::set<std::string_view> units = {"", "MW", "MWh", "Hz", "GBP", "GBP/MWh"};
      CHECK(units.count(column.unit) == 1);
      if (!column.unit.empty()) CHECK((column.type == ColumnType::integer || column.type == ColumnType::real));
      CHECK(spec.column(column.name) == &column);
    }

    // Natural key: existing, required columns, resolved to indices.
    REQUIRE_FALSE(spec.key.empty());
    REQUIRE(spec.key_index.size() == spec.key.size());
    for (std::size_t i = 0; i < spec.key.size(); ++i) {
      INFO(spec.key[i]);
      const ColumnSpec* column = spec.column(spec.key[i]);
      REQUIRE(column != nullptr);
      CHECK(column->requirement == Requirement::required);
      CHECK(spec.key_index[i] == *spec.column_index(spec.key[i]));
    }

    // Version rule.
    switch (spec.version.kind) {
      case VersionKind::immutable:
      case VersionKind::last_arrival: CHECK(spec.version.column.empty()); break;
      case VersionKind::greatest:
        REQUIRE(spec.column(spec.version.column) != nullptr);
        CHECK(spec.column(spec.version.column)->requirement == Requirement::required);
        CHECK_FALSE(contains(spec.key, spec.version.column));
        break;
      case VersionKind::vintages:
        REQUIRE(spec.column(spec.version.column) != nullptr);
        CHECK(contains(spec.key, spec.version.column));
        break;
    }

    // Partitioning by a required date or timestamp.
    const ColumnSpec* partition = spec.column(spec.partition_column);
    REQUIRE(partition != nullptr);
    CHECK((partition->type == ColumnType::date || partition->type == ColumnType::timestamp));
    CHECK(partition->requirement == Requirement::required);
  }
}

TEST_CASE("keys and version rules follow the reference's dedup table", "[elexon][registry]") {
  using Key = std::vector<std::string_view>;
  const auto key = [](std::string_view code) { return find_dataset(code)->key; };
  const auto version = [](std::string_view code) { return find_dataset(code)->version; };

  CHECK(key("FUELINST") == Key{"start_time", "fuel_type"});
  CHECK(version("FUELINST").kind == VersionKind::greatest);
  CHECK(version("FUELINST").column == "publish_time");
  CHECK(key("FUELHH") == Key{"settlement_date", "settlement_period", "fuel_type"});
  CHECK(key("FREQ") == Key{"measurement_time"});
  CHECK(version("FREQ").kind == VersionKind::immutable);
  CHECK(key("MID") == Key{"settlement_date", "settlement_period", "data_provider"});
  CHECK(version("MID").kind == VersionKind::last_arrival);
  CHECK(key("INDO") == Key{"settlement_date", "settlement_period"});
  CHECK(version("ITSDO").column == "publish_time");
  for (const char* code : {"INDGEN", "INDDEM", "TSDF", "NDF", "IMBALNGC", "MELNGC"}) {
    INFO(code);
    CHECK(key(code) == Key{"boundary", "settlement_date", "settlement_period", "publish_time"});
    CHECK(version(code).kind == VersionKind::vintages);
  }
  CHECK(key("BOALF") == Key{"bm_unit", "acceptance_number", "time_from", "time_to"});
  CHECK(key("BOD") == Key{"bm_unit", "settlement_date", "settlement_period", "pair_id", "time_from"});
  CHECK(key("PN") == Key{"bm_unit", "settlement_date", "settlement_period", "time_from"});
  CHECK(key("QPN") == key("PN"));
  CHECK(key("MELS") == Key{"bm_unit", "time_from", "time_to", "notification_sequence", "notification_time"});
  CHECK(version("MILS").kind == VersionKind::immutable);
  CHECK(key("DISBSAD") == Key{"settlement_date", "settlement_period", "id"});
  CHECK(key("NETBSAD") == Key{"settlement_date", "settlement_period"});
  CHECK(key("REMIT") == Key{"mrid", "revision_number"});
  CHECK(version("REMIT").kind == VersionKind::vintages);
  CHECK(version("REMIT").column == "revision_number");
  CHECK(key("DISEBSP") == Key{"settlement_date", "settlement_period"});
  CHECK(version("DISEBSP").kind == VersionKind::greatest);
  CHECK(version("DISEBSP").column == "created_date_time");
}

TEST_CASE("columns carry types, units and the bmUnit fallback", "[elexon][registry]") {
  const DatasetSpec& fuelinst = *find_dataset("FUELINST");
  CHECK(fuelinst.column("generation")->unit == "MW");
  CHECK(fuelinst.column("generation")->type == ColumnType::integer);
  CHECK(fuelinst.column("settlement_period")->check == ValueCheck::settlement_period);
  CHECK(fuelinst.column("settlement_date")->type == ColumnType::date);
  CHECK(fuelinst.column("nope") == nullptr);
  CHECK_FALSE(fuelinst.column_index("nope").has_value());

  CHECK(find_dataset("FREQ")->column("frequency")->unit == "Hz");
  CHECK(find_dataset("MID")->column("price")->unit == "GBP/MWh");
  CHECK(find_dataset("MID")->column("volume")->unit == "MWh");
  CHECK(find_dataset("REMIT")->column("outage_profile")->type == ColumnType::json);
  CHECK(find_dataset("REMIT")->column("unavailable_capacity")->unit == "MW");
  for (const char* code : {"BOALF", "BOD", "PN", "QPN", "MELS", "MILS"}) {
    INFO(code);
    const ColumnSpec* bm = find_dataset(code)->column("bm_unit");
    REQUIRE(bm != nullptr);
    CHECK(bm->json_field == "bmUnit");
    CHECK(bm->fallback_field == "nationalGridBmUnit");
  }
  CHECK(to_string(ColumnType::timestamp) == "timestamp");
  CHECK(to_string(VersionKind::last_arrival) == "last_arrival");
}
