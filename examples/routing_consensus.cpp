// routing_consensus.cpp — routing strategies side by side, budgets, and learning from feedback.
// (Votes with escalation to a human: consensus_escalation.cpp; cascades: cascade.cpp.)
//
// The models are served by an OpenAI-compatible server named by OPENAI_BASE_URL (scripts/demo
// starts prsm's fake provider, which simulates gpt-4, claude-3 and llama-2, when neither
// OPENAI_BASE_URL nor OPENAI_API_KEY is set).
//
// Usage: routing_consensus
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <prsm/prsm.h>

namespace {

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

// Each orchestrator gets the same three models, with prices and quality priors.
prsm::Result<std::unique_ptr<prsm::MultiLLMOrchestrator>> Make(prsm::OrchestratorOptions options) {
  auto created = prsm::MultiLLMOrchestrator::Create(std::move(options));
  if (!created) return created;
  auto provider = prsm::MakeOpenAIProvider();
  if (!provider) return provider.error();
  if (auto added = (*created)->AddProvider(*provider); !added) return added.error();
  struct Model {
    const char* name;
    double input_price, output_price, quality, latency_ms;
  };
  for (const Model& model :
       {Model{"gpt-4", 30.0, 60.0, 0.92, 420}, Model{"claude-3", 3.0, 15.0, 0.88, 260},
        Model{"llama-2", 0.2, 0.2, 0.65, 650}}) {
    prsm::ModelSpec spec;
    spec.name = model.name;
    spec.provider = "openai";
    spec.price.input_per_mtok = model.input_price;
    spec.price.output_per_mtok = model.output_price;
    spec.quality = model.quality;
    spec.typical_latency = std::chrono::milliseconds(static_cast<long>(model.latency_ms));
    if (auto added = (*created)->AddModel(spec); !added) return added.error();
  }
  return created;
}

prsm::Query Question() {
  prsm::Query query = prsm::Query::FromText(
      "Should a mid-size exporter hedge its EUR receivables for the next two quarters?");
  query.request.max_tokens = 200;
  query.context.attributes["domain"] = "finance";
  return query;
}

}  // namespace

int main() {
  if (std::getenv("OPENAI_BASE_URL") == nullptr) {
    // Its model names are the simulated ones; a real OpenAI account has none of them.
    std::printf(
        "routing_consensus needs OPENAI_BASE_URL: run it with scripts/demo, which "
        "simulates its models when OPENAI_BASE_URL is unset\n");
    return 0;
  }
  // 1. The same question under each routing strategy.
  std::printf("1. Routing strategies side by side\n");
  std::vector<std::shared_ptr<prsm::RoutingStrategy>> strategies = {
      prsm::MakeCostOptimizedRouting(), prsm::MakeQualityFocusedRouting(),
      prsm::MakeBalancedRouting(), prsm::MakeIntelligentRouting(), prsm::MakeLearnedRouting()};
  for (const auto& strategy : strategies) {
    prsm::OrchestratorOptions options;
    options.routing = strategy;
    auto orchestrator = Make(options);
    if (!orchestrator) return Fail(orchestrator.error());
    auto response = (*orchestrator)->ProcessAndWait(Question());
    if (!response) return Fail(response.error());
    std::printf("  %-15s -> %-9s $%.6f  %s\n", response->route.strategy.c_str(),
                response->model.c_str(), response->cost_usd, response->route.explanation.c_str());
  }

  // 2. Budgets: the orchestrator may spend $0.01 an hour. Before each call prsm reserves its
  //    worst case (every prompt token plus max_tokens of output at list prices): gpt-4's does
  //    not fit, so it is not asked; the two others answer.
  std::printf("\n2. Budgets\n");
  {
    prsm::OrchestratorOptions options;
    options.routing = prsm::MakeFanOutRouting(3);
    options.budget.usd = 0.01;
    options.budget.window = std::chrono::hours(1);
    auto orchestrator = Make(options);
    if (!orchestrator) return Fail(orchestrator.error());
    auto response = (*orchestrator)->ProcessAndWait(Question());
    if (!response) return Fail(response.error());
    for (const prsm::Attempt& attempt : response->attempts) {
      std::printf("  %-9s %-10s %s\n", attempt.model.c_str(),
                  std::string(prsm::ToString(attempt.outcome)).c_str(),
                  attempt.error ? attempt.error->ToString().c_str() : "");
    }
    const prsm::OrchestratorStats stats = (*orchestrator)->stats();
    std::printf("  spent this hour: $%.6f of $0.01; attempts refused for budget: %llu\n",
                stats.budget_window_spent_usd,
                static_cast<unsigned long long>(stats.budget_refusals));
  }

  // 3. Learning from feedback, and keeping what was learned.
  std::printf("\n3. Feedback and the learned state\n");
  {
    prsm::OrchestratorOptions options;
    options.routing = prsm::MakeLearnedRouting();
    auto orchestrator = Make(options);
    if (!orchestrator) return Fail(orchestrator.error());
    for (int i = 0; i < 5; ++i) {
      auto response = (*orchestrator)->ProcessAndWait(Question());
      if (!response) return Fail(response.error());
      // The host judges the answer (here: any answer from claude-3 is "right").
      const double score = response->model == "claude-3" ? 1.0 : 0.0;
      if (auto told = (*orchestrator)->Feedback(response->request_id, score); !told) {
        return Fail(told.error());
      }
    }
    auto state = (*orchestrator)->SaveRoutingState();
    if (!state) return Fail(state.error());
    std::printf("  learned state: %zu bytes of JSON, loadable with LoadRoutingState()\n",
                state->size());
  }
  return 0;
}
