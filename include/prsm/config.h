/// \file
/// prsm/config.h — an orchestrator described by a configuration file.
///
/// A JSON file names the providers (kind, base URL, the environment variable that holds the
/// key), the models (provider, wire id, prices, priors, resilience), the routing strategy, the
/// consensus rule, limits, resilience policies and the budget. `LoadConfigFile` reads it and
/// builds everything it describes; `MultiLLMOrchestrator::Create(OrchestratorConfig)` turns the
/// result into a running orchestrator. docs/CONFIG.md documents every key;
/// examples/config/prsm.json is a complete file.
///
/// Keys are never written in the file: a provider names the environment variable that holds its
/// key (`api_key_env`); an `api_key` key is refused. Durations are strings: "250ms", "2s",
/// "1.5m", "1h".
///
/// Thread safety: the functions are reentrant and keep no state; `ConfigLoadOptions::getenv` is
/// called on the calling thread only, during the call. The result is a plain value (its
/// providers are immutable and shareable).
/// Lifetime: the result owns what it describes; the orchestrator created from it shares the
/// providers, strategy and rule.
/// Errors: kNotFound when the file is missing or unreadable (the message names the path);
/// kInvalidArgument for everything else, the message always
/// `<file>: <JSON path, e.g. $.models[2].price.input_per_mtok>: expected <what>, got <what>`
/// (an unknown key names itself and lists the allowed ones; a provider whose key variable is unset
/// while `require_keys` is true names the variable, never a key). No exception escapes.
#ifndef PRSM_CONFIG_H_
#define PRSM_CONFIG_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/model.h"
#include "prsm/orchestrator.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm {

/// How a configuration is loaded.
struct ConfigLoadOptions {
  /// Looks up environment variables (API keys, base URLs); default: std::getenv.
  std::function<std::optional<std::string>(std::string_view name)> getenv;
  /// When false, a provider whose key variable is unset still loads (its requests will fail
  /// kUnauthenticated); `prsm models` and `prsm check` use this to report instead of refusing.
  bool require_keys = true;
};

/// What a configuration file says about one provider (for reports such as `prsm check`).
/// Never holds a key.
struct ProviderInfo {
  std::string id;           ///< The key under "providers".
  std::string kind;         ///< "openai", "openai-compatible", "azure-openai", "anthropic", ...
  std::string base_url;     ///< As resolved (file, then its base-URL variable); may be empty
                            ///< when the factory's default applies.
  std::string api_key_env;  ///< The variable the key is read from; empty for none.
  bool has_key = false;     ///< Whether that variable was set (non-empty).
};

/// What a configuration file describes, ready to build an orchestrator from.
struct OrchestratorConfig {
  std::string source;           ///< The file name (or the name given to ParseConfig).
  OrchestratorOptions options;  ///< Everything the file sets; host callbacks left empty.
  /// The providers the file describes, created, in the file's order.
  std::vector<std::shared_ptr<const Provider>> providers;
  std::vector<ProviderInfo> provider_info;  ///< Same order as `providers`.
  /// The models, in the file's order (the host's preference order).
  std::vector<ModelSpec> models;
};

/// Reads and parses the file at `path` (see ParseConfig). Errors: kNotFound for a file that is
/// missing or unreadable (naming `path`); then as ParseConfig, with `path` as the source name.
PRSM_EXPORT Result<OrchestratorConfig> LoadConfigFile(const std::string& path,
                                                      const ConfigLoadOptions& options = {});

/// Parses the configuration text `json`; `source_name` names it in error messages. Resolves
/// environment variables through `options.getenv` and creates the providers. Errors:
/// kInvalidArgument "<source_name>: <JSON path>: expected <what>, got <what>" (see the file
/// comment), including a missing key variable when `options.require_keys`.
PRSM_EXPORT Result<OrchestratorConfig> ParseConfig(std::string_view json,
                                                   std::string_view source_name,
                                                   const ConfigLoadOptions& options = {});

}  // namespace prsm

#endif  // PRSM_CONFIG_H_
