#include "net/retry_after.h"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using prsm::net::ParseRetryAfter;
using prsm::net::ParseRetryAfterMs;

namespace {
// 1994-11-06T08:49:37Z, the RFC's example date.
const auto kRfcExample = std::chrono::system_clock::from_time_t(784111777);
}  // namespace

TEST_CASE("Retry-After delta-seconds", "[retry_after]") {
  const auto now = std::chrono::system_clock::now();
  CHECK(ParseRetryAfter("30", now) == std::chrono::milliseconds(30'000));
  CHECK(ParseRetryAfter("0", now) == std::chrono::milliseconds(0));
  CHECK(ParseRetryAfter("  7 ", now) == std::chrono::milliseconds(7'000));
  CHECK(ParseRetryAfter("1.5", now) == std::chrono::milliseconds(1'500));
  // Absurd values are capped at a day rather than overflowing.
  CHECK(ParseRetryAfter("99999999999999999999", now) == std::chrono::milliseconds(86'400'000));
}

TEST_CASE("Retry-After HTTP-date in all three RFC 9110 forms", "[retry_after]") {
  const auto now = kRfcExample - 10s;
  CHECK(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", now) == std::chrono::milliseconds(10'000));
  CHECK(ParseRetryAfter("Sunday, 06-Nov-94 08:49:37 GMT", now) ==
        std::chrono::milliseconds(10'000));
  CHECK(ParseRetryAfter("Sun Nov  6 08:49:37 1994", now) == std::chrono::milliseconds(10'000));
  // A date in the past means "now".
  CHECK(ParseRetryAfter("Sun, 06 Nov 1994 08:49:37 GMT", kRfcExample + 1h) ==
        std::chrono::milliseconds(0));
  // A date beyond the clock's range (past 2262) is capped at a day like a number, where it
  // used to overflow (found by tests/fuzz/fuzz_retry_after).
  CHECK(ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now) ==
        std::chrono::milliseconds(86'400'000));
}

TEST_CASE("Retry-After rejects what it cannot read", "[retry_after]") {
  const auto now = std::chrono::system_clock::now();
  CHECK_FALSE(ParseRetryAfter("", now));
  CHECK_FALSE(ParseRetryAfter("   ", now));
  CHECK_FALSE(ParseRetryAfter("-5", now));
  CHECK_FALSE(ParseRetryAfter("5s", now));
  CHECK_FALSE(ParseRetryAfter("1.2.3", now));
  CHECK_FALSE(ParseRetryAfter(".", now));
  CHECK_FALSE(ParseRetryAfter("soon", now));
}

TEST_CASE("retry-after-ms", "[retry_after]") {
  CHECK(ParseRetryAfterMs("250") == std::chrono::milliseconds(250));
  CHECK(ParseRetryAfterMs(" 20.4 ") == std::chrono::milliseconds(20));
  CHECK(ParseRetryAfterMs("90000") == std::chrono::milliseconds(90'000));
  CHECK_FALSE(ParseRetryAfterMs(""));
  CHECK_FALSE(ParseRetryAfterMs("-1"));
  CHECK_FALSE(ParseRetryAfterMs("abc"));
}
