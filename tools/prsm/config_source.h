// prsm CLI: which configuration file a command reads — `--config FILE`, else $PRSM_CONFIG,
// else ./prsm.json — and loading it (prsm/config.h).
//
// Thread safety: call from the main thread (reads the environment). Errors: a prsm::Error from
// LoadConfigFile, its message prefixed with where the path came from when the file is missing.
#ifndef PRSM_CLI_CONFIG_SOURCE_H_
#define PRSM_CLI_CONFIG_SOURCE_H_

#include <memory>
#include <string>

#include "prsm/config.h"
#include "prsm/orchestrator.h"
#include "prsm/status.h"

namespace prsm_cli {

/// Options every command accepts, whatever its position on the command line.
struct GlobalOptions {
  std::string config_path;  ///< From --config; empty = $PRSM_CONFIG, else ./prsm.json.
};

/// The file to read and why: "--config", "$PRSM_CONFIG" or "default".
struct ConfigPath {
  std::string path;
  std::string origin;
};

ConfigPath ResolveConfigPath(const GlobalOptions& global);

/// Loads the configuration. `require_keys` false lets a provider whose key variable is unset
/// load anyway (`prsm models`, `prsm check`).
prsm::Result<prsm::OrchestratorConfig> LoadCliConfig(const GlobalOptions& global,
                                                     bool require_keys);

/// The names of the configured models, comma-separated (for "unknown model" messages).
std::string ModelNames(const prsm::OrchestratorConfig& config);

}  // namespace prsm_cli

#endif  // PRSM_CLI_CONFIG_SOURCE_H_
