// Numbers and formulas as final answers (see math_answer.h).
#include "consensus/math_answer.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <vector>

#include "consensus/answer_text.h"

namespace prsm::internal {

namespace {

constexpr std::string_view kUnicodeMinus = "\xE2\x88\x92";  // U+2212, as models typeset "-3"
constexpr std::string_view kDegreeSign = "\xC2\xB0";        // U+00B0
// A formula longer than this after "the answer is $" is prose, not an answer.
constexpr std::size_t kMaxInlineMath = 300;

bool StartsWith(std::string_view text, std::size_t pos, std::string_view prefix) noexcept {
  return pos <= text.size() && text.substr(pos, prefix.size()) == prefix;
}

std::string_view Trim(std::string_view text) noexcept {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

// The position of the '}' closing the '{' at `open`, or npos when the text ends first (a
// truncated answer). Escaped braces (`\{`) do not count.
std::size_t ClosingBrace(std::string_view text, std::size_t open) noexcept {
  int depth = 0;
  for (std::size_t i = open; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '{') ++depth;
    if (c == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

// Strips '$' and whole-answer wrappers: `\boxed{...}`, `\text{...}`, `{...}`, `\(...\)`.
std::string_view Unwrap(std::string_view text) {
  constexpr std::array<std::string_view, 7> kWrappers = {
      "\\boxed{", "\\text{", "\\textbf{", "\\mathrm{", "\\mathbf{", "\\fbox{", "{"};
  for (bool changed = true; changed;) {
    changed = false;
    text = Trim(text);
    while (!text.empty() && (text.front() == '$' || text.back() == '$')) {
      if (text.front() == '$') text.remove_prefix(1);
      if (!text.empty() && text.back() == '$') text.remove_suffix(1);
      text = Trim(text);
      changed = true;
    }
    if (text.size() >= 4 && text[0] == '\\' && (text[1] == '(' || text[1] == '[') &&
        text[text.size() - 2] == '\\' && (text.back() == ')' || text.back() == ']')) {
      text = text.substr(2, text.size() - 4);
      changed = true;
      continue;
    }
    for (std::string_view wrapper : kWrappers) {
      if (!StartsWith(text, 0, wrapper)) continue;
      if (ClosingBrace(text, wrapper.size() - 1) != text.size() - 1) continue;
      text = text.substr(wrapper.size(), text.size() - wrapper.size() - 1);
      changed = true;
      break;
    }
  }
  return text;
}

// Whitespace, spacing commands, `\left`/`\right` and display switches dropped; `\dfrac` →
// `\frac`; `\frac12` → `\frac{1}{2}`; a leading "x=" dropped.
std::string CanonicalFormula(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (IsSpace(c) || c == '$') {
      ++i;
      continue;
    }
    if (c != '\\' || i + 1 >= text.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    const char next = text[i + 1];
    if (next == ',' || next == ';' || next == ':' || next == '!' || next == ' ') {
      i += 2;
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() && IsAsciiAlpha(text[end])) ++end;
    if (end == i + 1) {  // an escaped symbol: `\{`, `\%`
      out.append(text.substr(i, 2));
      i += 2;
      continue;
    }
    std::string_view command = text.substr(i + 1, end - i - 1);
    i = end;
    if (command == "left" || command == "right" || command == "displaystyle" || command == "quad" ||
        command == "qquad") {
      continue;
    }
    if (command == "dfrac" || command == "tfrac") command = "frac";
    if (command == "dbinom" || command == "tbinom") command = "binom";
    out += '\\';
    out += command;
    std::size_t after = i;
    while (after < text.size() && IsSpace(text[after])) ++after;
    if (command == "frac" && after + 1 < text.size() && IsAsciiAlnum(text[after]) &&
        IsAsciiAlnum(text[after + 1])) {
      out += '{';
      out += text[after];
      out += "}{";
      out += text[after + 1];
      out += '}';
      i = after + 2;
      continue;
    }
    // Keep `\pi r` apart from a (meaningless) `\pir`.
    if (after < text.size() && IsAsciiAlpha(text[after])) out += ' ';
  }
  if (out.size() > 2 && IsAsciiAlpha(out[0]) && out[1] == '=' &&
      out.find('=', 2) == std::string::npos) {
    out.erase(0, 2);
  }
  return out;
}

// The whole of `text` as one canonical integer, or nullopt.
std::optional<std::string> WholeInteger(std::string_view text) {
  if (text.empty() || !IsDigit(text.front())) return std::nullopt;
  auto number = NumberAt(text, 0);
  if (!number || number->end != text.size() || number->canonical.find('.') != std::string::npos) {
    return std::nullopt;
  }
  return number->canonical;
}

// "a/b", "\frac{a}{b}" (with an optional leading '-') of integers → "a/b", else nullopt.
std::optional<std::string> Fraction(std::string_view text) {
  std::string sign;
  if (!text.empty() && text.front() == '-') {
    sign = "-";
    text.remove_prefix(1);
  }
  std::string_view numerator;
  std::string_view denominator;
  if (StartsWith(text, 0, "\\frac{")) {
    const std::size_t close = ClosingBrace(text, 5);
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != '{' ||
        ClosingBrace(text, close + 1) != text.size() - 1) {
      return std::nullopt;
    }
    numerator = text.substr(6, close - 6);
    denominator = text.substr(close + 2, text.size() - close - 3);
  } else {
    const std::size_t slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    numerator = text.substr(0, slash);
    denominator = text.substr(slash + 1);
  }
  auto top = WholeInteger(numerator);
  auto bottom = WholeInteger(denominator);
  if (!top || !bottom || *bottom == "0") return std::nullopt;
  if (*top == "0") return std::string("0");
  return sign + *top + "/" + *bottom;
}

// Drops what decorates a number but does not change it: `{,}`, `\$`, `\%`, degrees and a
// trailing unit in `\text{...}`.
std::string StripNumberDecoration(std::string text) {
  constexpr std::array<std::string_view, 7> kDrop = {"^{\\circ}", "^\\circ",  "\\circ",   "\\%",
                                                     "\\$",       "\\degree", kDegreeSign};
  for (std::string_view drop : kDrop) {
    for (std::size_t at = text.find(drop); at != std::string::npos; at = text.find(drop, at)) {
      text.erase(at, drop.size());
    }
  }
  for (std::size_t at = text.find("{,}"); at != std::string::npos; at = text.find("{,}", at)) {
    text.replace(at, 3, ",");
  }
  while (!text.empty() && (text.back() == '%' || text.back() == '.')) text.pop_back();
  for (std::string_view unit : {"\\text{", "\\mathrm{", "\\mbox{", "\\,\\text{"}) {
    const std::size_t at = text.rfind(unit);
    if (at == std::string::npos || at == 0) continue;
    if (ClosingBrace(text, at + unit.size() - 1) == text.size() - 1) text.erase(at);
  }
  if (!text.empty() && text.front() == '$') text.erase(0, 1);
  return text;
}

// The answer right after "answer ... is" at `pos`: a number, a fraction "a/b", or a chain
// "2^{10} = 1024" read to its last number. nullopt when something else follows.
std::optional<std::string> StatedNumber(std::string_view text, std::size_t pos) {
  auto number = NumberAt(text, pos);
  for (int hops = 0; number && hops < 4; ++hops) {
    std::size_t after = number->end;
    while (after < text.size() && (text[after] == ' ' || text[after] == '$')) ++after;
    if (after >= text.size()) return number->canonical;
    const char next = text[after];
    if (next == '/' && number->canonical.find('.') == std::string::npos) {
      auto denominator = NumberAt(text, after + 1);
      if (denominator && denominator->canonical.find('.') == std::string::npos &&
          denominator->canonical.front() != '-') {
        auto fraction = Fraction(number->canonical + "/" + denominator->canonical);
        if (fraction) return fraction;
      }
      return std::nullopt;
    }
    if (next == '=') {
      std::size_t value = after + 1;
      while (value < text.size() && (text[value] == ' ' || text[value] == '$')) ++value;
      number = NumberAt(text, value);
      continue;
    }
    if (next == '^' || next == '*' || next == '\\' || next == '_' || next == '(' || next == '{' ||
        (next == '.' && after + 1 < text.size() && IsDigit(text[after + 1]))) {
      return std::nullopt;  // an expression, not a final number
    }
    return number->canonical;
  }
  return std::nullopt;
}

struct Statement {
  std::size_t pos = 0;
  std::string value;
};

// The last "####" followed by a number (GSM8K's convention).
std::optional<Statement> LastHashMarker(std::string_view text) {
  for (std::size_t at = text.rfind("####"); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : text.rfind("####", at - 1)) {
    std::size_t pos = at + 4;
    while (pos < text.size() && (IsSpace(text[pos]) || text[pos] == '$' || text[pos] == '*')) {
      ++pos;
    }
    if (auto number = NumberAt(text, pos)) return Statement{at, number->canonical};
  }
  return std::nullopt;
}

// The last "answer ... is" statement followed by a number or by inline math.
std::optional<Statement> LastAnswerStatement(std::string_view text) {
  const std::vector<std::size_t> keywords = FindWord(text, "answer");
  for (auto it = keywords.rbegin(); it != keywords.rend(); ++it) {
    const std::size_t lead = *it + 6;
    const std::size_t pos = SkipAnswerLead(text, lead);
    if (pos >= text.size()) continue;
    // Inline math opened in the lead: the answer is the whole span, however it is written.
    const std::string_view skipped = text.substr(lead, pos - lead);
    std::size_t open_end = std::string_view::npos;
    std::string_view closer;
    if (auto at = skipped.find('$'); at != std::string_view::npos) {
      const bool display = at + 1 < skipped.size() && skipped[at + 1] == '$';
      open_end = lead + at + (display ? 2 : 1);
      closer = display ? "$$" : "$";
    } else if (auto paren = skipped.find("\\("); paren != std::string_view::npos) {
      open_end = lead + paren + 2;
      closer = "\\)";
    } else if (auto bracket = skipped.find("\\["); bracket != std::string_view::npos) {
      open_end = lead + bracket + 2;
      closer = "\\]";
    }
    if (open_end != std::string_view::npos) {
      const std::size_t close = text.find(closer, pos);
      if (close != std::string_view::npos && close - open_end <= kMaxInlineMath) {
        std::string value = CanonicalMathAnswer(text.substr(open_end, close - open_end));
        if (!value.empty()) return Statement{*it, std::move(value)};
      }
      continue;
    }
    if (auto value = StatedNumber(text, pos)) return Statement{*it, std::move(*value)};
  }
  return std::nullopt;
}

}  // namespace

std::optional<BoxedSpan> LastBoxed(std::string_view text) {
  for (std::size_t at = text.rfind("box"); at != std::string_view::npos;
       at = at == 0 ? std::string_view::npos : text.rfind("box", at - 1)) {
    std::size_t start = 0;
    if (at >= 1 && StartsWith(text, at - 1, "\\boxed")) {
      start = at + 5;
      at -= 1;
    } else if (at >= 2 && StartsWith(text, at - 2, "\\fbox")) {
      start = at + 3;
      at -= 2;
    } else {
      continue;
    }
    std::string_view content;
    if (start < text.size() && text[start] == '{') {
      const std::size_t close = ClosingBrace(text, start);
      if (close == std::string_view::npos) continue;
      content = text.substr(start + 1, close - start - 1);
    } else if (start < text.size() && text[start] == ' ') {
      std::size_t end = start + 1;
      while (end < text.size() && !IsSpace(text[end]) && text[end] != '$') ++end;
      content = text.substr(start + 1, end - start - 1);
    }
    if (!Trim(content).empty()) return BoxedSpan{at, content};
  }
  return std::nullopt;
}

std::optional<NumberToken> NumberAt(std::string_view text, std::size_t pos) {
  std::size_t i = pos;
  bool negative = false;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    negative = text[i] == '-';
    ++i;
  } else if (StartsWith(text, i, kUnicodeMinus)) {
    negative = true;
    i += kUnicodeMinus.size();
  }
  const std::size_t int_start = i;
  while (i < text.size() && IsDigit(text[i])) ++i;
  std::string integer(text.substr(int_start, i - int_start));
  if (!integer.empty() && integer.size() <= 3) {
    // "1,234,567": a comma followed by exactly three digits continues the number.
    while (i + 3 < text.size() && text[i] == ',' && IsDigit(text[i + 1]) && IsDigit(text[i + 2]) &&
           IsDigit(text[i + 3]) && (i + 4 == text.size() || !IsDigit(text[i + 4]))) {
      integer.append(text.substr(i + 1, 3));
      i += 4;
    }
  }
  std::string fraction;
  if (i + 1 < text.size() && text[i] == '.' && IsDigit(text[i + 1])) {
    const std::size_t frac_start = ++i;
    while (i < text.size() && IsDigit(text[i])) ++i;
    fraction = std::string(text.substr(frac_start, i - frac_start));
  }
  if (integer.empty() && fraction.empty()) return std::nullopt;
  const std::size_t first_nonzero = integer.find_first_not_of('0');
  integer = first_nonzero == std::string::npos ? "0" : integer.substr(first_nonzero);
  while (!fraction.empty() && fraction.back() == '0') fraction.pop_back();
  std::string canonical = fraction.empty() ? integer : integer + "." + fraction;
  if (negative && canonical != "0") canonical.insert(0, "-");
  return NumberToken{pos, i, std::move(canonical)};
}

std::optional<NumberToken> LastNumber(std::string_view text) {
  std::optional<NumberToken> last;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    const char prev = i > 0 ? text[i - 1] : ' ';
    // A sign must not follow a word or a number ("3-5", "x-1"): there it is an operator.
    const bool may_sign = !IsWordByte(prev) && prev != ')' && prev != '.';
    bool starts = IsDigit(c);
    if (!starts && (c == '-' || c == '+' || c == '.') && i + 1 < text.size()) {
      const char next = text[i + 1];
      const bool digit_follows =
          IsDigit(next) || (c != '.' && next == '.' && i + 2 < text.size() && IsDigit(text[i + 2]));
      starts = digit_follows && (c == '.' ? !IsDigit(prev) : may_sign);
    }
    if (!starts && StartsWith(text, i, kUnicodeMinus) && i + 3 < text.size() &&
        IsDigit(text[i + 3])) {
      starts = may_sign;
    }
    if (starts) {
      if (auto number = NumberAt(text, i)) {
        i = number->end;
        last = std::move(number);
        continue;
      }
    }
    ++i;
  }
  return last;
}

std::string CanonicalMathAnswer(std::string_view latex) {
  std::string formula = CanonicalFormula(Unwrap(latex));
  if (formula.empty()) return formula;
  std::string plain = StripNumberDecoration(formula);
  if (plain.size() > 2 && IsAsciiAlpha(plain[0]) && plain[1] == '=') plain.erase(0, 2);
  if (!plain.empty()) {
    auto number = NumberAt(plain, 0);
    if (number && number->end == plain.size()) return number->canonical;
    if (auto fraction = Fraction(plain)) return *fraction;
  }
  return formula;
}

std::optional<std::string> ExtractMathAnswer(std::string_view text) {
  std::optional<Statement> best;
  std::optional<Statement> boxed;
  if (auto span = LastBoxed(text)) {
    std::string value = CanonicalMathAnswer(span->content);
    if (!value.empty()) boxed = Statement{span->pos, std::move(value)};
  }
  for (auto statement : {LastHashMarker(text), std::move(boxed), LastAnswerStatement(text)}) {
    if (statement && (!best || statement->pos > best->pos)) best = std::move(statement);
  }
  if (best) return std::move(best->value);
  if (auto number = LastNumber(text)) return std::move(number->canonical);
  return std::nullopt;
}

std::optional<double> NumericValue(std::string_view canonical) {
  auto parse = [](std::string_view digits) -> std::optional<double> {
    double value = 0.0;
    const char* end = digits.data() + digits.size();
    auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
  };
  const bool plain = std::all_of(canonical.begin(), canonical.end(), [](char c) {
    return IsDigit(c) || c == '.' || c == '-' || c == '/';
  });
  if (!plain || canonical.empty()) return std::nullopt;
  const std::size_t slash = canonical.find('/');
  if (slash == std::string_view::npos) return parse(canonical);
  auto top = parse(canonical.substr(0, slash));
  auto bottom = parse(canonical.substr(slash + 1));
  if (!top || !bottom || *bottom == 0.0) return std::nullopt;
  return *top / *bottom;
}

}  // namespace prsm::internal
