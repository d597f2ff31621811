#include "demo_data.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numbers>
#include <string_view>
#include <system_error>

#include "core/fs.hpp"
#include "core/time.hpp"
#include "json/writer.hpp"
#include "market/fuels.hpp"
#include "market/settlement.hpp"

namespace gbpm::demo {
namespace {

using namespace std::chrono;
using core::TimePoint;

// --- Deterministic noise -------------------------------------------------------

// splitmix64: a portable, well-mixed hash of (seed, stream, index).
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Uniform in [-1, 1) for one (seed, stream, index).
double unit_noise(std::uint64_t seed, std::uint64_t stream, std::int64_t index) {
  const std::uint64_t h = mix(mix(seed ^ (stream * 0x632be59bd9b4e019ULL)) ^ static_cast<std::uint64_t>(index));
  return static_cast<double>(h >> 11) / static_cast<double>(1ULL << 52) - 1.0;
}

// Smooth noise in [-1, 1]: random knots every `knot` seconds, cosine-interpolated.
double smooth_noise(std::uint64_t seed, std::uint64_t stream, TimePoint t, seconds knot) {
  const auto s = duration_cast<seconds>(t.time_since_epoch()).count();
  const std::int64_t k = s / knot.count();
  const double frac = static_cast<double>(s - k * knot.count()) / static_cast<double>(knot.count());
  const double w = (1.0 - std::cos(frac * std::numbers::pi)) / 2.0;
  return unit_noise(seed, stream, k) * (1.0 - w) + unit_noise(seed, stream, k + 1) * w;
}

double round_to(double v, double step) {
  return std::round(v / step) * step;
}

double gauss(double x, double mean, double sigma) {
  return std::exp(-(x - mean) * (x - mean) / (2.0 * sigma * sigma));
}

// Hours since local (Europe/London) midnight on the local wall clock.
double local_hour(TimePoint t) {
  const auto local = t + market::london_utc_offset(t);
  return duration<double, std::ratio<3600>>(local - floor<days>(local)).count();
}

// Noise streams, one per series.
enum Stream : std::uint64_t {
  kDemand = 1,
  kWind,
  kWindSlow,
  kNuclear,
  kBiomass,
  kHydro,
  kOther,
  kPumped,
  kFreqSlow,
  kFreqFast,
  kPrice,
  kImbalance,
  kSpike,
  kVolume,
  kForecast,
  kRemit,
  kCcgt,
  kInterconnector = 100,  // + index
};

// --- The model: MW per fuel at an instant ----------------------------------------

struct Instant {
  double national_demand = 0;  // INDO-like, MW
  std::map<std::string, double> mw;
};

class Model {
 public:
  explicit Model(std::uint64_t seed) : m_seed(seed) {}

