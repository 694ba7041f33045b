// resilience/policies.h — the arithmetic of the retry policy: which errors are retried and how
// long the n-th retry waits (full jitter), plus validation of every resilience setting.
//
// Thread safety: stateless functions; the random generator is the caller's.
#ifndef PRSM_RESILIENCE_POLICIES_H_
#define PRSM_RESILIENCE_POLICIES_H_

#include <chrono>
#include <random>
#include <string_view>

#include "prsm/resilience.h"
#include "prsm/status.h"

namespace prsm::internal {

/// Whether `error` is worth another try under `policy` (its code is in retry_on).
bool IsRetryable(const RetryPolicy& policy, const Error& error) noexcept;

/// The wait before retry number `retry` (1 for the first retry): uniform in
/// [0, min(max_backoff, initial_backoff * multiplier^(retry-1))].
std::chrono::milliseconds FullJitterBackoff(const RetryPolicy& policy, int retry,
                                            std::mt19937_64& random);

/// Errors: kInvalidArgument naming `where` and the field.
Result<void> ValidateBreakerPolicy(const BreakerPolicy& policy);
Result<void> ValidateHedgePolicy(const HedgePolicy& policy);
Result<void> ValidateRetryBudget(const RetryBudget& budget);

}  // namespace prsm::internal

#endif  // PRSM_RESILIENCE_POLICIES_H_
