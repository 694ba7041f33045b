// Comparing answers: what "the answer" of a completion is, under each AnswerFormat, and when
// two answers agree. Real model output is the input: answers hide after long reasoning, in
// markdown and LaTeX, restated several times. The rule everywhere is "the last explicit
// answer statement wins" (models correct themselves), then a format-specific fallback.
#include <algorithm>
#include <array>
#include <cmath>

#include "consensus/answer_text.h"
#include "consensus/json_answer.h"
#include "consensus/math_answer.h"
#include "prsm/consensus.h"

namespace prsm {

namespace {

using internal::IsSpace;

// --- multiple choice ------------------------------------------------------------------------

// The letter of a choice written at `pos`: "B", "(B)", "[B]"; lower case only in brackets
// ("the answer is a" is an article). It must end there: "All" is not "A". A bare "I" before a
// lower-case word is the pronoun ("I think").
std::optional<char> ChoiceAt(std::string_view text, std::size_t pos) {
  if (pos >= text.size()) return std::nullopt;
  const char open = text[pos];
  const bool bracketed = open == '(' || open == '[';
  if (bracketed) ++pos;
  if (pos >= text.size()) return std::nullopt;
  const char c = text[pos];
  const bool upper = c >= 'A' && c <= 'J';
  const bool lower = c >= 'a' && c <= 'j';
  if (!upper && !(lower && bracketed)) return std::nullopt;
  const std::size_t after = pos + 1;
  if (after < text.size() && internal::IsWordByte(text[after])) return std::nullopt;
  if (bracketed && (after >= text.size() || text[after] != (open == '(' ? ')' : ']'))) {
    return std::nullopt;
  }
  if (c == 'I' && !bracketed && after + 1 < text.size() && text[after] == ' ' &&
      text[after + 1] >= 'a' && text[after + 1] <= 'z') {
    return std::nullopt;
  }
  return upper ? c : static_cast<char>(c - 'a' + 'A');
}

// A line (or a whole answer) that is nothing but a choice: "B", "**B.**", "(B)", "$B$".
std::optional<char> LoneChoice(std::string_view line) {
  auto is_decoration = [](char c) {
    return IsSpace(c) || c == '*' || c == '_' || c == '$' || c == '#' || c == '>' || c == '`';
  };
  while (!line.empty() && is_decoration(line.front())) line.remove_prefix(1);
  while (!line.empty() && (is_decoration(line.back()) || line.back() == '.' || line.back() == ':' ||
                           line.back() == ')' || line.back() == ']')) {
    line.remove_suffix(1);
  }
  while (!line.empty() && (line.front() == '(' || line.front() == '[')) line.remove_prefix(1);
  if (line.size() != 1) return std::nullopt;
  const char c = line.front();
  if (c >= 'A' && c <= 'J') return c;
  if (c >= 'a' && c <= 'j') return static_cast<char>(c - 'a' + 'A');
  return std::nullopt;
}

// A line that starts with an option as models restate it: "(B) 0.85", "B) 0.85", "B. 0.85".
std::optional<char> LeadingOption(std::string_view line) {
  while (!line.empty() && (IsSpace(line.front()) || line.front() == '*')) line.remove_prefix(1);
  if (line.size() >= 4 && line[0] == '(' && line[1] >= 'A' && line[1] <= 'J' && line[2] == ')' &&
      line[3] == ' ') {
    return line[1];
  }
  if (line.size() >= 3 && line[0] >= 'A' && line[0] <= 'J' &&
      (line[1] == ')' || line[1] == '.' || line[1] == ':') && line[2] == ' ') {
    return line[0];
  }
  return std::nullopt;
}

std::optional<std::string> ExtractChoice(std::string_view text) {
  // The last explicit statement: "answer ... is (B)" or \boxed{B}, whichever comes later.
  std::optional<char> stated;
  std::size_t stated_at = 0;
  const std::vector<std::size_t> keywords = internal::FindWord(text, "answer");
  for (auto it = keywords.rbegin(); it != keywords.rend(); ++it) {
    if (auto letter = ChoiceAt(text, internal::SkipAnswerLead(text, *it + 6))) {
      stated = letter;
      stated_at = *it;
      break;
    }
  }
  if (auto boxed = internal::LastBoxed(text); boxed && (!stated || boxed->pos > stated_at)) {
    if (auto letter = LoneChoice(internal::CanonicalMathAnswer(boxed->content))) stated = letter;
  }
  if (stated) return std::string(1, *stated);
  if (auto letter = LoneChoice(text)) return std::string(1, *letter);

  // The last line, then the first: a model that answers "B" and then explains, or explains and
  // ends on "**(B)**".
  std::string_view body = text;
  while (!body.empty() && IsSpace(body.back())) body.remove_suffix(1);
  while (!body.empty() && IsSpace(body.front())) body.remove_prefix(1);
  const std::size_t last_break = body.rfind('\n');
  const std::string_view last_line =
      last_break == std::string_view::npos ? body : body.substr(last_break + 1);
  const std::string_view first_line = body.substr(0, body.find('\n'));
  for (std::string_view line : {last_line, first_line}) {
    if (auto letter = LoneChoice(line)) return std::string(1, *letter);
    if (auto letter = LeadingOption(line)) return std::string(1, *letter);
  }
  return std::nullopt;
}

// --- yes / no -------------------------------------------------------------------------------

struct Polar {
  std::string_view word;
  bool yes;
};
constexpr std::array<Polar, 6> kPolarWords = {{{"yes", true},
                                               {"no", false},
                                               {"true", true},
                                               {"false", false},
                                               {"correct", true},
                                               {"incorrect", false}}};

std::optional<bool> PolarAt(std::string_view text, std::size_t pos) {
  if (pos > 0 && pos <= text.size() && internal::IsAsciiAlpha(text[pos - 1])) return std::nullopt;
  for (const Polar& polar : kPolarWords) {
    if (internal::WordAt(text, pos, polar.word)) return polar.yes;
  }
  return std::nullopt;
}

bool StartsPolar(std::string_view text, std::size_t pos) { return PolarAt(text, pos).has_value(); }

std::optional<std::string> ExtractYesNo(std::string_view text) {
  auto spell = [](bool yes) { return std::string(yes ? "yes" : "no"); };
  std::optional<bool> stated;
  std::size_t stated_at = 0;
  const std::vector<std::size_t> keywords = internal::FindWord(text, "answer");
  for (auto it = keywords.rbegin(); it != keywords.rend(); ++it) {
    if (auto yes = PolarAt(text, internal::SkipAnswerLead(text, *it + 6, StartsPolar))) {
      stated = yes;
      stated_at = *it;
      break;
    }
  }
  if (auto boxed = internal::LastBoxed(text); boxed && (!stated || boxed->pos > stated_at)) {
    const std::string inside =
        internal::NormalizeText(internal::CanonicalMathAnswer(boxed->content));
    std::string_view word = inside;
    if (word.rfind("\\text{", 0) == 0) word.remove_prefix(6);
    if (auto yes = PolarAt(word, 0)) stated = yes;
  }
  if (stated) return spell(*stated);
  // "Yes, because ..." or "... so the statement is false."
  const std::string normalized = internal::NormalizeText(text);
  if (auto yes = PolarAt(normalized, 0)) return spell(*yes);
  std::size_t last_word = normalized.size();
  while (last_word > 0 && internal::IsAsciiAlpha(normalized[last_word - 1])) --last_word;
  if (auto yes = PolarAt(normalized, last_word)) {
    const bool negated = last_word >= 4 && normalized.compare(last_word - 4, 4, "not ") == 0;
    return spell(*yes != negated);
  }
  return std::nullopt;
}

// --- free text ------------------------------------------------------------------------------

std::optional<std::string> NonEmpty(std::string text) {
  if (text.empty()) return std::nullopt;
  return text;
}

// An out-of-range threshold (NaN, <= 0, > 1) counts as 1: only texts with the same words
// agree. The voting rules reject such options with an explanation before comparing anything.
double SimilarityThreshold(double similarity) {
  return similarity > 0.0 && similarity <= 1.0 ? similarity : 1.0;
}

}  // namespace

std::optional<std::string> ExtractAnswer(std::string_view text, const AnswerFormat& format) {
  switch (format.kind) {
    case AnswerFormat::Kind::kNormalizedText:
    case AnswerFormat::Kind::kSimilarText:
      return NonEmpty(internal::NormalizeText(text));
    case AnswerFormat::Kind::kChoice:
      return ExtractChoice(text);
    case AnswerFormat::Kind::kNumber:
      return internal::ExtractMathAnswer(text);
    case AnswerFormat::Kind::kYesNo:
      return ExtractYesNo(text);
    case AnswerFormat::Kind::kJsonField:
      return internal::ExtractJsonField(text, format.json_field);
  }
  return std::nullopt;
}

bool AnswersAgree(std::string_view a, std::string_view b, const AnswerFormat& format) {
  if (format.kind == AnswerFormat::Kind::kSimilarText) {
    return TextSimilarity(a, b) >= SimilarityThreshold(format.similarity);
  }
  if (a == b) return true;
  if (format.kind != AnswerFormat::Kind::kNumber) return false;
  // "1/2" and "0.5": canonical forms differ, values do not.
  const auto x = internal::NumericValue(a);
  const auto y = internal::NumericValue(b);
  if (!x || !y) return false;
  const double scale = std::max({1.0, std::fabs(*x), std::fabs(*y)});
  return std::fabs(*x - *y) <= 1e-9 * scale;
}

double TextSimilarity(std::string_view a, std::string_view b) {
  const std::string left = internal::NormalizeText(a);
  const std::string right = internal::NormalizeText(b);
  const std::vector<std::string_view> x = internal::DistinctWords(left);
  const std::vector<std::string_view> y = internal::DistinctWords(right);
  if (x.empty() && y.empty()) return 1.0;
  std::size_t common = 0;
  for (std::size_t i = 0, j = 0; i < x.size() && j < y.size();) {
    if (x[i] == y[j]) {
      ++common;
      ++i;
      ++j;
    } else if (x[i] < y[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(x.size() + y.size() - common);
}

std::optional<double> LogprobConfidence(const Completion& completion) {
  double sum = 0.0;
  std::size_t counted = 0;
  for (const TokenLogprob& token : completion.logprobs) {
    if (std::isnan(token.logprob)) continue;  // a vendor glitch: no information
    // A logprob above 0 is rounding noise (probability 1); -inf is probability 0.
    sum += std::min(token.logprob, 0.0);
    ++counted;
  }
  if (counted == 0) return std::nullopt;
  const double mean = sum / static_cast<double>(counted);
  return std::clamp(std::exp(mean), 0.0, 1.0);
}

}  // namespace prsm
