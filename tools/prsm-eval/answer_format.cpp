// Infers the voting format of a dataset; see answer_format.h for the rule.
#include "answer_format.h"

#include <cctype>
#include <string>

namespace prsm_eval {
namespace {

std::string Trim(std::string_view text) {
  std::size_t begin = 0;
  std::size_t end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin])) != 0) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1])) != 0) --end;
  return std::string(text.substr(begin, end - begin));
}

bool IsChoiceLetter(std::string_view raw) {
  std::string text = Trim(raw);
  if (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
    text = text.substr(1, text.size() - 2);
  } else if (text.size() == 2 && (text.back() == '.' || text.back() == ')')) {
    text.pop_back();
  }
  return text.size() == 1 && text[0] >= 'A' && text[0] <= 'J';
}

bool IsNumber(std::string_view raw) {
  std::string text;
  for (char c : raw) {
    if (c != '$' && c != ',' && std::isspace(static_cast<unsigned char>(c)) == 0) text += c;
  }
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool digits = false;
  bool dot = false;
  for (; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i])) != 0) {
      digits = true;
    } else if (text[i] == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

// A maths answer that is not a plain number: LaTeX ("$\\frac{3}{4}$", "2\\sqrt{2}") or a short
// expression, never prose (four or more words of letters in a row).
bool IsFormula(std::string_view text) {
  const bool latex = text.find('\\') != std::string_view::npos ||
                     text.find('$') != std::string_view::npos ||
                     text.find('^') != std::string_view::npos;
  if (!latex) return false;
  std::size_t words_in_a_row = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    std::size_t j = i;
    bool letters = j < text.size();
    while (j < text.size() && text[j] != ' ') {
      letters = letters && std::isalpha(static_cast<unsigned char>(text[j])) != 0;
      ++j;
    }
    words_in_a_row = letters && j > i ? words_in_a_row + 1 : 0;
    if (words_in_a_row >= 4) return false;
    i = j;
  }
  return true;
}

bool ListsOptions(std::string_view prompt) {
  return prompt.find("\nA.") != std::string_view::npos &&
         prompt.find("\nB.") != std::string_view::npos;
}

}  // namespace

prsm::AnswerFormat InferAnswerFormatFrom(const std::vector<std::string>& answers,
                                         const std::vector<std::string>& prompts) {
  prsm::AnswerFormat format;
  format.kind = prsm::AnswerFormat::Kind::kSimilarText;
  if (answers.empty()) {
    std::size_t listing = 0;
    for (const std::string& prompt : prompts) listing += ListsOptions(prompt) ? 1 : 0;
    if (!prompts.empty() && listing * 10 >= prompts.size() * 9) {
      format.kind = prsm::AnswerFormat::Kind::kChoice;
    }
    return format;
  }
  std::size_t letters = 0;
  std::size_t numbers = 0;
  for (const std::string& answer : answers) {
    letters += IsChoiceLetter(answer) ? 1 : 0;
    numbers += IsNumber(answer) || IsFormula(answer) ? 1 : 0;
  }
  if (letters * 10 >= answers.size() * 9) {
    format.kind = prsm::AnswerFormat::Kind::kChoice;
  } else if (numbers * 2 >= answers.size()) {
    format.kind = prsm::AnswerFormat::Kind::kNumber;
  }
  return format;
}

prsm::AnswerFormat InferAnswerFormat(const Dataset& dataset) {
  std::vector<std::string> golds;
  std::vector<std::string> extracted;
  std::vector<std::string> prompts;
  for (const Record& record : dataset.records) {
    if (record.gold) golds.push_back(*record.gold);
    for (const auto& outcome : record.outcomes) {
      if (outcome && outcome->answer) extracted.push_back(*outcome->answer);
    }
    prompts.push_back(record.prompt);
  }
  return InferAnswerFormatFrom(!golds.empty() ? golds : extracted, prompts);
}

std::string_view AnswerFormatName(const prsm::AnswerFormat& format) noexcept {
  switch (format.kind) {
    case prsm::AnswerFormat::Kind::kNormalizedText:
      return "normalized-text";
    case prsm::AnswerFormat::Kind::kChoice:
      return "choice";
    case prsm::AnswerFormat::Kind::kNumber:
      return "number";
    case prsm::AnswerFormat::Kind::kYesNo:
      return "yes-no";
    case prsm::AnswerFormat::Kind::kJsonField:
      return "json-field";
    case prsm::AnswerFormat::Kind::kSimilarText:
      return "similar-text";
  }
  return "unknown";
}

}  // namespace prsm_eval
