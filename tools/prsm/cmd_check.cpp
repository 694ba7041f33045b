// prsm check: validates the configuration and probes each provider once; see commands.h.
#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

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

constexpr const char* kCheckUsage =
    "usage: prsm [--config FILE] check [--json] [--timeout DURATION]\n"
    "\n"
    "Validates the configuration, then probes each provider once, all at once: a 1-token\n"
    "request to its first model, without retries. Prints ok or failed (and why) per\n"
    "provider. A provider whose key variable is unset (when its kind needs a key) fails\n"
    "without a request; one that serves no model is skipped.\n"
    "\n"
    "  --timeout DURATION  deadline of each probe (default 15s)\n"
    "  --json              one JSON object: {\"config\", \"ok\", \"providers\": [...]}\n"
    "  --config FILE       configuration file (default: $PRSM_CONFIG, else ./prsm.json)\n"
    "\n"
    "Exit status: 0 every probed provider answered, 1 one failed, 2 usage or configuration\n"
    "error, 130 interrupted.\n";

struct Probe {
  prsm::ProviderInfo info;
  std::string model;  ///< Empty: the provider serves no model (skipped).
  std::optional<prsm::Error> error;
  std::chrono::microseconds latency{0};
};

struct ProbeResult {
  std::size_t index;
  prsm::Result<prsm::Response> result;
};

std::string Status(const Probe& probe) {
  if (probe.model.empty()) return "skipped";
  return probe.error ? "failed" : "ok";
}

void PrintJson(const std::string& source, const std::vector<Probe>& probes, bool ok) {
  rapidjson::StringBuffer buffer;
  JsonWriter out(buffer);
  out.StartObject();
  out.Key("config");
  WriteString(out, source);
  out.Key("ok");
  out.Bool(ok);
  out.Key("providers");
  out.StartArray();
  for (const Probe& probe : probes) {
    out.StartObject();
    out.Key("id");
    WriteString(out, probe.info.id);
    out.Key("kind");
    WriteString(out, probe.info.kind);
    out.Key("base_url");
    WriteString(out, probe.info.base_url);
    out.Key("status");
    WriteString(out, Status(probe));
    out.Key("model");
    if (probe.model.empty()) {
      out.Null();
    } else {
      WriteString(out, probe.model);
    }
    out.Key("latency_ms");
    WriteNumber(out, Milliseconds(probe.latency));
    if (probe.error) {
      out.Key("error");
      WriteError(out, *probe.error);
    }
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  fmt::print("{}\n", buffer.GetString());
}

}  // namespace

