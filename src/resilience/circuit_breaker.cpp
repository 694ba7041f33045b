#include "resilience/circuit_breaker.h"

#include <fmt/format.h>

namespace prsm::internal {

CircuitState CircuitBreaker::state(Clock::time_point now) const {
  if (state_ == CircuitState::kOpen && now >= open_until_) return CircuitState::kHalfOpen;
  return state_;
}

CircuitBreaker::Admission CircuitBreaker::Admit(Clock::time_point now,
                                                std::optional<Transition>* changed) {
  if (!policy_->enabled) return Admission::kAllowed;
  if (state_ == CircuitState::kOpen && now >= open_until_) {
    state_ = CircuitState::kHalfOpen;
    probes_running_ = 0;
    if (changed != nullptr) {
      *changed = Transition{CircuitState::kOpen, CircuitState::kHalfOpen,
                            "open time elapsed; letting probes through"};
    }
  }
  switch (state_) {
    case CircuitState::kClosed:
      return Admission::kAllowed;
    case CircuitState::kOpen:
      return Admission::kRejected;
    case CircuitState::kHalfOpen:
      if (probes_running_ >= policy_->half_open_probes) return Admission::kRejected;
      ++probes_running_;
      return Admission::kProbe;
  }
  return Admission::kRejected;
}

void CircuitBreaker::Release(bool probe) {
  if (probe && probes_running_ > 0) --probes_running_;
}

std::optional<CircuitBreaker::Transition> CircuitBreaker::OnSuccess(Clock::time_point now,
                                                                    bool probe) {
  if (!policy_->enabled) return std::nullopt;
  Release(probe);
  consecutive_failures_ = 0;
  Count(now, false);
  if (state_ == CircuitState::kHalfOpen && probe) {
    state_ = CircuitState::kClosed;
    buckets_ = {};  // the failures that opened it are history now
    return Transition{CircuitState::kHalfOpen, CircuitState::kClosed, "a probe succeeded"};
  }
  return std::nullopt;
}

std::optional<CircuitBreaker::Transition> CircuitBreaker::OnFailure(Clock::time_point now,
                                                                    bool probe,
                                                                    const std::string& why) {
  if (!policy_->enabled) return std::nullopt;
  Release(probe);
  ++consecutive_failures_;
  Count(now, true);
  if (state_ == CircuitState::kHalfOpen) {
    if (!probe) return std::nullopt;  // admitted before the circuit opened; says nothing new
    return Open(now, fmt::format("a half-open probe failed: {}", why));
  }
  if (state_ != CircuitState::kClosed) return std::nullopt;
  if (consecutive_failures_ >= policy_->consecutive_failures) {
    return Open(now, fmt::format("{} consecutive failures, last: {}", consecutive_failures_, why));
  }
  const auto [calls, failures] = WindowTotals(now);
  if (calls >= policy_->min_calls &&
      static_cast<double>(failures) >= policy_->failure_rate * static_cast<double>(calls)) {
    return Open(now, fmt::format("{} of {} attempts failed in the last {} ms, last: {}", failures,
                                 calls, policy_->window.count(), why));
  }
  return std::nullopt;
}

CircuitBreaker::Transition CircuitBreaker::Open(Clock::time_point now, std::string reason) {
  const CircuitState from = state_;
  state_ = CircuitState::kOpen;
  open_until_ = now + policy_->open_for;
  probes_running_ = 0;
  ++times_opened_;
  return Transition{from, CircuitState::kOpen, std::move(reason)};
}

std::int64_t CircuitBreaker::SlotOf(Clock::time_point now) const {
  const auto width = std::max<std::int64_t>(
      1, std::chrono::duration_cast<std::chrono::microseconds>(policy_->window).count() /
             static_cast<std::int64_t>(kBuckets));
  return std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() /
         width;
}

void CircuitBreaker::Count(Clock::time_point now, bool failed) {
  const std::int64_t slot = SlotOf(now);
  Bucket& bucket = buckets_[static_cast<std::size_t>(slot) % kBuckets];
  if (bucket.slot != slot) bucket = Bucket{slot, 0, 0};
  ++bucket.calls;
  if (failed) ++bucket.failures;
}

std::pair<std::uint64_t, std::uint64_t> CircuitBreaker::WindowTotals(Clock::time_point now) const {
  const std::int64_t current = SlotOf(now);
  std::uint64_t calls = 0;
  std::uint64_t failures = 0;
  for (const Bucket& bucket : buckets_) {
    if (bucket.slot >= 0 && current - bucket.slot < static_cast<std::int64_t>(kBuckets)) {
      calls += bucket.calls;
      failures += bucket.failures;
    }
  }
  return {calls, failures};
}

}  // namespace prsm::internal
