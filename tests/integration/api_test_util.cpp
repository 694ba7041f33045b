#include "api_test_util.h"

#include <utility>

#include <catch2/catch.hpp>

namespace prsm::testing {

std::unique_ptr<FakeProviderServer> StartFake() {
  std::string error;
  auto server = FakeProviderServer::Start({}, &error);
  INFO(error);
  REQUIRE(server);
  return server;
}

ModelSpec Model(std::string name, double input_price, double output_price, std::string provider) {
  ModelSpec spec;
  spec.name = std::move(name);
  spec.provider = std::move(provider);
  spec.price.input_per_mtok = input_price;
  spec.price.output_per_mtok = output_price;
  return spec;
}

std::vector<ModelSpec> Models(const std::vector<std::string>& names) {
  std::vector<ModelSpec> specs;
  for (const std::string& name : names) specs.push_back(Model(name));
  return specs;
}

std::shared_ptr<const Provider> FakeOpenAI(const std::string& base_url, std::string id) {
  OpenAIConfig config;
  config.id = std::move(id);
  config.base_url = base_url;
  config.api_key = "sk-test-key";
  auto provider = MakeOpenAIProvider(config);
  REQUIRE(provider);
  return *provider;
}

std::unique_ptr<MultiLLMOrchestrator> FakeOrchestrator(std::shared_ptr<const Provider> provider,
                                                       const std::vector<ModelSpec>& models,
                                                       OrchestratorOptions options) {
  auto created = MultiLLMOrchestrator::Create(std::move(options));
  REQUIRE(created);
  auto orchestrator = std::move(*created);
  REQUIRE(orchestrator->AddProvider(std::move(provider)));
  for (const ModelSpec& spec : models) REQUIRE(orchestrator->AddModel(spec));
  return orchestrator;
}

std::unique_ptr<MultiLLMOrchestrator> FakeOrchestrator(const FakeProviderServer& server,
                                                       const std::vector<ModelSpec>& models,
                                                       OrchestratorOptions options) {
  return FakeOrchestrator(FakeOpenAI(server.base_url()), models, std::move(options));
}

ModelScript Says(std::string text) {
  ModelScript script;
  script.text = std::move(text);
  script.prompt_tokens = kSaysPromptTokens;
  script.completion_tokens = kSaysCompletionTokens;
  return script;
}

}  // namespace prsm::testing
