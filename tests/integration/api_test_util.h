// Set-up shared by the integration tests (the public-API ones and the executor's): the fake
// provider server, models priced for it, an OpenAI codec pointed at it, an orchestrator with both
// registered, and a scripted answer of known usage. Each helper asserts with Catch2 (REQUIRE), so
// it may only be called from inside a running test case, on the test's thread. Everything returned
// is owned by the caller; the fake server must outlive any orchestrator pointed at it.
#ifndef PRSM_TESTS_INTEGRATION_API_TEST_UTIL_H_
#define PRSM_TESTS_INTEGRATION_API_TEST_UTIL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fake_provider_server.h"
#include "prsm/prsm.h"

namespace prsm::testing {

/// The usage of every answer scripted by Says(), so that tests can compute its cost.
constexpr std::int64_t kSaysPromptTokens = 100;
constexpr std::int64_t kSaysCompletionTokens = 10;

/// Starts a fake provider server on a loopback port; fails the test (with the reason) if it
/// cannot start.
std::unique_ptr<FakeProviderServer> StartFake();

/// A model of `provider` with prices in USD per million tokens; no quality prior.
ModelSpec Model(std::string name, double input_price = 1.0, double output_price = 2.0,
                std::string provider = "fake");

/// One Model() of each name, in order.
std::vector<ModelSpec> Models(const std::vector<std::string>& names);

/// The OpenAI codec at `base_url` under `id`; fails the test if the config is refused.
std::shared_ptr<const Provider> FakeOpenAI(const std::string& base_url, std::string id = "fake");

/// An orchestrator created with `options`, with `provider` and then `models` registered; fails
/// the test if any step is refused.
std::unique_ptr<MultiLLMOrchestrator> FakeOrchestrator(std::shared_ptr<const Provider> provider,
                                                       const std::vector<ModelSpec>& models,
                                                       OrchestratorOptions options = {});

/// The same with the fake server's OpenAI endpoint as the provider "fake".
std::unique_ptr<MultiLLMOrchestrator> FakeOrchestrator(const FakeProviderServer& server,
                                                       const std::vector<ModelSpec>& models,
                                                       OrchestratorOptions options = {});

/// A script that answers `text` with kSaysPromptTokens in and kSaysCompletionTokens out.
ModelScript Says(std::string text);

}  // namespace prsm::testing

#endif  // PRSM_TESTS_INTEGRATION_API_TEST_UTIL_H_
