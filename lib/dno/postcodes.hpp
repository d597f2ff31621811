#pragma once
// Postcodes.io (GET {base}/postcodes/{postcode}): a GB postcode's British
// National Grid eastings/northings and WGS84 longitude/latitude.
// Response shapes: 200 {"status":200,"result":{"postcode":"SW1A 1AA",
// "eastings":529090,"northings":179645,"longitude":-0.141588,"latitude":51.501009,
// "country":"England",...}}; 404 {"status":404,"error":"Postcode not found"}
// (or "Invalid postcode"). Coordinates may be null (e.g. some Channel
// Islands and Isle of Man postcodes).

#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "net/http.hpp"

namespace gbpm::dno {

inline constexpr std::string_view kPostcodesDefaultUrl = "https://api.postcodes.io";

// A postcode in canonical form: upper case, one space before the inward code
// ("sw1a1aa" → "SW1A 1AA"). ErrorKind::usage quoting the text when it is not
// shaped like a UK postcode (2-4 character outward code, digit + 2 letters).
Result<std::string> normalise_postcode(std::string_view text);

struct PostcodeLocation {
  std::string postcode;  // as Postcodes.io spells it
  std::optional<double> eastings, northings;
  std::optional<double> longitude, latitude;
  std::string country;  // "England", "Scotland", "Wales", "Northern Ireland", ...
};

// The seam the lookup talks through (real: PostcodesClient; tests: fakes).
class PostcodeSource {
 public:
  virtual ~PostcodeSource() = default;
  // Errors: data (unknown postcode, naming it; an undecodable reply),
  // temporary (429/5xx/timeout), unavailable (other statuses, TLS).
  virtual Result<PostcodeLocation> locate(std::string_view postcode) = 0;
};

// Validates a base URL: https://, or http:// only to a loopback host
// (127.0.0.1, ::1, localhost) for tests. ErrorKind::config otherwise.
Status check_base_url(std::string_view url, std::string_view setting);

class PostcodesClient final : public PostcodeSource {
 public:
  // `transport` (typically retrying) must outlive the client.
  PostcodesClient(net::HttpTransport& transport, std::string base_url,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Result<PostcodeLocation> locate(std::string_view postcode) override;
  [[nodiscard]] int requests() const { return m_requests; }

 private:
  net::HttpTransport& m_transport;
  std::string m_base;
  std::chrono::milliseconds m_timeout;
  int m_requests = 0;
};

// Decodes a 200 body. ErrorKind::data naming the postcode when malformed.
Result<PostcodeLocation> parse_postcode_response(std::string_view body, std::string_view postcode);

}  // namespace gbpm::dno
