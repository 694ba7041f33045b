// prsm's Anthropic codec against Prism serving the Anthropic Messages spec (version "195"),
// with request validation on. Compiled only once prsm/providers/anthropic.h exists; until
// then the test says so and is skipped.
#include <iostream>
#include <string>

#include <catch2/catch.hpp>

#include "conformance_env.h"
#include "prism_harness.h"
#include "prsm/prsm.h"
#include "request_cases.h"

#if __has_include("prsm/providers/anthropic.h")
#include "prsm/providers/anthropic.h"
#define PRSM_CONFORMANCE_HAVE_ANTHROPIC 1
#endif

namespace prsm::conformance {
namespace {

constexpr const char* kSpec = "anthropic-openapi-v195.json";

TEST_CASE(
    "Anthropic codec: every request feature is accepted by Prism validating the Messages spec",
    "[conformance][prism][anthropic]") {
#ifndef PRSM_CONFORMANCE_HAVE_ANTHROPIC
  SkipBecause("prsm/providers/anthropic.h does not exist yet: no Anthropic codec to check");
#else
  if (!Prerequisites({kSpec})) return;
  PrismHarness* prism = PrismHarness::For(kSpec, {"/v1/messages"});
  REQUIRE(prism != nullptr);
  const PrismVerdicts before = prism->verdicts();

  AnthropicConfig config;
  config.base_url = prism->base_url();  // the spec's paths start with /v1
  config.api_key = kCanaryKey;
  auto provider = MakeAnthropicProvider(std::move(config));
  INFO((provider ? std::string() : provider.error().ToString()));
  REQUIRE(provider.has_value());

  const PrismHarness::Tally tally =
      prism->CheckAccepted(*provider, "claude-sonnet-4-5", AllFeatureCases());
  CHECK(tally.accepted == tally.sent);
  prism->CheckRejected(*provider, "claude-sonnet-4-5");

  const PrismVerdicts after =
      prism->WaitForVerdicts(before.passed + tally.accepted, before.failed + 1);
  CHECK(after.passed - before.passed == tally.accepted);
  CHECK(after.failed - before.failed == 1);
  std::cout << "Prism (Anthropic spec, started in " << prism->startup_seconds() << " s): validated "
            << (after.passed - before.passed + after.failed - before.failed)
            << " requests from prsm's Anthropic codec: " << after.passed - before.passed << " of "
            << tally.sent << " feature requests accepted, " << after.failed - before.failed
            << " negative control rejected; " << tally.refused.size()
            << " features the codec refuses:\n";
  for (const std::string& refused : tally.refused) std::cout << "  " << refused << "\n";
#endif
}

}  // namespace
}  // namespace prsm::conformance
