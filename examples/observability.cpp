// observability.cpp — watching an orchestrator: an Observer printing every event of two
// requests (a failing model retried, then the fallback answering), structured JSON-lines logs
// on stderr, the trace id of each answer, and the metrics in the Prometheus text format a host
// would serve on /metrics (docs/OBSERVABILITY.md).
//
// Where the models live comes from the environment, like the OpenAI SDKs: OPENAI_BASE_URL for
// any OpenAI-compatible server (scripts/demo points it at prsm's fake provider, whose
// "overloaded" model answers 503 every time), or the OpenAI API with OPENAI_API_KEY.
// Model names: PRSM_DEMO_MODELS="failing,healthy" (default: the demo's simulated ones).
//
// Usage: observability
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <prsm/prsm.h>

namespace {

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

std::vector<std::string> ModelNames() {
  const char* listed = std::getenv("PRSM_DEMO_MODELS");
  const std::string names = listed != nullptr ? listed
                            : std::getenv("OPENAI_BASE_URL") != nullptr
                                ? "overloaded,claude-3"
                                : "no-such-model,gpt-4o-mini";
  const std::size_t comma = names.find(',');
  if (comma == std::string::npos) return {names, names};
  return {names.substr(0, comma), names.substr(comma + 1)};
}

// Prints one line per event. Runs on prsm's observer thread, never on its event loop, so it
// may take its time (a real one would export spans or feed a dashboard).
class PrintingObserver : public prsm::Observer {
 public:
  void OnEvent(const prsm::ObserverEvent& event) override {
    std::string line = "  [request " + std::to_string(event.request_id) + "] " +
                       std::string(prsm::ToString(event.kind));
    if (!event.model.empty()) line += " model=" + event.model;
    if (event.outcome) line += " outcome=" + std::string(prsm::ToString(*event.outcome));
    if (event.kind == prsm::EventKind::kAttemptStarted) line += " span=" + event.span_id;
    if (event.kind == prsm::EventKind::kRetryScheduled) {
      line += " retry=" + std::to_string(event.retry) + " in " +
              std::to_string(event.delay.count()) + " ms";
    }
    if (event.error) line += " error=" + std::string(prsm::ToString(event.error->code()));
    if (event.route) line += " strategy=" + event.route->strategy;
    if (event.consensus) line += " rule=" + event.consensus->rule;
    if (event.circuit) {
      line += " " + std::string(prsm::ToString(event.circuit->from)) + " -> " +
              std::string(prsm::ToString(event.circuit->to));
    }
    if (event.kind == prsm::EventKind::kRequestFinished) {
      line += " cost=$" + std::to_string(event.cost_usd) + " trace=" + event.trace_id;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  }

 private:
  std::mutex mutex_;
};

}  // namespace

int main() {
  const std::vector<std::string> models = ModelNames();
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
  options.retry.max_retries = 1;
  options.retry.initial_backoff = std::chrono::milliseconds(10);
  options.retry.retry_before_fallback = true;  // one retry of the failing model, then fallback
  options.observers = {std::make_shared<PrintingObserver>()};
  // Structured logs as JSON lines on stderr (API keys never appear: they are redacted).
  options.structured_log_sink = prsm::MakeJsonLinesLogSink(stderr);
  options.min_log_level = prsm::LogLevel::kInfo;
  if (const char* key = std::getenv("OPENAI_API_KEY")) options.redact.push_back(key);
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  if (!created) return Fail(created.error());
  std::unique_ptr<prsm::MultiLLMOrchestrator> orchestrator = std::move(*created);

  auto provider = prsm::MakeOpenAIProvider();  // $OPENAI_API_KEY, $OPENAI_BASE_URL
  if (!provider) return Fail(provider.error());
  if (auto added = orchestrator->AddProvider(*provider); !added) return Fail(added.error());
  const prsm::ModelCatalog known = prsm::ModelCatalog::BuiltIn();
  for (const std::string& name : models) {
    prsm::ModelSpec spec = known.Find(name) != nullptr ? *known.Find(name) : prsm::ModelSpec{};
    spec.name = name;
    spec.provider = "openai";
    if (known.Find(name) == nullptr) spec.price = {3.0, 15.0, {}, {}};  // USD per Mtok, made up
    if (auto added = orchestrator->AddModel(spec); !added) return Fail(added.error());
  }

  std::printf("Events (%s first, then %s):\n", models[0].c_str(), models[1].c_str());
  std::vector<std::string> traces;
  for (int i = 0; i < 2; ++i) {
    auto response = orchestrator->ProcessAndWait(prsm::Query::FromText("Should we hedge?"));
    if (!response) return Fail(response.error());
    traces.push_back("  request " + std::to_string(response->request_id) + ": answered by " +
                     response->model + ", trace " + response->trace_id);
  }
  const std::string metrics = prsm::FormatPrometheus(orchestrator->metrics());
  orchestrator.reset();  // delivers every event still queued before returning

  std::printf("Answers:\n");
  for (const std::string& line : traces) std::printf("%s\n", line.c_str());
  std::printf("Metrics (what GET /metrics would serve):\n%s", metrics.c_str());
  return 0;
}
