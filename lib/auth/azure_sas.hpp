#pragma once
// Azure Service Bus shared access signatures (SAS), the alternative to Entra
// ID tokens:
//
//   Authorization: SharedAccessSignature sr=<enc uri>&sig=<enc sig>&se=<expiry>&skn=<key name>
//
// sig = Base64(HMAC-SHA256(key bytes as written, URL-encoded resource URI + "\n" + expiry epoch seconds)).
// The key is used exactly as written in the connection string; it is NOT
// base64-decoded (that is IoT Hub's variant).

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "auth/token_source.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::auth {

// A named SAS policy key ("RootManageSharedAccessKey" + its key).
struct SasKey {
  std::string name;
  std::string key;  // the secret: never log it
};

// Percent-encodes every byte outside RFC 3986's unreserved set
// (A-Z a-z 0-9 - . _ ~), with upper-case hex: what Azure's SDKs send for `sr`
// and `sig` and what form bodies (application/x-www-form-urlencoded) need.
std::string azure_url_encode(std::string_view text);

// Reverses azure_url_encode (any %XX escape; '+' is kept as is). A malformed
// or truncated escape is ErrorKind::data.
Result<std::string> azure_url_decode(std::string_view text);

// Base64 (standard alphabet, padded) of HMAC-SHA256(key, encoded_uri + "\n" + expiry):
// the signature before it is URL-encoded into the token. `encoded_uri` is the
// `sr` value exactly as it appears in the token.
std::string sas_signature(std::string_view encoded_uri, std::int64_t expiry_epoch_seconds, std::string_view key);

// The token text after "SharedAccessSignature ": "sr=...&sig=...&se=...&skn=...".
// `resource_uri` is the namespace or entity URL, e.g.
// "https://ns.servicebus.windows.net/orders" (a namespace token covers every
// entity under it).
std::string make_sas_token(std::string_view resource_uri, const SasKey& key, std::int64_t expiry_epoch_seconds);

// A TokenSource handing out SAS tokens for `resource_uri` valid for `lifetime`
// (AccessToken::type is "SharedAccessSignature", so authorization() is the
// full header value), re-signed before they expire through CachingTokenSource.
// `clock` must outlive the source.
std::unique_ptr<CachingTokenSource> make_sas_token_source(std::string resource_uri, SasKey key,
                                                          const core::Clock& clock,
                                                          std::chrono::seconds lifetime = std::chrono::hours(1));

// The parts of a Service Bus connection string
// "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=N;SharedAccessKey=K[;EntityPath=q]".
struct ServiceBusConnectionString {
  std::string namespace_url;  // "https://ns.servicebus.windows.net" (sb:// becomes https://, no trailing /)
  SasKey key;
  std::string entity_path;  // empty when absent
};

// Parses a connection string. Missing Endpoint, key name or key is
// ErrorKind::config; the message never contains the key.
Result<ServiceBusConnectionString> parse_servicebus_connection_string(std::string_view text);

}  // namespace gbpm::auth
