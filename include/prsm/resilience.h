/// \file
/// prsm/resilience.h — how prsm degrades gracefully: retries, circuit breakers, hedged requests
/// and client-side rate limits. Policies are plain values set in OrchestratorOptions (the
/// defaults) and overridden per model (`ModelResilience`) or per query (`QueryContext::retry`).
///
/// Everything here runs on the orchestrator's loop thread, on its timers: a retry's backoff, a
/// rate limit's wait or a hedge's delay never blocks a thread. Every wait is capped by the
/// request's deadline: a retry or a wait that cannot finish in time is not started, and the
/// request fails at once with the error that caused it (with its Retry-After, if any).
///
/// Thread safety: plain values; copy them freely. Errors: the orchestrator validates them in
/// Create() and AddModel() (kInvalidArgument naming the field).
#ifndef PRSM_RESILIENCE_H_
#define PRSM_RESILIENCE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/status.h"

namespace prsm {

/// Retries of one attempt that failed with a retryable error. The n-th retry (n = 1, 2, ...)
/// waits a random time in [0, min(max_backoff, initial_backoff * multiplier^(n-1))] ("full
/// jitter"), or the server's Retry-After when that is longer. A retry is a new attempt of the
/// same model, reported in Response::attempts like any other.
struct RetryPolicy {
  /// Retries after the first try; 0 disables retries.
  int max_retries = 2;
  std::chrono::milliseconds initial_backoff{200};  ///< The first retry's longest wait.
  std::chrono::milliseconds max_backoff{10000};    ///< No wait is drawn from a longer range.
  double multiplier = 2.0;                         ///< Growth of the range per retry (>= 1).
  /// Codes worth another try. kUnavailable covers transport failures and HTTP 5xx/529,
  /// kResourceExhausted HTTP 429, kDeadlineExceeded an attempt's own timeout (never the
  /// request's deadline).
  std::vector<ErrorCode> retry_on{ErrorCode::kUnavailable, ErrorCode::kResourceExhausted,
                                  ErrorCode::kDeadlineExceeded};
  /// A server's Retry-After (seconds, HTTP-date or retry-after-ms) is honoured: no retry, and
  /// no new attempt of that model from any request, starts before it (see
  /// RateLimit::on_limit for what a request does meanwhile). A Retry-After longer than this is
  /// not waited for: the attempt fails with it.
  std::chrono::milliseconds max_retry_after{std::chrono::minutes(2)};
  /// When this failure would end its stage as failed and the plan has a later stage that runs
  /// on failure (a fallback), the fallback is taken at once rather than waiting out a backoff
  /// (usually faster); true retries first, then falls back.
  bool retry_before_fallback = false;
};

/// Caps retries orchestrator-wide so an outage does not become a retry storm: retries waiting
/// or running at once may not exceed max(min_concurrent, ratio * requests in flight). A retry
/// over the cap is not made; the attempt fails as it would without retries.
struct RetryBudget {
  double ratio = 0.2;              ///< Retries allowed per request in flight.
  std::size_t min_concurrent = 3;  ///< Retries always allowed, however few requests run.
};

/// A circuit breaker per model, and one per provider endpoint for transport failures (no HTTP
/// answer at all: refused, reset, DNS, TLS, timeout). It counts failures that say the server is
/// unwell: kUnavailable (transport, 5xx, 529) and an attempt's timeout (kDeadlineExceeded).
/// 4xx answers, 429s and cancellations do not count.
///
/// Closed: every attempt goes. It opens after `consecutive_failures` failures in a row, or
/// when at least `min_calls` attempts ended within `window` and at least `failure_rate` of them
/// failed. Open: no attempt goes; routing plans without the model. After `open_for` it is
/// half-open: at most `half_open_probes` attempts at once are let through; a success closes
/// it, a failure opens it again (for `open_for` again).
struct BreakerPolicy {
  bool enabled = true;                   ///< false: no breakers at all.
  std::size_t consecutive_failures = 5;  ///< Failures in a row that open the circuit.
  double failure_rate = 0.5;             ///< Share of failures in `window` that opens it.
  std::size_t min_calls = 20;            ///< Attempts ended in `window` before the rate counts.
  std::chrono::milliseconds window{std::chrono::seconds(30)};    ///< For `failure_rate`.
  std::chrono::milliseconds open_for{std::chrono::seconds(30)};  ///< Open, before half-open.
  std::size_t half_open_probes = 1;  ///< Attempts let through at once when half-open.
  /// When every model a query may use is open: false = fail at once with kUnavailable naming
  /// them (and the time to the earliest half-open as retry_after); true = wait for the earliest
  /// half-open, if that comes before the request's deadline.
  bool wait_for_half_open = false;
};

/// Hedged requests: when an attempt has not answered after `delay`, a second attempt of the same
/// model starts; the first success wins and the other is cancelled. A streamed attempt races to
/// its first content token (the commit point). Hedges are capped at `max_share` of attempts.
struct HedgePolicy {
  bool enabled = false;  ///< Off by default: a hedge may cost a second call.
  /// Fixed delay; zero = the model's observed p95 latency (time to first content for streams),
  /// once `min_samples` answers have been seen (before that, no hedge).
  std::chrono::milliseconds delay{0};
  std::size_t min_samples = 20;  ///< Answers seen before an observed-p95 delay applies.
  /// Hedges per attempt, over time (a token bucket: every first try earns `max_share` of a
  /// hedge, at most `burst` saved; it starts full, so the first `burst` hedges are free).
  double max_share = 0.05;
  double burst = 10.0;  ///< The most hedges saved up in the bucket (see `max_share`).
};

/// Client-side rate limits as token buckets refilled continuously; 0 = no limit.
struct RateLimit {
  double requests_per_minute = 0.0;  ///< Attempts started per minute (RPM).
  /// Counts input tokens (estimated as bytes / 4 before sending) plus the request's
  /// max_tokens; corrected to the real usage when the answer comes.
  double tokens_per_minute = 0.0;
  /// What an attempt does when the bucket is empty.
  enum class OnLimit : std::uint8_t {
    kWait,  ///< Wait for capacity on a timer, if it comes before the request's deadline.
    kFail,  ///< Fail the attempt at once with kResourceExhausted and the wait as retry_after.
  };
  OnLimit on_limit = OnLimit::kWait;  ///< Wait (default) or fail fast.
};

/// Per-model settings (ModelSpec::resilience). An unset retry policy uses
/// OrchestratorOptions::retry; a query's QueryContext::retry overrides both.
struct ModelResilience {
  std::optional<RetryPolicy> retry;  ///< Unset: OrchestratorOptions::retry.
  /// This model's own limits (e.g. its vendor's published RPM/TPM for your tier).
  RateLimit rate_limit;
};

/// Checks a policy's values. Errors: kInvalidArgument naming `where` and the field.
PRSM_EXPORT Result<void> ValidateRetryPolicy(const RetryPolicy& policy, std::string_view where);
/// Checks a rate limit's values. Errors: kInvalidArgument naming `where` and the field.
PRSM_EXPORT Result<void> ValidateRateLimit(const RateLimit& limit, std::string_view where);

/// What a circuit is doing now.
enum class CircuitState : std::uint8_t { kClosed, kOpen, kHalfOpen };
/// "closed", "open" or "half-open". Never fails.
PRSM_EXPORT std::string_view ToString(CircuitState state) noexcept;

/// One breaker's state, as MultiLLMOrchestrator::circuits() reports it.
struct CircuitStatus {
  std::string name;  ///< The model name, or "provider:<id>" for an endpoint breaker.
  CircuitState state = CircuitState::kClosed;  ///< Its state now.
  std::uint64_t consecutive_failures = 0;      ///< Counted failures since the last success.
  std::uint64_t times_opened = 0;              ///< Since the orchestrator was created.
  /// Open: time until half-open; otherwise zero.
  std::chrono::milliseconds reopens_in{0};
};

/// A breaker changed state; given to OrchestratorOptions::on_circuit_change on the loop thread.
struct CircuitEvent {
  std::string name;                           ///< As CircuitStatus::name.
  CircuitState from = CircuitState::kClosed;  ///< The state it left.
  CircuitState to = CircuitState::kClosed;    ///< The state it entered.
  std::string reason;  ///< e.g. "5 consecutive failures, last: Unavailable (HTTP 503)"
};

}  // namespace prsm

#endif  // PRSM_RESILIENCE_H_