  [[nodiscard]] Instant at(TimePoint t) const {
    const double h = local_hour(t);
    Instant out;
    // A Sunday in late October: ~18 GW at 4am, ~28 GW at the 17:30 peak.
    const double demand = 21500.0 - 3800.0 * std::cos(2.0 * std::numbers::pi * (h - 4.0) / 24.0) +
                          3200.0 * gauss(h, 17.6, 1.2) + 350.0 * smooth_noise(m_seed, kDemand, t, minutes{40});
    out.national_demand = demand;
    // Wind wanders through the day on a 30-hour swell plus gusts.
    const double hours = duration<double, std::ratio<3600>>(t.time_since_epoch()).count();
    const double wind = std::clamp(
        9000.0 + 3800.0 * std::sin(2.0 * std::numbers::pi * hours / 30.0 + 3.0 * unit_noise(m_seed, kWindSlow, 0)) +
            1600.0 * smooth_noise(m_seed, kWind, t, minutes{90}) +
            400.0 * smooth_noise(m_seed, kWind + 50, t, minutes{15}),
        1200.0, 17000.0);
    auto& mw = out.mw;
    mw["WIND"] = wind;
    mw["NUCLEAR"] = 4150.0 + 30.0 * smooth_noise(m_seed, kNuclear, t, hours_knot());
    mw["BIOMASS"] =
        std::clamp(1200.0 + 0.045 * demand + 150.0 * smooth_noise(m_seed, kBiomass, t, minutes{60}), 900.0, 2600.0);
    mw["NPSHYD"] = 380.0 + 140.0 * smooth_noise(m_seed, kHydro, t, minutes{120});
    mw["OTHER"] = 390.0 + 45.0 * smooth_noise(m_seed, kOther, t, minutes{60});
    mw["COAL"] = 0.0;  // GB's last coal station closed in 2024
    mw["OIL"] = 0.0;
    mw["OCGT"] = std::max(0.0, (demand - 25500.0) * 0.06) + 4.0;
    // Pumped storage: pumps overnight (negative), generates at the peaks.
    mw["PS"] = 1500.0 * gauss(h, 17.8, 0.9) + 500.0 * gauss(h, 7.8, 0.8) - 900.0 * gauss(h, 3.5, 1.6) +
               80.0 * smooth_noise(m_seed, kPumped, t, minutes{30});
    // Interconnectors: signed MW, + = import. More export when it is windy.
    static constexpr std::array<std::pair<std::string_view, double>, 10> kBias = {{{"INTFR", 0.75},
                                                                                   {"INTIFA2", 0.8},
                                                                                   {"INTELEC", 0.85},
                                                                                   {"INTNED", 0.5},
                                                                                   {"INTNEM", 0.6},
                                                                                   {"INTNSL", 0.9},
                                                                                   {"INTVKL", 0.35},
                                                                                   {"INTIRL", -0.45},
                                                                                   {"INTEW", -0.55},
                                                                                   {"INTGRNL", -0.4}}};
    const double windiness = (wind - 9000.0) / 9000.0;
    for (std::size_t i = 0; i < kBias.size(); ++i) {
      const auto [code, bias] = kBias[i];
      const auto* info = market::find_interconnector(code);
      const double cap = info != nullptr ? info->capacity_mw : 1000.0;
      const double share = std::clamp(
          bias - 0.45 * windiness + 0.2 * smooth_noise(m_seed, kInterconnector + i, t, minutes{75}), -0.98, 0.98);
      mw[std::string(code)] = cap * share;
    }
    double net_import = 0;
    for (const auto& ic : market::interconnectors()) net_import += mw[std::string(ic.code)];
    // Gas balances the rest (with some must-run).
    double others = 0;
    for (const char* f : {"WIND", "NUCLEAR", "BIOMASS", "NPSHYD", "OTHER", "COAL", "OIL", "OCGT", "PS"}) {
      others += mw[f];
    }
    // Gas has a must-run floor; when the rest already covers demand the
    // interconnectors import less (or export more) instead.
    const double floor_mw = 2300.0 + 300.0 * smooth_noise(m_seed, kCcgt, t, minutes{120});
    double ccgt = demand + 450.0 - others - net_import;
    if (ccgt < floor_mw) {
      double capacity = 0;
      for (const auto& ic : market::interconnectors()) capacity += ic.capacity_mw;
      const double excess = floor_mw - ccgt;
      net_import = 0;
      for (const auto& ic : market::interconnectors()) {
        double& flow = mw[std::string(ic.code)];
        flow = std::max(-0.98 * ic.capacity_mw, flow - excess * ic.capacity_mw / capacity);
        net_import += flow;
      }
      ccgt = demand + 450.0 - others - net_import;
    }
    mw["CCGT"] = std::max(floor_mw, ccgt);
    for (auto& [fuel, value] : mw) value = std::round(value);
    return out;
  }

 private:
  static minutes hours_knot() { return minutes{180}; }
  std::uint64_t m_seed;
};

// --- Message writing ---------------------------------------------------------------

std::string stamp(TimePoint t) {
  return core::format_utc(floor<seconds>(t));
}

// "202510261750" for message ids, as the real ones (FUELINST_202510271650_89411.json).
std::string id_stamp(TimePoint t) {
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<minutes>(t - day)};
  return fmt::format("{:04}{:02}{:02}{:02}{:02}", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                     static_cast<unsigned>(ymd.day()), hms.hours().count(), hms.minutes().count());
}

class Collector {
 public:
  explicit Collector(const DemoOptions& options) : m_until(options.until) {}

