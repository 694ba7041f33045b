// MultiLLMOrchestrator::Create(OrchestratorConfig): an orchestrator from what a configuration
// file describes (prsm/config.h). Kept apart from orchestrator.cpp: it only uses the public API.
#include <utility>

#include <fmt/format.h>

#include "prsm/config.h"
#include "prsm/orchestrator.h"

namespace prsm {

Result<std::unique_ptr<MultiLLMOrchestrator>> MultiLLMOrchestrator::Create(
    OrchestratorConfig config) {
  auto created = Create(std::move(config.options));
  if (!created) {
    const Error& error = created.error();
    return Error(error.code(), fmt::format("{}: {}", config.source, error.message()));
  }
  MultiLLMOrchestrator& orchestrator = **created;
  for (auto& provider : config.providers) {
    const std::string id(provider ? provider->id() : std::string_view("(null)"));
    if (auto added = orchestrator.AddProvider(std::move(provider)); !added) {
      return Error(added.error().code(),
                   fmt::format("{}: provider '{}': {}", config.source, id, added.error().message()))
          .WithProvider(id);
    }
  }
  for (auto& model : config.models) {
    const std::string name = model.name;
    if (auto added = orchestrator.AddModel(std::move(model)); !added) {
      return Error(added.error().code(),
                   fmt::format("{}: model '{}': {}", config.source, name, added.error().message()))
          .WithModel(name);
    }
  }
  return created;
}

}  // namespace prsm
