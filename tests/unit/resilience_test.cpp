// Unit tests of the resilience building blocks: the retry policy's arithmetic, the circuit
// breaker's state machine, the token bucket and the latency window. Time is passed in, so
// nothing here waits.
#include <chrono>
#include <random>

#include <catch2/catch.hpp>

#include "resilience/circuit_breaker.h"
#include "resilience/latency_window.h"
#include "resilience/policies.h"
#include "resilience/token_bucket.h"

namespace prsm::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = net::Clock;

TEST_CASE("retry: only the policy's codes are retryable", "[resilience][retry]") {
  RetryPolicy policy;
  CHECK(IsRetryable(policy, Error(ErrorCode::kUnavailable, "503")));
  CHECK(IsRetryable(policy, Error(ErrorCode::kResourceExhausted, "429")));
  CHECK(IsRetryable(policy, Error(ErrorCode::kDeadlineExceeded, "attempt timeout")));
  CHECK_FALSE(IsRetryable(policy, Error(ErrorCode::kInvalidArgument, "400")));
  CHECK_FALSE(IsRetryable(policy, Error(ErrorCode::kUnauthenticated, "401")));
  CHECK_FALSE(IsRetryable(policy, Error(ErrorCode::kDataLoss, "malformed")));
  policy.retry_on = {ErrorCode::kDataLoss};
  CHECK(IsRetryable(policy, Error(ErrorCode::kDataLoss, "malformed")));
  CHECK_FALSE(IsRetryable(policy, Error(ErrorCode::kUnavailable, "503")));
}

TEST_CASE("retry: full-jitter backoff stays within its exponential ceiling and the cap",
          "[resilience][retry]") {
  RetryPolicy policy;
  policy.initial_backoff = milliseconds(100);
  policy.max_backoff = milliseconds(1000);
  policy.multiplier = 2.0;
  std::mt19937_64 random(42);
  for (int retry = 1; retry <= 8; ++retry) {
    const long long ceiling = std::min(1000LL, 100LL << (retry - 1));
    long long largest = 0;
    long long smallest = ceiling;
    for (int i = 0; i < 2000; ++i) {
      const long long delay = FullJitterBackoff(policy, retry, random).count();
      REQUIRE(delay >= 0);
      REQUIRE(delay <= ceiling);
      largest = std::max(largest, delay);
      smallest = std::min(smallest, delay);
    }
    // Jitter spreads the delays over the whole range, not a fixed value.
    CHECK(largest > ceiling * 9 / 10);
    CHECK(smallest < ceiling / 10);
  }
  // A huge retry number saturates at the cap instead of overflowing.
  CHECK(FullJitterBackoff(policy, 5000, random).count() <= 1000);
}

TEST_CASE("retry: policies with bad values are refused, naming the field", "[resilience][retry]") {
  RetryPolicy policy;
  CHECK(ValidateRetryPolicy(policy, "x").has_value());
  policy.max_retries = -1;
  auto bad = ValidateRetryPolicy(policy, "QueryContext::retry");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(bad.error().message(),
             Catch::Contains("QueryContext::retry") && Catch::Contains("max_retries"));
  policy = RetryPolicy{};
  policy.max_backoff = milliseconds(10);
  policy.initial_backoff = milliseconds(100);
  CHECK_FALSE(ValidateRetryPolicy(policy, "x").has_value());
  policy = RetryPolicy{};
  policy.multiplier = 0.5;
  CHECK_FALSE(ValidateRetryPolicy(policy, "x").has_value());
  policy = RetryPolicy{};
  policy.retry_on = {ErrorCode::kCancelled};
  CHECK_FALSE(ValidateRetryPolicy(policy, "x").has_value());

  RateLimit limit;
  limit.requests_per_minute = -1;
  CHECK_FALSE(ValidateRateLimit(limit, "x").has_value());
  limit.requests_per_minute = std::numeric_limits<double>::infinity();
  CHECK_FALSE(ValidateRateLimit(limit, "x").has_value());

  BreakerPolicy breaker;
  CHECK(ValidateBreakerPolicy(breaker).has_value());
  breaker.failure_rate = 0.0;
  CHECK_FALSE(ValidateBreakerPolicy(breaker).has_value());
  breaker = BreakerPolicy{};
  breaker.half_open_probes = 0;
  CHECK_FALSE(ValidateBreakerPolicy(breaker).has_value());

  HedgePolicy hedge;
  hedge.max_share = 1.5;
  CHECK_FALSE(ValidateHedgePolicy(hedge).has_value());
}

