// prsm-eval: runs one system over a split of one dataset through a real MultiLLMOrchestrator
// whose only provider is the ReplayProvider, one query at a time (in-process calls are fast,
// and the provider must know which record the query is).
//
// Per query: the prompt as one user message, the record's category as
// QueryContext::attributes["domain"], the system's model restriction. The answer's score is
// the recorded score of exactly the call whose completion was chosen (Response::completion.id
// names it); a query that ends without an answer scores 0. Cost is the recorded cost of every
// call the provider served for the query (each billed in full, as a replayed call cannot be
// cut short); the orchestrator's own accounting (priced usage) is compared with the recorded
// cost of each successful attempt and the largest deviation kept.
//
// Thread safety: one harness thread; the orchestrator's loop thread only runs the provider.
// Errors: Session::Create fails when the orchestrator cannot be built (bad spec, bad option).
#ifndef PRSM_EVAL_RUNNER_H_
#define PRSM_EVAL_RUNNER_H_

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "calibration.h"
#include "prsm/orchestrator.h"
#include "replay_provider.h"
#include "results.h"
#include "systems.h"

namespace prsm_eval {

/// What one query gave.
struct QueryResult {
  bool answered = false;
  double score = 0.0;
  double cost_usd = 0.0;  ///< Recorded cost of every served call.
  std::size_t calls = 0;
  int chosen_model = -1;
  bool strong_called = false;  ///< Whether the `strong` model given to Ask was called.
  std::uint64_t request_id = 0;
  std::string error;  ///< When not answered.
};

/// The largest gap between the orchestrator's per-attempt cost and the recorded cost.
struct CostCheck {
  double max_abs_usd = 0.0;
  double max_rel = 0.0;
  std::size_t attempts = 0;
};

class Session {
 public:
  static prsm::Result<std::unique_ptr<Session>> Create(const EvalEnv& env, Setup setup);

  /// Asks `record`'s query; `strong` is the model whose calls count as strong calls (-1: none).
  QueryResult Ask(const Record& record, int strong);
  prsm::Result<void> Feedback(std::uint64_t request_id, double score);
  prsm::Result<std::string> Save();
  prsm::Result<void> Load(std::string state);

  const CostCheck& cost_check() const { return cost_check_; }
  /// Models called at least once so far.
  const std::set<int>& models_called() const { return models_called_; }

 private:
  Session(const EvalEnv& env, Setup setup, std::shared_ptr<ReplayProvider> provider,
          std::unique_ptr<prsm::MultiLLMOrchestrator> orchestrator);

  const EvalEnv& env_;
  Setup setup_;
  std::shared_ptr<ReplayProvider> provider_;
  std::unique_ptr<prsm::MultiLLMOrchestrator> orchestrator_;
  CostCheck cost_check_;
  std::set<int> models_called_;
};

/// Test-split means of `results` as a row (cost % of best left unset).
SystemRow Aggregate(const std::string& dataset, const std::string& system, SystemKind kind,
                    const std::vector<QueryResult>& results, bool two_models);

/// The oracle row: per test query the best recorded score, the cheapest model among ties.
SystemRow OracleRow(const Dataset& dataset);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_RUNNER_H_
