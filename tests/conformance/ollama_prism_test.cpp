// prsm's Ollama codec (the native /api/chat) against Prism serving Ollama's own OpenAPI spec,
// with request validation on. Compiled only once prsm/providers/ollama.h exists; until then the
// test says so and is skipped.
#include <iostream>
#include <string>

#include <catch2/catch.hpp>

#include "conformance_env.h"
#include "prism_harness.h"
#include "prsm/prsm.h"
#include "request_cases.h"

#if __has_include("prsm/providers/ollama.h")
#include "prsm/providers/ollama.h"
#define PRSM_CONFORMANCE_HAVE_OLLAMA 1
#endif

namespace prsm::conformance {
namespace {

constexpr const char* kSpec = "ollama/openapi.yaml";

TEST_CASE("Ollama codec: every request feature is accepted by Prism validating Ollama's spec",
          "[conformance][prism][ollama]") {
#ifndef PRSM_CONFORMANCE_HAVE_OLLAMA
  SkipBecause("prsm/providers/ollama.h does not exist yet: no Ollama codec to check");
#else
  if (!Prerequisites({kSpec})) return;
  PrismHarness* prism = PrismHarness::For(kSpec);
  REQUIRE(prism != nullptr);
  const PrismVerdicts before = prism->verdicts();

  OllamaConfig config;
  config.base_url = prism->base_url();
  config.api_key = kCanaryKey;  // Ollama needs none locally; ollama.com takes a Bearer key
  config.keep_alive = "5m";
  auto provider = MakeOllamaProvider(std::move(config));
  INFO((provider ? std::string() : provider.error().ToString()));
  REQUIRE(provider.has_value());

  const PrismHarness::Tally tally = prism->CheckAccepted(*provider, "llama3.2", AllFeatureCases());
  CHECK(tally.accepted == tally.sent);
  prism->CheckRejected(*provider, "llama3.2");

  const PrismVerdicts after =
      prism->WaitForVerdicts(before.passed + tally.accepted, before.failed + 1);
  CHECK(after.passed - before.passed == tally.accepted);
  CHECK(after.failed - before.failed == 1);
  std::cout << "Prism (Ollama spec, started in " << prism->startup_seconds() << " s): validated "
            << (after.passed - before.passed + after.failed - before.failed)
            << " requests from prsm's Ollama codec: " << after.passed - before.passed << " of "
            << tally.sent << " feature requests accepted, " << after.failed - before.failed
            << " negative control rejected; " << tally.refused.size()
            << " features the codec refuses:\n";
  for (const std::string& refused : tally.refused) std::cout << "  " << refused << "\n";
#endif
}

}  // namespace
}  // namespace prsm::conformance
