#pragma once
// Errors as values across library boundaries. A Result<T> holds either a T or
// an Error; `main` maps an Error's kind to a sysexits exit code (exit_codes.hpp).

#include <cassert>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace gbpm {

// What went wrong, from the caller's point of view. Each kind maps to exactly
// one exit code, so library code never chooses exit codes itself.
enum class ErrorKind {
  usage,        // bad flags or arguments (64)
  data,         // upstream data could not be understood (65)
  unavailable,  // a service refused us for good: auth, 4xx, TLS (69)
  internal,     // a bug: an invariant did not hold (70)
  output,       // cannot write the output: disk, permissions, sheet (73)
  temporary,    // try again later: 429/5xx, timeouts, lock held (75)
  config,       // configuration is missing or wrong (78)
};

// A failure with a message written for the person reading the log: it says
// what failed and, where we know, what to do about it.
struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string message;

  // Returns a copy whose message is prefixed with `context: `.
  [[nodiscard]] Error with_context(std::string_view context) const {
    return Error{kind, std::string(context) + ": " + message};
  }
  [[nodiscard]] bool retryable() const { return kind == ErrorKind::temporary; }
};

inline Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

// Value-or-error. Accessing value() on an error (or error() on a value) is a
// programming mistake and asserts.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : m_state(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : m_state(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool ok() const { return m_state.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(m_state);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(m_state);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(m_state));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Error& error() const& {
    assert(!ok());
    return std::get<1>(m_state);
  }
  [[nodiscard]] Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(m_state));
  }

  T value_or(T fallback) const& { return ok() ? std::get<0>(m_state) : std::move(fallback); }

 private:
  std::variant<T, Error> m_state;
};

// Success-or-error for operations with no value.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : m_error(std::move(error)) {}  // NOLINT: implicit by design

  [[nodiscard]] bool ok() const { return !m_error.has_value(); }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const& {
    assert(!ok());
    return *m_error;
  }
  [[nodiscard]] Error&& error() && {
    assert(!ok());
    return std::move(*m_error);
  }

 private:
  std::optional<Error> m_error;
};

using Status = Result<void>;

}  // namespace gbpm
