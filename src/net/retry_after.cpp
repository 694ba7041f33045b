#include "net/retry_after.h"

#include <cctype>
#include <cmath>
#include <string>

#include <curl/curl.h>

namespace prsm::net {
namespace {

constexpr double kSecondsPerDay = 86400.0;

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// A non-negative decimal number "123" or "1.25"; nullopt otherwise. Capped at `cap` (a day in
// the caller's unit: longer than any deadline prsm waits), so huge values cannot overflow.
std::optional<double> ParseNonNegativeNumber(std::string_view text, double cap) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  double value = 0.0;
  double scale = 0.0;  // 0 while in the integer part
  bool any_digit = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      any_digit = true;
      if (scale == 0.0) {
        value = value * 10.0 + (c - '0');
      } else {
        value += (c - '0') * scale;
        scale /= 10.0;
      }
    } else if (c == '.' && scale == 0.0) {
      scale = 0.1;
    } else {
      return std::nullopt;
    }
  }
  if (!any_digit) return std::nullopt;
  return std::fmin(value, cap);
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  value = Trim(value);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front())) || value.front() == '.') {
    auto seconds = ParseNonNegativeNumber(value, kSecondsPerDay);
    if (!seconds) return std::nullopt;
    return std::chrono::milliseconds(static_cast<long long>(std::llround(*seconds * 1000.0)));
  }
  // curl_getdate understands every HTTP-date form of RFC 9110 (and is thread-safe).
  const std::string date(value);
  const time_t when = curl_getdate(date.c_str(), nullptr);
  if (when == -1) return std::nullopt;
  // Compare whole seconds first: the clock counts nanoseconds in 64 bits, so converting a date
  // past the year 2262 ("31 Dec 9999", found by fuzzing) would overflow. Capped at a day, as
  // delta-seconds are.
  const auto now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (when < now_seconds) return std::chrono::milliseconds(0);
  if (when - now_seconds > static_cast<time_t>(kSecondsPerDay)) {
    return std::chrono::milliseconds(static_cast<long long>(kSecondsPerDay * 1000.0));
  }
  const auto target = std::chrono::system_clock::from_time_t(when);
  if (target <= now) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(target - now);
}

std::optional<std::chrono::milliseconds> ParseRetryAfterMs(std::string_view value) {
  auto ms = ParseNonNegativeNumber(Trim(value), kSecondsPerDay * 1000.0);
  if (!ms) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(*ms)));
}

}  // namespace prsm::net
