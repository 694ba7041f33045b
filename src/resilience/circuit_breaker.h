// resilience/circuit_breaker.h — one circuit breaker: closed / open / half-open, opened by
// consecutive failures or by the failure rate over a sliding window (10 time buckets, so memory
// stays constant under any load), with a bounded number of half-open probes.
//
// Thread safety: none; the orchestrator's loop thread owns every breaker. Time is passed in,
// so the breaker is deterministic and testable without waiting.
#ifndef PRSM_RESILIENCE_CIRCUIT_BREAKER_H_
#define PRSM_RESILIENCE_CIRCUIT_BREAKER_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "net/timer_queue.h"
#include "prsm/resilience.h"

namespace prsm::internal {

class CircuitBreaker {
 public:
  using Clock = net::Clock;

  /// What Admit() decided.
  enum class Admission : std::uint8_t {
    kAllowed,   ///< Closed: go.
    kProbe,     ///< Half-open: go, holding one of the probe slots until Release/On*.
    kRejected,  ///< Open, or half-open with every probe slot taken.
  };

  /// A state change, for observers.
  struct Transition {
    CircuitState from;
    CircuitState to;
    std::string reason;
  };

  /// `policy` must outlive the breaker.
  explicit CircuitBreaker(const BreakerPolicy& policy) : policy_(&policy) {}

  /// The state at `now` (an open circuit whose time is up reads as half-open).
  CircuitState state(Clock::time_point now) const;
  /// Whether an attempt may start now.
  Admission Admit(Clock::time_point now, std::optional<Transition>* changed);
  /// The outcome of an admitted attempt. `probe` = it was admitted as kProbe. Returns the
  /// state change it caused, if any.
  std::optional<Transition> OnSuccess(Clock::time_point now, bool probe);
  std::optional<Transition> OnFailure(Clock::time_point now, bool probe, const std::string& why);
  /// An admitted attempt that ended saying nothing of the server's health (cancelled, 4xx).
  void Release(bool probe);

  /// When an open circuit turns half-open (meaningful while open).
  Clock::time_point half_open_at() const noexcept { return open_until_; }
  std::uint64_t consecutive_failures() const noexcept { return consecutive_failures_; }
  std::uint64_t times_opened() const noexcept { return times_opened_; }

 private:
  struct Bucket {
    std::int64_t slot = -1;  // which window/10 interval since the epoch it counts
    std::uint32_t calls = 0;
    std::uint32_t failures = 0;
  };
  static constexpr std::size_t kBuckets = 10;

  void Count(Clock::time_point now, bool failed);
  // Calls and failures within the window ending at `now`.
  std::pair<std::uint64_t, std::uint64_t> WindowTotals(Clock::time_point now) const;
  std::int64_t SlotOf(Clock::time_point now) const;
  Transition Open(Clock::time_point now, std::string reason);

  const BreakerPolicy* policy_;
  CircuitState state_ = CircuitState::kClosed;  // kOpen is reported as half-open once due
  Clock::time_point open_until_{};
  std::uint64_t consecutive_failures_ = 0;
  std::uint64_t times_opened_ = 0;
  std::size_t probes_running_ = 0;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace prsm::internal

#endif  // PRSM_RESILIENCE_CIRCUIT_BREAKER_H_
