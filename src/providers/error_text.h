// providers/error_text.h — text the codecs quote in error messages, made safe: the API key
// redacted, control characters and invalid UTF-8 replaced, and the length bounded.
//
// Why a module: every codec quotes text it does not control in its errors — request fields the
// caller wrote, vendor messages, the start of a body that is not JSON — and any of it may carry
// the API key. The rule lives here once: redact the key in the whole text first, then sanitise
// and cut, so that no fragment of the key can survive a cut. Quoted and Excerpt apply it; code
// that builds a message from several pieces redacts the assembled message again.
#ifndef PRSM_PROVIDERS_ERROR_TEXT_H_
#define PRSM_PROVIDERS_ERROR_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "prsm/status.h"

namespace prsm::providers {

/// How much of a request field or a vendor word an error message quotes by default.
inline constexpr std::size_t kMaxQuotedBytes = 64;

/// `text` made safe for an error message: at most `max_bytes` bytes (cut at a character boundary,
/// "..." appended when cut), control characters and runs of whitespace become one space, and
/// bytes that are not valid UTF-8 become '?'.
std::string SanitizeForMessage(std::string_view text, std::size_t max_bytes);

/// How much of a secret's start identifies it: a token that begins with this many bytes of the
/// key is redacted too (see RedactSecret).
inline constexpr std::size_t kSecretPrefixBytes = 12;

/// Replaces every occurrence of `secret` in `text` with "[REDACTED]", and, for a secret longer
/// than kSecretPrefixBytes, every token (a run of letters, digits, '-' and '_') that starts with
/// its first kSecretPrefixBytes bytes: a vendor may echo a key cut short ("Incorrect API key
/// provided: sk-abcdefgh12...") and its head is as secret as the rest. No-op for an empty secret.
void RedactSecret(std::string& text, std::string_view secret);

/// `text` with `secret` redacted, then sanitised to `max_bytes` (in that order).
std::string Excerpt(std::string_view text, std::string_view secret, std::size_t max_bytes);

/// Excerpt(text, secret, max_bytes) in single quotes: how a message names a value, "'gpt-4o'".
std::string Quoted(std::string_view text, std::string_view secret = {},
                   std::size_t max_bytes = kMaxQuotedBytes);

/// kInvalidArgument with `message`: a request or a configuration the caller must fix.
Error Invalid(std::string message);

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_ERROR_TEXT_H_
