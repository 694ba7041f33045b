// request_cases.h — one CompletionRequest per request feature prsm can express, for checking
// each codec's wire form against its vendor's spec. Vendor-neutral on purpose: the same
// requests go to every codec, which is what "a request written once in prsm's types produces
// each vendor's form" means.
#ifndef PRSM_TESTS_CONFORMANCE_REQUEST_CASES_H_
#define PRSM_TESTS_CONFORMANCE_REQUEST_CASES_H_

#include <string>
#include <vector>

#include "prism_harness.h"

namespace prsm::conformance {

/// Every feature, one case each, plus one case with all of them at once: system, user,
/// assistant (with a name), assistant tool calls and tool results, tools with each
/// tool_choice, JSON-object and JSON-schema formats, logprobs with and without top_logprobs,
/// stop, seed, temperature/top_p, max tokens, and a streaming request.
std::vector<RequestCase> AllFeatureCases();

}  // namespace prsm::conformance

#endif  // PRSM_TESTS_CONFORMANCE_REQUEST_CASES_H_