  // Starts a message's record array; records are added with record().
  json::Writer& begin() {
    m_writer.begin_array();
    return m_writer;
  }
  // Ends the array and keeps the message when published by `until`.
  Status end(std::string_view dataset, TimePoint published) {
    m_writer.end_array();
    auto body = m_writer.finish();
    if (!body) return std::move(body).error();
    if (m_until && published > *m_until) return {};
    ++m_sequence;
    m_messages.push_back(DemoMessage{std::string(dataset),
                                     fmt::format("demo-{}_{}_{:05}.json", dataset, id_stamp(published), m_sequence),
                                     std::move(body).value(), published});
    return {};
  }
  std::vector<DemoMessage> take() { return std::move(m_messages); }

 private:
  std::optional<TimePoint> m_until;
  json::Writer m_writer;
  std::vector<DemoMessage> m_messages;
  int m_sequence = 0;
};

void period_fields(json::Writer& w, const market::SettlementPeriod& sp) {
  w.key("settlementDate").string(market::format_date(sp.date)).key("settlementPeriod").int64(sp.period);
}

// One REMIT revision.
struct Revision {
  int number;
  minutes published_after_day_start;
  double available_mw;
  std::string_view status;  // "Active", "Dismissed", "Inactive"
};

struct OutagePlan {
  std::string_view asset_id;
  std::string_view unit;
  std::string_view fuel;  // REMIT's free text
  double normal_mw;
  std::string_view unavailability;  // Planned / Unplanned
  std::string_view cause;
  hours start_from_day_start;  // negative: started before the day
  std::optional<hours> end_from_day_start;
  std::vector<Revision> revisions;
  std::string_view area;
};

// Fictional units (asset ids follow the real T_/E_/I_ patterns, names are made
// up) so no real station is reported with an invented outage.
const std::vector<OutagePlan>& outage_plans() {
  using H = hours;
  // clang-format off
  static const std::vector<OutagePlan> plans = {
      {"T_DMOA-1", "DMOA-1", "Nuclear", 1200, "Planned", "DEMO: statutory outage (refuelling)", H{-480}, H{24 * 30},
       {{1, minutes{65}, 0, "Active"}}, "B13"},
      {"T_DMOB-2", "DMOB-2", "Nuclear", 620, "Unplanned", "DEMO: reactor trip, investigation", H{-30}, std::nullopt,
       {{1, minutes{20}, 0, "Active"}, {2, minutes{14 * 60}, 0, "Active"}}, "B4"},
      {"I_IED-DMFR1", "I_IED-DMFR1", "", 1000, "Planned", "DEMO: cable repair (export unit)", H{-200}, H{24 * 5},
       {{1, minutes{100}, 0, "Active"}}, "B15"},
      {"I_IEG-DMFR1", "I_IEG-DMFR1", "", 1000, "Planned", "DEMO: cable repair (import unit)", H{-200}, H{24 * 5},
       {{1, minutes{101}, 0, "Active"}}, "B15"},
      {"T_DMOC-1", "DMOC-1", "Fossil Gas", 870, "Unplanned", "DEMO: gas turbine vibration", H{2}, H{40},
       {{1, minutes{130}, 400, "Active"}, {2, minutes{600}, 250, "Active"}, {3, minutes{900}, 420, "Active"}}, "B9"},
      {"T_DMOD-4", "DMOD-4", "Biomass", 645, "Planned", "DEMO: boiler inspection", H{-72}, H{96},
       {{1, minutes{35}, 0, "Active"}}, "B8"},
      {"T_DMOE-1", "DMOE-1", "Fossil Gas", 460, "Planned", "DEMO: major overhaul", H{-300}, H{24 * 12},
       {{1, minutes{45}, 0, "Active"}}, "B14"},
      {"T_DMOF-2", "DMOF-2", "Fossil Gas", 420, "Unplanned", "DEMO: steam turbine fault", H{8}, H{30},
       {{1, minutes{500}, 60, "Active"}}, "B11"},
      {"T_DMOG-1", "DMOG-1", "Hydro Pumped Storage", 300, "Planned", "DEMO: penstock works", H{-100}, H{24 * 4},
       {{1, minutes{55}, 0, "Active"}}, "B2"},
      {"T_DMOH-1", "DMOH-1", "Wind Offshore", 400, "Unplanned", "DEMO: export cable fault", H{-20}, std::nullopt,
       {{1, minutes{25}, 150, "Active"}, {2, minutes{18 * 60 + 52}, 120, "Active"}}, "B16"},
      {"T_DMOI-3", "DMOI-3", "Wind Offshore", 330, "Planned", "DEMO: array cable replacement", H{-50}, H{48},
       {{1, minutes{75}, 80, "Active"}}, "B6"},
      {"T_DMOJ-1", "DMOJ-1", "Fossil Gas", 750, "Planned", "DEMO: hot gas path inspection", H{-40}, H{24 * 8},
       {{1, minutes{150}, 420, "Active"}}, "B12"},
      {"T_DMOK-1", "DMOK-1", "Fossil Gas", 510, "Unplanned", "DEMO: boiler feed pump failure", H{5}, H{20},
       {{1, minutes{320}, 180, "Active"}}, "B10"},
      {"T_DMOL-2", "DMOL-2", "Wind Onshore", 230, "Planned", "DEMO: blade inspection", H{-10}, H{26},
       {{1, minutes{15}, 60, "Active"}}, "B1"},
      {"E_DMOM-1", "DMOM-1", "Biomass", 300, "Unplanned", "DEMO: fuel handling conveyor", H{10}, H{22},
       {{1, minutes{640}, 120, "Active"}}, "B7"},
      {"T_DMON-1", "DMON-1", "Fossil Gas", 400, "Planned", "DEMO: generator rewind", H{-600}, H{24 * 20},
       {{1, minutes{210}, 0, "Active"}}, "B17"},
      {"T_DMOO-1", "DMOO-1", "Fossil Gas", 1350, "Planned", "DEMO: unit 1 of 3 on outage", H{-60}, H{60},
       {{1, minutes{240}, 900, "Active"}}, "B9"},
      {"T_DMOP-1", "DMOP-1", "Hydro Water Reservoir", 150, "Planned", "DEMO: dam safety works", H{-500}, H{24 * 40},
       {{1, minutes{260}, 0, "Active"}}, "B1"},
      {"T_DMOQ-1", "DMOQ-1", "Wind Offshore", 600, "Unplanned", "DEMO: offshore substation trip", H{12}, H{19},
       {{1, minutes{730}, 200, "Active"}}, "B5"},
      {"T_DMOR-1", "DMOR-1", "Fossil Gas", 250, "Planned", "DEMO: compressor wash", H{6}, H{30},
       {{1, minutes{280}, 100, "Active"}}, "B13"},
      {"T_DMOS-2", "DMOS-2", "Nuclear", 640, "Planned", "DEMO: load reduction, cooling water", H{-8}, H{34},
       {{1, minutes{90}, 480, "Active"}, {2, minutes{800}, 420, "Active"}}, "B3"},
      {"T_DMOT-1", "DMOT-1", "Other", 180, "Unplanned", "DEMO: control system fault", H{3}, std::nullopt,
       {{1, minutes{200}, 40, "Active"}}, "B14"},
      // Not on the dashboard at 18:00 UTC: below 100 MW, dismissed, over, not yet started.
      {"T_DMOU-1", "DMOU-1", "Fossil Gas", 140, "Unplanned", "DEMO: small trip (below 100 MW)", H{4}, H{30},
       {{1, minutes{250}, 80, "Active"}}, "B10"},
      {"T_DMOV-1", "DMOV-1", "Wind Onshore", 95, "Planned", "DEMO: turbine maintenance (below 100 MW)", H{-5}, H{30},
       {{1, minutes{30}, 20, "Active"}, {2, minutes{18 * 60 + 41}, 35, "Active"}}, "B2"},
      {"T_DMOW-1", "DMOW-1", "Fossil Gas", 800, "Unplanned", "DEMO: reported in error, dismissed", H{1}, H{48},
       {{1, minutes{70}, 0, "Active"}, {2, minutes{190}, 0, "Dismissed"}}, "B12"},
      {"T_DMOX-1", "DMOX-1", "Biomass", 660, "Unplanned", "DEMO: overnight trip, returned", H{-3}, H{9},
       {{1, minutes{40}, 0, "Active"}}, "B8"},
      {"T_DMOY-1", "DMOY-1", "Fossil Gas", 900, "Planned", "DEMO: evening outage (starts later)", H{21}, H{28},
       {{1, minutes{360}, 0, "Active"}}, "B9"},
  };
  // clang-format on
  return plans;
}

Status remit_messages(Collector& out, TimePoint day_start) {
  for (std::size_t i = 0; i < outage_plans().size(); ++i) {
    const auto& plan = outage_plans()[i];
    const std::string mrid = fmt::format("DEMO-RMT-{:08}", 1000 + i);
    for (const auto& rev : plan.revisions) {
      const TimePoint published = day_start + rev.published_after_day_start + seconds{(i * 37) % 60};
      auto& w = out.begin();
      const bool cable = plan.fuel.empty();
      w.begin_object()
          .key("dataset")
          .string("REMIT")
          .key("mrid")
          .string(mrid)
          .key("revisionNumber")
          .int64(rev.number)
          .key("publishTime")
          .string(stamp(published))
          .key("createdTime")
          .string(stamp(published - minutes{2}))
          .key("messageType")
          .string("UnavailabilitiesOfElectricityFacilities")
          .key("messageHeading")
          .string("REMIT Information (synthetic demo data)")
          .key("eventType")
          .string(cable ? "Transmission unavailability" : "Production unavailability")
          .key("unavailabilityType")
          .string(plan.unavailability)
          .key("participantId")
          .string("DEMO")
          .key("registrationCode")
          .string("DEMO000000000000")
          .key("assetId")
          .string(plan.asset_id)
          .key("assetType")
          .string(cable ? "Transmission" : "Production")
          .key("affectedUnit")
          .string(plan.unit)
          .key("affectedUnitEIC")
          .string(fmt::format("48W0000DEMO{:04}X", i))
          .key("affectedArea")
          .string(plan.area)
          .key("biddingZone")
          .string("10YGB----------A");
      if (!cable) w.key("fuelType").string(plan.fuel);
      w.key("normalCapacity")
          .float64(plan.normal_mw)
          .key("availableCapacity")
          .float64(rev.available_mw)
          .key("unavailableCapacity")
          .float64(plan.normal_mw - rev.available_mw)
          .key("eventStatus")
          .string(rev.status)
          .key("eventStartTime")
          .string(stamp(day_start + plan.start_from_day_start));
      if (plan.end_from_day_start) {
        w.key("eventEndTime").string(stamp(day_start + *plan.end_from_day_start));
      } else {
        w.key("eventEndTime").null();
      }
      w.key("durationUncertainty")
          .string(plan.end_from_day_start ? "Unknown" : "Indefinite")
          .key("cause")
          .string(plan.cause)
          .end_object();
      if (auto ok = out.end("REMIT", published); !ok) return ok;
    }
  }
  return {};
}

// Boundary zone shares (B1..B17, north to south): wind, other generation, demand.
constexpr std::array<double, 17> kWindShare = {0.16, 0.12, 0.06, 0.10, 0.05, 0.08, 0.07, 0.06, 0.05,
                                               0.03, 0.03, 0.02, 0.03, 0.02, 0.05, 0.04, 0.03};
constexpr std::array<double, 17> kThermalShare = {0.01, 0.01, 0.02, 0.03, 0.03, 0.04, 0.06, 0.10, 0.12,
                                                  0.08, 0.07, 0.06, 0.08, 0.09, 0.06, 0.07, 0.07};
constexpr std::array<double, 17> kDemandShare = {0.01, 0.02, 0.02, 0.03, 0.04, 0.05, 0.06, 0.08, 0.09,
                                                 0.07, 0.07, 0.06, 0.09, 0.12, 0.08, 0.06, 0.05};

}  // namespace

