#include "warehouse/open.hpp"

#include <fmt/format.h>

#include <variant>

#include "warehouse/bigquery_warehouse.hpp"
#include "warehouse/sqlite_warehouse.hpp"

namespace gbpm::warehouse {

Result<std::unique_ptr<Warehouse>> open_warehouse(const WarehouseUri& uri, OpenMode mode) {
  if (const auto* s = std::get_if<SqliteUri>(&uri)) {
    auto opened = SqliteWarehouse::open(s->path, mode);
    if (!opened) return std::move(opened).error();
    return std::unique_ptr<Warehouse>(std::move(opened).value());
  }
  return make_error(ErrorKind::config, fmt::format("warehouse {}: the BigQuery backend needs the tool's "
                                                   "configuration (open_warehouse with an OpenContext)",
                                                   to_string(uri)));
}

Result<std::unique_ptr<Warehouse>> open_warehouse(const WarehouseUri& uri, OpenMode mode, const OpenContext& context) {
  if (const auto* b = std::get_if<BigQueryUri>(&uri)) {
    auto opened = open_bigquery_warehouse(*b, mode, context);
    if (!opened) return std::move(opened).error();
    return std::unique_ptr<Warehouse>(std::move(opened).value());
  }
  return open_warehouse(uri, mode);
}

}  // namespace gbpm::warehouse
