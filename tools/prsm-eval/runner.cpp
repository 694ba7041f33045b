// Runs systems through the orchestrator over replayed data; see runner.h.
#include "runner.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace prsm_eval {

prsm::Result<std::unique_ptr<Session>> Session::Create(const EvalEnv& env, Setup setup) {
  prsm::OrchestratorOptions options;
  options.routing = setup.routing;
  options.consensus = setup.consensus;
  auto orchestrator = prsm::MultiLLMOrchestrator::Create(std::move(options));
  if (!orchestrator) return orchestrator.error();
  auto provider = std::make_shared<ReplayProvider>(*env.dataset);
  if (auto added = (*orchestrator)->AddProvider(std::shared_ptr<prsm::InProcessProvider>(provider));
      !added) {
    return added.error();
  }
  for (const prsm::ModelSpec& spec : env.specs) {
    if (auto added = (*orchestrator)->AddModel(spec); !added) return added.error();
  }
  return std::unique_ptr<Session>(
      new Session(env, std::move(setup), std::move(provider), std::move(*orchestrator)));
}

Session::Session(const EvalEnv& env, Setup setup, std::shared_ptr<ReplayProvider> provider,
                 std::unique_ptr<prsm::MultiLLMOrchestrator> orchestrator)
    : env_(env),
      setup_(std::move(setup)),
      provider_(std::move(provider)),
      orchestrator_(std::move(orchestrator)) {}

QueryResult Session::Ask(const Record& record, int strong) {
  provider_->SetRecord(&record);
  prsm::Query query = prsm::Query::FromText(record.prompt);
  if (record.category) query.context.attributes["domain"] = *record.category;
  query.context.models = setup_.models;
  prsm::Result<prsm::Response> response = orchestrator_->ProcessAndWait(std::move(query));

  QueryResult result;
  for (const ServedCall& call : provider_->Served()) {
    result.cost_usd += call.cost_usd;
    ++result.calls;
    models_called_.insert(call.model);
    if (call.model == strong) result.strong_called = true;
  }
  if (!response) {
    result.error = response.error().ToString();
    provider_->SetRecord(nullptr);
    return result;
  }
  result.answered = true;
  result.request_id = response->request_id;
  if (auto chosen = provider_->FromCompletionId(response->completion.id)) {
    result.score = chosen->score;
    result.chosen_model = chosen->model;
  } else if (const int m = env_.dataset->ModelIndex(response->model);
             m >= 0 && record.outcomes[static_cast<std::size_t>(m)]) {
    result.score = record.outcomes[static_cast<std::size_t>(m)]->score;
    result.chosen_model = m;
  }
  for (const prsm::Attempt& attempt : response->attempts) {
    if (attempt.outcome != prsm::Attempt::Outcome::kSucceeded) continue;
    const int m = env_.dataset->ModelIndex(attempt.model);
    if (m < 0 || !record.outcomes[static_cast<std::size_t>(m)]) continue;
    const auto& recorded = record.outcomes[static_cast<std::size_t>(m)]->cost_usd;
    if (!recorded) continue;
    const double gap = std::fabs(attempt.cost_usd - *recorded);
    ++cost_check_.attempts;
    cost_check_.max_abs_usd = std::max(cost_check_.max_abs_usd, gap);
    if (*recorded > 0.0) cost_check_.max_rel = std::max(cost_check_.max_rel, gap / *recorded);
  }
  provider_->SetRecord(nullptr);
  return result;
}

prsm::Result<void> Session::Feedback(std::uint64_t request_id, double score) {
  return orchestrator_->Feedback(request_id, score);
}

prsm::Result<std::string> Session::Save() { return orchestrator_->SaveRoutingState(); }

prsm::Result<void> Session::Load(std::string state) {
  return orchestrator_->LoadRoutingState(std::move(state));
}

SystemRow Aggregate(const std::string& dataset, const std::string& system, SystemKind kind,
                    const std::vector<QueryResult>& results, bool two_models) {
  SystemRow row;
  row.dataset = dataset;
  row.system = system;
  row.kind = kind;
  row.queries = results.size();
  double score = 0.0;
  double cost = 0.0;
  double calls = 0.0;
  std::size_t strong = 0;
  for (const QueryResult& r : results) {
    score += r.score;
    cost += r.cost_usd;
    calls += static_cast<double>(r.calls);
    strong += r.strong_called ? 1 : 0;
    row.failed += r.answered ? 0 : 1;
  }
  const double n = results.empty() ? 1.0 : static_cast<double>(results.size());
  row.score = score / n;
  row.usd_per_query = cost / n;
  row.calls_per_query = calls / n;
  if (two_models) row.strong_pct = 100.0 * static_cast<double>(strong) / n;
  return row;
}

SystemRow OracleRow(const Dataset& dataset) {
  SystemRow row;
  row.dataset = dataset.name;
  row.system = "oracle";
  row.kind = SystemKind::kOracle;
  double score = 0.0;
  double cost = 0.0;
  for (const Record& record : dataset.records) {
    if (!record.test) continue;
    const Outcome* best = nullptr;
    for (const auto& outcome : record.outcomes) {
      if (!outcome) continue;
      if (best == nullptr || outcome->score > best->score ||
          (outcome->score == best->score &&
           outcome->cost_usd.value_or(0.0) < best->cost_usd.value_or(0.0))) {
        best = &*outcome;
      }
    }
    if (best == nullptr) continue;  // FORMAT.md: over queries with at least one outcome
    ++row.queries;
    score += best->score;
    cost += best->cost_usd.value_or(0.0);
  }
  const double n = row.queries == 0 ? 1.0 : static_cast<double>(row.queries);
  row.score = score / n;
  row.usd_per_query = cost / n;
  row.calls_per_query = 1.0;
  return row;
}

}  // namespace prsm_eval