Result<std::vector<DemoMessage>> generate_day(const DemoOptions& options) {
  if (!market::is_supported_date(options.date)) {
    return make_error(ErrorKind::usage, "demo date outside the supported settlement dates");
  }
  const TimePoint day_start = market::day_start_utc(options.date);
  const TimePoint day_end = market::day_end_utc(options.date);
  if (options.until && *options.until < day_start) {
    return make_error(ErrorKind::usage,
                      fmt::format("--until {} is before the settlement day {} starts ({})", stamp(*options.until),
                                  market::format_date(options.date), stamp(day_start)));
  }
  const Model model(options.seed);
  const std::uint64_t seed = options.seed;
  Collector out(options);

  // FUELINST: one message per 5-minute instant, published 5 minutes later.
  // Alphabetical like the real feed: fuels and interconnectors interleaved.
  std::vector<std::string_view> codes;
  for (const auto& f : market::fuel_types()) codes.push_back(f.code);
  for (const auto& ic : market::interconnectors()) codes.push_back(ic.code);
  std::sort(codes.begin(), codes.end());
  for (TimePoint t = day_start; t < day_end; t += minutes{5}) {
    const Instant inst = model.at(t);
    const TimePoint published = t + minutes{5};
    const auto sp = market::period_at(t);
    auto& w = out.begin();
    const auto record = [&](std::string_view fuel) {
      w.begin_object()
          .key("dataset")
          .string("FUELINST")
          .key("publishTime")
          .string(stamp(published))
          .key("startTime")
          .string(stamp(t));
      period_fields(w, sp);
      w.key("fuelType").string(fuel).key("generation").int64(static_cast<std::int64_t>(inst.mw.at(std::string(fuel))));
      w.end_object();
    };
    for (const auto code : codes) record(code);
    if (auto ok = out.end("FUELINST", published); !ok) return std::move(ok).error();
  }

  // FREQ: 15-second samples, one message per 5 minutes.
  for (TimePoint window = day_start; window < day_end; window += minutes{5}) {
    auto& w = out.begin();
    for (TimePoint t = window; t < window + minutes{5}; t += seconds{15}) {
      const double hz = 50.0 + 0.07 * smooth_noise(seed, kFreqSlow, t, minutes{8}) +
                        0.025 * smooth_noise(seed, kFreqFast, t, seconds{60});
      w.begin_object()
          .key("dataset")
          .string("FREQ")
          .key("measurementTime")
          .string(stamp(t))
          .key("frequency")
          .float64(round_to(hz, 0.001))
          .end_object();
    }
    if (auto ok = out.end("FREQ", window + minutes{5}); !ok) return std::move(ok).error();
  }

  // Per settlement period: INDO/ITSDO, MID, DISEBSP.
  const int periods = market::periods_in_day(options.date);
  for (int p = 1; p <= periods; ++p) {
    const TimePoint start = day_start + market::kPeriodLength * (p - 1);
    const TimePoint end = start + market::kPeriodLength;
    const market::SettlementPeriod sp{options.date, p};
    // Period means of the model (six 5-minute instants).
    double demand = 0;
    double wind = 0;
    double pumping = 0;
    double exports = 0;
    for (int i = 0; i < 6; ++i) {
      const Instant inst = model.at(start + minutes{5 * i});
      demand += inst.national_demand / 6.0;
      wind += inst.mw.at("WIND") / 6.0;
      pumping += std::max(0.0, -inst.mw.at("PS")) / 6.0;
      for (const auto& ic : market::interconnectors()) {
        exports += std::max(0.0, -inst.mw.at(std::string(ic.code))) / 6.0;
      }
    }
    for (const auto& [code, value] :
         {std::pair<std::string_view, double>{"INDO", demand}, {"ITSDO", demand + 550.0 + pumping + exports}}) {
      auto& w = out.begin();
      w.begin_object()
          .key("dataset")
          .string(code)
          .key("publishTime")
          .string(stamp(end))
          .key("startTime")
          .string(stamp(start));
      period_fields(w, sp);
      w.key("demand").int64(static_cast<std::int64_t>(std::round(value))).end_object();
      if (auto ok = out.end(code, end); !ok) return std::move(ok).error();
    }
    // Market index price follows residual demand (demand - wind).
    const double residual_gw = (demand - wind) / 1000.0;
    const double price = std::max(-5.0, 18.0 + 6.2 * residual_gw + 7.0 * unit_noise(seed, kPrice, p));
    const double volume = std::max(150.0, 700.0 + 95.0 * residual_gw + 200.0 * unit_noise(seed, kVolume, p));
    {
      auto& w = out.begin();
      for (const auto& [provider, pr, vol] :
           {std::tuple<std::string_view, double, double>{"APXMIDP", price, volume}, {"N2EXMIDP", 0.0, 0.0}}) {
        w.begin_object().key("dataset").string("MID").key("startTime").string(stamp(start));
        w.key("dataProvider").string(provider);
        period_fields(w, sp);
        w.key("price").float64(round_to(pr, 0.01)).key("volume").float64(round_to(vol, 0.01)).end_object();
      }
      if (auto ok = out.end("MID", end); !ok) return std::move(ok).error();
    }
    {
      const double spike = unit_noise(seed, kSpike, p) > 0.88 ? 60.0 + 40.0 * unit_noise(seed, kSpike + 1, p) : 0.0;
      const double system_price = round_to(price + 14.0 * unit_noise(seed, kPrice + 1, p) + spike, 0.01);
      const double niv = round_to(450.0 * unit_noise(seed, kImbalance, p), 0.001);
      const double offers = round_to(600.0 + std::max(0.0, niv) + 150.0 * unit_noise(seed, kImbalance + 1, p), 0.001);
      const double bids = round_to(-(400.0 + std::max(0.0, -niv) + 120.0 * unit_noise(seed, kImbalance + 2, p)), 0.001);
      const TimePoint created = end + minutes{15};
      auto& w = out.begin();
      w.begin_object().key("dataset").string("DISEBSP");
      period_fields(w, sp);
      w.key("startTime")
          .string(stamp(start))
          .key("createdDateTime")
          .string(stamp(created))
          .key("systemSellPrice")
          .float64(system_price)
          .key("systemBuyPrice")
          .float64(system_price)
          .key("bsadDefaulted")
          .boolean(false)
          .key("priceDerivationCode")
          .string(niv >= 0 ? "P" : "N")
          .key("reserveScarcityPrice")
          .float64(0.0)
          .key("netImbalanceVolume")
          .float64(niv)
          .key("sellPriceAdjustment")
          .float64(0.0)
          .key("buyPriceAdjustment")
          .float64(0.0)
          .key("replacementPrice")
          .null()
          .key("replacementPriceReferenceVolume")
          .null()
          .key("totalAcceptedOfferVolume")
          .float64(offers)
          .key("totalAcceptedBidVolume")
          .float64(bids)
          .key("totalAdjustmentSellVolume")
          .float64(0.0)
          .key("totalAdjustmentBuyVolume")
          .float64(0.0)
          .key("totalSystemTaggedAcceptedOfferVolume")
          .float64(offers)
          .key("totalSystemTaggedAcceptedBidVolume")
          .float64(bids)
          .end_object();
      if (auto ok = out.end("DISEBSP", created); !ok) return std::move(ok).error();
    }
  }

  // INDGEN/INDDEM: hourly publishes at :47 for the next 8 SPs of the day.
  for (TimePoint published = day_start - minutes{13}; published + minutes{13} < day_end; published += hours{1}) {
    const TimePoint first = std::max<TimePoint>(day_start, floor<minutes>(published) + minutes{13});
    for (const bool generation : {true, false}) {
      const std::string_view code = generation ? "INDGEN" : "INDDEM";
      auto& w = out.begin();
      for (int k = 0; k < 8; ++k) {
        const TimePoint start = first + market::kPeriodLength * k;
        if (start >= day_end) break;
        const auto sp = market::period_at(start);
        const Instant inst = model.at(start);
        // Forecast error grows with the horizon.
        const double error = 1.0 + 0.006 * (k + 1) *
                                       unit_noise(seed, kForecast + (generation ? 0 : 1),
                                                  duration_cast<minutes>(start - published).count() + 1000 * sp.period);
        double total_generation = 0;
        for (const auto& f : market::fuel_types()) {
          if (f.code != "PS") total_generation += std::max(0.0, inst.mw.at(std::string(f.code)));
        }
        const double wind = inst.mw.at("WIND");
        const double national_demand = inst.national_demand + 450.0;
        const auto value_at = [&](int zone) {  // zone 0 = N
          if (generation) {
            if (zone == 0) return total_generation * error;
            const auto z = static_cast<std::size_t>(zone - 1);
            return (wind * kWindShare[z] + (total_generation - wind) * kThermalShare[z]) * error;
          }
          if (zone == 0) return -national_demand * error;
          return -national_demand * kDemandShare[static_cast<std::size_t>(zone - 1)] * error;
        };
        for (int zone = 0; zone <= 17; ++zone) {
          w.begin_object()
              .key("dataset")
              .string(code)
              .key(generation ? "generation" : "demand")
              .int64(static_cast<std::int64_t>(std::round(value_at(zone))))
              .key("publishTime")
              .string(stamp(published))
              .key("startTime")
              .string(stamp(start));
          period_fields(w, sp);
          w.key("boundary").string(zone == 0 ? std::string("N") : fmt::format("B{}", zone)).end_object();
        }
      }
      if (auto ok = out.end(code, published); !ok) return std::move(ok).error();
    }
  }

  if (auto ok = remit_messages(out, day_start); !ok) return std::move(ok).error();

  auto messages = out.take();
  std::stable_sort(messages.begin(), messages.end(), [](const DemoMessage& a, const DemoMessage& b) {
    if (a.published != b.published) return a.published < b.published;
    if (a.dataset != b.dataset) return a.dataset < b.dataset;
    return a.message_id < b.message_id;
  });
  return messages;
}

