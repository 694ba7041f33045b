// Features of an answer for the cascade's learned acceptance test (see acceptance_features.h).
// Everything is a linear scan of the text: the test runs on the loop thread for every cheap
// answer, so it must cost microseconds.
#include "routing/acceptance_features.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace prsm::routing {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// A plain number ending just before `limit` (scanning backwards): digits, one '.', thousands
// commas; a '$' before it is skipped. Sets `found_at` to where it starts. Rejects numbers
// glued to a letter or variable ("x2") and percentages.
std::optional<double> NumberBefore(std::string_view text, std::size_t limit,
                                   std::size_t& found_at) {
  std::size_t i = limit;
  while (i > 0 && (IsDigit(text[i - 1]) || text[i - 1] == '.' || text[i - 1] == ',')) --i;
  while (i < limit && !IsDigit(text[i])) ++i;  // a leading '.' or ',' is punctuation
  if (i == limit) return std::nullopt;
  if (limit < text.size() && text[limit] == '%') return std::nullopt;
  std::size_t start = i;
  if (start > 0 && text[start - 1] == '$') --start;
  if (start > 0 && (IsAlpha(text[start - 1]) || text[start - 1] == '_' || text[start - 1] == '^' ||
                    text[start - 1] == '.')) {
    return std::nullopt;
  }
  std::string digits;
  for (std::size_t k = i; k < limit; ++k) {
    if (text[k] != ',') digits += text[k];
  }
  if (std::count(digits.begin(), digits.end(), '.') > 1 || digits.back() == '.') {
    return std::nullopt;
  }
  found_at = start;
  return std::strtod(digits.c_str(), nullptr);
}

// The number starting at `pos` (after spaces and '$'), with the count of its decimals; nullopt
// when it is followed by something that makes it more than a plain number ("3x", "1/2", "2^3").
std::optional<double> NumberAfter(std::string_view text, std::size_t pos, int& decimals) {
  while (pos < text.size() && text[pos] == ' ') ++pos;
  if (pos < text.size() && text[pos] == '$') ++pos;
  bool negative = false;
  if (pos < text.size() && text[pos] == '-') {
    negative = true;
    ++pos;
  }
  std::string digits;
  decimals = -1;
  while (pos < text.size()) {
    const char c = text[pos];
    if (IsDigit(c)) {
      digits += c;
      if (decimals >= 0) ++decimals;
    } else if (c == ',' && decimals < 0 && !digits.empty() && pos + 3 < text.size() &&
               IsDigit(text[pos + 1]) && IsDigit(text[pos + 2]) && IsDigit(text[pos + 3]) &&
               (pos + 4 == text.size() || !IsDigit(text[pos + 4]))) {
      // thousands separator: skip it
    } else if (c == '.' && decimals < 0 && pos + 1 < text.size() && IsDigit(text[pos + 1])) {
      digits += c;
      decimals = 0;
    } else {
      break;
    }
    ++pos;
  }
  if (digits.empty()) return std::nullopt;
  if (pos < text.size()) {
    const char next = text[pos];
    if (IsAlpha(next) || next == '/' || next == '^' || next == '*' || next == '_' || next == '(' ||
        next == '\\') {
      // "= 3x", "= 1/2", "= 2^3", "= 3 \cdot" : not a plain result. A unit after a space is
      // fine ("= 80 sheep"), which the space check above lets through.
      if (!(next == '\\' && text.substr(pos, 2) == "\\)")) return std::nullopt;
    }
  }
  decimals = std::max(decimals, 0);
  const double value = std::strtod(digits.c_str(), nullptr);
  return negative ? -value : value;
}

