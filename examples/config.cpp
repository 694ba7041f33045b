// config.cpp — an orchestrator described by a JSON file instead of code.
//
// Loads the configuration (prsm/config.h) from the first argument, else $PRSM_CONFIG, else
// examples/config/prsm.json, creates the orchestrator it describes, asks one question and
// prints the answer, the route and what it cost. A bad file is reported with its path, the
// JSON path of the offending value and what was expected there, e.g.
//   examples/config/prsm.json: $.models[1].price.input_per_mtok: expected a number >= 0, got
//   string "1.00"
//
// Usage: config [FILE] ["your question"]
#include <cstdio>
#include <cstdlib>
#include <string>

#include <prsm/prsm.h>

#ifndef PRSM_EXAMPLE_CONFIG
#define PRSM_EXAMPLE_CONFIG "examples/config/prsm.json"
#endif

int main(int argc, char** argv) {
  std::string path = PRSM_EXAMPLE_CONFIG;
  if (const char* env = std::getenv("PRSM_CONFIG"); env != nullptr && *env != '\0') path = env;
  if (argc > 1) path = argv[1];
  const std::string question =
      argc > 2 ? argv[2] : "Should we hedge our EUR exposure for the next two quarters?";

  prsm::Result<prsm::OrchestratorConfig> config = prsm::LoadConfigFile(path);
  if (!config) {
    std::fprintf(stderr, "error: %s\n", config.error().message().c_str());
    return 2;
  }
  std::printf("Configuration: %s (%zu providers, %zu models)\n", config->source.c_str(),
              config->providers.size(), config->models.size());
  for (const prsm::ProviderInfo& info : config->provider_info) {
    std::printf("  provider %-10s %-18s %s\n", info.id.c_str(), info.kind.c_str(),
                info.base_url.empty() ? "(the vendor's API)" : info.base_url.c_str());
  }

  auto orchestrator = prsm::MultiLLMOrchestrator::Create(std::move(*config));
  if (!orchestrator) {
    std::fprintf(stderr, "error: %s\n", orchestrator.error().ToString().c_str());
    return 2;
  }
  prsm::Query query = prsm::Query::FromText(question);
  query.context.attributes = {{"domain", "finance"}};
  prsm::Result<prsm::Response> response = (*orchestrator)->ProcessAndWait(std::move(query));
  if (!response) {
    std::fprintf(stderr, "error: %s\n", response.error().ToString().c_str());
    return 1;
  }
  std::printf("\nQ: %s\nA: %s\n\n", question.c_str(), response->answer.c_str());
  std::printf("Answered by: %s\n", response->model.c_str());
  std::printf("Route: %s (%s)\n", response->route.strategy.c_str(),
              response->route.explanation.c_str());
  std::printf("Attempts: %zu, cost $%.6f\n", response->attempts.size(), response->cost_usd);
  return 0;
}
