// libFuzzer target: answer extraction from model text (prsm/consensus.h ExtractAnswer, and the
// scanners under it: consensus/math_answer.h, json_answer.h, answer_text.h). Model output is
// untrusted; these run on every candidate of a vote. Invariants:
// - every extracted answer agrees with itself (AnswersAgree), choices are one letter A-J,
//   yes/no answers are "yes" or "no";
// - TextSimilarity is in [0, 1], symmetric, and 1 for a text and itself;
// - numbers and boxed spans found lie inside the text, and a canonical number has a value.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "consensus/answer_text.h"
#include "consensus/json_answer.h"
#include "consensus/math_answer.h"
#include "fuzz_check.h"
#include "prsm/consensus.h"

namespace {

using prsm::AnswerFormat;

void CheckFormat(std::string_view text, AnswerFormat format) {
  const std::optional<std::string> answer = prsm::ExtractAnswer(text, format);
  if (!answer) return;
  PRSM_FUZZ_CHECK(prsm::AnswersAgree(*answer, *answer, format), *answer);
  if (format.kind == AnswerFormat::Kind::kChoice) {
    PRSM_FUZZ_CHECK(answer->size() == 1 && (*answer)[0] >= 'A' && (*answer)[0] <= 'J', *answer);
  } else if (format.kind == AnswerFormat::Kind::kYesNo) {
    PRSM_FUZZ_CHECK(*answer == "yes" || *answer == "no", *answer);
  }
}

void CheckMath(std::string_view text) {
  if (const std::optional<prsm::internal::NumberToken> last = prsm::internal::LastNumber(text)) {
    PRSM_FUZZ_CHECK(last->begin < last->end && last->end <= text.size(), last->canonical);
    PRSM_FUZZ_CHECK(!last->canonical.empty(), "an empty canonical number");
    PRSM_FUZZ_CHECK(prsm::internal::NumericValue(last->canonical).has_value(), last->canonical);
  }
  // NumberAt at the first positions (every position would make the target quadratic).
  for (std::size_t pos = 0; pos < text.size() && pos < 32; ++pos) {
    if (const auto number = prsm::internal::NumberAt(text, pos)) {
      PRSM_FUZZ_CHECK(number->begin == pos && number->end <= text.size(), number->canonical);
    }
  }
  if (const std::optional<prsm::internal::BoxedSpan> boxed = prsm::internal::LastBoxed(text)) {
    const char* begin = boxed->content.data();
    PRSM_FUZZ_CHECK(
        begin >= text.data() && begin + boxed->content.size() <= text.data() + text.size(),
        "a boxed span outside the text");
    (void)prsm::internal::CanonicalMathAnswer(boxed->content);
  }
  (void)prsm::internal::CanonicalMathAnswer(text);
  (void)prsm::internal::ExtractMathAnswer(text);
}

void CheckSimilarity(std::string_view text) {
  const std::string_view first = text.substr(0, text.size() / 2);
  const std::string_view second = text.substr(text.size() / 2);
  const double ab = prsm::TextSimilarity(first, second);
  const double ba = prsm::TextSimilarity(second, first);
  PRSM_FUZZ_CHECK(ab >= 0.0 && ab <= 1.0, text);
  PRSM_FUZZ_CHECK(ab == ba, text);
  PRSM_FUZZ_CHECK(prsm::TextSimilarity(text, text) == 1.0, text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = prsm::fuzz::AsText(data, size);
  for (const AnswerFormat::Kind kind :
       {AnswerFormat::Kind::kNormalizedText, AnswerFormat::Kind::kChoice,
        AnswerFormat::Kind::kNumber, AnswerFormat::Kind::kYesNo,
        AnswerFormat::Kind::kSimilarText}) {
    AnswerFormat format;
    format.kind = kind;
    CheckFormat(text, format);
  }
  for (const char* path : {"answer", "result.label", "items.0.id", ""}) {
    AnswerFormat format;
    format.kind = AnswerFormat::Kind::kJsonField;
    format.json_field = path;
    CheckFormat(text, format);
  }
  CheckMath(text);
  CheckSimilarity(text);
  (void)prsm::internal::NormalizeText(text);
  (void)prsm::internal::SkipAnswerLead(text, 0);
  return 0;
}
