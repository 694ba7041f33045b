// prsm-eval: what the harness derives from a dataset's `train` split before any system runs,
// and hands to the systems: model specs with priors, the answer format, model rankings.
//
// - Prices: models.json's list prices. A model with a null price gets, for both input and
//   output, its blended train-split price (sum of recorded cost / sum of recorded tokens), so
//   the orchestrator's accounting stays close to the bill; the metrics use recorded costs.
// - Priors: ModelSpec::quality = the model's mean train score; when the data has categories,
//   domain_quality[category] = the train mean in that category shrunk towards the overall mean
//   with 2 pseudo-observations (a category with 3 train queries must not look perfect).
// - Rankings (all on train): `best` = highest mean score (cheaper on ties); `by_value` = models
//   scoring at least half the best score, ordered by score per dollar (the fan-outs and
//   cheap cascade stages draw from it).
//
// Thread safety: plain values. Nothing here looks at the test split.
#ifndef PRSM_EVAL_CALIBRATION_H_
#define PRSM_EVAL_CALIBRATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "dataset.h"
#include "prsm/consensus.h"
#include "prsm/model.h"

namespace prsm_eval {

struct EvalEnv {
  const Dataset* dataset = nullptr;
  std::vector<prsm::ModelSpec> specs;  ///< In dataset order, provider "replay".
  prsm::AnswerFormat format;
  std::vector<double> train_score;  ///< Per model: mean train score (0.5 with no train data).
  std::vector<double> train_cost;   ///< Per model: mean recorded train cost.
  int best = 0;
  int cheapest = 0;
  std::vector<int> by_value;
  bool has_categories = false;
  std::uint64_t seed = 1;

  const std::string& name(int model) const { return specs[static_cast<std::size_t>(model)].name; }
};

/// Calibrates on `dataset`'s train split (see the file comment).
EvalEnv Calibrate(const Dataset& dataset, std::uint64_t seed);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_CALIBRATION_H_
