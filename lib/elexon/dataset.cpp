#include "elexon/dataset.hpp"

#include <algorithm>
#include <cstdlib>

namespace gbpm::elexon {
namespace {

constexpr Requirement kRequired = Requirement::required;
constexpr Requirement kOptional = Requirement::optional;

using T = ColumnType;

// --- Column builders ---------------------------------------------------------

ColumnSpec col(std::string_view name, std::string_view field, ColumnType type, Requirement req,
               std::string_view unit = {}) {
  return ColumnSpec{name, field, type, req, unit, {}, ValueCheck::none};
}

ColumnSpec settlement_date() {
  return col("settlement_date", "settlementDate", T::date, kRequired);
}

ColumnSpec settlement_period(std::string_view name = "settlement_period", std::string_view field = "settlementPeriod",
                             Requirement req = kRequired) {
  ColumnSpec c = col(name, field, T::integer, req);
  c.check = ValueCheck::settlement_period;
  return c;
}

ColumnSpec timestamp(std::string_view name, std::string_view field, Requirement req) {
  return col(name, field, T::timestamp, req);
}

// The Elexon BM unit id, falling back to the National Grid id when it is null
// or absent (PN rows, for one, can carry only nationalGridBmUnit).
ColumnSpec bm_unit(std::string_view fallback = "nationalGridBmUnit") {
  ColumnSpec c = col("bm_unit", "bmUnit", T::text, kRequired);
  c.fallback_field = fallback;
  return c;
}

ColumnSpec national_grid_bm_unit() {
  return col("national_grid_bm_unit", "nationalGridBmUnit", T::text, kOptional);
}

// --- Dataset builders --------------------------------------------------------

DatasetSpec generation_by_fuel(std::string_view code, std::string_view description, std::vector<std::string_view> key) {
  return DatasetSpec{
      .code = code,
      .description = description,
      .feed = Feed::iris_and_api,
      .columns =
          {
              timestamp("publish_time", "publishTime", kRequired),
              timestamp("start_time", "startTime", kRequired),
              settlement_date(),
              settlement_period(),
              col("fuel_type", "fuelType", T::text, kRequired),
              col("generation", "generation", T::integer, kOptional, "MW"),
          },
      .key = std::move(key),
      .version = {VersionKind::greatest, "publish_time"},
      .partition_column = "settlement_date",
  };
}

DatasetSpec demand_outturn(std::string_view code, std::string_view description) {
  return DatasetSpec{
      .code = code,
      .description = description,
      .feed = Feed::iris_and_api,
      .columns =
          {
              timestamp("publish_time", "publishTime", kRequired),
              timestamp("start_time", "startTime", kOptional),
              settlement_date(),
              settlement_period(),
              col("demand", "demand", T::integer, kOptional, "MW"),
          },
      .key = {"settlement_date", "settlement_period"},
      .version = {VersionKind::greatest, "publish_time"},
      .partition_column = "settlement_date",
  };
}

// Day and day-ahead forecasts by boundary (N, B1..B17): every publish is a
// vintage of the whole horizon, so publish_time is part of the key.
DatasetSpec boundary_forecast(std::string_view code, std::string_view description, std::string_view value_name,
                              std::string_view value_field) {
  return DatasetSpec{
      .code = code,
      .description = description,
      .feed = Feed::iris_and_api,
      .columns =
          {
              timestamp("publish_time", "publishTime", kRequired),
              timestamp("start_time", "startTime", kOptional),
              settlement_date(),
              settlement_period(),
              col("boundary", "boundary", T::text, kRequired),
              col(value_name, value_field, T::integer, kOptional, "MW"),
          },
      .key = {"boundary", "settlement_date", "settlement_period", "publish_time"},
      .version = {VersionKind::vintages, "publish_time"},
      .partition_column = "settlement_date",
  };
}

// PN-shaped physical data: a linear segment of a BM unit's level.
std::vector<ColumnSpec> physical_columns() {
  return {
      settlement_date(),
      settlement_period(),
      timestamp("time_from", "timeFrom", kRequired),
      timestamp("time_to", "timeTo", kRequired),
      col("level_from", "levelFrom", T::integer, kOptional, "MW"),
      col("level_to", "levelTo", T::integer, kOptional, "MW"),
      national_grid_bm_unit(),
      bm_unit(),
  };
}

DatasetSpec physical_notification(std::string_view code, std::string_view description) {
  return DatasetSpec{
      .code = code,
      .description = description,
      .feed = Feed::iris_and_api,
      .columns = physical_columns(),
      .key = {"bm_unit", "settlement_date", "settlement_period", "time_from"},
      .version = {VersionKind::last_arrival, {}},
      .partition_column = "settlement_date",
  };
}

DatasetSpec export_import_limit(std::string_view code, std::string_view description) {
  std::vector<ColumnSpec> columns = physical_columns();
  columns.push_back(timestamp("notification_time", "notificationTime", kRequired));
  columns.push_back(col("notification_sequence", "notificationSequence", T::integer, kRequired));
  return DatasetSpec{
      .code = code,
      .description = description,
      .feed = Feed::iris_and_api,
      .columns = std::move(columns),
      .key = {"bm_unit", "time_from", "time_to", "notification_sequence", "notification_time"},
      .version = {VersionKind::immutable, {}},
      .partition_column = "settlement_date",
  };
}

// --- The registry --------------------------------------------------------------

std::vector<DatasetSpec> build_registry() {
  std::vector<DatasetSpec> specs;

  specs.push_back(generation_by_fuel(
      "FUELINST",
      "Instantaneous generation by fuel type: MW over each 5-minute interval; INT* and PS signed, + = import",
      {"start_time", "fuel_type"}));
  specs.push_back(generation_by_fuel("FUELHH",
                                     "Half-hourly generation by fuel type: mean MW over the settlement period",
                                     {"settlement_date", "settlement_period", "fuel_type"}));

  specs.push_back(DatasetSpec{
      .code = "FREQ",
      .description = "System frequency, one sample every 15 seconds",
      .feed = Feed::iris_and_api,
      .columns =
          {
              timestamp("measurement_time", "measurementTime", kRequired),
              col("frequency", "frequency", T::real, kOptional, "Hz"),
          },
      .key = {"measurement_time"},
      .version = {VersionKind::immutable, {}},
      .partition_column = "measurement_time",
  });

  {
    // Older captures use the legacy names dataProviderId / midPrice.
    ColumnSpec provider = col("data_provider", "dataProvider", T::text, kRequired);
    provider.fallback_field = "dataProviderId";
    ColumnSpec price = col("price", "price", T::real, kOptional, "GBP/MWh");
    price.fallback_field = "midPrice";
    specs.push_back(DatasetSpec{
        .code = "MID",
        .description = "Market index data per settlement period and provider (APXMIDP carries the price)",
        .feed = Feed::iris_and_api,
        .columns =
            {
                timestamp("start_time", "startTime", kOptional),
                std::move(provider),
                settlement_date(),
                settlement_period(),
                std::move(price),
                col("volume", "volume", T::real, kOptional, "MWh"),
            },
        .key = {"settlement_date", "settlement_period", "data_provider"},
        .version = {VersionKind::last_arrival, {}},
        .partition_column = "settlement_date",
    });
  }

  specs.push_back(demand_outturn(
      "INDO", "Initial national demand outturn: mean MW per settlement period, excluding interconnectors and pumping"));
  specs.push_back(demand_outturn(
      "ITSDO",
      "Initial transmission system demand outturn: mean MW per settlement period, including station load, "
      "pumping and exports"));

  specs.push_back(boundary_forecast("INDGEN", "Indicated generation forecast (sum of positive PNs) by boundary",
                                    "generation", "generation"));
  specs.push_back(boundary_forecast(
      "INDDEM", "Indicated demand forecast (sum of negative PNs, so negative) by boundary", "demand", "demand"));
  specs.push_back(boundary_forecast(
      "TSDF", "Transmission system demand forecast by boundary, including interconnectors, station load and pumping",
      "demand", "demand"));
  specs.push_back(boundary_forecast("NDF", "National demand forecast by boundary", "demand", "demand"));
  specs.push_back(boundary_forecast("IMBALNGC", "Indicated imbalance forecast (INDGEN - TSDF) by boundary", "imbalance",
                                    "imbalance"));
  specs.push_back(
      boundary_forecast("MELNGC", "Indicated margin forecast (sum of MELs - NDF) by boundary", "margin", "margin"));

  specs.push_back(DatasetSpec{
      .code = "BOALF",
      .description = "Bid-offer acceptance levels: linear segments of an accepted BM unit level",
      .feed = Feed::iris_and_api,
      .columns =
          {
              settlement_date(),
              settlement_period("settlement_period_from", "settlementPeriodFrom", kOptional),
              settlement_period("settlement_period_to", "settlementPeriodTo", kOptional),
              timestamp("time_from", "timeFrom", kRequired),
              timestamp("time_to", "timeTo", kRequired),
              col("level_from", "levelFrom", T::integer, kOptional, "MW"),
              col("level_to", "levelTo", T::integer, kOptional, "MW"),
              col("acceptance_number", "acceptanceNumber", T::integer, kRequired),
              timestamp("acceptance_time", "acceptanceTime", kOptional),
              col("deemed_bo_flag", "deemedBoFlag", T::boolean, kOptional),
              col("so_flag", "soFlag", T::boolean, kOptional),
              col("amendment_flag", "amendmentFlag", T::text, kOptional),
              col("stor_flag", "storFlag", T::boolean, kOptional),
              col("rr_flag", "rrFlag", T::boolean, kOptional),
              national_grid_bm_unit(),
              bm_unit(),
          },
      // acceptanceNumber is unique only per BM unit.
      .key = {"bm_unit", "acceptance_number", "time_from", "time_to"},
      .version = {VersionKind::last_arrival, {}},
      .partition_column = "settlement_date",
  });

  specs.push_back(DatasetSpec{
      .code = "BOD",
      .description = "Bid-offer data: prices and levels per BM unit and pair (sentinel prices such as 9999 occur)",
      .feed = Feed::iris_and_api,
      .columns =
          {
              settlement_date(),
              settlement_period(),
              timestamp("time_from", "timeFrom", kRequired),
              col("level_from", "levelFrom", T::integer, kOptional, "MW"),
              timestamp("time_to", "timeTo", kOptional),
              col("level_to", "levelTo", T::integer, kOptional, "MW"),
              col("pair_id", "pairId", T::integer, kRequired),
              col("offer", "offer", T::real, kOptional, "GBP/MWh"),
              col("bid", "bid", T::real, kOptional, "GBP/MWh"),
              national_grid_bm_unit(),
              bm_unit(),
          },
      .key = {"bm_unit", "settlement_date", "settlement_period", "pair_id", "time_from"},
      .version = {VersionKind::last_arrival, {}},
      .partition_column = "settlement_date",
  });

  specs.push_back(physical_notification("PN", "Physical notifications: a BM unit's expected level, as segments"));
  specs.push_back(physical_notification("QPN", "Quiescent physical notifications: 30-minute segments, mostly zero"));
  specs.push_back(export_import_limit(
      "MELS", "Maximum export limits as submitted (raw; resolve per notification sequence/time slice)"));
  specs.push_back(export_import_limit(
      "MILS", "Maximum import limits as submitted (raw; resolve per notification sequence/time slice)"));

  specs.push_back(DatasetSpec{
      .code = "DISBSAD",
      .description = "Disaggregated balancing services adjustment actions per settlement period",
      .feed = Feed::iris_and_api,
      .columns =
          {
              settlement_date(),
              settlement_period(),
              col("id", "id", T::integer, kRequired),
              col("cost", "cost", T::real, kOptional, "GBP"),
              col("volume", "volume", T::real, kOptional, "MWh"),
              col("so_flag", "soFlag", T::boolean, kOptional),
              col("stor_flag", "storFlag", T::boolean, kOptional),
              col("party_id", "partyId", T::text, kOptional),
              col("asset_id", "assetId", T::text, kOptional),
              col("is_tendered", "isTendered", T::boolean, kOptional),
              col("service", "service", T::text, kOptional),
          },
      .key = {"settlement_date", "settlement_period", "id"},
      .version = {VersionKind::last_arrival, {}},
      .partition_column = "settlement_date",
  });

  specs.push_back(DatasetSpec{
      .code = "NETBSAD",
      .description = "Net balancing services adjustment data per settlement period",
      .feed = Feed::iris_and_api,
      .columns =
          {
              settlement_date(),
              settlement_period(),
              col("net_buy_price_cost_adjustment_energy", "netBuyPriceCostAdjustmentEnergy", T::real, kOptional, "GBP"),
              col("net_buy_price_volume_adjustment_energy", "netBuyPriceVolumeAdjustmentEnergy", T::real, kOptional,
                  "MWh"),
              col("net_buy_price_volume_adjustment_system", "netBuyPriceVolumeAdjustmentSystem", T::real, kOptional,
                  "MWh"),
              col("buy_price_price_adjustment", "buyPricePriceAdjustment", T::real, kOptional, "GBP/MWh"),
              col("net_sell_price_cost_adjustment_energy", "netSellPriceCostAdjustmentEnergy", T::real, kOptional,
                  "GBP"),
              col("net_sell_price_volume_adjustment_energy", "netSellPriceVolumeAdjustmentEnergy", T::real, kOptional,
                  "MWh"),
              col("net_sell_price_volume_adjustment_system", "netSellPriceVolumeAdjustmentSystem", T::real, kOptional,
                  "MWh"),
              col("sell_price_price_adjustment", "sellPricePriceAdjustment", T::real, kOptional, "GBP/MWh"),
          },
      .key = {"settlement_date", "settlement_period"},
      .version = {VersionKind::last_arrival, {}},
      .partition_column = "settlement_date",
  });

  specs.push_back(DatasetSpec{
      .code = "REMIT",
      .description = "REMIT outage and unavailability messages; current state = highest revision per mrid",
      .feed = Feed::iris_and_api,
      .columns =
          {
              col("mrid", "mrid", T::text, kRequired),
              col("revision_number", "revisionNumber", T::integer, kRequired),
              timestamp("publish_time", "publishTime", kRequired),
              timestamp("created_time", "createdTime", kRequired),
              col("message_type", "messageType", T::text, kOptional),
              col("message_heading", "messageHeading", T::text, kOptional),
              col("event_type", "eventType", T::text, kOptional),
              col("unavailability_type", "unavailabilityType", T::text, kOptional),
              col("participant_id", "participantId", T::text, kOptional),
              col("registration_code", "registrationCode", T::text, kOptional),
              col("asset_id", "assetId", T::text, kOptional),
              col("asset_type", "assetType", T::text, kOptional),
              col("affected_unit", "affectedUnit", T::text, kOptional),
              col("affected_unit_eic", "affectedUnitEIC", T::text, kOptional),
              col("affected_area", "affectedArea", T::text, kOptional),
              col("bidding_zone", "biddingZone", T::text, kOptional),
              col("fuel_type", "fuelType", T::text, kOptional),
              col("normal_capacity", "normalCapacity", T::real, kOptional, "MW"),
              col("available_capacity", "availableCapacity", T::real, kOptional, "MW"),
              col("unavailable_capacity", "unavailableCapacity", T::real, kOptional, "MW"),
              col("event_status", "eventStatus", T::text, kOptional),
              timestamp("event_start_time", "eventStartTime", kRequired),
              timestamp("event_end_time", "eventEndTime", kOptional),
              col("duration_uncertainty", "durationUncertainty", T::text, kOptional),
              col("cause", "cause", T::text, kOptional),
              col("related_information", "relatedInformation", T::text, kOptional),
              col("outage_profile", "outageProfile", T::json, kOptional),
          },
      .key = {"mrid", "revision_number"},
      .version = {VersionKind::vintages, "revision_number"},
      .partition_column = "publish_time",
  });

  specs.push_back(DatasetSpec{
      .code = "DISEBSP",
      .description = "System prices (SSP/SBP) per settlement period, latest settlement run",
      .feed = Feed::iris_and_api,
      .columns =
          {
              settlement_date(),
              settlement_period(),
              timestamp("start_time", "startTime", kOptional),
              timestamp("created_date_time", "createdDateTime", kRequired),
              col("system_sell_price", "systemSellPrice", T::real, kOptional, "GBP/MWh"),
              col("system_buy_price", "systemBuyPrice", T::real, kOptional, "GBP/MWh"),
              col("bsad_defaulted", "bsadDefaulted", T::boolean, kOptional),
              col("price_derivation_code", "priceDerivationCode", T::text, kOptional),
              col("reserve_scarcity_price", "reserveScarcityPrice", T::real, kOptional, "GBP/MWh"),
              col("net_imbalance_volume", "netImbalanceVolume", T::real, kOptional, "MWh"),
              col("sell_price_adjustment", "sellPriceAdjustment", T::real, kOptional, "GBP/MWh"),
              col("buy_price_adjustment", "buyPriceAdjustment", T::real, kOptional, "GBP/MWh"),
              col("replacement_price", "replacementPrice", T::real, kOptional, "GBP/MWh"),
              col("replacement_price_reference_volume", "replacementPriceReferenceVolume", T::real, kOptional, "MWh"),
              col("total_accepted_offer_volume", "totalAcceptedOfferVolume", T::real, kOptional, "MWh"),
              col("total_accepted_bid_volume", "totalAcceptedBidVolume", T::real, kOptional, "MWh"),
              col("total_adjustment_sell_volume", "totalAdjustmentSellVolume", T::real, kOptional, "MWh"),
              col("total_adjustment_buy_volume", "totalAdjustmentBuyVolume", T::real, kOptional, "MWh"),
              col("total_system_tagged_accepted_offer_volume", "totalSystemTaggedAcceptedOfferVolume", T::real,
                  kOptional, "MWh"),
              col("total_system_tagged_accepted_bid_volume", "totalSystemTaggedAcceptedBidVolume", T::real, kOptional,
                  "MWh"),
              col("total_system_tagged_adjustment_sell_volume", "totalSystemTaggedAdjustmentSellVolume", T::real,
                  kOptional, "MWh"),
              col("total_system_tagged_adjustment_buy_volume", "totalSystemTaggedAdjustmentBuyVolume", T::real,
                  kOptional, "MWh"),
          },
      .key = {"settlement_date", "settlement_period"},
      .version = {VersionKind::greatest, "created_date_time"},
      .partition_column = "settlement_date",
  });

  specs.push_back(DatasetSpec{
      .code = "B1610",
      .description = "Actual generation output per BM unit and settlement run (halfHourEndTime is naive UTC)",
      .feed = Feed::api_only,
      .columns =
          {
              col("psr_type", "psrType", T::text, kOptional),
              bm_unit("nationalGridBmUnitId"),
              col("national_grid_bm_unit_id", "nationalGridBmUnitId", T::text, kOptional),
              settlement_date(),
              settlement_period(),
              timestamp("half_hour_end_time", "halfHourEndTime", kOptional),
              col("settlement_run_type", "settlementRunType", T::text, kRequired),
              col("quantity", "quantity", T::real, kOptional, "MWh"),
          },
      .key = {"bm_unit", "settlement_date", "settlement_period", "settlement_run_type"},
      .version = {VersionKind::last_arrival, {}},
      .partition_column = "settlement_date",
  });

  specs.push_back(DatasetSpec{
      .code = "INTERCONNECTOR_OUTTURN",
      .description = "Half-hourly interconnector flows by name (/generation/outturn/interconnectors; + = import)",
      .feed = Feed::api_only,
      .columns =
          {
              timestamp("publish_time", "publishTime", kRequired),
              timestamp("start_time", "startTime", kOptional),
              settlement_date(),
              col("settlement_date_timezone", "settlementDateTimezone", T::text, kOptional),
              settlement_period(),
              col("interconnector_name", "interconnectorName", T::text, kRequired),
              col("generation", "generation", T::integer, kOptional, "MW"),
          },
      .key = {"settlement_date", "settlement_period", "interconnector_name"},
      .version = {VersionKind::greatest, "publish_time"},
      .partition_column = "settlement_date",
  });

  specs.push_back(DatasetSpec{
      .code = "REMIT_LIST",
      .description = "REMIT message identifiers with URLs (/remit/list/by-publish, /remit/list/by-event)",
      .feed = Feed::api_only,
      .columns =
          {
              col("id", "id", T::integer, kRequired),
              col("mrid", "mrid", T::text, kRequired),
              col("revision_number", "revisionNumber", T::integer, kRequired),
              timestamp("created_time", "createdTime", kOptional),
              timestamp("publish_time", "publishTime", kRequired),
              col("url", "url", T::text, kOptional),
          },
      .key = {"mrid", "revision_number"},
      .version = {VersionKind::vintages, "revision_number"},
      .partition_column = "publish_time",
  });

  // Resolve key names to indices. A name that is not a column is a bug in the
  // table above: fail loudly at start-up rather than dedupe on the wrong thing.
  for (DatasetSpec& spec : specs) {
    for (std::string_view name : spec.key) {
      const auto index = spec.column_index(name);
      if (!index) std::abort();
      spec.key_index.push_back(*index);
    }
  }
  return specs;
}

}  // namespace

const ColumnSpec* DatasetSpec::column(std::string_view name) const {
  const auto index = column_index(name);
  return index ? &columns[*index] : nullptr;
}

std::optional<std::size_t> DatasetSpec::column_index(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return i;
  }
  return std::nullopt;
}

const std::vector<DatasetSpec>& all_datasets() {
  static const std::vector<DatasetSpec> registry = build_registry();
  return registry;
}

const DatasetSpec* find_dataset(std::string_view code) {
  const auto& specs = all_datasets();
  const auto it = std::find_if(specs.begin(), specs.end(), [code](const DatasetSpec& s) { return s.code == code; });
  return it == specs.end() ? nullptr : &*it;
}

std::string_view to_string(ColumnType type) {
  switch (type) {
    case ColumnType::text: return "text";
    case ColumnType::integer: return "integer";
    case ColumnType::real: return "real";
    case ColumnType::timestamp: return "timestamp";
    case ColumnType::date: return "date";
    case ColumnType::boolean: return "boolean";
    case ColumnType::json: return "json";
  }
  return "unknown";
}

std::string_view to_string(VersionKind kind) {
  switch (kind) {
    case VersionKind::immutable: return "immutable";
    case VersionKind::greatest: return "greatest";
    case VersionKind::last_arrival: return "last_arrival";
    case VersionKind::vintages: return "vintages";
  }
  return "unknown";
}

}  // namespace gbpm::elexon
