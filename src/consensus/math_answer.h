// consensus/math_answer.h — numbers and formulas as final answers (AnswerFormat::kNumber).
//
// Canonical forms, so that equal answers compare equal as strings:
// - a number: no thousands separators, sign or unit; no leading zeros; no trailing fractional
//   zeros ("1,234" → "1234", "42.0" → "42", "$12" → "12", "+.50" → "0.5", "−3" → "-3");
// - a fraction of two integers: "a/b" ("\dfrac{1}{2}", "\frac12" and "1/2" all → "1/2"),
//   unreduced; NumericValue lets AnswersAgree see that "1/2" and "0.5" agree;
// - any other formula: its LaTeX with whitespace removed (one space kept where a command
//   would otherwise run into a letter), `\left`/`\right` and spacing commands dropped,
//   `\dfrac`/`\tfrac` → `\frac`, `\dbinom` → `\binom`, and a single-letter "x =" in front
//   dropped.
//
// Thread safety: stateless functions. Errors: none; nullopt means "no answer found".
#ifndef PRSM_CONSENSUS_MATH_ANSWER_H_
#define PRSM_CONSENSUS_MATH_ANSWER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace prsm::internal {

/// A number found in a text: where it is and its canonical form.
struct NumberToken {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string canonical;
};

/// The number starting exactly at `pos` (a digit, '.', a sign or U+2212 before one), or
/// nullopt. Commas are thousands separators only between groups of three digits.
std::optional<NumberToken> NumberAt(std::string_view text, std::size_t pos);

/// The last number in `text` (a '-' counts as a sign only where no word or number precedes
/// it: "3-5" is 3 and 5).
std::optional<NumberToken> LastNumber(std::string_view text);

/// A `\boxed{...}` (or `\fbox{...}`, or `\boxed 5`) in a text: where it starts and what it
/// holds (a view into the text).
struct BoxedSpan {
  std::size_t pos = 0;
  std::string_view content;
};

/// The last boxed answer with non-blank content; nullopt when there is none (an unclosed
/// brace, as in a truncated answer, does not count).
std::optional<BoxedSpan> LastBoxed(std::string_view text);

/// The canonical answer written in `latex` (the inside of `\boxed{...}` or `$...$`): a number,
/// a fraction "a/b", or the canonical formula. Empty when `latex` holds nothing.
std::string CanonicalMathAnswer(std::string_view latex);

/// The final number or formula of a model's answer: of the explicit statements ("#### 42",
/// `\boxed{...}`, "the answer is 42", "answer: $\frac{1}{2}$"), the last in the text; else
/// the last number in the text; nullopt when there is none.
std::optional<std::string> ExtractMathAnswer(std::string_view text);

/// The value of a canonical number or fraction; nullopt for a formula.
std::optional<double> NumericValue(std::string_view canonical);

}  // namespace prsm::internal

#endif  // PRSM_CONSENSUS_MATH_ANSWER_H_
