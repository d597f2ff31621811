// gbpm-demo-data: the demo helper behind scripts/demo (not installed).
//
//   gbpm-demo-data generate --out DIR [--date 2025-10-26] [--until TIME] [--seed N]
//       one settlement day of SYNTHETIC IRIS messages in the drop layout
//       DIR/<DATASET>/demo-<...>.json, plus DIR/README.txt saying so
//   gbpm-demo-data grid FILE.csv
//       a local-workbook tab (dir: sink CSV) as a readable text grid
//
// Exit codes: 0 ok, 64 usage, 65 unreadable CSV, 73 cannot write.

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "core/exit_codes.hpp"
#include "core/fs.hpp"
#include "core/time.hpp"
#include "demo_data.hpp"
#include "market/settlement.hpp"
#include "sheet/sheet.hpp"
#include "sheet/workbook.hpp"

namespace {

int fail(const gbpm::Error& error) {
  std::fprintf(stderr, "gbpm-demo-data: %s\n", error.message.c_str());
  return gbpm::core::to_int(gbpm::core::exit_code_for(error.kind));
}

int generate(const std::string& out, const std::string& date_text, const std::string& until_text, std::uint64_t seed) {
  gbpm::demo::DemoOptions options;
  options.seed = seed;
  auto date = gbpm::market::parse_date(date_text);
  if (!date) return fail(gbpm::make_error(gbpm::ErrorKind::usage, "--date: " + date.error().message));
  options.date = *date;
  if (!until_text.empty()) {
    auto until = gbpm::core::parse_utc(until_text);
    if (!until) return fail(gbpm::make_error(gbpm::ErrorKind::usage, "--until: " + until.error().message));
    options.until = *until;
  }
  auto messages = gbpm::demo::generate_day(options);
  if (!messages) return fail(messages.error());
  if (auto ok = gbpm::demo::write_drop(out, *messages, options); !ok) return fail(ok.error());
  std::map<std::string, int> per_dataset;
  for (const auto& m : *messages) ++per_dataset[m.dataset];
  std::string counts;
  for (const auto& [dataset, n] : per_dataset) counts += fmt::format(" {}={}", dataset, n);
  std::printf("SYNTHETIC demo data: %zu IRIS messages for settlement day %s (%d periods) in %s:%s\n", messages->size(),
              gbpm::market::format_date(options.date).c_str(), gbpm::market::periods_in_day(options.date), out.c_str(),
              counts.c_str());
  return 0;
}

int grid(const std::string& file) {
  auto text = gbpm::core::read_file(file);
  if (!text) return fail(text.error());
  auto values = gbpm::sheet::parse_csv(*text);
  if (!values) return fail(values.error().with_context(file));
  gbpm::sheet::Block block;
  block.range.tab = std::filesystem::path(file).stem().string();
  block.range.rows = static_cast<int>(std::max<std::size_t>(1, values->size()));
  for (const auto& row : *values) {
    block.range.cols = std::max(block.range.cols, static_cast<int>(row.size()));
    std::vector<gbpm::sheet::Cell> cells;
    for (const auto& value : row) {
      gbpm::sheet::Cell cell{value, {}};
      // The CSV keeps values, not number formats: whole numbers and MW-sized
      // values with thousands separators, the rest (prices, Hz, %) to 2 dp.
      if (const auto* number = std::get_if<double>(&value)) {
        cell.format.number_format = std::trunc(*number) == *number || std::abs(*number) >= 1000 ? "#,##0" : "0.00";
      }
      cells.push_back(std::move(cell));
    }
    block.cells.push_back(std::move(cells));
  }
  gbpm::sheet::Update update;
  update.blocks.push_back(std::move(block));
  const std::string out = gbpm::sheet::render_text(update);
  if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) {
    return fail(gbpm::make_error(gbpm::ErrorKind::output, "cannot write to stdout"));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"gbpm-demo-data: synthetic demo IRIS messages for scripts/demo, and a CSV tab viewer"};
  app.require_subcommand(1);
  std::string out;
  std::string date_text = gbpm::market::format_date(gbpm::demo::kDefaultDate);
  std::string until_text;
  std::uint64_t seed = gbpm::demo::kDefaultSeed;
  auto* gen = app.add_subcommand("generate", "Write one settlement day of synthetic IRIS messages (drop layout)");
  gen->add_option("--out", out, "drop directory (created; earlier demo-* files in it are replaced)")->required();
  gen->add_option("--date", date_text, "settlement day, YYYY-MM-DD (default 2025-10-26: 50 periods)");
  gen->add_option("--until", until_text, "only messages published at or before this UTC time (ISO-8601)");
  gen->add_option("--seed", seed, "seed of the synthetic values (same seed, same bytes)");
  std::string csv;
  auto* show = app.add_subcommand("grid", "Print a local-workbook tab (CSV of the dir: sink) as a text grid");
  show->add_option("file", csv, "e.g. dashboard/Dashboard.csv")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : gbpm::core::to_int(gbpm::core::ExitCode::usage);
  }
  if (gen->parsed()) return generate(out, date_text, until_text, seed);
  return grid(csv);
}
