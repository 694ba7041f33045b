// config/sections.h — the readers of each section of a configuration file. ParseConfig
// (load_config.cpp) calls them in order: providers, models (which must name a provider), then
// the sections that may name models (routing, consensus) and the rest.
//
// Each reads its keys from the root object into `config` and returns the first error, already
// in the "<file>: <path>: expected ..., got ..." form (reader.h).
// Thread safety: as reader.h.
#ifndef PRSM_CONFIG_SECTIONS_H_
#define PRSM_CONFIG_SECTIONS_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/reader.h"
#include "prsm/config.h"
#include "prsm/consensus.h"
#include "prsm/resilience.h"
#include "prsm/routing.h"

namespace prsm::config {

/// "providers": creates each provider, resolving its environment variables.
Result<void> ReadProviders(const ObjectReader& root, OrchestratorConfig& config);
/// "models": the ModelSpecs, each naming a provider of config.provider_info.
Result<void> ReadModels(const ObjectReader& root, OrchestratorConfig& config);
/// "routing": config.options.routing.
Result<void> ReadRouting(const ObjectReader& root, OrchestratorConfig& config);
/// "consensus": config.options.consensus.
Result<void> ReadConsensus(const ObjectReader& root, OrchestratorConfig& config);
/// "retry", "retry_budget", "breaker", "hedge", "rate_limits".
Result<void> ReadResilience(const ObjectReader& root, OrchestratorConfig& config);
/// "limits", "network", "budget", "observability".
Result<void> ReadLimits(const ObjectReader& root, OrchestratorConfig& config);

// What "routing" and "consensus" say, before the factory is called (the factories' results are
// opaque; tests check these).

/// The strategy's name and its factory's options (only those of `strategy` are read).
struct RoutingChoice {
  std::string strategy;
  bool single_fallback = false;  ///< "single"
  std::size_t fan_out_n = 0;     ///< "fan-out"
  WeighingOptions weighing;      ///< "cost-optimized", "quality-focused"
  BalancedOptions balanced;
  IntelligentOptions intelligent;
  CascadeOptions cascade;
  LearnedOptions learned;
};
/// nullopt when the file has no "routing".
Result<std::optional<RoutingChoice>> ReadRoutingChoice(const ObjectReader& root,
                                                       const OrchestratorConfig& config);
std::shared_ptr<RoutingStrategy> MakeStrategy(const RoutingChoice& choice);

/// The rule's name and its factory's options (only those of `rule` are read).
struct ConsensusChoice {
  std::string rule;
  double min_confidence = 0.0;  ///< "confidence"
  VoteOptions vote;             ///< "majority"
  WeightedVoteOptions weighted;
  ExpertOptions expert;
};
/// nullopt when the file has no "consensus".
Result<std::optional<ConsensusChoice>> ReadConsensusChoice(const ObjectReader& root,
                                                           const OrchestratorConfig& config);
std::shared_ptr<const ConsensusRule> MakeRule(const ConsensusChoice& choice);

// Shared by several sections.

/// The keys of a RetryPolicy object.
extern const std::vector<std::string_view> kRetryKeys;
Result<void> ReadRetryPolicy(const ObjectReader& object, RetryPolicy& policy);
/// The keys of a RateLimit object ("rpm"/"requests_per_minute", "tpm"/"tokens_per_minute",
/// "on_limit").
extern const std::vector<std::string_view> kRateLimitKeys;
Result<void> ReadRateLimit(const ObjectReader& object, RateLimit& limit);
/// The keys of VoteOptions, read from the object itself (flattened): answer, threshold,
/// min_agreeing, decide_early.
extern const std::vector<std::string_view> kVoteKeys;
Result<void> ReadVoteOptions(const ObjectReader& object, VoteOptions& vote);

/// kInvalidArgument unless `name` is one of config.models, naming `path`.
Result<void> CheckModelName(const LoadContext& context, const OrchestratorConfig& config,
                            const std::string& path, const std::string& name);
/// CheckModelName for each of `names`, the array at `object`'s member `key`.
Result<void> CheckModelNames(const ObjectReader& object, std::string_view key,
                             const OrchestratorConfig& config,
                             const std::vector<std::string>& names);

/// `a` + `b`, for building key lists.
std::vector<std::string_view> Concat(std::vector<std::string_view> a,
                                     const std::vector<std::string_view>& b);

}  // namespace prsm::config

#endif  // PRSM_CONFIG_SECTIONS_H_
