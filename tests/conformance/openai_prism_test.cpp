// prsm's OpenAI codec against Prism serving OpenAI's own OpenAPI spec (the nullable-fixed copy,
// without which Prism silently skips request validation), with request validation on.
//
// Prism serves the spec cut down to /chat/completions (and every schema it reaches), which it
// loads in a few seconds instead of 15-70; it starts once, for this one test case.
#include <iostream>
#include <string>

#include <catch2/catch.hpp>

#include "conformance_env.h"
#include "prism_harness.h"
#include "prsm/prsm.h"
#include "request_cases.h"

namespace prsm::conformance {
namespace {

constexpr const char* kSpec = "openai-openapi.prism.json";

std::shared_ptr<const Provider> OpenAIAt(const std::string& base_url, bool max_completion_tokens) {
  OpenAIConfig config;
  config.base_url = base_url;  // the spec's paths already include /v1
  config.api_key = kCanaryKey;
  config.organization = "org-conformance";
  config.project = "proj_conformance";
  config.use_max_completion_tokens = max_completion_tokens;
  auto provider = MakeOpenAIProvider(std::move(config));
  INFO((provider ? std::string() : provider.error().ToString()));
  REQUIRE(provider.has_value());
  return *provider;
}

TEST_CASE("OpenAI codec: every request feature is accepted by Prism validating OpenAI's spec",
          "[conformance][prism][openai]") {
  if (!Prerequisites({kSpec})) return;
  PrismHarness* prism = PrismHarness::For(kSpec, {"/chat/completions"});
  REQUIRE(prism != nullptr);
  const PrismVerdicts before = prism->verdicts();

  // OpenAI's current name for the limit, and the older one compatible servers know.
  const auto modern = OpenAIAt(prism->base_url(), true);
  const auto legacy = OpenAIAt(prism->base_url(), false);
  const std::vector<RequestCase> cases = AllFeatureCases();
  PrismHarness::Tally tally = prism->CheckAccepted(modern, "gpt-4o-mini", cases);
  RequestCase legacy_limit{"max tokens as max_tokens", {}, false};
  legacy_limit.request.messages.push_back(Message::User("Write a long story."));
  legacy_limit.request.max_tokens = 64;
  const PrismHarness::Tally legacy_tally =
      prism->CheckAccepted(legacy, "gpt-4o-mini", {legacy_limit});
  tally.sent += legacy_tally.sent;
  tally.accepted += legacy_tally.accepted;
  for (const std::string& refused : legacy_tally.refused) tally.refused.push_back(refused);

  INFO("refused by the codec: " << tally.refused.size());
  for (const std::string& refused : tally.refused) UNSCOPED_INFO(refused);
  CHECK(tally.refused.empty());  // OpenAI can express every feature prsm has
  CHECK(tally.accepted == tally.sent);

  prism->CheckRejected(modern, "gpt-4o-mini");

  // Prism's own account must match ours: one pass per accepted request, one failure for the
  // negative control. Fewer passes would mean Prism was not validating at all.
  const PrismVerdicts after =
      prism->WaitForVerdicts(before.passed + tally.accepted, before.failed + 1);
  CHECK(after.passed - before.passed == tally.accepted);
  CHECK(after.failed - before.failed == 1);
  std::cout << "Prism (OpenAI spec, started in " << prism->startup_seconds() << " s): validated "
            << (after.passed - before.passed + after.failed - before.failed)
            << " requests from prsm's OpenAI codec: " << after.passed - before.passed << " of "
            << tally.sent << " feature requests accepted, " << after.failed - before.failed
            << " negative control rejected\n";
}

}  // namespace
}  // namespace prsm::conformance
