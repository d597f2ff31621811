#include <fmt/format.h>

#include <cstdio>

#include "core/paths.hpp"
#include "dashboard/dashboard.hpp"
#include "dashboard/tool.hpp"
#include "sheet/sheet.hpp"
#include "warehouse/open.hpp"
#include "warehouse/warehouse.hpp"

namespace gbpm::dashboard {

Status run_dashboard_tool(cli::Context& ctx, const Builder& build) {
  const std::string wh_text = ctx.config.get_string_or("GBPM_WAREHOUSE", "sqlite:" + (ctx.home / "gbpm.db").string());
  const std::string sheet_text = ctx.config.get_string_or("GBPM_SHEET", "dir:" + (ctx.home / "dashboard").string());

  // Validate the destination before doing any work: a bad --sheet is a config error.
  auto sheet_uri = sheet::parse_sheet_uri(sheet_text);
  if (!sheet_uri) return sheet_uri.error();
  auto wh_uri = warehouse::parse_warehouse_uri(wh_text);
  if (!wh_uri) return wh_uri.error();
  auto wh = warehouse::open_warehouse(*wh_uri, warehouse::OpenMode::read_only,
                                      warehouse::OpenContext{ctx.config, ctx.clock, ctx.log, ctx.home});
  if (!wh) return wh.error();

  const auto now = ctx.now();
  auto update = build((*wh)->market(), now);
  const warehouse::WarehouseUsage usage = (*wh)->usage();
  ctx.stats.api_calls += usage.api_calls;
  ctx.stats.bytes_scanned += usage.bytes_processed;
  if (!update) return update.error();
  std::int64_t cells = 0;
  std::int64_t rows = 0;
  for (const auto& b : update->blocks) {
    cells += static_cast<std::int64_t>(b.range.rows) * b.range.cols;
    rows += b.range.rows;
  }

  if (ctx.dry_run) {
    const std::string text = sheet::render_text(*update);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    ctx.log.info("dry run: nothing written", {{"sheet", sheet_text}, {"cells", std::to_string(cells)}});
    return {};
  }
  sheet::SinkOptions sink_options;
  sink_options.config = &ctx.config;
  sink_options.clock = &ctx.clock;
  sink_options.logger = &ctx.log;
  auto sink = sheet::open_sheet(sheet_text, sink_options);
  if (!sink) return sink.error();
  const Status written = (*sink)->write(*update);
  ctx.stats.api_calls += (*sink)->api_calls();
  if (!written) return written;
  ctx.stats.rows_written = rows;  // rows of owned ranges replaced
  ctx.log.info("dashboard written", {{"sheet", sheet_text}, {"cells", std::to_string(cells)}});
  return {};
}

}  // namespace gbpm::dashboard
