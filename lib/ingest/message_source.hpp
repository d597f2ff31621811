#pragma once
// The seam between where IRIS messages come from (a Service Bus queue, the
// official clients' file drop) and the Ingester that stores them.
//
// Contract, in the order the Ingester uses it:
//   receive()      hands out a batch of messages; each stays "in flight"
//                  (locked on the broker, or left on disk) until it is settled;
//   acknowledge()  only after the message's rows, raw body or quarantine row
//                  are durably committed: complete it / remove its file;
//   release()      when they could not be committed: abandon it / leave the
//                  file where it is, so it is delivered again later.
// A crash between commit and acknowledge redelivers the message; the
// warehouse upserts by natural key, so the replay changes nothing.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace gbpm::ingest {

// One message as a source hands it out.
struct Message {
  std::string id;                // broker message id / the file's name ("FUELINST_202510271650_89411.json")
  std::string subject;           // the broker subject (the dataset); empty when there is none
  std::string fallback_dataset;  // used when neither subject nor body names one (the drop folder)
  std::string source_ref;        // where it came from, for quarantine rows and logs: "dir:/x/FREQ/a.json"
  std::string body;              // raw bytes
  core::TimePoint enqueued_at;   // when the broker accepted it / the file's mtime
  std::string locator;           // source-specific: the lock token / the file's "<folder>/<name>"
  // Set by the source when it could not even read the body (e.g. a file over
  // the size limit): the Ingester quarantines the message with this error.
  std::string read_error;
};

// Bytes of an over-limit message kept in its quarantine record.
inline constexpr std::size_t kQuarantineHeadBytes = 1024;

// Turns `message` into a reference to an over-limit message of `size` bytes:
// the body cut to its first kQuarantineHeadBytes, read_error saying so, so
// the Ingester quarantines it (size, id, first bytes) without parsing it.
void mark_over_limit(Message& message, std::uint64_t size, std::size_t limit);

// Why a message is being acknowledged; a file source files them differently.
enum class Outcome {
  stored,       // typed rows committed
  kept_raw,     // unknown dataset: body committed to raw_messages
  quarantined,  // undecodable: raw bytes + error committed to quarantine
};

// Limits for one receive() call.
struct ReceiveLimits {
  std::size_t max_messages = 1000;
  std::size_t max_bytes = 8u << 20;  // a single larger message is still handed out, alone
  // A source that waits for messages (a broker) stops adding to the batch
  // this long after its first message, so a message waits at most about
  // this long for its commit (group-commit latency bound).
  core::Duration max_wait{1000};
};

// What a broker source has counted about its locks, for the status file.
struct SourceCounters {
  std::int64_t locks_renewed = 0;
  std::int64_t locks_lost = 0;  // a settle or renew found the lock gone (the message comes back)
};

class MessageSource {
 public:
  virtual ~MessageSource() = default;

  // Up to `limits` messages that are available now (a source may wait a
  // little, at most about a second, for the first one). Empty when there is
  // nothing to do. Errors: temporary (broker unreachable: the Ingester backs
  // off and tries again), anything else is fatal for the run.
  virtual Result<std::vector<Message>> receive(const ReceiveLimits& limits) = 0;

  // Settles `message` for good after its commit. `error` is the decoder's
  // error for Outcome::quarantined (a file source writes it beside the file).
  virtual Status acknowledge(const Message& message, Outcome outcome, std::string_view error) = 0;

  // Gives `message` back undelivered, to be received again later. The
  // caller may have moved the body out: a source redelivers from its own
  // copy (the broker, the file), never from `message.body`.
  virtual void release(const Message& message) = 0;

  // Called while a long batch is being processed, so a broker lock does not
  // lapse (Service Bus renew-lock). A file source has nothing to do.
  virtual void keep_alive(const std::vector<Message>& in_flight) { (void)in_flight; }

  // Lock counters so far (all zero for a source without locks).
  [[nodiscard]] virtual SourceCounters counters() const { return {}; }

  // True when messages exist that are not ready yet (a file still being
  // written): RunMode::once waits for them instead of finishing.
  [[nodiscard]] virtual bool has_pending() const { return false; }

  // A short name for logs: "dir:/var/lib/iris", "servicebus:ns/queue".
  [[nodiscard]] virtual std::string describe() const = 0;
};

}  // namespace gbpm::ingest
