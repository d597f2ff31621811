#include "market/fuels.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace gbpm::market;
using gbpm::ErrorKind;

TEST_CASE("fuel registry: ten fuel types and ten interconnectors with flags", "[market][fuels]") {
  CHECK(fuel_types().size() == 10);
  CHECK(interconnectors().size() == 10);
  std::set<std::string_view> codes;
  for (const auto& f : fuel_types()) codes.insert(f.code);
  for (const auto& i : interconnectors()) codes.insert(i.code);
  CHECK(codes.size() == 20);  // the 20 codes observed in FUELHH, each once

  const auto* moyle = find_interconnector("INTIRL");
  REQUIRE(moyle != nullptr);
  CHECK(moyle->name == "Moyle");
  CHECK(moyle->country == "Northern Ireland, UK");
  CHECK(moyle->flag == "🇬🇧");
  for (const auto* code : {"INTFR", "INTIFA2", "INTELEC"}) CHECK(find_interconnector(code)->flag == "🇫🇷");
  CHECK(find_interconnector("INTNED")->flag == "🇳🇱");
  CHECK(find_interconnector("INTNEM")->flag == "🇧🇪");
  CHECK(find_interconnector("INTNSL")->flag == "🇳🇴");
  CHECK(find_interconnector("INTVKL")->flag == "🇩🇰");
  CHECK(find_interconnector("INTEW")->flag == "🇮🇪");
  CHECK(find_interconnector("INTGRNL")->flag == "🇮🇪");
  CHECK(find_fuel("CCGT")->emoji == "🔥");
  CHECK(find_fuel("INTFR") == nullptr);

  CHECK(find_interconnector_by_outturn_name("Denmark(Viking Link)") == find_interconnector("INTVKL"));
  CHECK(find_interconnector_by_outturn_name("northern ireland (moyle)") == moyle);
  CHECK(find_interconnector_by_outturn_name("Atlantis") == nullptr);
  CHECK(is_interconnector_code("INTNEW"));
  CHECK_FALSE(is_interconnector_code("INT"));
  CHECK_FALSE(is_interconnector_code("CCGT"));
}

TEST_CASE("interconnector cables merge import and export units", "[market][fuels]") {
  CHECK(interconnector_cable("I_IED-FRAN1") == interconnector_cable("I_IEG-FRAN1"));
  CHECK(interconnector_cable("I_IED-FRAN1") != interconnector_cable("I_IED-IFA2"));
  CHECK_FALSE(interconnector_cable("T_DRAXX-1").has_value());
  CHECK_FALSE(interconnector_cable("I_IEX-FRAN1").has_value());
  CHECK_FALSE(interconnector_cable("I_IE").has_value());
}

TEST_CASE("classification: DESIGN §3 default", "[market][fuels]") {
  const auto c = Classification::defaults();
  for (const auto* f : {"CCGT", "OCGT", "COAL", "OIL"}) CHECK(c.is_fossil(f));
  for (const auto* f : {"WIND", "NPSHYD", "BIOMASS"}) CHECK(c.is_renewable(f));
  CHECK(c.is_low_carbon("NUCLEAR"));
  CHECK(c.is_low_carbon("WIND"));
  CHECK_FALSE(c.is_low_carbon("CCGT"));
  CHECK(c.is_transfer("PS"));
  CHECK(c.is_transfer("INTFR"));
  CHECK(c.is_generation("OTHER"));
  CHECK_FALSE(c.is_fossil("OTHER"));
  CHECK_FALSE(c.is_renewable("OTHER"));

  const std::map<std::string, double> mix = {{"CCGT", 6000}, {"WIND", 3000},  {"OTHER", 1000},
                                             {"PS", -500},   {"INTFR", 1500}, {"INTNSL", -700}};
  CHECK(c.total_generation(mix) == Approx(10000));
  CHECK(c.renewable_percent(mix) == Approx(30));
  CHECK(Classification::net_import(mix) == Approx(800));
  CHECK_FALSE(c.total_generation({{"INTFR", 100}}).has_value());
  CHECK_FALSE(c.renewable_percent({}).has_value());
}

TEST_CASE("classification: configurable by a setting string", "[market][fuels]") {
  auto c = Classification::parse("renewable=WIND,NPSHYD; fossil = CCGT,OCGT,COAL,OIL,OTHER");
  REQUIRE(c.ok());
  CHECK_FALSE(c->is_renewable("BIOMASS"));
  CHECK_FALSE(c->is_low_carbon("BIOMASS"));
  CHECK(c->is_low_carbon("NUCLEAR"));  // low_carbon untouched: renewable + NUCLEAR
  CHECK(c->is_fossil("OTHER"));
  CHECK(c->is_transfer("INTVKL"));

  auto round_trip = Classification::parse(c->to_string());
  REQUIRE(round_trip.ok());
  CHECK(round_trip->to_string() == c->to_string());
  CHECK(Classification::parse("")->to_string() == Classification::defaults().to_string());

  for (const auto* bad : {"renewable=WIND,CGT", "green=WIND", "renewable"}) {
    auto r = Classification::parse(bad);
    INFO(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == ErrorKind::config);
  }
  CHECK_THAT(Classification::parse("renewable=WIND,CGT").error().message, Catch::Contains("CGT"));
}
