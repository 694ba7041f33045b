// Parsing of the headers with which a server says when to come back.
#ifndef PRSM_NET_RETRY_AFTER_H_
#define PRSM_NET_RETRY_AFTER_H_

#include <chrono>
#include <optional>
#include <string_view>

namespace prsm::net {

/// The delay a `Retry-After` value asks for: delta-seconds ("30", also "1.5" as some servers
/// send) or an HTTP-date (IMF-fixdate, RFC 850 or asctime form) relative to `now`. A date in
/// the past gives 0; delays are capped at a day. Anything else, negative numbers included, gives
/// nullopt.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

/// The delay of a `retry-after-ms` value (OpenAI, Azure): milliseconds, non-negative.
std::optional<std::chrono::milliseconds> ParseRetryAfterMs(std::string_view value);

}  // namespace prsm::net

#endif  // PRSM_NET_RETRY_AFTER_H_
