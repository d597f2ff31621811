#pragma once
// fake-postcodes: Postcodes.io's single-postcode lookup, for tests of the
// DNO lookup.
//   GET /postcodes/{postcode}   200 {"status":200,"result":{...}} with the
//                               fields Postcodes.io returns (postcode,
//                               quality, eastings, northings, country,
//                               longitude, latitude, region, outcode,
//                               incode, admin_district, codes, ...);
//                               404 {"status":404,"error":"Postcode not found"}
//                               for a well-formed unknown postcode and
//                               {"status":404,"error":"Invalid postcode"}
//                               otherwise, as the real service answers.
//   GET /_fake/requests         {"count":N} lookups answered so far
// Postcodes are matched ignoring case and spaces. The built-in postcodes
// (coordinates plausible, not authoritative):
//   B1 1AA    Birmingham      E 406640 N 286900  52.4796,-1.9026
//   M1 1AE    Manchester      E 384425 N 398137  53.4808,-2.2360
//   SW1A 1AA  London          E 529090 N 179645  51.501009,-0.141588
//   TR21 0HE  Isles of Scilly E  91000 N  10600  49.9140,-6.3100
//   BT1 1AA   Belfast (Northern Ireland; Irish-grid eastings/northings)
//   IM1 1AA   Douglas (Isle of Man; eastings/northings null)
// Faults (500s, delays, dropped connections) come from the host
// (server_host.hpp).

#include <atomic>
#include <map>
#include <optional>
#include <string>

namespace httplib {
class Server;
}

namespace gbpm::fakes::postcodes {

struct Place {
  std::string postcode;  // canonical spelling, "SW1A 1AA"
  std::optional<double> eastings, northings;
  double latitude = 0, longitude = 0;
  std::string country, region, admin_district;
};

class PostcodesService {
 public:
  PostcodesService();
  // Adds or replaces a postcode.
  void add(Place place);
  void install(httplib::Server& server);
  [[nodiscard]] long requests() const { return m_requests.load(); }

 private:
  std::map<std::string, Place> m_places;  // by compact upper-case postcode
  std::atomic<long> m_requests{0};
};

}  // namespace gbpm::fakes::postcodes
