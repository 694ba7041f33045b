// Answer extraction and comparison (consensus.h, "Comparing answers"), on the shapes real
// model output takes: markdown, LaTeX, answers restated after long reasoning.
#include <cmath>
#include <limits>
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "prsm/consensus.h"

using prsm::AnswerFormat;
using prsm::ExtractAnswer;

namespace {

AnswerFormat Format(AnswerFormat::Kind kind) {
  AnswerFormat format;
  format.kind = kind;
  return format;
}

std::optional<std::string> Choice(std::string_view text) {
  return ExtractAnswer(text, Format(AnswerFormat::Kind::kChoice));
}
std::optional<std::string> Number(std::string_view text) {
  return ExtractAnswer(text, Format(AnswerFormat::Kind::kNumber));
}
std::optional<std::string> YesNo(std::string_view text) {
  return ExtractAnswer(text, Format(AnswerFormat::Kind::kYesNo));
}
std::optional<std::string> Json(std::string_view text, std::string field) {
  AnswerFormat format = Format(AnswerFormat::Kind::kJsonField);
  format.json_field = std::move(field);
  return ExtractAnswer(text, format);
}

}  // namespace

TEST_CASE("choice: every way models state a letter", "[answer]") {
  CHECK(Choice("Answer: B") == "B");
  CHECK(Choice("Answer: $B") == "B");
  CHECK(Choice("The answer is (B).") == "B");
  CHECK(Choice("**B.**") == "B");
  CHECK(Choice("B") == "B");
  CHECK(Choice("(B)") == "B");
  CHECK(Choice("(c)") == "C");
  CHECK(Choice("  d  ") == "D");
  CHECK(Choice("**Answer: C**") == "C");
  CHECK(Choice("Answer: **C**") == "C");
  CHECK(Choice("The correct answer is option D, because ...") == "D");
  CHECK(Choice("Final answer: $\\boxed{A}$") == "A");
  CHECK(Choice("so the result is \\boxed{\\text{J}}") == "J");
  CHECK(Choice("B. The enzyme is denatured at that temperature.") == "B");
  CHECK(Choice("Working...\nThe closest option:\n(D) 4.2 eV") == "D");
}

TEST_CASE("choice: the last explicit statement wins over earlier ones", "[answer]") {
  CHECK(Choice("At first the answer is A.\nWait, I misread. Recomputing...\nAnswer: C") == "C");
  // A boxed number in the working does not hide the stated letter after it.
  CHECK(Choice("a = \\boxed{0.85}\n\nAnswer: B") == "B");
  CHECK(Choice("Answer: B at first sight; but checking again, \\boxed{D}") == "D");
}

TEST_CASE("choice: words and pronouns are not letters", "[answer]") {
  CHECK(Choice("The answer is a matter of taste.") == std::nullopt);
  CHECK(Choice("Answer: All of the above are wrong") == std::nullopt);
  CHECK(Choice("Answer: I think it is hard to say") == std::nullopt);
  CHECK(Choice("I cannot determine this from the options given.") == std::nullopt);
  CHECK(Choice("") == std::nullopt);
  CHECK(Choice("Answer: K") == std::nullopt);  // beyond J
}

TEST_CASE("number: explicit statements, then the last number", "[answer]") {
  CHECK(Number("3 + 4 = 7 apples.\n#### 1,234") == "1234");
  CHECK(Number("so m + n = 809.\n\n\\boxed{809}") == "809");
  CHECK(Number("Thus the answer is 42.") == "42");
  CHECK(Number("She pays 3 * 4 = 12 dollars, then 12 + 30 = 42 in total") == "42");
  CHECK(Number("#### $4.00") == "4");
  CHECK(Number("The answer is: **-0.5**") == "-0.5");
  CHECK(Number("The temperature drops to \xE2\x88\x92"
               "3 degrees") == "-3");
  CHECK(Number("it costs $12") == "12");
  CHECK(Number("The answer is 2^{10} = 1024") == "1024");
  CHECK(Number("The answer is 3/4 of the cake") == "3/4");
  CHECK(Number("no digits here") == std::nullopt);
  CHECK(Number("") == std::nullopt);
}

