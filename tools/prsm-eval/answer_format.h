// prsm-eval: which AnswerFormat the voting rules use on a dataset, inferred from the data so
// that datasets we have never seen get a sensible one.
//
// The rule, on the gold answers (or, where a dataset has no gold, the models' extracted
// answers; or, where it has neither, the prompts):
// 1. at least 90% are a single letter A-J (optionally in parentheses or followed by '.' or
//    ')'), or, judged on prompts, at least 90% list options "A." and "B." on their own lines:
//    multiple choice, AnswerFormat::kChoice;
// 2. else at least 50% are a number (after dropping '$', commas and spaces) or a formula (LaTeX:
//    a backslash command, '$' or '^', and no run of four words of prose): maths, kNumber, whose
//    extraction takes the \boxed{} answer or the final number and canonicalises formulas;
// 3. else free text: kSimilarText (agreement = TextSimilarity >= 0.6).
//
// Thread safety: stateless.
#ifndef PRSM_EVAL_ANSWER_FORMAT_H_
#define PRSM_EVAL_ANSWER_FORMAT_H_

#include <string>
#include <string_view>
#include <vector>

#include "dataset.h"
#include "prsm/consensus.h"

namespace prsm_eval {

/// The format for voting on `dataset` (see the file comment).
prsm::AnswerFormat InferAnswerFormat(const Dataset& dataset);

/// The same rule on bare samples: `answers` are gold/extracted answers, `prompts` are used only
/// when `answers` is empty.
prsm::AnswerFormat InferAnswerFormatFrom(const std::vector<std::string>& answers,
                                         const std::vector<std::string>& prompts);

/// "choice", "number", "similar-text", ... for reports.
std::string_view AnswerFormatName(const prsm::AnswerFormat& format) noexcept;

}  // namespace prsm_eval

#endif  // PRSM_EVAL_ANSWER_FORMAT_H_
