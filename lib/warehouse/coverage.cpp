#include "warehouse/coverage.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <string>

#include "warehouse/warehouse.hpp"

namespace gbpm::warehouse {
namespace {

Status require_column(const elexon::DatasetSpec& spec, std::string_view column, elexon::ColumnType type) {
  const elexon::ColumnSpec* c = spec.column(column);
  if (c == nullptr || c->type != type) {
    return make_error(ErrorKind::internal, fmt::format("coverage: dataset {} has no {} column \"{}\"", spec.code,
                                                       elexon::to_string(type), column));
  }
  return {};
}

// "SELECT <columns> FROM <t> WHERE <bound>" for each existing table, joined
// by UNION ALL; nullopt when neither table exists.
std::optional<std::string> union_of_tables(SqlRunner& runner, const elexon::DatasetSpec& spec, std::string_view columns,
                                           std::string_view bound) {
  std::string sql;
  for (const Source source : {Source::iris, Source::api}) {
    const auto table = runner.table_ref(spec, source);
    if (!table) continue;
    if (!sql.empty()) sql += " UNION ALL ";
    sql += fmt::format("SELECT {} FROM {} WHERE {}", columns, *table, bound);
  }
  if (sql.empty()) return std::nullopt;
  return sql;
}

}  // namespace

Result<std::vector<core::TimePoint>> present_instants(SqlRunner& runner, const elexon::DatasetSpec& spec,
                                                      std::string_view column, core::TimePoint from,
                                                      core::TimePoint to) {
  if (auto ok = require_column(spec, column, elexon::ColumnType::timestamp); !ok) return std::move(ok).error();
  std::vector<core::TimePoint> out;
  if (from >= to) return out;
  const auto branches =
      union_of_tables(runner, spec, column, fmt::format("{0} >= @slot_from AND {0} < @slot_to", column));
  if (!branches) return out;
  const std::string sql = fmt::format("SELECT DISTINCT {0} FROM ({1}) AS present ORDER BY {0}", column, *branches);
  auto rows = runner.query(sql, {SqlParam{"slot_from", SqlValue{from}}, SqlParam{"slot_to", SqlValue{to}}});
  if (!rows) return std::move(rows).error().with_context(fmt::format("coverage of {}", spec.code));
  out.reserve(rows->size());
  for (const SqlRow& row : *rows) {
    if (row.empty()) continue;
    if (auto t = row[0].as_time()) out.push_back(*t);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<std::vector<PeriodKey>> present_periods(SqlRunner& runner, const elexon::DatasetSpec& spec,
                                               std::chrono::sys_days first, std::chrono::sys_days last) {
  if (auto ok = require_column(spec, "settlement_date", elexon::ColumnType::date); !ok) return std::move(ok).error();
  if (auto ok = require_column(spec, "settlement_period", elexon::ColumnType::integer); !ok) {
    return std::move(ok).error();
  }
  std::vector<PeriodKey> out;
  if (last < first) return out;
  const auto branches = union_of_tables(runner, spec, "settlement_date, settlement_period",
                                        "settlement_date >= @first_date AND settlement_date <= @last_date");
  if (!branches) return out;
  const std::string sql = fmt::format(
      "SELECT DISTINCT settlement_date, settlement_period FROM ({}) AS present ORDER BY settlement_date, "
      "settlement_period",
      *branches);
  auto rows = runner.query(sql, {SqlParam{"first_date", SqlValue{first}}, SqlParam{"last_date", SqlValue{last}}});
  if (!rows) return std::move(rows).error().with_context(fmt::format("coverage of {}", spec.code));
  out.reserve(rows->size());
  for (const SqlRow& row : *rows) {
    if (row.size() < 2) continue;
    const auto date = row[0].as_date();
    const auto period = row[1].as_integer();
    if (date && period) out.push_back(PeriodKey{*date, static_cast<int>(*period)});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace gbpm::warehouse