TEST_CASE("number: canonical form", "[answer]") {
  CHECK(Number("42.0") == "42");
  CHECK(Number("#### 007") == "7");
  CHECK(Number("x = .50") == "0.5");
  CHECK(Number("1,234,567.890") == "1234567.89");
  CHECK(Number("-0") == "0");
  CHECK(Number("\\boxed{1{,}000}") == "1000");
  CHECK(Number("\\boxed{75\\%}") == "75");
  CHECK(Number("\\boxed{115^\\circ}") == "115");
  CHECK(Number("\\boxed{12\\text{ cm}}") == "12");
  CHECK(Number("\\boxed{n=18}") == "18");
  // Ranges and lists: a '-' after a number is an operator, a comma not before 3 digits a list.
  CHECK(Number("pages 3-5") == "5");
  CHECK(Number("values 1,2") == "2");
}

TEST_CASE("number: boxed formulas are canonical text", "[answer]") {
  CHECK(Number("\\boxed{\\dfrac{1}{2}}") == "1/2");
  CHECK(Number("\\boxed{\\frac12}") == "1/2");
  CHECK(Number("\\boxed{-\\frac{1}{3}}") == "-1/3");
  CHECK(Number("\\boxed{\\dfrac{\\sqrt{7}}{4}}") == "\\frac{\\sqrt{7}}{4}");
  CHECK(Number("\\boxed{\\left( 0, \\frac{1}{2} \\right)}") == "(0,\\frac{1}{2})");
  CHECK(Number("\\boxed{\\frac{\\pi}{2} - 2\\alpha}") ==
        Number("\\boxed{\\frac{\\pi}{2}-2\\alpha}"));
  CHECK(Number("\\boxed{\\pi r^2}") == "\\pi r^2");
  // The last complete box counts; one cut off by the token limit does not.
  CHECK(Number("\\boxed{5} then \\boxed{6}") == "6");
  CHECK(Number("\\boxed{5} then \\boxed{\\frac{1}{") == "5");
  // "the answer is" followed by inline math.
  CHECK(Number("So the answer is $\\frac{\\sqrt{3}}{2}$.") == "\\frac{\\sqrt{3}}{2}");
}

TEST_CASE("number: agreement compares values", "[answer]") {
  const AnswerFormat format = Format(AnswerFormat::Kind::kNumber);
  CHECK(prsm::AnswersAgree("1/2", "0.5", format));
  CHECK(prsm::AnswersAgree("42", "42", format));
  CHECK_FALSE(prsm::AnswersAgree("42", "42.001", format));
  CHECK_FALSE(prsm::AnswersAgree("\\frac{\\pi}{2}", "1.5707963", format));
  CHECK_FALSE(prsm::AnswersAgree("inf", "nan", format));
  // Other formats compare canonical strings exactly.
  CHECK_FALSE(prsm::AnswersAgree("1/2", "0.5", Format(AnswerFormat::Kind::kNormalizedText)));
}

TEST_CASE("yes/no: words, synonyms and statements", "[answer]") {
  CHECK(YesNo("Yes, because the function is continuous.") == "yes");
  CHECK(YesNo("No.") == "no");
  CHECK(YesNo("Let me check each step... The answer is: **No**") == "no");
  CHECK(YesNo("Answer: correct") == "yes");
  CHECK(YesNo("The final answer is incorrect") == "no");
  CHECK(YesNo("Therefore the statement is false.") == "no");
  CHECK(YesNo("TRUE") == "yes");
  CHECK(YesNo("The claim is not correct.") == "no");
  CHECK(YesNo("\\boxed{\\text{Yes}}") == "yes");
  CHECK(YesNo("It depends on the context.") == std::nullopt);
  CHECK(YesNo("Nothing to say") == std::nullopt);  // "Nothing" is not "no"
}

