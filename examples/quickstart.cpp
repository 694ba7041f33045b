// quickstart.cpp — the seed's example in C++:
//
//   orchestrator = MultiLLMOrchestrator(models=['gpt-4', 'claude-3', 'llama-2'],
//                                       routing_strategy='intelligent',
//                                       consensus_threshold=0.8)
//   result = await orchestrator.process(query="...", context={"domain": "finance", ...})
//
// The intelligent strategy analyses the question (domain, complexity), asks the cheapest model
// expected to answer it well, and plans the strongest model behind it in case the answer is
// not accepted. A majority vote with the seed's threshold of 0.8 judges the answers. The
// program prints the answer, why it was routed so, how it was agreed, and the full account:
// which models were asked, how long each took, the tokens and what they cost.
//
// Where the models live is read from the environment, like the OpenAI SDKs do:
// - OPENAI_BASE_URL set: any OpenAI-compatible server (scripts/demo starts prsm's fake
//   provider and points this at it, serving three simulated models);
// - only OPENAI_API_KEY set: the real OpenAI API, with three of its current models.
//
// Usage: quickstart ["your question"]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <prsm/prsm.h>

namespace {

struct DemoModel {
  const char* name;        // what the host calls it
  const char* vendor_id;   // what the server calls it
  double input_per_mtok;   // USD per million input tokens
  double output_per_mtok;  // USD per million output tokens
  double quality;          // the host's prior of its quality, in [0, 1]
  double finance_quality;  // ... and in finance, where it differs
};

// The seed's three models, simulated by an OpenAI-compatible server; prices and quality
// priors are illustrative.
const std::vector<DemoModel> kSimulated = {
    {"gpt-4", "gpt-4", 30.00, 60.00, 0.92, 0.93},
    {"claude-3", "claude-3", 3.00, 15.00, 0.88, 0.90},
    {"llama-2", "llama-2", 0.20, 0.20, 0.65, 0.55},
};

// Three real OpenAI models, at OpenAI's list prices (USD per million tokens, 2025).
const std::vector<DemoModel> kOpenAI = {
    {"gpt-4o", "gpt-4o", 2.50, 10.00, 0.90, 0.90},
    {"gpt-4o-mini", "gpt-4o-mini", 0.15, 0.60, 0.75, 0.72},
    {"gpt-4.1-mini", "gpt-4.1-mini", 0.40, 1.60, 0.84, 0.86},
};

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const bool real_openai = std::getenv("OPENAI_BASE_URL") == nullptr;
  const std::vector<DemoModel>& models = real_openai ? kOpenAI : kSimulated;

  // 1. The orchestrator: routing_strategy='intelligent', consensus_threshold=0.8.
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeIntelligentRouting();
  prsm::VoteOptions vote;
  vote.threshold = 0.8;
  options.consensus = prsm::MakeMajorityVoteRule(vote);
  options.request_timeout = std::chrono::seconds(60);
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  if (!created) return Fail(created.error());
  prsm::MultiLLMOrchestrator& orchestrator = **created;

  // 2. Where the models are served: OpenAI or any compatible server (key and URL from the
  //    environment; the key never appears in output or errors).
  auto provider = prsm::MakeOpenAIProvider();
  if (!provider) return Fail(provider.error());
  if (auto added = orchestrator.AddProvider(*provider); !added) return Fail(added.error());

  // 3. The models it may use, with their prices (so every answer is costed) and what the host
  //    expects of them (so routing can weigh quality against cost).
  for (const DemoModel& model : models) {
    prsm::ModelSpec spec;
    spec.name = model.name;
    spec.provider = "openai";
    spec.provider_model = model.vendor_id;
    spec.price.input_per_mtok = model.input_per_mtok;
    spec.price.output_per_mtok = model.output_per_mtok;
    spec.quality = model.quality;
    spec.domain_quality["finance"] = model.finance_quality;
    if (auto added = orchestrator.AddModel(spec); !added) return Fail(added.error());
  }

  // 4. The question, with its context.
  const std::string question =
      argc > 1 ? argv[1]
               : "Should a mid-size exporter hedge its EUR receivables for the next two "
                 "quarters? Answer in two sentences.";
  prsm::Query query = prsm::Query::FromText(question);
  query.request.max_tokens = 200;
  query.context.attributes = {{"domain", "finance"}, {"priority", "high"}};

  // 5. result = await orchestrator.process(query, context)
  prsm::Result<prsm::Response> result = orchestrator.Process(std::move(query)).get();
  if (!result) return Fail(result.error());
  const prsm::Response& response = *result;

  std::printf("Models: %s\n", real_openai ? "the OpenAI API" : "simulated (OPENAI_BASE_URL)");
  std::printf("Question: %s\n\n", question.c_str());
  std::printf("Answer (from %s):\n  %s\n\n", response.model.c_str(), response.answer.c_str());
  std::printf("Route: %s — %s\n", response.route.strategy.c_str(),
              response.route.explanation.c_str());
  std::printf("Consensus: %s — %s\n\n", response.consensus.rule.c_str(),
              response.consensus.explanation.c_str());
  std::printf("%-14s %-10s %10s %8s %8s %12s\n", "model", "outcome", "latency", "in tok", "out tok",
              "cost");
  for (const prsm::Attempt& attempt : response.attempts) {
    std::printf("%-14s %-10s %8.0fms %8lld %8lld %11.6f$\n", attempt.model.c_str(),
                std::string(prsm::ToString(attempt.outcome)).c_str(),
                static_cast<double>(attempt.latency.count()) / 1000.0,
                static_cast<long long>(attempt.usage.input_tokens),
                static_cast<long long>(attempt.usage.output_tokens), attempt.cost_usd);
  }
  std::printf("\nTotal: %lld tokens, %.6f$, %.0f ms\n",
              static_cast<long long>(response.usage.total_tokens()), response.cost_usd,
              static_cast<double>(response.latency.count()) / 1000.0);
  return 0;
}
