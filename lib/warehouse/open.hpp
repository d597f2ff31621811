#pragma once
// The warehouse factory: the one place that knows every backend, so callers
// hold a Warehouse and never name SQLite or BigQuery.

#include <filesystem>
#include <memory>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "warehouse/uri.hpp"
#include "warehouse/warehouse.hpp"

namespace gbpm::config {
class Config;
}
namespace gbpm::log {
class Logger;
}

namespace gbpm::warehouse {

// What a backend may need beyond its URI. Everything referenced must outlive
// the warehouse. The clock is not const: the BigQuery client sleeps on it
// (retry backoff, job polling).
struct OpenContext {
  const config::Config& config;  // GBPM_BIGQUERY_* keys, Google credentials
  core::Clock& clock;
  log::Logger& logger;
  std::filesystem::path home;  // GBPM_HOME: BigQuery's staging store lives under <home>/bigquery/
};

// Opens the warehouse a URI names. sqlite: opens (read_write: creates and
// migrates) the file. bigquery: needs the context (the 2-argument form is
// ErrorKind::config for it): read_write opens the staging store
// <home>/bigquery/<project>.<dataset>.db and Google credentials; read_only
// needs only the credentials (see bigquery_warehouse.hpp).
Result<std::unique_ptr<Warehouse>> open_warehouse(const WarehouseUri& uri, OpenMode mode);
Result<std::unique_ptr<Warehouse>> open_warehouse(const WarehouseUri& uri, OpenMode mode, const OpenContext& context);

}  // namespace gbpm::warehouse