TEST_CASE(
    "breaker: opens after consecutive failures, half-opens after open_for, closes on a "
    "probe's success",
    "[resilience][breaker]") {
  BreakerPolicy policy;
  policy.consecutive_failures = 3;
  policy.open_for = seconds(10);
  policy.half_open_probes = 1;
  CircuitBreaker breaker(policy);
  const auto t0 = Clock::now();

  for (int i = 0; i < 2; ++i) {
    REQUIRE(breaker.Admit(t0, nullptr) == CircuitBreaker::Admission::kAllowed);
    CHECK_FALSE(breaker.OnFailure(t0, false, "503").has_value());
  }
  // A success in between resets the count.
  REQUIRE(breaker.Admit(t0, nullptr) == CircuitBreaker::Admission::kAllowed);
  CHECK_FALSE(breaker.OnSuccess(t0, false).has_value());
  for (int i = 0; i < 2; ++i) CHECK_FALSE(breaker.OnFailure(t0, false, "503").has_value());
  auto opened = breaker.OnFailure(t0, false, "Unavailable (HTTP 503)");
  REQUIRE(opened.has_value());
  CHECK(opened->from == CircuitState::kClosed);
  CHECK(opened->to == CircuitState::kOpen);
  CHECK_THAT(opened->reason,
             Catch::Contains("3 consecutive failures") && Catch::Contains("HTTP 503"));
  CHECK(breaker.state(t0) == CircuitState::kOpen);
  CHECK(breaker.Admit(t0 + seconds(9), nullptr) == CircuitBreaker::Admission::kRejected);
  CHECK(breaker.times_opened() == 1);

  // Half-open: one probe at a time.
  std::optional<CircuitBreaker::Transition> changed;
  CHECK(breaker.state(t0 + seconds(10)) == CircuitState::kHalfOpen);
  REQUIRE(breaker.Admit(t0 + seconds(10), &changed) == CircuitBreaker::Admission::kProbe);
  REQUIRE(changed.has_value());
  CHECK(changed->to == CircuitState::kHalfOpen);
  CHECK(breaker.Admit(t0 + seconds(10), nullptr) == CircuitBreaker::Admission::kRejected);
  auto closed = breaker.OnSuccess(t0 + seconds(11), true);
  REQUIRE(closed.has_value());
  CHECK(closed->to == CircuitState::kClosed);
  CHECK(breaker.Admit(t0 + seconds(11), nullptr) == CircuitBreaker::Admission::kAllowed);
}

TEST_CASE("breaker: a failed probe opens the circuit again; a released probe frees its slot",
          "[resilience][breaker]") {
  BreakerPolicy policy;
  policy.consecutive_failures = 1;
  policy.open_for = seconds(5);
  policy.half_open_probes = 2;
  CircuitBreaker breaker(policy);
  const auto t0 = Clock::now();
  REQUIRE(breaker.OnFailure(t0, false, "reset").has_value());
  const auto t1 = t0 + seconds(5);
  REQUIRE(breaker.Admit(t1, nullptr) == CircuitBreaker::Admission::kProbe);
  REQUIRE(breaker.Admit(t1, nullptr) == CircuitBreaker::Admission::kProbe);
  CHECK(breaker.Admit(t1, nullptr) == CircuitBreaker::Admission::kRejected);
  breaker.Release(true);  // a cancelled probe says nothing, but gives its place back
  CHECK(breaker.Admit(t1, nullptr) == CircuitBreaker::Admission::kProbe);
  auto reopened = breaker.OnFailure(t1, true, "503");
  REQUIRE(reopened.has_value());
  CHECK(reopened->from == CircuitState::kHalfOpen);
  CHECK(reopened->to == CircuitState::kOpen);
  CHECK(breaker.half_open_at() == t1 + seconds(5));
  CHECK(breaker.times_opened() == 2);
  CHECK(breaker.Admit(t1 + seconds(4), nullptr) == CircuitBreaker::Admission::kRejected);
}

