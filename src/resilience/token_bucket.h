// resilience/token_bucket.h — a token bucket refilled continuously at `per_minute`, holding at
// most one minute's worth. Takes may drive it below zero (a request bigger than expected is
// settled after the fact); the debt is paid back by the refill before anything else goes.
//
// Thread safety: none; loop thread only. Time is passed in.
#ifndef PRSM_RESILIENCE_TOKEN_BUCKET_H_
#define PRSM_RESILIENCE_TOKEN_BUCKET_H_

#include <chrono>

#include "net/timer_queue.h"

namespace prsm::internal {

class TokenBucket {
 public:
  using Clock = net::Clock;

  /// `per_minute` > 0. Starts full.
  TokenBucket(double per_minute, Clock::time_point now)
      : per_minute_(per_minute), level_(per_minute), updated_(now) {}

  /// How long until `amount` can be taken (zero: now). An amount above the capacity waits for
  /// a full bucket and then goes, so it is never refused forever.
  Clock::duration WaitFor(double amount, Clock::time_point now);
  /// Takes `amount` (possibly into debt).
  void Take(double amount, Clock::time_point now);
  /// Gives back `amount` (a refund; never above the capacity).
  void Give(double amount, Clock::time_point now);
  double level(Clock::time_point now);

 private:
  void Refill(Clock::time_point now);

  double per_minute_;
  double level_;
  Clock::time_point updated_;
};

}  // namespace prsm::internal

#endif  // PRSM_RESILIENCE_TOKEN_BUCKET_H_
