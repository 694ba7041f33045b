// coroutine.cpp — the seed's example with C++20 coroutines (prsm/coro.h):
//
//   result = await orchestrator.process(query="...", context={"domain": "finance", ...})
//
// becomes
//
//   prsm::Result<prsm::Response> result = co_await prsm::Process(orchestrator, query);
//
// The coroutine asks the seed's question (intelligent routing, a majority vote at 0.8), then
// streams a second answer with `co_await stream.Next()`. main() runs it with prsm::SyncWait.
// After each `co_await` the coroutine runs on the orchestrator's loop thread, so it does no
// blocking work there (see prsm/coro.h). This is the only example that needs C++20: the library
// and the other examples are C++17.
//
// The models are the three simulated ones of an OpenAI-compatible server named by
// OPENAI_BASE_URL: scripts/demo starts prsm's fake provider and points OPENAI_BASE_URL at it.
//
// Usage: scripts/demo coroutine ["your question"]     (or: coroutine ["your question"])
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>

#include <prsm/coro.h>
#include <prsm/prsm.h>

namespace {

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

prsm::Task<int> AskAndStream(prsm::MultiLLMOrchestrator& orchestrator, std::string question) {
  // result = await orchestrator.process(query=question, context={...})
  prsm::Query query = prsm::Query::FromText(question);
  query.request.max_tokens = 200;
  query.context.attributes = {{"domain", "finance"}, {"priority", "high"}};
  prsm::Result<prsm::Response> result = co_await prsm::Process(orchestrator, query);
  if (!result) co_return Fail(result.error());
  std::printf("Answer (from %s, $%.6f):\n  %s\n", result->model.c_str(), result->cost_usd,
              result->answer.c_str());
  std::printf("Route: %s\nConsensus: %s\n\n", result->route.explanation.c_str(),
              result->consensus.explanation.c_str());

  // The same question streamed: each co_await yields the next event as it arrives.
  std::printf("Streamed: ");
  prsm::ResponseStream stream = prsm::StreamAsync(orchestrator, std::move(query));
  while (std::optional<prsm::StreamEvent> event = co_await stream.Next()) {
    if (event->kind == prsm::StreamEvent::Kind::kTextDelta) {
      std::printf("%s", event->text.c_str());
      std::fflush(stdout);
    }
  }
  prsm::Result<prsm::Response> streamed = co_await stream.Result();
  if (!streamed) co_return Fail(streamed.error());
  std::printf("\n(streamed by %s, %lld tokens)\n", streamed->model.c_str(),
              static_cast<long long>(streamed->usage.total_tokens()));
  co_return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (std::getenv("OPENAI_BASE_URL") == nullptr) {
    std::printf(
        "coroutine needs OPENAI_BASE_URL: run it with scripts/demo, which simulates its models "
        "when OPENAI_BASE_URL is unset\n");
    return 0;
  }
  // orchestrator = MultiLLMOrchestrator(models=['gpt-4', 'claude-3', 'llama-2'],
  //                                     routing_strategy='intelligent', consensus_threshold=0.8)
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeIntelligentRouting();
  prsm::VoteOptions vote;
  vote.threshold = 0.8;
  options.consensus = prsm::MakeMajorityVoteRule(vote);
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  if (!created) return Fail(created.error());
  prsm::MultiLLMOrchestrator& orchestrator = **created;
  auto provider = prsm::MakeOpenAIProvider();
  if (!provider) return Fail(provider.error());
  if (auto added = orchestrator.AddProvider(*provider); !added) return Fail(added.error());
  struct Model {  // prices and quality priors as in quickstart.cpp
    const char* name;
    double input_per_mtok, output_per_mtok, quality, finance_quality;
  };
  for (const Model& model :
       {Model{"gpt-4", 30.0, 60.0, 0.92, 0.93}, Model{"claude-3", 3.0, 15.0, 0.88, 0.90},
        Model{"llama-2", 0.2, 0.2, 0.65, 0.55}}) {
    prsm::ModelSpec spec;
    spec.name = model.name;
    spec.provider = "openai";
    spec.price.input_per_mtok = model.input_per_mtok;
    spec.price.output_per_mtok = model.output_per_mtok;
    spec.quality = model.quality;
    spec.domain_quality["finance"] = model.finance_quality;
    if (auto added = orchestrator.AddModel(spec); !added) return Fail(added.error());
  }

  const std::string question =
      argc > 1 ? argv[1]
               : "Should a mid-size exporter hedge its EUR receivables for the next two quarters?";
  return prsm::SyncWait(AskAndStream(orchestrator, question));
}