TEST_CASE("json field: plain, fenced, embedded, nested", "[answer]") {
  CHECK(Json(R"({"answer": "B"})", "answer") == "b");
  CHECK(Json("Here you go:\n```json\n{\"result\": {\"label\": \" Positive \"}}\n```\n",
             "result.label") == "positive");
  CHECK(Json(R"(Sure! {"score": 42.0, "ok": true} Hope that helps.)", "score") == "42");
  CHECK(Json(R"({"score": "42"})", "score") == "42");
  CHECK(Json(R"({"ok": true})", "ok") == "true");
  CHECK(Json(R"({"items": [{"id": 7}, {"id": 9}]})", "items.1.id") == "9");
  // Key order does not matter in objects.
  CHECK(Json(R"({"a": {"x": 1, "y": [2, 3.0]}})", "a") ==
        Json(R"({"a": {"y": [2, 3], "x": 1.0}})", "a"));
  CHECK(Json(R"({"answer": null})", "answer") == std::nullopt);
  CHECK(Json(R"({"answer": "B"})", "missing") == std::nullopt);
  CHECK(Json(R"({"items": [1]})", "items.5") == std::nullopt);
  CHECK(Json(R"({"items": [1]})", "items.x") == std::nullopt);
  CHECK(Json("not json at all", "answer") == std::nullopt);
  CHECK(Json(R"({"answer": "B")", "answer") == std::nullopt);                      // truncated
  CHECK(Json(std::string(500, '[') + std::string(500, ']'), "") == std::nullopt);  // too deep
}

TEST_CASE("normalised text drops case, emphasis, spacing and outer punctuation", "[answer]") {
  const AnswerFormat format = Format(AnswerFormat::Kind::kNormalizedText);
  CHECK(ExtractAnswer("  **Paris**.\n", format) == "paris");
  CHECK(ExtractAnswer("The   Eiffel\n\tTower!", format) == "the eiffel tower");
  CHECK(ExtractAnswer("f(x)", format) == "f(x)");
  CHECK(ExtractAnswer("-5", format) == "-5");
  CHECK(ExtractAnswer("snake_case _word_", format) == "snake_case word");
  CHECK(ExtractAnswer(" ... ", format) == std::nullopt);
  CHECK(ExtractAnswer("", format) == std::nullopt);
}

TEST_CASE("text similarity is the Jaccard index of normalised word sets", "[answer]") {
  CHECK(prsm::TextSimilarity("The cat sat", "the CAT sat.") == 1.0);
  CHECK(prsm::TextSimilarity("a b c d", "a b") == Approx(0.5));
  CHECK(prsm::TextSimilarity("a b", "c d") == 0.0);
  CHECK(prsm::TextSimilarity("", "") == 1.0);
  CHECK(prsm::TextSimilarity("", "word") == 0.0);
  CHECK(prsm::TextSimilarity("x y z", "y z w") == prsm::TextSimilarity("y z w", "x y z"));

  AnswerFormat format = Format(AnswerFormat::Kind::kSimilarText);
  format.similarity = 0.5;
  CHECK(prsm::AnswersAgree("a b c d", "a b", format));
  CHECK_FALSE(prsm::AnswersAgree("a b c d", "a", format));
  format.similarity = 7.0;  // out of range: only the same words agree
  CHECK(prsm::AnswersAgree("A b", "b a", format));
  CHECK_FALSE(prsm::AnswersAgree("a b c d", "a b c", format));
}

TEST_CASE("logprob confidence is the geometric mean of token probabilities", "[answer]") {
  prsm::Completion completion;
  CHECK(prsm::LogprobConfidence(completion) == std::nullopt);
  completion.logprobs = {{"a", std::log(0.5), {}}, {"b", std::log(0.125), {}}};
  CHECK(*prsm::LogprobConfidence(completion) == Approx(0.25));
  completion.logprobs = {{"a", 0.0, {}}};
  CHECK(*prsm::LogprobConfidence(completion) == Approx(1.0));
  completion.logprobs = {{"a", 1e-9, {}}};  // rounding noise above 0
  CHECK(*prsm::LogprobConfidence(completion) == 1.0);
  completion.logprobs = {{"a", -std::numeric_limits<double>::infinity(), {}}, {"b", 0.0, {}}};
  CHECK(*prsm::LogprobConfidence(completion) == 0.0);
  completion.logprobs = {{"a", std::nan(""), {}}};
  CHECK(prsm::LogprobConfidence(completion) == std::nullopt);
}
