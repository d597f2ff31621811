// libFuzzer target: dno-webhook's request parser (lib/dno/http_request) on
// arbitrary bytes, fed whole and in small pieces. Besides "no crash, no UB,
// no leak", it checks what the parser promises: the split does not change
// the outcome; a complete request's body is exactly Content-Length bytes and
// within the limit; every refusal carries one of the documented statuses.
//   clang build: http_request_fuzz [corpus dirs] (-DGBPM_FUZZ=ON)
//   any build:   http_request_replay FILE|DIR...

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dno/http_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const gbpm::dno::RequestLimits limits{.max_head_bytes = 1024, .max_headers = 16, .max_body_bytes = 512};
  gbpm::dno::RequestParser whole(limits);
  whole.feed(input);
  gbpm::dno::RequestParser pieces(limits);
  const std::size_t step = size == 0 ? 1 : 1 + (static_cast<std::size_t>(data[0]) % 7);
  for (std::size_t i = 0; i < size; i += step) pieces.feed(input.substr(i, step));
  check(whole.state() == pieces.state());
  using State = gbpm::dno::RequestParser::State;
  if (whole.state() == State::complete) {
    check(whole.request().body == pieces.request().body);
    check(whole.request().method == pieces.request().method);
    check(whole.request().body.size() <= limits.max_body_bytes);
    check(!whole.request().path.empty() && whole.request().path.front() == '/');
    const auto length = whole.request().header("Content-Length");
    check(length ? std::stoull(*length) == whole.request().body.size() : whole.request().body.empty());
  } else if (whole.state() == State::error) {
    check(whole.error_status() == pieces.error_status());
    const int s = whole.error_status();
    check(s == 400 || s == 411 || s == 413 || s == 431 || s == 501 || s == 505);
  }
  return 0;
}
