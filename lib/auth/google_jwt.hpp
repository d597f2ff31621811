#pragma once
// Google service-account keys and the RS256 JWT assertion exchanged for an
// access token (the OAuth2 JWT-bearer grant, RFC 7523). Signing uses
// OpenSSL; nothing here talks to the network.

#include <chrono>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::auth {

// Google's default token endpoint, used when a key file names none.
inline constexpr std::string_view kGoogleTokenUrl = "https://oauth2.googleapis.com/token";

// A parsed `"type": "service_account"` key file. `private_key` is a secret:
// never log it or put it in an Error.
struct ServiceAccountKey {
  std::string client_email;
  std::string private_key;     // PEM, PKCS#8 ("BEGIN PRIVATE KEY") or PKCS#1
  std::string private_key_id;  // optional; becomes the JWT "kid"
  std::string token_uri{kGoogleTokenUrl};
  std::string project_id;  // optional
};

// Parses a service-account key file's JSON. `origin` (the file name) is used
// in error messages, which never quote the private key. client_email and
// private_key are required; token_uri defaults to Google's endpoint.
// ErrorKind::config on anything missing or malformed.
Result<ServiceAccountKey> parse_service_account_key(std::string_view json_text, std::string_view origin);

// base64url (RFC 4648 §5) without '=' padding, as JWTs use.
std::string base64url_encode(std::string_view bytes);
// Decodes base64url with or without padding; ErrorKind::data on a character
// outside the alphabet or an impossible length.
Result<std::string> base64url_decode(std::string_view text);

// What goes into the assertion's claim set.
struct JwtClaims {
  std::string issuer;    // iss: the service account's client_email
  std::string scope;     // space-separated scopes
  std::string audience;  // aud: the token endpoint URL the assertion is sent to
  core::TimePoint issued_at{};
  std::chrono::seconds lifetime{3600};  // exp = iat + lifetime; Google allows at most 1 h
};

// The signed JWT "header.claims.signature": header {"alg":"RS256","typ":"JWT"
// [,"kid":private_key_id]}, claims {iss, scope, aud, iat, exp} in integer
// seconds, RSASSA-PKCS1-v1_5/SHA-256 signature over "header.claims", every
// segment base64url without padding. ErrorKind::config when the PEM key cannot
// be read or is not an RSA key (the message names the key's client_email,
// never the key).
Result<std::string> make_jwt_assertion(const ServiceAccountKey& key, const JwtClaims& claims);

}  // namespace gbpm::auth
