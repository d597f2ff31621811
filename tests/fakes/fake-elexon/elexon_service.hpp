#pragma once
// fake-elexon: the Elexon Insights REST API served
// from tests/fixtures and from deterministic generators, for tests of
// the Insights client and for running bmrs-backfill by hand.
//
// Under `prefix` (default /bmrs/api/v1, as in the real base URL):
//   GET /datasets/{X}          {"data":[...]}; window parameters checked per
//                              dataset (the wrong style is Elexon's 404, a
//                              missing or unparsable one and a window longer
//                              than the dataset's maximum are 400 RFC 9110
//                              problem bodies shaped like the fixture
//                              api/error_400_problem.json)
//   GET /datasets/{X}/stream   the same rows as a bare array (no range cap)
//   GET /balancing/settlement/system-prices/{date}[/{period}]
//                              {"metadata":{"datasets":["DISEBSP"]},"data":[...]}:
//                              the day's 46/48/50 periods or the one period
//                              (none for a period the day lacks, as Elexon);
//                              a bad date or period is a 400 problem body,
//                              .../stream a 404 (there is none)
//   GET /reference/fueltypes/all, /generation/outturn/interconnectors,
//       /remit/list/by-publish  the fixture files
// Rows: FUELINST (every 5 min, 20 fuel types), FUELHH (every 30 min), FREQ
// (every 15 s), MID (APXMIDP + N2EXMIDP per settlement period, by startTime)
// and INDO/ITSDO (one row per period, published at its end) are generated
// for any window, inclusive at both ends like Elexon, with 46/48/50 periods
// per settlement day; PN and QPN base rows are generated per settlement period;
// system prices are generated per period, except 2026-08-01 SP5, which is
// the fixture's row (byte-exact when asked for alone). Other datasets answer with their fixture file
// (api/datasets_<X>.json, api/datasets_<X>_stream.json), unfiltered.
// Simplification: window parameters are required on every /datasets
// endpoint (Elexon returns the latest publish without them); a stream given
// only its "from" parameter covers that instant alone.
//
// Failures (429/503, 400 problem bodies, delays, dropped connections) come
// from the host's fault injection (server_host.hpp). Requests that reach the
// service are recorded; black-box tests read them with
//   GET    /_fake/requests   {"count":N,"requests":[{"method","path","query","status"}]}
//   DELETE /_fake/requests   forget them
// Latency: --delay-ms (or set_response_delay) delays every data response.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"

namespace httplib {
class Server;
}

namespace gbpm::fakes::elexon {

// Elexon's maximum base-endpoint windows, as the
// fake enforces them by default: INDGEN/INDDEM/TSDF/NDF/IMBALNGC/MELNGC 1 day,
// FREQ 24 h (documented), MID 7 days (observed). Datasets without an entry
// accept any window.
std::map<std::string, std::chrono::seconds> default_max_windows();

struct ElexonServiceOptions {
  // The folder holding api/ (…/fixtures/elexon).
  std::filesystem::path fixtures_dir;
  std::string prefix = "/bmrs/api/v1";
  // dataset -> maximum (to - from) of one base request; see default_max_windows().
  std::map<std::string, std::chrono::seconds> max_window = default_max_windows();
  // Every data response waits this long before answering, so tests can see
  // how many requests a client keeps in flight.
  std::chrono::milliseconds response_delay{0};
};

// One request that reached the service (fault-injected ones do not).
struct RecordedRequest {
  std::string method;
  std::string path;   // without the query string
  std::string query;  // the raw query string, without '?'
  int status = 0;     // the status the service answered with
};

class ElexonService {
 public:
  explicit ElexonService(ElexonServiceOptions options);
  ~ElexonService();
  ElexonService(const ElexonService&) = delete;
  ElexonService& operator=(const ElexonService&) = delete;

  // Registers the routes. The service must outlive the server.
  void install(httplib::Server& server);

  // Requests served so far, in arrival order.
  [[nodiscard]] std::vector<RecordedRequest> requests() const;
  [[nodiscard]] std::size_t request_count() const;
  // The most requests ever being answered at the same time.
  [[nodiscard]] int max_in_flight() const;
  // Forgets recorded requests and the in-flight maximum.
  void reset_stats();
  void set_response_delay(std::chrono::milliseconds delay);

 private:
  struct Impl;
  std::unique_ptr<Impl> m_impl;
};

// The 20 fuel types the FUELINST/FUELHH generators emit (as Elexon reports them).
const std::vector<std::string_view>& generated_fuel_types();

// The generated FUELINST/FUELHH MW value of `fuel_type` for the interval
// starting at `start` (deterministic; signed for interconnectors and PS).
int generated_generation(core::TimePoint start, std::string_view fuel_type);

// The generated FREQ value at `instant`, Hz, 3 decimals.
double generated_frequency(core::TimePoint instant);

}  // namespace gbpm::fakes::elexon