std::string notice_text(const DemoOptions& options, std::size_t messages) {
  return fmt::format(
      "SYNTHETIC DEMO DATA - NOT REAL MARKET DATA\n"
      "\n"
      "These {} files are IRIS-shaped messages made up by gbpm-demo-data (seed {})\n"
      "for the settlement day {} ({} settlement periods){}.\n"
      "They follow the official IRIS clients' drop layout\n"
      "<dir>/<DATASET>/<message-id>.json and the record\n"
      "shapes of real messages, but every value is generated: message ids start\n"
      "with \"demo-\", REMIT outages name fictional units (participant DEMO, causes\n"
      "starting \"DEMO:\"). Do not load them into a production warehouse.\n"
      "\n"
      "Load them with:  iris-ingest --source dir:<this directory> --once\n",
      messages, options.seed, market::format_date(options.date), market::periods_in_day(options.date),
      options.until ? fmt::format(",\npublished up to {}", stamp(*options.until)) : std::string());
}

Status write_drop(const std::filesystem::path& dir, const std::vector<DemoMessage>& messages,
                  const DemoOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (auto ok = core::ensure_directory(dir); !ok) return ok;
  // Remove the demo files of an earlier run (ids differ with --until).
  for (fs::directory_iterator folder(dir, ec), end; !ec && folder != end; folder.increment(ec)) {
    const auto name = folder->path().filename().string();
    if (!folder->is_directory() || name.empty() || name.front() == '.') continue;
    for (fs::directory_iterator file(folder->path(), ec), fend; !ec && file != fend; file.increment(ec)) {
      if (file->path().filename().string().rfind("demo-", 0) == 0) fs::remove(file->path(), ec);
    }
  }
  if (ec) return make_error(ErrorKind::output, fmt::format("cannot clean {}: {}", dir.string(), ec.message()));
  for (const auto& m : messages) {
    const fs::path folder = dir / m.dataset;
    if (auto ok = core::ensure_directory(folder); !ok) return ok;
    const fs::path path = folder / m.message_id;
    if (auto ok = core::write_file_atomic(path, m.body); !ok) return ok;
    // mtime = publish time: a dir: source reads them oldest first, at once.
    fs::last_write_time(path, file_clock::from_sys(m.published), ec);
    if (ec)
      return make_error(ErrorKind::output, fmt::format("cannot set the time of {}: {}", path.string(), ec.message()));
  }
  return core::write_file_atomic(dir / "README.txt", notice_text(options, messages.size()));
}

}  // namespace gbpm::demo
