// prsm-eval: the systems under test, declared in one table (BuiltInSystems), so adding one is
// one entry. A system is a routing strategy plus a consensus rule (and optionally the models a
// query may use), built for one dataset from its calibration (EvalEnv) and an operating point.
//
// Rows of kind `model` (one per model, MakeSingleModelRouting restricted to it) and `oracle`
// (computed from the data) are produced by the runner, not declared here.
//
// Thread safety: factories are called on the harness thread. Errors: a factory returns
// nullopt when the system does not apply to the dataset (e.g. a 5-model vote on 2 models).
#ifndef PRSM_EVAL_SYSTEMS_H_
#define PRSM_EVAL_SYSTEMS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "calibration.h"
#include "prsm/consensus.h"
#include "prsm/routing.h"
#include "results.h"

namespace prsm_eval {

/// What a system is made of.
struct Setup {
  std::shared_ptr<prsm::RoutingStrategy> routing;
  std::shared_ptr<const prsm::ConsensusRule> consensus;  ///< null = first success
  std::vector<std::string> models;  ///< QueryContext::models for every query (empty = all)
};

/// How a factory is asked: the operating point and whether this instance trains.
struct Knobs {
  double point = 0.0;     ///< The sweep's value, or the system's default point.
  bool training = false;  ///< True for the instance that receives the train split's feedback.
};

/// One system of the table.
struct SystemDef {
  std::string name;
  SystemKind kind = SystemKind::kPrsm;
  /// Submit the train split with Feedback first, then evaluate from the saved state.
  bool trains = false;
  double default_point = 0.0;
  /// Extra operating points, evaluated from the same trained state as rows "name@point".
  std::vector<double> sweep;
  /// Train again for each operating point instead of loading one state: for strategies that
  /// fix their operating point while training (the cascade calibrates its acceptance threshold
  /// to `target_quality` as the feedback arrives, and saves the threshold, not the target).
  bool retrain_per_point = false;
  std::function<std::optional<Setup>(const EvalEnv&, const Knobs&)> make;
  /// Extra operating points that depend on the dataset's calibration (train only), appended
  /// to `sweep`: e.g. one point per distinct routing decision the system can make.
  std::function<std::vector<double>(const EvalEnv&)> sweep_of = nullptr;
};

/// Every system, in table order.
const std::vector<SystemDef>& BuiltInSystems();

/// A uniformly random model per query, reproducible from `seed` (the `random` row).
std::unique_ptr<prsm::RoutingStrategy> MakeRandomRouting(std::uint64_t seed);

/// A cascade whose first stage asks several distinct cheap models at once and accepts only if
/// `min_agreeing` of them agree (under `format`); otherwise `strong` answers alone.
std::unique_ptr<prsm::RoutingStrategy> MakeAgreementCascade(std::vector<std::string> cheap,
                                                            std::string strong,
                                                            prsm::AnswerFormat format,
                                                            std::size_t min_agreeing);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_SYSTEMS_H_
