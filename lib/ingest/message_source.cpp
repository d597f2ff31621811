#include "ingest/message_source.hpp"

#include <fmt/format.h>

namespace gbpm::ingest {

void mark_over_limit(Message& message, std::uint64_t size, std::size_t limit) {
  if (message.body.size() > kQuarantineHeadBytes) {
    message.body.resize(kQuarantineHeadBytes);
    message.body.shrink_to_fit();
  }
  message.read_error = fmt::format(
      "message of {} bytes is over the limit of {} bytes (GBPM_IRIS_MEMORY_MAX / 6); quarantined unparsed, by "
      "reference: only its first {} bytes are kept",
      size, limit, message.body.size());
}

}  // namespace gbpm::ingest
