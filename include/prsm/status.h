/// \file
/// prsm/status.h — the one error channel of prsm.
///
/// Every fallible prsm function returns `Result<T>` (a T or an `Error`), and every asynchronous
/// outcome arrives as a `Result<T>` in a callback. No exception crosses the public API, a thread
/// or a libcurl callback. The only exception prsm throws is `BadResultAccess`, from
/// `Result<T>::value()` on an error: misuse the caller could have checked with `has_value()`.
///
/// `ErrorCode` keeps abseil's canonical meanings, so retry decisions are mechanical:
/// `kUnavailable` means "try again", `kResourceExhausted` "try again after `retry_after()`",
/// `kDeadlineExceeded` "try again only if the overall deadline allows"; anything else is final.
///
/// Thread safety: all types here are values; distinct objects may be used from distinct threads.
#ifndef PRSM_STATUS_H_
#define PRSM_STATUS_H_

#include <cassert>
#include <chrono>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>

#include "prsm/export.h"

namespace prsm {

/// Canonical error codes. Values 0..16 are abseil's (same numbers, same meanings); prsm adds
/// `kNoConsensus` and `kBudgetExceeded` for outcomes specific to orchestration.
enum class ErrorCode : std::uint8_t {
  kOk = 0,                  ///< Success; not an error.
  kCancelled = 1,           ///< The caller cancelled, or the orchestrator shut down.
  kUnknown = 2,             ///< An error with no better code (never produced by prsm itself).
  kInvalidArgument = 3,     ///< Bad input: empty query, HTTP 400/422, a bad option value.
  kDeadlineExceeded = 4,    ///< A per-attempt timeout or the request deadline expired.
  kNotFound = 5,            ///< Unknown model or provider, HTTP 404.
  kAlreadyExists = 6,       ///< A model or provider of that name is already registered.
  kPermissionDenied = 7,    ///< HTTP 403.
  kResourceExhausted = 8,   ///< Rate limited (HTTP 429) or prsm's admission limit reached.
  kFailedPrecondition = 9,  ///< The system is not in a state for this call (TLS verification
                            ///< failed, blocking call from the loop thread, ...).
  kAborted = 10,            ///< Reserved for concurrency conflicts.
  kOutOfRange = 11,         ///< Reserved.
  kUnimplemented = 12,      ///< The provider does not support the requested feature.
  kInternal = 13,           ///< A bug in prsm or in a plug-in (a plug-in threw, for instance).
  kUnavailable = 14,        ///< Transport failure or HTTP 5xx/529; retrying may succeed.
  kDataLoss = 15,           ///< A response could not be parsed, was truncated or too large.
  kUnauthenticated = 16,    ///< HTTP 401: missing or bad API key.
  kNoConsensus = 17,        ///< The consensus rule could not accept any answer.
  kBudgetExceeded = 18,     ///< The request or orchestrator cost budget does not allow the call.
};

/// The enumerator's name without the `k`, e.g. "Unavailable". Never fails.
PRSM_EXPORT std::string_view ToString(ErrorCode code) noexcept;

/// An error: a canonical code, a human message and structured context. The message is for
/// people and logs; programs branch on `code()`, `http_status()` and `retry_after()`.
/// Messages never contain API keys or request headers.
class PRSM_EXPORT Error {
 public:
  /// An error of `code` with a human-readable `message`; the context fields start empty.
  Error(ErrorCode code, std::string message);

  /// The canonical code: what programs branch on.
  ErrorCode code() const noexcept { return code_; }
  /// For people and logs; never an API key or a request header.
  const std::string& message() const noexcept { return message_; }
  /// Provider id ("openai", "local-vllm"); empty for orchestrator-level errors.
  const std::string& provider() const noexcept { return provider_; }
  /// Model name as registered in the orchestrator; empty when not about one model.
  const std::string& model() const noexcept { return model_; }
  /// HTTP status when the error came from an HTTP response.
  std::optional<int> http_status() const noexcept { return http_status_; }
  /// How long the server asked us to wait (`Retry-After`), when it said so.
  std::optional<std::chrono::milliseconds> retry_after() const noexcept { return retry_after_; }
  /// True for kUnavailable, kResourceExhausted and kDeadlineExceeded.
  bool retryable() const noexcept;

  /// Sets provider() and returns this error, for chaining:
  /// `Error(ErrorCode::kUnavailable, "...").WithProvider("openai").WithHttpStatus(503)`.
  Error& WithProvider(std::string provider) &;
  /// Sets provider() on a temporary and moves it on.
  Error&& WithProvider(std::string provider) &&;
  /// Sets model() and returns this error, for chaining.
  Error& WithModel(std::string model) &;
  /// Sets model() on a temporary and moves it on.
  Error&& WithModel(std::string model) &&;
  /// Sets http_status() and returns this error, for chaining.
  Error& WithHttpStatus(int status) &;
  /// Sets http_status() on a temporary and moves it on.
  Error&& WithHttpStatus(int status) &&;
  /// Sets retry_after() and returns this error, for chaining.
  Error& WithRetryAfter(std::chrono::milliseconds delay) &;
  /// Sets retry_after() on a temporary and moves it on.
  Error&& WithRetryAfter(std::chrono::milliseconds delay) &&;

