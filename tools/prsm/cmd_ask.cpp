// prsm ask: one question, its answer, and on request how it was reached; see commands.h.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "explain.h"
#include "json_format.h"
#include "prsm/config.h"
#include "prsm/orchestrator.h"
#include "signal_watch.h"
#include "wake_fd.h"

namespace prsm_cli {
namespace {

constexpr const char* kAskUsage =
    "usage: prsm [--config FILE] ask QUESTION [options]\n"
    "\n"
    "Asks the configured models one question (QUESTION \"-\" reads it from standard input)\n"
    "and prints the answer.\n"
    "\n"
    "  --context KEY=VALUE  a context attribute the routing reads, e.g. domain=finance,\n"
    "                       priority=high (repeatable)\n"
    "  --model NAME         only this model may answer (repeatable; default: any)\n"
    "  --timeout DURATION   deadline of the whole request: 250ms, 30s, 1.5m, 1h\n"
    "                       (default: the configuration's request_timeout)\n"
    "  --explain            after the answer, the route and why, every attempt (model,\n"
    "                       latency, tokens, cost, outcome or error), the consensus and\n"
    "                       why, and the totals\n"
    "  --json               print the whole response (or the error) as one JSON object\n"
    "  --config FILE        configuration file (default: $PRSM_CONFIG, else ./prsm.json)\n"
    "\n"
    "Exit status: 0 answered, 1 the query failed, 2 usage or configuration error,\n"
    "130 interrupted (SIGINT/SIGTERM cancel the request).\n";

}  // namespace

int RunAsk(const GlobalOptions& global_in, const std::vector<std::string>& args) {
  GlobalOptions global = global_in;
  ParsedArgs parsed;
  const int early = ParseCommandArgs("ask", kAskUsage,
                                     {{"--context", true},
                                      {"--model", true},
                                      {"--timeout", true},
                                      {"--explain", false},
                                      {"--json", false}},
                                     args, &global, &parsed);
  if (early >= 0) return early;

  if (parsed.positionals.empty()) return UsageError("ask", "missing the question");
  std::string question;
  if (parsed.positionals.size() == 1 && parsed.positionals[0] == "-") {
    question.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (const std::string& word : parsed.positionals) {
      question += (question.empty() ? "" : " ") + word;
    }
  }
  if (question.find_first_not_of(" \t\r\n") == std::string::npos) {
    return UsageError("ask", "the question is empty");
  }

  prsm::Query query = prsm::Query::FromText(std::move(question));
  for (const std::string& pair : parsed.All("--context")) {
    const std::size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return UsageError("ask", "--context expects KEY=VALUE, got '" + pair + "'");
    }
    query.context.attributes[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  query.context.models = parsed.All("--model");
  if (auto text = parsed.Last("--timeout")) {
    auto timeout = ParseDuration(*text);
    if (!timeout) {
      return UsageError("ask",
                        "--timeout expects a duration like 250ms, 30s or 2m, got '" + *text + "'");
    }
    query.context.timeout = *timeout;
  }
  const bool json = parsed.Has("--json");
  const bool explain = parsed.Has("--explain");

  auto config = LoadCliConfig(global, /*require_keys=*/true);
  if (!config) {
    fmt::print(stderr, "prsm ask: {}\n", config.error().message());
    return kExitUsage;
  }
  for (const std::string& model : query.context.models) {
    const bool known = std::any_of(config->models.begin(), config->models.end(),
                                   [&](const prsm::ModelSpec& spec) { return spec.name == model; });
    if (!known) {
      return UsageError("ask", fmt::format("unknown model '{}' (configured in {}: {})", model,
                                           config->source, ModelNames(*config)));
    }
  }

  // Declared before the orchestrator: its callbacks push here until it is destroyed.
  ResultQueue<prsm::Result<prsm::Response>> results;
  auto orchestrator = prsm::MultiLLMOrchestrator::Create(std::move(*config));
  if (!orchestrator) {
    fmt::print(stderr, "prsm ask: {}\n", orchestrator.error().ToString());
    return kExitUsage;
  }
  std::string signal_error;
  auto signals = SignalWatch::Install(&signal_error);
  if (!signals) {
    fmt::print(stderr, "prsm ask: {}\n", signal_error);
    return kExitFailed;
  }

  prsm::RequestHandle handle =
      (*orchestrator)->Submit(std::move(query), [&results](prsm::Result<prsm::Response> result) {
        results.Push(std::move(result));
      });
  bool interrupted = false;
  std::optional<prsm::Result<prsm::Response>> result;
  while (!result) {
    WaitReadable(signals->fd(), results.fd(), -1);
    if (signals->Take() > 0 && !interrupted) {
      interrupted = true;
      handle.Cancel();  // its callback still comes, with kCancelled
    }
    for (auto& taken : results.TakeAll()) result.emplace(std::move(taken));
  }
  if (interrupted) {
    fmt::print(stderr, "prsm ask: interrupted\n");
    return kExitInterrupted;
  }

  if (json) {
    fmt::print("{}\n", ResponseJson(*result));
  }
  if (!*result) {
    fmt::print(stderr, "prsm ask: {}\n", result->error().ToString());
    return kExitFailed;
  }
  if (!json) {
    const prsm::Response& response = **result;
    fmt::print("{}{}", response.answer,
               !response.answer.empty() && response.answer.back() == '\n' ? "" : "\n");
    if (explain) fmt::print("\n{}", FormatExplain(response));
  }
  return kExitOk;
}

}  // namespace prsm_cli
