// consensus/answer_text.h — the text scanning the answer extractors share.
//
// Model output is untrusted, unstructured text: these helpers never assume a shape, never
// allocate per character and never read past the view they are given. Case folding and
// character classes are ASCII only; bytes >= 0x80 (UTF-8 sequences) count as word characters,
// so non-English words stay whole and are compared byte for byte.
//
// Thread safety: stateless functions. Errors: none (a scan that finds nothing says so).
#ifndef PRSM_CONSENSUS_ANSWER_TEXT_H_
#define PRSM_CONSENSUS_ANSWER_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace prsm::internal {

inline bool IsDigit(char c) noexcept { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool IsAsciiAlnum(char c) noexcept { return IsDigit(c) || IsAsciiAlpha(c); }
inline bool IsSpace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
inline char ToLowerAscii(char c) noexcept {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
/// Letters, digits and every byte of a UTF-8 multi-byte sequence.
inline bool IsWordByte(char c) noexcept {
  return IsAsciiAlnum(c) || static_cast<unsigned char>(c) >= 0x80;
}

/// Whether `text` continues at `pos` with `word` (ASCII case-insensitive), not followed by a
/// letter (so "is" does not match "isotope").
bool WordAt(std::string_view text, std::size_t pos, std::string_view word) noexcept;

/// Start positions of `keyword` (lower-case ASCII, matched case-insensitively) in `text` where
/// it stands as a whole word (no letter just before or after), in increasing order.
std::vector<std::size_t> FindWord(std::string_view text, std::string_view keyword);

/// Skips what models put between "answer" and the answer itself: spaces, ':' '=' '-' '>',
/// markdown emphasis and headers, '$' and LaTeX openers (`\(`, `\[`, `\boxed{`, `\text{`,
/// `\textbf{`, ...), and filler words ("is", "would be", "the correct option", "therefore",
/// "approximately"). Stops at the first other character, or where `is_answer(text, pos)` says
/// an answer starts (so "correct" can be a yes/no answer rather than a filler); gives up after
/// a short distance so that a stray "answer" cannot reach an unrelated token far away.
using AnswerStartTest = bool (*)(std::string_view text, std::size_t pos);
std::size_t SkipAnswerLead(std::string_view text, std::size_t pos,
                           AnswerStartTest is_answer = nullptr) noexcept;

/// The text lower-cased, markdown emphasis (`*`, `` ` ``, `_` at word edges) dropped,
/// whitespace runs collapsed to one space, and leading/trailing punctuation dropped (a leading
/// sign before a digit and a closing bracket whose opener is inside are kept).
std::string NormalizeText(std::string_view text);

/// The distinct words of an already normalised text (maximal runs of word bytes), sorted.
std::vector<std::string_view> DistinctWords(std::string_view normalized);

}  // namespace prsm::internal

#endif  // PRSM_CONSENSUS_ANSWER_TEXT_H_
