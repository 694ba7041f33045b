// streaming.cpp — an answer printed as it is generated, with a fallback that still works for
// streams.
//
// Two models, the preferred one first. Stream() asks the first; if it fails or stays silent
// before its first token (first_token_timeout), prsm moves to the second without the caller
// noticing. Once text has started to flow, the stream belongs to that model: a later failure
// would arrive as an error event, never as a silent switch to another model.
//
// Where the models live comes from the environment, like the OpenAI SDKs: OPENAI_BASE_URL for
// any OpenAI-compatible server (scripts/demo points it at prsm's fake provider), or the OpenAI
// API with OPENAI_API_KEY. Model names: PRSM_DEMO_MODELS="first,second" (default: two OpenAI
// models, or the demo's simulated ones when OPENAI_BASE_URL is set).
//
// Usage: streaming ["your question"]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <vector>

#include <prsm/prsm.h>

namespace {

std::vector<std::string> ModelNames() {
  const char* listed = std::getenv("PRSM_DEMO_MODELS");
  std::string names = listed != nullptr                           ? listed
                      : std::getenv("OPENAI_BASE_URL") != nullptr ? "claude-3,gpt-4"
                                                                  : "gpt-4o-mini,gpt-4.1-mini";
  std::vector<std::string> models;
  for (std::size_t start = 0; start <= names.size();) {
    const std::size_t comma = names.find(',', start);
    const std::size_t end = comma == std::string::npos ? names.size() : comma;
    if (end > start) models.push_back(names.substr(start, end - start));
    start = end + 1;
  }
  return models;
}

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "\nerror: %s\n", error.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
  options.first_token_timeout = std::chrono::seconds(10);
  options.stream_idle_timeout = std::chrono::seconds(20);
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  if (!created) return Fail(created.error());
  prsm::MultiLLMOrchestrator& orchestrator = **created;

  auto provider = prsm::MakeOpenAIProvider();  // $OPENAI_API_KEY, $OPENAI_BASE_URL
  if (!provider) return Fail(provider.error());
  if (auto added = orchestrator.AddProvider(*provider); !added) return Fail(added.error());
  const prsm::ModelCatalog known = prsm::ModelCatalog::BuiltIn();
  for (const std::string& name : ModelNames()) {
    // Known models come with their list prices; others are free as far as prsm knows.
    prsm::ModelSpec spec = known.Find(name) != nullptr ? *known.Find(name) : prsm::ModelSpec{};
    spec.name = name;
    spec.provider = "openai";
    if (auto added = orchestrator.AddModel(spec); !added) return Fail(added.error());
  }

  const std::string question =
      argc > 1 ? argv[1] : "Explain in three sentences why streaming matters for chat UIs.";
  prsm::Query query = prsm::Query::FromText(question);
  query.request.max_tokens = 300;

  std::printf("Q: %s\nA: ", question.c_str());
  std::fflush(stdout);
  std::promise<prsm::Result<prsm::Response>> finished;
  orchestrator.Stream(
      std::move(query),
      [](const prsm::StreamEvent& event) {
        // On prsm's loop thread, in order. Print text as it arrives; report an error in band.
        if (event.kind == prsm::StreamEvent::Kind::kTextDelta) {
          std::fwrite(event.text.data(), 1, event.text.size(), stdout);
          std::fflush(stdout);
        } else if (event.kind == prsm::StreamEvent::Kind::kError) {
          std::printf("\n[stream from %s failed: %s]", event.model.c_str(),
                      event.error->ToString().c_str());
        }
      },
      [&finished](prsm::Result<prsm::Response> outcome) {
        finished.set_value(std::move(outcome));
      });
  prsm::Result<prsm::Response> outcome = finished.get_future().get();
  if (!outcome) return Fail(outcome.error());

  std::printf("\n\nStreamed by %s in %.0f ms; %lld tokens, %.6f$\n", outcome->model.c_str(),
              static_cast<double>(outcome->latency.count()) / 1000.0,
              static_cast<long long>(outcome->usage.total_tokens()), outcome->cost_usd);
  for (const prsm::Attempt& attempt : outcome->attempts) {
    std::printf("  %-14s %-10s %s\n", attempt.model.c_str(),
                std::string(prsm::ToString(attempt.outcome)).c_str(),
                attempt.error ? attempt.error->message().c_str() : "");
  }
  return 0;
}
