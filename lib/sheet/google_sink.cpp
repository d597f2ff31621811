#include "sheet/google_sink.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

#include "auth/google_credentials.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "google/session.hpp"
#include "google/sheets.hpp"

namespace gbpm::sheet {

namespace {

std::optional<google::Color> parse_color(const std::optional<std::string>& hex) {
  if (!hex || hex->size() != 7 || (*hex)[0] != '#') return std::nullopt;
  const auto channel = [&](std::size_t at) {
    return static_cast<double>(std::stoi(hex->substr(at, 2), nullptr, 16)) / 255.0;
  };
  try {
    return google::Color{channel(1), channel(3), channel(5)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

google::Cell to_google(const Cell& cell) {
  google::Cell out;
  if (const auto* d = std::get_if<double>(&cell.value)) {
    out.value = google::CellValue::number(*d);
  } else if (const auto* s = std::get_if<std::string>(&cell.value)) {
    out.value = google::CellValue::text(*s);  // stringValue: never a formula
  } else if (const auto* b = std::get_if<bool>(&cell.value)) {
    out.value = google::CellValue::boolean(*b);
  }
  google::CellFormat f;
  if (!cell.format.number_format.empty()) f.number_pattern = cell.format.number_format;
  if (cell.format.bold) f.bold = true;
  f.background = parse_color(cell.format.background);
  if (cell.format.align) {
    f.align = *cell.format.align == Align::left     ? google::HorizontalAlign::left
              : *cell.format.align == Align::center ? google::HorizontalAlign::center
                                                    : google::HorizontalAlign::right;
  }
  out.format = f;
  return out;
}

// A tab as the sink knows it: id and grid size.
struct TabInfo {
  int id = 0;
  int rows = 0;
  int cols = 0;
};
using Tabs = std::map<std::string, TabInfo>;

// A sheet id for a new tab, derived from its title so two tools adding
// different tabs at the same moment do not pick the same id (the API refuses a
// duplicate id); probes onward from the hash when it is taken.
int new_sheet_id(const std::string& title, const Tabs& tabs) {
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (const unsigned char c : title) h = (h ^ c) * 16777619u;
  int id = static_cast<int>(h % 2000000000u) + 1;
  const auto taken = [&](int candidate) {
    return std::any_of(tabs.begin(), tabs.end(), [&](const auto& t) { return t.second.id == candidate; });
  };
  while (taken(id)) id = id % 2000000000 + 1;
  return id;
}

bool is_already_exists(const Error& e) {
  return e.kind == ErrorKind::data && e.message.find("already exists") != std::string::npos;
}

class GoogleSink final : public SheetSink {
 public:
  GoogleSink(google::SheetsClient& client, std::string id)
      : m_client(client), m_id(std::move(id)), m_calls_before(client.api_calls()) {}

  Status write(const Update& update) override {
    for (int pass = 0;; ++pass) {
      if (!m_tabs) {
        auto meta = m_client.get_spreadsheet(m_id);
        if (!meta) return meta.error();
        m_tabs.emplace();
        for (const auto& s : meta->sheets) (*m_tabs)[s.title] = TabInfo{s.sheet_id, s.row_count, s.column_count};
      }
      Tabs tabs = *m_tabs;
      bool adds = false;
      auto requests = build_requests(update, tabs, adds);
      auto result = m_client.batch_update(m_id, requests);
      if (result) {
        *m_tabs = std::move(tabs);
        return {};
      }
      // Another tool added the same tab since our read: the whole batch was
      // refused, nothing changed; read the tabs again and resend once.
      if (pass == 0 && adds && is_already_exists(result.error())) {
        m_tabs.reset();
        continue;
      }
      return result.error();
    }
  }

  [[nodiscard]] int api_calls() const override { return m_client.api_calls() - m_calls_before; }

 private:
  static std::vector<google::SheetRequest> build_requests(const Update& update, Tabs& tabs, bool& adds) {
    std::vector<google::SheetRequest> requests;
    // The grid each tab needs, in the order tabs first appear.
    std::vector<std::string> order;
    std::map<std::string, std::pair<int, int>> need;
    for (const auto& b : update.blocks) {
      auto [it, inserted] = need.try_emplace(b.range.tab, 0, 0);
      if (inserted) order.push_back(b.range.tab);
      it->second.first = std::max(it->second.first, b.range.row + b.range.rows);
      it->second.second = std::max(it->second.second, b.range.col + b.range.cols);
    }
    for (const auto& tab : order) {
      const auto [rows, cols] = need[tab];
      const auto found = tabs.find(tab);
      if (found == tabs.end()) {
        const TabInfo info{new_sheet_id(tab, tabs), std::max(rows, 1000), std::max(cols, 26)};
        requests.emplace_back(google::AddSheet{tab, info.id, info.rows, info.cols});
        tabs[tab] = info;
        adds = true;
      } else if (rows > found->second.rows || cols > found->second.cols) {
        // Grow only (never shrink a tab another tool writes to).
        google::UpdateSheetProperties p;
        p.sheet_id = found->second.id;
        if (rows > found->second.rows) p.row_count = found->second.rows = rows;
        if (cols > found->second.cols) p.column_count = found->second.cols = cols;
        requests.emplace_back(p);
      }
    }
    for (const auto& b : update.blocks) {
      const Range& r = b.range;
      TabInfo& tab = tabs[r.tab];
      google::UpdateCells u;
      u.range = google::GridRange{tab.id, r.row, r.row + r.rows, r.col, r.col + r.cols};
      u.write_formats = true;
      for (int i = 0; i < r.rows; ++i) {
        google::CellRow row;
        for (int j = 0; j < r.cols; ++j) {
          const auto ui = static_cast<std::size_t>(i);
          const auto uj = static_cast<std::size_t>(j);
          const bool given = ui < b.cells.size() && uj < b.cells[ui].size();
          row.push_back(to_google(given ? b.cells[ui][uj] : Cell{}));
        }
        u.rows.push_back(std::move(row));
      }
      if (b.whole_tab) {
        // The tab is this block's alone: cut or grow it to exactly its rows.
        google::UpdateSheetProperties p;
        p.sheet_id = tab.id;
        p.row_count = tab.rows = std::max(r.row + r.rows, 1);
        requests.emplace_back(p);
      }
      requests.emplace_back(std::move(u));
    }
    return requests;
  }

  google::SheetsClient& m_client;
  std::string m_id;
  int m_calls_before;
  std::optional<Tabs> m_tabs;
};

// The production sink: owns the Google session and the client it writes through.
class OwningGoogleSink final : public SheetSink {
 public:
  OwningGoogleSink(std::unique_ptr<google::GoogleSession> session, std::unique_ptr<google::SheetsClient> client,
                   std::string spreadsheet_id)
      : m_session(std::move(session)),
        m_client(std::move(client)),
        m_inner(make_google_sink(*m_client, std::move(spreadsheet_id))) {}
  Status write(const Update& update) override { return m_inner->write(update); }
  [[nodiscard]] int api_calls() const override { return m_inner->api_calls(); }

 private:
  std::unique_ptr<google::GoogleSession> m_session;
  std::unique_ptr<google::SheetsClient> m_client;
  std::unique_ptr<SheetSink> m_inner;
};

}  // namespace

std::unique_ptr<SheetSink> make_google_sink(google::SheetsClient& client, std::string spreadsheet_id) {
  return std::make_unique<GoogleSink>(client, std::move(spreadsheet_id));
}

Result<std::unique_ptr<SheetSink>> open_google_sink(const config::Config& config, core::Clock& clock,
                                                    log::Logger& logger, std::string spreadsheet_id) {
  google::SheetsOptions options;
  options.base_url = config.get_string_or("GBPM_SHEETS_URL", google::kSheetsUrl);
  net::RetryOptions retry;
  if (config.has("GBPM_RETRY_ATTEMPTS")) {
    auto attempts = config.get_int("GBPM_RETRY_ATTEMPTS", 1, 100);
    if (!attempts) return attempts.error();
    retry.max_attempts = static_cast<int>(*attempts);
  }
  if (config.has("GBPM_RETRY_DEADLINE")) {
    auto deadline = config.get_duration("GBPM_RETRY_DEADLINE");
    if (!deadline) return deadline.error();
    retry.max_total = *deadline;
  }
  if (config.has("GBPM_HTTP_TIMEOUT")) {
    auto timeout = config.get_duration("GBPM_HTTP_TIMEOUT");
    if (!timeout) return timeout.error();
    options.timeout = *timeout;
  }
  options.retry = net::RetryPolicy(retry);
  options.logger = &logger;

  const std::string where = fmt::format("--sheet gsheets:{}", spreadsheet_id);
  auto session = google::open_google_session(config, clock, logger, {std::string(auth::kSheetsScope)});
  if (!session) return session.error().with_context(where);
  options.client_email = (*session)->credentials.client_email;
  options.quota_project = (*session)->credentials.quota_project_id;
  auto client = std::make_unique<google::SheetsClient>(*(*session)->transport, *(*session)->credentials.tokens, clock,
                                                       std::move(options));
  logger.debug("google sheets sink",
               {{"spreadsheet", spreadsheet_id}, {"credentials", (*session)->credentials.description}});
  return std::unique_ptr<SheetSink>(
      std::make_unique<OwningGoogleSink>(std::move(session).value(), std::move(client), std::move(spreadsheet_id)));
}

}  // namespace gbpm::sheet
