// config/duration.h — the durations of configuration files: "250ms", "2s", "1.5m", "1h".
//
// Thread safety: pure functions.
#ifndef PRSM_CONFIG_DURATION_H_
#define PRSM_CONFIG_DURATION_H_

#include <chrono>
#include <optional>
#include <string_view>

namespace prsm::config {

/// A non-negative decimal number ("2", "1.5", ".5" and "0.25" but not "-1", "1e3" or "1.")
/// followed at once by a unit: "ms", "s", "m" or "h". Rounded to the nearest millisecond.
/// nullopt for anything else, and for durations longer than about 100 years (no timeout needs
/// more, and the milliseconds then cannot overflow anything that adds them to a time point).
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text);

/// How the error messages describe what ParseDuration accepts.
inline constexpr std::string_view kDurationExpectation =
    R"(a duration string such as "250ms", "2s", "1.5m" or "1h")";

}  // namespace prsm::config

#endif  // PRSM_CONFIG_DURATION_H_
