// prsm-eval: choosing the models of a vote or an agreement cascade on the train split.
//
// Which models should vote is a calibration question, answered on train like the priors: every
// subset of the wanted size is simulated on the train queries with prsm's own answer extraction
// (ExtractAnswer/AnswersAgree under the dataset's AnswerFormat, applied to the recorded
// responses, as the real rule will see them), and the subset with the best mean train score
// among those whose mean train cost stays below the best single model's wins (the cheaper on
// ties). Simulated rules: a majority vote (a strict plurality; a tie scores 0, as kNoConsensus
// would), a weighted vote (each answer weighs its model's train prior; the heaviest wins), and
// an agreement cascade (all cheap models agree → their answer, else the final model's).
// Agreement cascades may instead be chosen for their consensus gain (EnsembleObjective::kLift).
// The middle stage of a three-stage cascade (cheap -> middle -> best) is chosen from the train
// means alone (ChooseMiddleStage), as its acceptance test is learned and cannot be simulated.
//
// Thread safety: stateless. Errors: nullopt when no subset fits under the cost (or, for kLift,
// none scores above all of its members on train).
#ifndef PRSM_EVAL_ENSEMBLE_H_
#define PRSM_EVAL_ENSEMBLE_H_

#include <cstddef>
#include <optional>
#include <vector>

#include "calibration.h"

namespace prsm_eval {

enum class EnsembleRule { kMajority, kWeighted };

/// A chosen set and its simulated train figures.
struct Ensemble {
  std::vector<int> models;  ///< Voters, or the cheap stage then the final model last.
  double train_score = 0.0;
  double train_cost = 0.0;
};

/// The best `k` voters under `rule` (see the file comment).
std::optional<Ensemble> ChooseVoters(const EvalEnv& env, std::size_t k, EnsembleRule rule);

/// What an agreement cascade is chosen for.
enum class EnsembleObjective {
  kScore,  ///< The best mean train score (the cheaper on ties).
  /// The largest consensus gain: train score minus the best train score of its own members
  /// (the cheap models and the final one), which must be positive; the higher score, then the
  /// cheaper, on ties. This looks for models whose agreement is worth more than any of them
  /// alone, e.g. two cheap models that agree, else a mid-priced one.
  kLift,
};

/// The best agreement cascade with `k` cheap models and one final model (models.back()).
std::optional<Ensemble> ChooseAgreementCascade(
    const EvalEnv& env, std::size_t k, EnsembleObjective objective = EnsembleObjective::kScore);

/// The middle model of a cascade `cheap` -> middle -> env.best: among the models other than
/// both that cost more than `cheap` and less than the best on train, score above `cheap` on
/// train and are Pareto-efficient on train (no model scores at least as well for at most the
/// cost, one of them strictly), the highest train score (the cheaper on ties): the strongest
/// stage that still saves on the best model, so that the queries the cheap model's test
/// rejects are answered, and accepted, below the best model's price. nullopt when none fits.
std::optional<int> ChooseMiddleStage(const EvalEnv& env, int cheap);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_ENSEMBLE_H_
