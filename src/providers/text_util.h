// providers/text_util.h — the ASCII string helpers the provider codecs share: case-insensitive
// comparison, trimming, and the character-class checks that configuration values, URLs and wire
// ids need.
//
// Why a module: the four codecs each carried a copy of these. HTTP names, URLs and vendor ids
// are ASCII, so the helpers are locale-independent on purpose (no <cctype>). Pure functions, no
// allocation, safe from any thread.
#ifndef PRSM_PROVIDERS_TEXT_UTIL_H_
#define PRSM_PROVIDERS_TEXT_UTIL_H_

#include <string_view>

namespace prsm::providers {

/// What Trim removes by default: the whitespace a value read from a file or the environment
/// may carry around it.
inline constexpr std::string_view kAsciiSpace = " \t\r\n";

/// 'A'..'Z' lowered; any other byte unchanged.
char AsciiLower(char c) noexcept;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept;
bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) noexcept;
bool EndsWith(std::string_view text, std::string_view suffix) noexcept;

/// `text` without the leading and trailing characters found in `junk`.
std::string_view Trim(std::string_view text, std::string_view junk = kAsciiSpace) noexcept;

/// True when `text` has a byte below 0x20 or DEL. In a header, CR and LF above all would let a
/// value smuggle in headers of its own.
bool HasControlCharacter(std::string_view text) noexcept;

/// True when every byte of `text` is an ASCII letter, an ASCII digit, or one of `extra`; true for
/// an empty `text` (callers that need a non-empty one say so).
bool IsAlnumOr(std::string_view text, std::string_view extra) noexcept;

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_TEXT_UTIL_H_