TEST_CASE("breaker: opens on the failure rate over the window, forgets calls outside it",
          "[resilience][breaker]") {
  BreakerPolicy policy;
  policy.consecutive_failures = 1000;  // only the rate can open it
  policy.failure_rate = 0.5;
  policy.min_calls = 10;
  policy.window = seconds(10);
  CircuitBreaker breaker(policy);
  const auto t0 = Clock::now();
  // Old failures, then a quiet window: they no longer count.
  for (int i = 0; i < 9; ++i) CHECK_FALSE(breaker.OnFailure(t0, false, "503").has_value());
  const auto t1 = t0 + seconds(30);
  for (int i = 0; i < 4; ++i) {
    CHECK_FALSE(breaker.OnSuccess(t1, false).has_value());
    CHECK_FALSE(breaker.OnFailure(t1, false, "503").has_value());
  }
  // 4 of 8 in the window: not enough calls yet. The 9th call (a success) neither.
  CHECK_FALSE(breaker.OnSuccess(t1, false).has_value());
  // 10 calls, 5 failed: 50% >= failure_rate.
  auto opened = breaker.OnFailure(t1, false, "503");
  REQUIRE(opened.has_value());
  CHECK_THAT(opened->reason, Catch::Contains("5 of 10"));
}

TEST_CASE("breaker: disabled means always allowed", "[resilience][breaker]") {
  BreakerPolicy policy;
  policy.enabled = false;
  policy.consecutive_failures = 1;
  CircuitBreaker breaker(policy);
  const auto t0 = Clock::now();
  for (int i = 0; i < 10; ++i) CHECK_FALSE(breaker.OnFailure(t0, false, "x").has_value());
  CHECK(breaker.Admit(t0, nullptr) == CircuitBreaker::Admission::kAllowed);
}

TEST_CASE("token bucket: full at start, refills at its rate, waits are exact, debt is repaid",
          "[resilience][rate]") {
  const auto t0 = Clock::now();
  TokenBucket bucket(60.0, t0);  // one per second
  for (int i = 0; i < 60; ++i) {
    REQUIRE(bucket.WaitFor(1.0, t0) == Clock::duration::zero());
    bucket.Take(1.0, t0);
  }
  const auto wait = bucket.WaitFor(1.0, t0);
  CHECK(wait >= seconds(1));
  CHECK(wait < seconds(1) + milliseconds(1));
  CHECK(bucket.WaitFor(1.0, t0 + wait) == Clock::duration::zero());
  // Debt: an answer that used more than estimated.
  bucket.Take(30.0, t0 + seconds(1));  // level 1 - 30 = -29
  CHECK(bucket.WaitFor(1.0, t0 + seconds(1)) >= seconds(30));
  // Never above capacity, and an amount above capacity waits for a full bucket, not forever.
  bucket.Give(1000.0, t0 + seconds(1));
  CHECK(bucket.level(t0 + seconds(1)) == Approx(60.0));
  bucket.Take(60.0, t0 + seconds(1));
  const auto big = bucket.WaitFor(500.0, t0 + seconds(1));
  CHECK(big >= seconds(59));
  CHECK(big <= seconds(61));
}

TEST_CASE("latency window: p95 by nearest rank, bounded memory", "[resilience][hedge]") {
  LatencyWindow window;
  CHECK(window.P95().count() == 0);
  for (int i = 1; i <= 100; ++i) window.Add(std::chrono::microseconds(i));
  CHECK(window.size() == 100);
  CHECK(window.P95().count() == 95);
  // 1000 more large samples push the old ones out.
  for (int i = 0; i < 1000; ++i) window.Add(std::chrono::microseconds(5000 + i % 100));
  CHECK(window.size() == LatencyWindow::kCapacity);
  CHECK(window.P95().count() >= 5090);
}

}  // namespace
}  // namespace prsm::internal
