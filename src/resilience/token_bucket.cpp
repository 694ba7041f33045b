#include "resilience/token_bucket.h"

#include <algorithm>
#include <cmath>

namespace prsm::internal {

void TokenBucket::Refill(Clock::time_point now) {
  if (now <= updated_) return;
  const double minutes = std::chrono::duration<double, std::ratio<60>>(now - updated_).count();
  level_ = std::min(per_minute_, level_ + minutes * per_minute_);
  updated_ = now;
}

double TokenBucket::level(Clock::time_point now) {
  Refill(now);
  return level_;
}

TokenBucket::Clock::duration TokenBucket::WaitFor(double amount, Clock::time_point now) {
  Refill(now);
  const double needed = std::min(amount, per_minute_);
  if (level_ >= needed) return Clock::duration::zero();
  const double minutes = (needed - level_) / per_minute_;
  // Rounded up so that a timer set for this wait finds the tokens there.
  return std::chrono::ceil<Clock::duration>(std::chrono::duration<double, std::ratio<60>>(minutes));
}

void TokenBucket::Take(double amount, Clock::time_point now) {
  Refill(now);
  level_ -= amount;
}

void TokenBucket::Give(double amount, Clock::time_point now) {
  Refill(now);
  level_ = std::min(per_minute_, level_ + amount);
}

}  // namespace prsm::internal
