// resilience.cpp — graceful degradation: a model that keeps failing is retried, then routed
// around by its circuit breaker, every query still answered by the fallback; and a client-side
// rate limit that fails fast instead of sending what the vendor would refuse.
//
// Where the models live comes from the environment, like the OpenAI SDKs: OPENAI_BASE_URL for
// any OpenAI-compatible server (scripts/demo points it at prsm's fake provider, whose
// "overloaded" model answers 503 every time), or the OpenAI API with OPENAI_API_KEY.
// Model names: PRSM_DEMO_MODELS="failing,healthy" (default: the demo's simulated ones).
//
// Usage: resilience
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
  // Against the real OpenAI API the first default model does not exist (a 404: not retried,
  // and not a sign of an unwell server, so its circuit stays closed), the second answers.
  const std::string names = listed != nullptr ? listed
                            : std::getenv("OPENAI_BASE_URL") != nullptr
                                ? "overloaded,claude-3"
                                : "no-such-model,gpt-4o-mini";
  const std::size_t comma = names.find(',');
  if (comma == std::string::npos) return {names, names};
  return {names.substr(0, comma), names.substr(comma + 1)};
}

}  // namespace

int main() {
  const std::vector<std::string> models = ModelNames();
  prsm::OrchestratorOptions options;
  // Preference order with fallback: the first model, then the second if it fails.
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
  options.retry.max_retries = 2;             // retried when nothing else could answer
  options.breaker.consecutive_failures = 3;  // three failures in a row open its circuit
  options.breaker.open_for = std::chrono::seconds(30);
  options.on_circuit_change = [](const prsm::CircuitEvent& event) {
    std::printf("  circuit %s: %s -> %s (%s)\n", event.name.c_str(),
                std::string(prsm::ToString(event.from)).c_str(),
                std::string(prsm::ToString(event.to)).c_str(), event.reason.c_str());
  };
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  if (!created) return Fail(created.error());
  prsm::MultiLLMOrchestrator& orchestrator = **created;

  auto provider = prsm::MakeOpenAIProvider();  // $OPENAI_API_KEY, $OPENAI_BASE_URL
  if (!provider) return Fail(provider.error());
  if (auto added = orchestrator.AddProvider(*provider); !added) return Fail(added.error());
  const prsm::ModelCatalog known = prsm::ModelCatalog::BuiltIn();
  for (const std::string& name : models) {
    prsm::ModelSpec spec = known.Find(name) != nullptr ? *known.Find(name) : prsm::ModelSpec{};
    spec.name = name;
    spec.provider = "openai";
    if (auto added = orchestrator.AddModel(spec); !added) return Fail(added.error());
  }

  std::printf("1. Fallback and a circuit breaker (%s first, then %s):\n", models[0].c_str(),
              models[1].c_str());
  for (int i = 1; i <= 5; ++i) {
    auto response = orchestrator.ProcessAndWait(prsm::Query::FromText("Should we hedge?"));
    if (!response) return Fail(response.error());
    std::string tried;
    for (const prsm::Attempt& attempt : response->attempts) {
      tried += (tried.empty() ? "" : ", ") + attempt.model + " " +
               std::string(prsm::ToString(attempt.outcome));
    }
    std::printf("  query %d: answered by %s after %zu attempt(s): %s\n", i, response->model.c_str(),
                response->attempts.size(), tried.c_str());
  }
  for (const prsm::CircuitStatus& circuit : orchestrator.circuits()) {
    std::printf("  now: %-22s %-9s failures in a row %llu\n", circuit.name.c_str(),
                std::string(prsm::ToString(circuit.state)).c_str(),
                static_cast<unsigned long long>(circuit.consecutive_failures));
  }

  std::printf("2. A client-side rate limit (2 requests per minute on %s, fail fast):\n",
              models[1].c_str());
  prsm::OrchestratorOptions limited_options;
  limited_options.provider_rate_limits["openai"].requests_per_minute = 2;
  limited_options.provider_rate_limits["openai"].on_limit = prsm::RateLimit::OnLimit::kFail;
  auto limited = prsm::MultiLLMOrchestrator::Create(limited_options);
  if (!limited) return Fail(limited.error());
  if (auto added = (*limited)->AddProvider(*provider); !added) return Fail(added.error());
  prsm::ModelSpec spec =
      known.Find(models[1]) != nullptr ? *known.Find(models[1]) : prsm::ModelSpec{};
  spec.name = models[1];
  spec.provider = "openai";
  if (auto added = (*limited)->AddModel(spec); !added) return Fail(added.error());
  for (int i = 1; i <= 3; ++i) {
    auto response = (*limited)->ProcessAndWait(prsm::Query::FromText("Should we hedge?"));
    if (response) {
      std::printf("  request %d: answered\n", i);
    } else {
      const auto wait = response.error().retry_after().value_or(std::chrono::milliseconds(0));
      std::printf("  request %d: %s, retry after %lld s\n", i,
                  std::string(prsm::ToString(response.error().code())).c_str(),
                  static_cast<long long>(std::chrono::ceil<std::chrono::seconds>(wait).count()));
    }
  }
  const prsm::OrchestratorStats stats = orchestrator.stats();
  std::printf("Totals: %llu attempts, %llu retries, %llu refused by an open circuit\n",
              static_cast<unsigned long long>(stats.attempts),
              static_cast<unsigned long long>(stats.retries),
              static_cast<unsigned long long>(stats.circuit_rejections));
  return 0;
}
