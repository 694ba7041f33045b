/// \file
/// prsm/prsm.h — the whole public API in one include.
///
/// prsm is an embeddable C++17 library for multi-LLM orchestration: name the models you may use,
/// ask a question with some context, and prsm routes it, calls the models concurrently on one
/// libcurl-multi event loop, agrees on an answer and accounts for every token, cent and
/// millisecond.
///
/// Quickstart (examples/quickstart.cpp is the complete program):
///
/// \code{.cpp}
///   #include <prsm/prsm.h>
///
///   int main() {
///     auto orchestrator = prsm::MultiLLMOrchestrator::Create({
///         .routing = prsm::MakeFanOutRouting(3),          // ask three models at once
///         .consensus = prsm::MakeFirstSuccessRule()});     // take the first good answer
///     if (!orchestrator) return 1;                         // errors are values, never thrown
///     auto& orch = **orchestrator;
///
///     auto openai = prsm::MakeOpenAIProvider();            // $OPENAI_API_KEY, $OPENAI_BASE_URL
///     if (!openai || !orch.AddProvider(*openai)) return 1;
///     (void)orch.AddModel({.name = "gpt-4o-mini", .provider = "openai",
///                          .price = {.input_per_mtok = 0.15, .output_per_mtok = 0.60}});
///     // ... AddModel() each model you may use ...
///
///     prsm::Query query = prsm::Query::FromText("Should we hedge our EUR exposure?");
///     query.context.attributes = {{"domain", "finance"}, {"priority", "high"}};
///     prsm::Result<prsm::Response> response = orch.Process(std::move(query)).get();
///     if (!response) { /* response.error().code(), .message(), .provider() ... */ return 1; }
///     // response->answer, ->model, ->attempts (model, latency, tokens, cost), ->cost_usd
///   }
/// \endcode
///
/// (Designated initialisers need C++20; in C++17 set the fields one by one.)
///
/// Headers: status.h (errors), types.h (queries, answers), model.h (models and prices),
/// provider.h (codec interface), providers/openai.h, routing.h, consensus.h, orchestrator.h,
/// config.h (an orchestrator from a JSON configuration file).
#ifndef PRSM_PRSM_H_
#define PRSM_PRSM_H_

#include "prsm/config.h"
#include "prsm/consensus.h"
#include "prsm/export.h"
#include "prsm/model.h"
#include "prsm/orchestrator.h"
#include "prsm/provider.h"
#include "prsm/providers/anthropic.h"
#include "prsm/providers/gemini.h"
#include "prsm/providers/ollama.h"
#include "prsm/providers/openai.h"
#include "prsm/resilience.h"
#include "prsm/routing.h"
#include "prsm/status.h"
#include "prsm/types.h"
#include "prsm/version.h"

/// \namespace prsm
/// Everything prsm declares. Start with MultiLLMOrchestrator (orchestrator.h), Result and Error
/// (status.h), Query and Response (types.h) and ModelSpec (model.h); the user guide explains
/// how they fit together.

#endif  // PRSM_PRSM_H_
