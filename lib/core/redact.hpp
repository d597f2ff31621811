#pragma once
// The one place that decides how a URL is shown in logs, error texts, alerts
// and --print-config: credentials never appear, whatever the URL is for.

#include <string>
#include <string_view>

namespace gbpm::core {

// `url` with any user:password@ removed and the values of secret-looking
// query parameters (key, sig, token, ...) replaced by "[REDACTED]".
std::string redact_url(std::string_view url);

// A URL whose path is itself the credential (a Slack-style webhook):
// "scheme://host/[REDACTED]" (port kept, user-info, path, query dropped);
// "[REDACTED]" for text that is not an absolute URL.
std::string redact_secret_url(std::string_view url);

// `text` (an error message that may quote `secret_url`, as given or as
// redact_url shows it) with every appearance of its path, query or
// user-info replaced by "[REDACTED]".
std::string scrub_secret_url(std::string_view text, std::string_view secret_url);

// True for an https:// URL, or an http:// one whose host is a loopback
// address (127.0.0.0/8, ::1, localhost: the test fakes), in both cases
// without user:password@. URLs that receive credentials (a token, a secret
// path) must pass this.
bool is_https_or_loopback(std::string_view url);

}  // namespace gbpm::core
