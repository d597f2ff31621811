#pragma once
// The --warehouse URI: `sqlite:PATH` or
// `bigquery:PROJECT/DATASET[?location=US]`.

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "core/result.hpp"

namespace gbpm::warehouse {

// An SQLite file. PATH may be relative (to the working directory).
struct SqliteUri {
  std::filesystem::path path;
};

// A BigQuery dataset. `location` is empty when not given (BigQuery's default).
struct BigQueryUri {
  std::string project;
  std::string dataset;
  std::string location;
};

using WarehouseUri = std::variant<SqliteUri, BigQueryUri>;

// Parses a warehouse URI. Errors are ErrorKind::config and quote the text:
// unknown scheme, empty path, bad project/dataset names (BigQuery project ids
// are 6-30 of [a-z0-9-], dataset ids 1-1024 of [A-Za-z0-9_]), unknown
// query parameters.
Result<WarehouseUri> parse_warehouse_uri(std::string_view text);

// The URI back as text (sqlite:PATH / bigquery:P/D[?location=L]).
std::string to_string(const WarehouseUri& uri);

}  // namespace gbpm::warehouse
