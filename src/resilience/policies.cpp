#include "resilience/policies.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace prsm {

std::string_view ToString(CircuitState state) noexcept {
  switch (state) {
    case CircuitState::kClosed:
      return "closed";
    case CircuitState::kOpen:
      return "open";
    case CircuitState::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

namespace {

Error Invalid(std::string_view where, std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, fmt::format("{}: {}", where, what));
}

bool FiniteNonNegative(double value) { return value >= 0.0 && std::isfinite(value); }

}  // namespace

Result<void> ValidateRetryPolicy(const RetryPolicy& policy, std::string_view where) {
  // More than this is a retry storm by configuration.
  constexpr int kMaxRetries = 100;
  if (policy.max_retries < 0 || policy.max_retries > kMaxRetries) {
    return Invalid(where, fmt::format("max_retries must be in [0, {}], not {}", kMaxRetries,
                                      policy.max_retries));
  }
  if (policy.initial_backoff.count() < 0 || policy.max_backoff.count() < 0) {
    return Invalid(where, "initial_backoff and max_backoff must not be negative");
  }
  if (policy.max_backoff < policy.initial_backoff) {
    return Invalid(where, "max_backoff must not be below initial_backoff");
  }
  if (!(policy.multiplier >= 1.0 && std::isfinite(policy.multiplier))) {
    return Invalid(where, fmt::format("multiplier must be >= 1, not {}", policy.multiplier));
  }
  if (policy.max_retry_after.count() < 0) {
    return Invalid(where, "max_retry_after must not be negative");
  }
  for (ErrorCode code : policy.retry_on) {
    if (code == ErrorCode::kOk || code == ErrorCode::kCancelled) {
      return Invalid(where, fmt::format("retry_on cannot hold {}", ToString(code)));
    }
  }
  return {};
}

Result<void> ValidateRateLimit(const RateLimit& limit, std::string_view where) {
  if (!FiniteNonNegative(limit.requests_per_minute) ||
      !FiniteNonNegative(limit.tokens_per_minute)) {
    return Invalid(where, "requests_per_minute and tokens_per_minute must be finite and >= 0");
  }
  return {};
}

namespace internal {

bool IsRetryable(const RetryPolicy& policy, const Error& error) noexcept {
  return std::find(policy.retry_on.begin(), policy.retry_on.end(), error.code()) !=
         policy.retry_on.end();
}

std::chrono::milliseconds FullJitterBackoff(const RetryPolicy& policy, int retry,
                                            std::mt19937_64& random) {
  const auto initial = static_cast<double>(policy.initial_backoff.count());
  const auto cap = static_cast<double>(policy.max_backoff.count());
  // pow overflows to inf for large exponents; min() then yields the cap, as it should.
  const double ceiling =
      std::min(cap, initial * std::pow(policy.multiplier, std::max(0, retry - 1)));
  if (!(ceiling > 0.0)) return std::chrono::milliseconds(0);
  std::uniform_real_distribution<double> uniform(0.0, ceiling);
  return std::chrono::milliseconds(static_cast<long long>(uniform(random)));
}

Result<void> ValidateBreakerPolicy(const BreakerPolicy& policy) {
  constexpr std::string_view kWhere = "OrchestratorOptions::breaker";
  if (policy.consecutive_failures == 0) return Invalid(kWhere, "consecutive_failures must be >= 1");
  if (!(policy.failure_rate > 0.0 && policy.failure_rate <= 1.0)) {
    return Invalid(kWhere,
                   fmt::format("failure_rate must be in (0, 1], not {}", policy.failure_rate));
  }
  if (policy.min_calls == 0) return Invalid(kWhere, "min_calls must be >= 1");
  if (policy.window.count() <= 0 || policy.open_for.count() <= 0) {
    return Invalid(kWhere, "window and open_for must be positive");
  }
  if (policy.half_open_probes == 0) return Invalid(kWhere, "half_open_probes must be >= 1");
  return {};
}

Result<void> ValidateHedgePolicy(const HedgePolicy& policy) {
  constexpr std::string_view kWhere = "OrchestratorOptions::hedge";
  if (policy.delay.count() < 0) return Invalid(kWhere, "delay must not be negative");
  if (!(policy.max_share >= 0.0 && policy.max_share <= 1.0)) {
    return Invalid(kWhere, fmt::format("max_share must be in [0, 1], not {}", policy.max_share));
  }
  if (!(policy.burst >= 1.0 && std::isfinite(policy.burst))) {
    return Invalid(kWhere, "burst must be finite and >= 1");
  }
  if (policy.delay.count() == 0 && policy.min_samples == 0) {
    return Invalid(kWhere, "min_samples must be >= 1 when the delay is the observed p95");
  }
  return {};
}

Result<void> ValidateRetryBudget(const RetryBudget& budget) {
  if (!FiniteNonNegative(budget.ratio)) {
    return Invalid("OrchestratorOptions::retry_budget", "ratio must be finite and >= 0");
  }
  return {};
}

}  // namespace internal
}  // namespace prsm
