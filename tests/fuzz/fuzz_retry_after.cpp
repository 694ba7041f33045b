// libFuzzer target: Retry-After and retry-after-ms parsing (net/retry_after.h). Invariants: a
// delay is never negative; a value parses at one `now` exactly when it parses at another, and a
// later `now` gives the same delay (delta-seconds) or one shorter by at most the difference (an
// HTTP-date, floored at zero and capped at a day).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "net/retry_after.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using std::chrono::milliseconds;
  const std::string_view value = prsm::fuzz::AsText(data, size);
  // 2024-03-01T12:00:00Z and ten seconds later: fixed, so that every run replays alike.
  const std::chrono::system_clock::time_point now{std::chrono::seconds(1709294400)};
  const milliseconds step(10'000);
  const std::optional<milliseconds> at_now = prsm::net::ParseRetryAfter(value, now);
  const std::optional<milliseconds> later = prsm::net::ParseRetryAfter(value, now + step);
  PRSM_FUZZ_CHECK(at_now.has_value() == later.has_value(), value);
  if (at_now) {
    PRSM_FUZZ_CHECK(at_now->count() >= 0, value);
    PRSM_FUZZ_CHECK(later->count() >= 0, value);
    PRSM_FUZZ_CHECK(*later <= *at_now && *later >= *at_now - step, value);
  }
  const std::optional<milliseconds> ms = prsm::net::ParseRetryAfterMs(value);
  if (ms) PRSM_FUZZ_CHECK(ms->count() >= 0, value);
  return 0;
}
