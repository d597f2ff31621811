#include "fakes/fake-postcodes/postcodes_service.hpp"

#include <fmt/format.h>
#include <httplib.h>

#include <cctype>

#include "json/writer.hpp"

namespace gbpm::fakes::postcodes {

namespace {

std::string compact(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == ' ' || c == '+') continue;
    out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

bool well_formed(const std::string& s) {
  if (s.size() < 5 || s.size() > 7) return false;
  const std::size_t n = s.size();
  return std::isalpha(static_cast<unsigned char>(s[0])) != 0 &&
         std::isdigit(static_cast<unsigned char>(s[n - 3])) != 0 &&
         std::isalpha(static_cast<unsigned char>(s[n - 2])) != 0 &&
         std::isalpha(static_cast<unsigned char>(s[n - 1])) != 0;
}

std::string result_json(const Place& p) {
  json::Writer w;
  const std::string outcode = p.postcode.substr(0, p.postcode.find(' '));
  const std::string incode = p.postcode.substr(p.postcode.find(' ') + 1);
  w.begin_object().key("status").int64(200).key("result").begin_object();
  w.key("postcode").string(p.postcode).key("quality").int64(1);
  const auto opt = [&](std::string_view k, const std::optional<double>& v) {
    w.key(k);
    if (v) {
      w.float64(*v);
    } else {
      w.null();
    }
  };
  opt("eastings", p.eastings);
  opt("northings", p.northings);
  w.key("country").string(p.country).key("nhs_ha").string("Unknown");
  w.key("longitude").float64(p.longitude).key("latitude").float64(p.latitude);
  w.key("european_electoral_region").string(p.region).key("primary_care_trust").null();
  w.key("region").string(p.region).key("lsoa").string(p.admin_district + " 001A");
  w.key("msoa").string(p.admin_district + " 001").key("incode").string(incode).key("outcode").string(outcode);
  w.key("parliamentary_constituency").string(p.admin_district).key("admin_district").string(p.admin_district);
  w.key("parish").null().key("admin_county").null().key("date_of_introduction").string("198001");
  w.key("admin_ward").string(p.admin_district + " Central").key("ced").null().key("ccg").null();
  w.key("nuts").null().key("pfa").string(p.region);
  w.key("codes").begin_object();
  w.key("admin_district").string("E08000025").key("admin_county").string("E99999999");
  w.key("admin_ward").string("E05011151").key("parish").string("E43000250");
  w.key("parliamentary_constituency").string("E14000564").key("ccg").string("E38000220");
  w.key("ccg_id").string("15E").key("ced").string("E99999999").key("nuts").string("TLG31");
  w.key("lsoa").string("E01033620").key("msoa").string("E02006899").key("lau2").string("E08000025");
  w.key("pfa").string("E23000014").end_object();
  w.end_object().end_object();
  auto text = w.finish();
  return text ? *text : std::string("{}");
}

}  // namespace

PostcodesService::PostcodesService() {
  add({"B1 1AA", 406640, 286900, 52.4796, -1.9026, "England", "West Midlands", "Birmingham"});
  add({"M1 1AE", 384425, 398137, 53.4808, -2.2360, "England", "North West", "Manchester"});
  add({"SW1A 1AA", 529090, 179645, 51.501009, -0.141588, "England", "London", "Westminster"});
  add({"TR21 0HE", 91000, 10600, 49.9140, -6.3100, "England", "South West", "Isles of Scilly"});
  add({"BT1 1AA", 333874, 374567, 54.5990, -5.9300, "Northern Ireland", "", "Belfast"});
  add({"IM1 1AA", std::nullopt, std::nullopt, 54.1500, -4.4800, "Isle of Man", "", "Douglas"});
}

void PostcodesService::add(Place place) {
  m_places[compact(place.postcode)] = std::move(place);
}

void PostcodesService::install(httplib::Server& server) {
  server.Get(R"(/postcodes/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
    ++m_requests;
    const std::string key = compact(req.matches[1].str());
    const auto it = m_places.find(key);
    if (it == m_places.end()) {
      res.status = 404;
      res.set_content(well_formed(key) ? R"({"status":404,"error":"Postcode not found"})"
                                       : R"({"status":404,"error":"Invalid postcode"})",
                      "application/json");
      return;
    }
    res.status = 200;
    res.set_content(result_json(it->second), "application/json");
  });
  server.Get("/_fake/requests", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(fmt::format(R"({{"count":{}}})", m_requests.load()), "application/json");
  });
}

}  // namespace gbpm::fakes::postcodes