int RunCheck(const GlobalOptions& global_in, const std::vector<std::string>& args) {
  GlobalOptions global = global_in;
  ParsedArgs parsed;
  const int early = ParseCommandArgs("check", kCheckUsage, {{"--json", false}, {"--timeout", true}},
                                     args, &global, &parsed);
  if (early >= 0) return early;
  if (!parsed.positionals.empty()) {
    return UsageError("check", "unexpected argument '" + parsed.positionals[0] + "'");
  }
  std::chrono::milliseconds timeout = std::chrono::seconds(15);
  if (auto text = parsed.Last("--timeout")) {
    auto parsed_timeout = ParseDuration(*text);
    if (!parsed_timeout) {
      return UsageError("check",
                        "--timeout expects a duration like 250ms, 30s or 2m, got '" + *text + "'");
    }
    timeout = *parsed_timeout;
  }
  const bool json = parsed.Has("--json");

  auto config = LoadCliConfig(global, /*require_keys=*/false);
  if (!config) {
    fmt::print(stderr, "prsm check: {}\n", config.error().message());
    return kExitUsage;
  }
  const std::string source = config->source;
  std::vector<Probe> probes;
  for (const prsm::ProviderInfo& info : config->provider_info) {
    Probe probe{info, {}, std::nullopt, std::chrono::microseconds(0)};
    const auto first =
        std::find_if(config->models.begin(), config->models.end(),
                     [&](const prsm::ModelSpec& model) { return model.provider == info.id; });
    if (first != config->models.end()) probe.model = first->name;
    probes.push_back(std::move(probe));
  }

  // A probe asks one model once: the file's routing, consensus, retries and hedging would
  // only blur which provider failed, so the probing orchestrator uses the defaults for them.
  prsm::OrchestratorConfig probing = std::move(*config);
  probing.options.routing = nullptr;
  probing.options.consensus = nullptr;
  probing.options.retry.max_retries = 0;
  probing.options.hedge = prsm::HedgePolicy{};
  ResultQueue<ProbeResult> results;  // before the orchestrator: its callbacks push here
  auto orchestrator = prsm::MultiLLMOrchestrator::Create(std::move(probing));
  if (!orchestrator) {
    fmt::print(stderr, "prsm check: {}\n", orchestrator.error().ToString());
    return kExitUsage;
  }
  std::string signal_error;
  auto signals = SignalWatch::Install(&signal_error);
  if (!signals) {
    fmt::print(stderr, "prsm check: {}\n", signal_error);
    return kExitFailed;
  }

  std::vector<prsm::RequestHandle> handles;
  std::size_t waiting = 0;
  for (std::size_t i = 0; i < probes.size(); ++i) {
    if (probes[i].model.empty()) continue;
    prsm::Query query = prsm::Query::FromText("ping");
    query.request.max_tokens = 1;
    query.context.models = {probes[i].model};
    query.context.timeout = timeout;
    query.context.retry = prsm::RetryPolicy{};
    query.context.retry->max_retries = 0;
    handles.push_back(
        (*orchestrator)
            ->Submit(std::move(query), [&results, i](prsm::Result<prsm::Response> result) {
              results.Push(ProbeResult{i, std::move(result)});
            }));
    ++waiting;
  }
  bool interrupted = false;
  while (waiting > 0) {
    WaitReadable(signals->fd(), results.fd(), -1);
    if (signals->Take() > 0 && !interrupted) {
      interrupted = true;
      for (const prsm::RequestHandle& handle : handles) handle.Cancel();
    }
    for (ProbeResult& taken : results.TakeAll()) {
      Probe& probe = probes[taken.index];
      --waiting;
      if (taken.result) {
        probe.latency = taken.result->latency;
      } else {
        probe.error = taken.result.error();
      }
    }
  }
  if (interrupted) {
    fmt::print(stderr, "prsm check: interrupted\n");
    return kExitInterrupted;
  }

  const bool ok = std::none_of(probes.begin(), probes.end(),
                               [](const Probe& probe) { return probe.error.has_value(); });
  if (json) {
    PrintJson(source, probes, ok);
    return ok ? kExitOk : kExitFailed;
  }
  fmt::print("config {}: valid, {} provider{}\n", source, probes.size(),
             probes.size() == 1 ? "" : "s");
  std::size_t id_width = 8;
  std::size_t model_width = 5;
  for (const Probe& probe : probes) {
    id_width = std::max(id_width, probe.info.id.size());
    model_width = std::max(model_width, probe.model.size());
  }
  for (const Probe& probe : probes) {
    std::string detail;
    if (probe.model.empty()) {
      detail = "no model uses it";
    } else if (probe.error) {
      detail = probe.error->ToString();
    } else {
      detail = FormatDuration(probe.latency);
    }
    fmt::print("{:<7} {:<{}}  {:<{}}  {}\n", Status(probe), probe.info.id, id_width,
               probe.model.empty() ? "-" : probe.model, model_width, detail);
  }
  const auto failed = static_cast<std::size_t>(std::count_if(
      probes.begin(), probes.end(), [](const Probe& probe) { return probe.error.has_value(); }));
  if (failed > 0) {
    fmt::print("{} of {} provider{} failed\n", failed, probes.size(),
               probes.size() == 1 ? "" : "s");
  }
  return ok ? kExitOk : kExitFailed;
}

}  // namespace prsm_cli
