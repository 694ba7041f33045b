// The text scanning the answer extractors share (see answer_text.h).
#include "consensus/answer_text.h"

#include <algorithm>
#include <array>

namespace prsm::internal {

namespace {

bool IsAsciiPunct(char c) noexcept {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

// The words models write between "answer" and the answer. Articles other than "the" are left
// out on purpose: "a" is also the choice A.
constexpr std::array<std::string_view, 24> kLeadWords = {
    "is",     "was",    "would", "be",     "should",        "must",  "will",    "therefore",
    "thus",   "then",   "hence", "so",     "the",           "final", "correct", "option",
    "choice", "letter", "here",  "equals", "approximately", "about", "exactly", "simply"};

// LaTeX commands that only wrap the answer: `\boxed{42}`, `\text{B}`.
constexpr std::array<std::string_view, 8> kWrapperCommands = {
    "boxed", "fbox", "text", "textbf", "mathbf", "mathrm", "bf", "displaystyle"};

// The longest stretch SkipAnswerLead crosses: "is therefore **$\boxed{" fits easily, a
// sentence does not.
constexpr std::size_t kMaxLead = 80;

}  // namespace

bool WordAt(std::string_view text, std::size_t pos, std::string_view word) noexcept {
  if (pos > text.size() || text.size() - pos < word.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (ToLowerAscii(text[pos + i]) != word[i]) return false;
  }
  const std::size_t end = pos + word.size();
  return end == text.size() || !IsAsciiAlpha(text[end]);
}

std::vector<std::size_t> FindWord(std::string_view text, std::string_view keyword) {
  std::vector<std::size_t> found;
  if (keyword.empty()) return found;
  const char first_lower = keyword.front();
  for (std::size_t pos = 0; pos + keyword.size() <= text.size(); ++pos) {
    if (ToLowerAscii(text[pos]) != first_lower) continue;
    if (pos > 0 && IsAsciiAlpha(text[pos - 1])) continue;
    if (WordAt(text, pos, keyword)) found.push_back(pos);
  }
  return found;
}

std::size_t SkipAnswerLead(std::string_view text, std::size_t pos,
                           AnswerStartTest is_answer) noexcept {
  const std::size_t limit = std::min(text.size(), pos + kMaxLead);
  while (pos < limit) {
    const char c = text[pos];
    if (is_answer != nullptr && is_answer(text, pos)) break;
    if (IsSpace(c) || c == ':' || c == '=' || c == '*' || c == '_' || c == '#' || c == '>' ||
        c == '$' || c == '`' || c == '"' || c == '\'' || c == '|' || c == '~') {
      ++pos;
      continue;
    }
    // A dash separates ("Answer - B") unless it is the sign of a number ("answer: -5").
    if (c == '-' && !(pos + 1 < text.size() && (IsDigit(text[pos + 1]) || text[pos + 1] == '.'))) {
      ++pos;
      continue;
    }
    if (c == '\\' && pos + 1 < text.size()) {
      const char next = text[pos + 1];
      if (next == '(' || next == '[' || next == ',' || next == ';' || next == ' ' || next == '!' ||
          next == ':') {
        pos += 2;
        continue;
      }
      std::size_t end = pos + 1;
      while (end < text.size() && IsAsciiAlpha(text[end])) ++end;
      const std::string_view command = text.substr(pos + 1, end - pos - 1);
      if (std::find(kWrapperCommands.begin(), kWrapperCommands.end(), command) ==
          kWrapperCommands.end()) {
        break;
      }
      pos = end;
      if (pos < text.size() && text[pos] == '{') ++pos;
      continue;
    }
    if (IsAsciiAlpha(c)) {
      const auto* const word =
          std::find_if(kLeadWords.begin(), kLeadWords.end(),
                       [&](std::string_view w) { return WordAt(text, pos, w); });
      if (word == kLeadWords.end()) break;
      pos += word->size();
      continue;
    }
    break;
  }
  return pos;
}

std::string NormalizeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '*' || c == '`') continue;
    if (c == '_') {
      // Emphasis sits at a word's edge ("_word_"); an underscore inside a word ("snake_case")
      // is part of it.
      const bool inside =
          i > 0 && i + 1 < text.size() && IsWordByte(text[i - 1]) && IsWordByte(text[i + 1]);
      if (!inside) continue;
    }
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(ToLowerAscii(c));
  }
  std::size_t begin = 0;
  std::size_t end = out.size();
  for (bool changed = true; changed && begin < end;) {
    changed = false;
    const char head = out[begin];
    const bool signed_number =
        (head == '-' || head == '+') && begin + 1 < end && IsDigit(out[begin + 1]);
    if (head == ' ' || (IsAsciiPunct(head) && !signed_number)) {
      ++begin;
      changed = true;
      continue;
    }
    const char tail = out[end - 1];
    if (tail == ' ' || IsAsciiPunct(tail)) {
      const char opener = tail == ')' ? '(' : tail == ']' ? '[' : tail == '}' ? '{' : '\0';
      const std::string_view kept(out.data() + begin, end - 1 - begin);
      if (opener != '\0' && kept.find(opener) != std::string_view::npos) break;
      --end;
      changed = true;
    }
  }
  return out.substr(begin, end - begin);
}

std::vector<std::string_view> DistinctWords(std::string_view normalized) {
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < normalized.size()) {
    while (pos < normalized.size() && !IsWordByte(normalized[pos])) ++pos;
    const std::size_t start = pos;
    while (pos < normalized.size() && IsWordByte(normalized[pos])) ++pos;
    if (pos > start) words.push_back(normalized.substr(start, pos - start));
  }
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

}  // namespace prsm::internal