// The operator ending just before `limit`, skipping spaces; sets `found_at` to where the text
// before it (spaces skipped) ends. One of + - * / (as
// '*' for x, ×, \times, \cdot and '/' for ÷, \div).
std::optional<char> OperatorBefore(std::string_view text, std::size_t limit,
                                   std::size_t& found_at) {
  std::size_t i = limit;
  while (i > 0 && text[i - 1] == ' ') --i;
  if (i == 0) return std::nullopt;
  auto ends_with = [&](std::string_view word) {
    return i >= word.size() && text.substr(i - word.size(), word.size()) == word;
  };
  char op = 0;
  std::size_t length = 1;
  const char c = text[i - 1];
  if (c == '+' || c == '-' || c == '*' || c == '/') {
    op = c;
  } else if (c == 'x' && i >= 2 && !IsAlpha(text[i - 2])) {
    op = '*';
  } else if (ends_with("\xC3\x97")) {  // ×
    op = '*';
    length = 2;
  } else if (ends_with("\xC3\xB7")) {  // ÷
    op = '/';
    length = 2;
  } else if (ends_with("\\times")) {
    op = '*';
    length = 6;
  } else if (ends_with("\\cdot")) {
    op = '*';
    length = 5;
  } else if (ends_with("\\div")) {
    op = '/';
    length = 4;
  } else {
    return std::nullopt;
  }
  i -= length;
  while (i > 0 && text[i - 1] == ' ') --i;
  found_at = i;
  return op;
}

// Evaluates numbers[0] ops[0] numbers[1] ... with * and / before + and -.
std::optional<double> Evaluate(const std::vector<double>& numbers, const std::vector<char>& ops) {
  std::vector<double> terms = {numbers[0]};
  std::vector<char> additive;
  for (std::size_t k = 0; k < ops.size(); ++k) {
    const double next = numbers[k + 1];
    if (ops[k] == '*') {
      terms.back() *= next;
    } else if (ops[k] == '/') {
      if (next == 0.0) return std::nullopt;
      terms.back() /= next;
    } else {
      additive.push_back(ops[k]);
      terms.push_back(next);
    }
  }
  double value = terms[0];
  for (std::size_t k = 0; k < additive.size(); ++k) {
    value = additive[k] == '+' ? value + terms[k + 1] : value - terms[k + 1];
  }
  return value;
}

}  // namespace

ArithmeticClaims CheckArithmetic(std::string_view text) {
  ArithmeticClaims claims;
  for (std::size_t eq = text.find('='); eq != std::string_view::npos; eq = text.find('=', eq + 1)) {
    if ((eq + 1 < text.size() && text[eq + 1] == '=') ||
        (eq > 0 && (text[eq - 1] == '<' || text[eq - 1] == '>' || text[eq - 1] == '!'))) {
      continue;  // ==, <=, >=, !=
    }
    int decimals = 0;
    const std::optional<double> result = NumberAfter(text, eq + 1, decimals);
    if (!result) continue;
    // Left side, backwards: number (op number)*.
    std::size_t end = eq;
    while (end > 0 && text[end - 1] == ' ') --end;
    std::size_t begin = 0;
    std::optional<double> number = NumberBefore(text, end, begin);
    if (!number) continue;
    std::vector<double> numbers = {*number};
    std::vector<char> ops;
    while (true) {
      std::size_t op_begin = 0;
      const std::optional<char> op = OperatorBefore(text, begin, op_begin);
      if (!op) break;
      std::size_t number_begin = 0;
      const std::optional<double> left = NumberBefore(text, op_begin, number_begin);
      if (!left) break;
      numbers.push_back(*left);
      ops.push_back(*op);
      begin = number_begin;
    }
    if (ops.empty()) continue;
    // A '-' right before the first number makes it negative ("-3 + 5 = 2").
    if (begin > 0 && text[begin - 1] == '-' && (begin < 2 || !IsDigit(text[begin - 2]))) {
      numbers.back() = -numbers.back();
    }
    std::reverse(numbers.begin(), numbers.end());
    std::reverse(ops.begin(), ops.end());
    const std::optional<double> value = Evaluate(numbers, ops);
    if (!value || !std::isfinite(*value)) continue;
    // Rounded results are fine: "10 / 3 = 3.33".
    const double tolerance =
        0.5 * std::pow(10.0, -decimals) + 1e-9 * std::max(1.0, std::fabs(*value));
    ++claims.checked;
    if (std::fabs(*value - *result) > tolerance) ++claims.wrong;
  }
  return claims;
}

