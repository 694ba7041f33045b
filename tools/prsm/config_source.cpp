// Configuration lookup; see config_source.h.
#include "config_source.h"

#include <cstdlib>

namespace prsm_cli {

ConfigPath ResolveConfigPath(const GlobalOptions& global) {
  if (!global.config_path.empty()) return {global.config_path, "--config"};
  if (const char* env = std::getenv("PRSM_CONFIG"); env != nullptr && *env != '\0') {
    return {env, "$PRSM_CONFIG"};
  }
  return {"prsm.json", "default"};
}

prsm::Result<prsm::OrchestratorConfig> LoadCliConfig(const GlobalOptions& global,
                                                     bool require_keys) {
  const ConfigPath where = ResolveConfigPath(global);
  prsm::ConfigLoadOptions options;
  options.require_keys = require_keys;
  auto config = prsm::LoadConfigFile(where.path, options);
  if (!config && config.error().code() == prsm::ErrorCode::kNotFound) {
    // Say where the name came from: a stale $PRSM_CONFIG is otherwise a puzzle.
    std::string hint = where.origin == "default"
                           ? " (no --config and no $PRSM_CONFIG, so ./prsm.json was tried)"
                           : " (from " + where.origin + ")";
    return prsm::Error(prsm::ErrorCode::kNotFound, config.error().message() + hint);
  }
  return config;
}

std::string ModelNames(const prsm::OrchestratorConfig& config) {
  std::string names;
  for (const prsm::ModelSpec& model : config.models) {
    if (!names.empty()) names += ", ";
    names += model.name;
  }
  return names.empty() ? "none" : names;
}

}  // namespace prsm_cli