  /// "Unavailable: upstream closed the connection [provider=openai model=gpt-4o http=503]".
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::optional<int> http_status_;
  std::optional<std::chrono::milliseconds> retry_after_;
  std::string message_;
  std::string provider_;
  std::string model_;
};

/// Thrown only by `Result<T>::value()` when the result holds an error.
class PRSM_EXPORT BadResultAccess : public std::exception {
 public:
  /// Carries the error the result held.
  explicit BadResultAccess(Error error) : error_(std::move(error)) {}
  /// A fixed text ("prsm::Result::value() called on an error"); the details are in error().
  const char* what() const noexcept override;
  /// The error the result held.
  const Error& error() const noexcept { return error_; }

 private:
  Error error_;
};

/// Holds a T or an Error. Spelled like `std::expected<T, Error>` (has_value, value, error,
/// operator*, operator->, value_or) so it can become an alias once prsm moves to C++23.
/// `operator*` and `operator->` are unchecked (asserted in debug builds); `value()` throws
/// `BadResultAccess` on an error.
template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<std::decay_t<T>, Error>, "Result<Error> is not meaningful");

 public:
  using value_type = T;  ///< The type of the value held on success.

  // Implicit on purpose, like std::expected: `return value;` and `return Error(...);` both work.
  /// A success holding `value`.
  Result(T value) : storage_(std::in_place_index<0>, std::move(value)) {}  // NOLINT
  /// A failure holding `error`.
  Result(Error error) : storage_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  /// A success whose value is constructed in place from `args`.
  template <typename... Args>
  explicit Result(std::in_place_t, Args&&... args)
      : storage_(std::in_place_index<0>, std::forward<Args>(args)...) {}

  /// True when the result holds a value, false when it holds an error.
  bool has_value() const noexcept { return storage_.index() == 0; }
  /// Same as has_value().
  bool ok() const noexcept { return has_value(); }
  /// Same as has_value(): `if (result) ...`.
  explicit operator bool() const noexcept { return has_value(); }

  /// The value; throws BadResultAccess holding the error when there is none.
  T& value() & {
    Check();
    return std::get<0>(storage_);
  }
  /// The value; throws BadResultAccess holding the error when there is none.
  const T& value() const& {
    Check();
    return std::get<0>(storage_);
  }
  /// The value, moved out; throws BadResultAccess holding the error when there is none.
  T&& value() && {
    Check();
    return std::get<0>(std::move(storage_));
  }
  /// A copy of the value, or `fallback` converted to T when the result holds an error.
  template <typename U>
  T value_or(U&& fallback) const& {
    return has_value() ? std::get<0>(storage_) : static_cast<T>(std::forward<U>(fallback));
  }

  /// Precondition: `!has_value()`.
  const Error& error() const& noexcept {
    assert(!has_value());
    return *std::get_if<1>(&storage_);
  }
  /// The error, moved out. Precondition: `!has_value()`.
  Error&& error() && noexcept {
    assert(!has_value());
    return std::move(*std::get_if<1>(&storage_));
  }

  /// The value, unchecked. Precondition: `has_value()` (asserted in debug builds).
  T& operator*() & noexcept {
    assert(has_value());
    return *std::get_if<0>(&storage_);
  }
  /// The value, unchecked. Precondition: `has_value()`.
  const T& operator*() const& noexcept {
    assert(has_value());
    return *std::get_if<0>(&storage_);
  }
  /// The value moved out, unchecked. Precondition: `has_value()`.
  T&& operator*() && noexcept {
    assert(has_value());
    return std::move(*std::get_if<0>(&storage_));
  }
  /// Member access to the value, unchecked. Precondition: `has_value()`.
  T* operator->() noexcept {
    assert(has_value());
    return std::get_if<0>(&storage_);
  }
  /// Member access to the value, unchecked. Precondition: `has_value()`.
  const T* operator->() const noexcept {
    assert(has_value());
    return std::get_if<0>(&storage_);
  }

 private:
  void Check() const {
    if (!has_value()) throw BadResultAccess(*std::get_if<1>(&storage_));
  }
  std::variant<T, Error> storage_;
};

/// A success without a value, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;  ///< No value on success.

  /// A success.
  Result() = default;
  /// A failure holding `error`.
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  /// True on success, false when the result holds an error.
  bool has_value() const noexcept { return !error_.has_value(); }
  /// Same as has_value().
  bool ok() const noexcept { return has_value(); }
  /// Same as has_value(): `if (result) ...`.
  explicit operator bool() const noexcept { return has_value(); }
  /// Throws BadResultAccess holding the error when there is one; does nothing on success.
  void value() const {
    if (error_) throw BadResultAccess(*error_);
  }
  /// Precondition: `!has_value()`.
  const Error& error() const& noexcept {
    assert(error_.has_value());
    return *error_;
  }
  /// The error, moved out. Precondition: `!has_value()`.
  Error&& error() && noexcept {
    assert(error_.has_value());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

}  // namespace prsm

#endif  // PRSM_STATUS_H_
