// ParseDuration (see duration.h). Hand-written rather than strtod: strtod accepts "inf", hex,
// exponents and leading spaces, and depends on the C locale's decimal point.
#include "config/duration.h"

#include <cmath>
#include <cstdint>

namespace prsm::config {

namespace {

constexpr double kMaxMilliseconds = 100.0 * 366 * 24 * 3600 * 1000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::size_t i = 0;
  double value = 0.0;
  std::size_t digits = 0;
  while (i < text.size() && IsDigit(text[i])) {
    value = value * 10 + (text[i] - '0');
    ++i;
    ++digits;
    if (value > kMaxMilliseconds) return std::nullopt;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    double scale = 0.1;
    std::size_t fraction_digits = 0;
    while (i < text.size() && IsDigit(text[i])) {
      value += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
      ++fraction_digits;
    }
    if (fraction_digits == 0) return std::nullopt;  // "1." is a typo more often than not
    digits += fraction_digits;
  }
  if (digits == 0) return std::nullopt;
  const std::string_view unit = text.substr(i);
  double ms_per_unit = 0.0;
  if (unit == "ms") {
    ms_per_unit = 1.0;
  } else if (unit == "s") {
    ms_per_unit = 1000.0;
  } else if (unit == "m") {
    ms_per_unit = 60.0 * 1000;
  } else if (unit == "h") {
    ms_per_unit = 3600.0 * 1000;
  } else {
    return std::nullopt;
  }
  const double ms = std::round(value * ms_per_unit);
  if (!(ms <= kMaxMilliseconds)) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

}  // namespace prsm::config