std::size_t CountHedges(std::string_view text) {
  static constexpr std::string_view kHedges[] = {"i think",       "not sure",
                                                 "approximately", "i believe",
                                                 "probably",      "might be",
                                                 "it seems",      "i'm unsure",
                                                 "uncertain",     "roughly",
                                                 "perhaps",       "i guess",
                                                 "not certain",   "cannot be determined",
                                                 "unclear",       "may be"};
  std::string lower(text.size(), '\0');
  std::transform(text.begin(), text.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::size_t count = 0;
  for (std::string_view hedge : kHedges) {
    for (std::size_t at = lower.find(hedge); at != std::string::npos;
         at = lower.find(hedge, at + hedge.size())) {
      ++count;
    }
  }
  return count;
}

bool HasFinalAnswerMarker(std::string_view text) {
  static constexpr std::string_view kMarkers[] = {"\\boxed",      "####",      "Answer:",
                                                  "answer:",      "answer is", "Final Answer",
                                                  "final answer", "ANSWER:"};
  return std::any_of(std::begin(kMarkers), std::end(kMarkers), [&](std::string_view marker) {
    return text.find(marker) != std::string_view::npos;
  });
}

AcceptanceFeatures ComputeAcceptanceFeatures(std::string_view text, bool truncated,
                                             const AnswerEffort& effort, const QueryFeatures& query,
                                             const AnswerFormat& format) {
  static constexpr std::string_view kDomains[] = {"math",  "code",    "science", "finance",
                                                  "legal", "medical", "writing"};
  AcceptanceFeatures x{};
  const ArithmeticClaims arithmetic = CheckArithmetic(text);
  const double tokens = static_cast<double>(text.size()) / 4.0;
  x[0] = 1.0;
  const std::optional<std::string> answer = ExtractAnswer(text, format);
  x[1] = answer.has_value() ? 1.0 : 0.0;
  x[2] = HasFinalAnswerMarker(text) ? 1.0 : 0.0;
  x[3] = std::log1p(tokens) / 8.0;
  x[4] = truncated ? 1.0 : 0.0;
  x[5] = std::min(1.0, static_cast<double>(CountHedges(text)) / 2.0);
  x[6] = std::min(1.0, static_cast<double>(arithmetic.wrong) / 2.0);
  x[7] = arithmetic.checked > 0 && arithmetic.wrong == 0 ? 1.0 : 0.0;
  x[8] = std::clamp(query.complexity, 0.0, 1.0);
  x[9] = query.multiple_choice ? 1.0 : 0.0;
  x[10] = query.has_math ? 1.0 : 0.0;
  x[11] = query.needs_reasoning ? 1.0 : 0.0;
  x[12] = query.has_code ? 1.0 : 0.0;
  // [13..19]: the domain, one-hot; "general" and host-defined domains are all zeros.
  for (std::size_t d = 0; d < std::size(kDomains); ++d) {
    x[13 + d] = query.domain == kDomains[d] ? 1.0 : 0.0;
  }
  // [20] a numeric final answer with a fractional part (word problems rarely have one);
  // [21] how much checked arithmetic the answer shows (more steps, more risk);
  // [22] the final answer also appears earlier in the text (it was derived, not guessed);
  // [23] the prompt's size.
  if (answer) {
    char* end = nullptr;
    const double value = std::strtod(answer->c_str(), &end);
    const bool numeric = end != answer->c_str() && *end == '\0' && std::isfinite(value);
    x[20] = numeric && value != std::floor(value) ? 1.0 : 0.0;
    const std::size_t last = text.rfind(*answer);
    x[22] = !answer->empty() && last != std::string_view::npos &&
                    text.substr(0, last).find(*answer) != std::string_view::npos
                ? 1.0
                : 0.0;
  }
  x[21] = std::min(1.0, static_cast<double>(arithmetic.checked) / 10.0);
  x[23] = std::log1p(static_cast<double>(query.prompt_tokens)) / 8.0;
  // [24] the output tokens the model spent, reasoning included (when the provider reports none,
  // the visible text's estimate, so that "not reported" does not read as "very short");
  // [25] its reasoning tokens; [26] its output relative to what it typically spends, clamped
  // to 3 standard deviations.
  const double output_tokens =
      effort.output_tokens > 0 ? static_cast<double>(effort.output_tokens) : tokens;
  x[24] = std::log1p(output_tokens) / 10.0;
  x[25] =
      std::log1p(static_cast<double>(std::max<std::int64_t>(effort.reasoning_tokens, 0))) / 10.0;
  x[26] = std::isfinite(effort.relative) ? std::clamp(effort.relative, -3.0, 3.0) / 3.0 : 0.0;
  return x;
}

}  // namespace prsm::routing
