// prsm-eval: evaluates every selected system on one dataset and derives the dataset's figures
// (cost % of best, RouteLLM curves, cost at 95% of the best model, dominance, consensus).
//
// Order: calibrate on train (calibration.h); single models and the random router on test;
// the oracle from the data; then each prsm system: if it trains, one instance receives every
// train query and Feedback(request_id, recorded score of the chosen answer), its state is
// saved (SaveRoutingState) and loaded (LoadRoutingState) into a fresh, non-exploring instance
// per operating point, which answers the test split with no feedback.
//
// Thread safety: one thread. Errors: never fails as a whole; a system that cannot be built or
// fails every query is reported in `notes` and left out of the rows.
#ifndef PRSM_EVAL_EVALUATE_H_
#define PRSM_EVAL_EVALUATE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dataset.h"
#include "results.h"

namespace prsm_eval {

/// RouteLLM's metrics of one router family on a two-model dataset.
struct RoutingCurve {
  std::string family;
  std::optional<double> cpt50;
  std::optional<double> cpt80;
  std::optional<double> apgr;
  std::size_t points = 0;
};

struct DatasetReport {
  std::string dataset;
  std::string answer_format;
  std::vector<SystemRow> rows;
  std::string best_model;
  double best_score = 0.0;
  double best_cost = 0.0;
  std::vector<RoutingCurve> curves;  ///< Two-model datasets only.
  std::string weak_model, strong_model;
  /// The cheapest prsm row keeping 95% of the best model's score, and its cost % of best.
  std::optional<std::string> at95_system;
  std::optional<double> at95_cost_pct;
  /// prsm rows strictly dominating some single model ("row > model"): higher score at lower
  /// cost. `frontier_dominations` keeps those over a model no other single model dominates
  /// (beating a model the best one already beats is no achievement of routing).
  std::vector<std::string> dominations;
  std::vector<std::string> frontier_dominations;
  /// Vote/cascade rows scoring above every model they called, at a cost below the best's.
  std::vector<std::string> consensus_wins;
  double max_cost_dev_abs = 0.0;
  double max_cost_dev_rel = 0.0;
  std::vector<std::string> notes;
  /// The models each prsm system called on the test split, by system (main rows only).
  std::map<std::string, std::vector<std::string>> models_used;
  /// What each training system learned (SaveRoutingState after the train split), by name.
  std::map<std::string, std::string> states;
  double seconds = 0.0;
};

/// Evaluates `dataset`; `systems` filters the table by name (empty: all).
DatasetReport EvaluateDataset(const Dataset& dataset, const std::vector<std::string>& systems,
                              std::uint64_t seed);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_EVALUATE_H_
