/// \file
/// prsm/model.h — what prsm knows about each model: where it is served, what it costs, and how
/// good and fast it is expected to be.
///
/// A `ModelSpec` binds a name the host uses ("fast", "gpt-4o-mini") to a registered provider and
/// the vendor's model id, with list prices that turn reported `Usage` into dollars. A
/// `ModelCatalog` is an ordered set of specs; routing strategies read it to choose.
///
/// Thread safety: value types. A catalog handed to a routing strategy is an immutable snapshot.
#ifndef PRSM_MODEL_H_
#define PRSM_MODEL_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// List prices in USD per million tokens.
struct Pricing {
  double input_per_mtok = 0.0;   ///< Price of a million input (prompt) tokens.
  double output_per_mtok = 0.0;  ///< Price of a million output tokens (reasoning tokens too).
  /// Price of input tokens read from the vendor's prompt cache; unset = `input_per_mtok`.
  std::optional<double> cached_input_per_mtok;
  /// Price of input tokens written to the prompt cache; unset = `input_per_mtok`.
  std::optional<double> cache_write_per_mtok;
};

/// What a model can do, as far as routing needs to know.
struct ModelCapabilities {
  bool tools = true;        ///< Accepts tool (function) definitions and calls tools.
  bool json_schema = true;  ///< Accepts a JSON-schema response format (structured output).
  bool logprobs = false;    ///< Returns token log-probabilities when asked.
  bool streaming = true;    ///< Can stream its answer.
};

/// One model the orchestrator may ask.
struct ModelSpec {
  std::string name;                    ///< The name hosts and routing use; unique in a catalog.
  std::string provider;                ///< Id of the registered provider that serves it.
  std::string provider_model;          ///< The vendor's model id on the wire; empty = `name`.
  Pricing price;                       ///< List prices; what its attempts are charged.
  std::int64_t context_window = 0;     ///< In tokens; 0 = unknown.
  std::int64_t max_output_tokens = 0;  ///< In tokens; 0 = unknown.
  ModelCapabilities capabilities;      ///< What it supports.
  /// Prior expected quality in [0, 1] over all domains, used until outcomes teach better.
  double quality = 0.5;
  /// Prior expected quality per domain ("code", "math", "finance", ...), overriding `quality`.
  std::map<std::string, double> domain_quality;
  /// Prior typical latency of a whole answer; 0 = unknown.
  std::chrono::milliseconds typical_latency{0};
  /// This model's retry policy and rate limits (see prsm/resilience.h).
  ModelResilience resilience;

  /// The wire id: `provider_model` if set, else `name`.
  const std::string& wire_model() const noexcept {
    return provider_model.empty() ? name : provider_model;
  }
  /// Cost in USD of `usage` at this model's prices, with cached and cache-write input priced
  /// at their own rates and reasoning tokens priced as output (how every vendor bills them).
  PRSM_EXPORT double CostUsd(const Usage& usage) const noexcept;
  /// Checks names, prices and quality priors. Errors: kInvalidArgument naming the field.
  PRSM_EXPORT Result<void> Validate() const;
};

/// An ordered set of `ModelSpec`s with unique names. Order is registration order, which the
/// simple routing strategies use as the host's preference order.
class PRSM_EXPORT ModelCatalog {
 public:
  /// Adds `spec` after validating it. Errors: kInvalidArgument (see `ModelSpec::Validate`),
  /// kAlreadyExists when the name is taken.
  Result<void> Add(ModelSpec spec);
  /// Adds or replaces the spec of that name. Errors: kInvalidArgument.
  Result<void> Upsert(ModelSpec spec);
  /// The spec of that name, or nullptr. The pointer is valid until the catalog is modified.
  const ModelSpec* Find(std::string_view name) const noexcept;
  /// Every spec, in registration order.
  const std::vector<ModelSpec>& models() const noexcept { return models_; }
  /// How many specs there are.
  std::size_t size() const noexcept { return models_.size(); }
  /// True when there is none.
  bool empty() const noexcept { return models_.empty(); }

  /// A table of well-known models of OpenAI, Anthropic and Google with their list prices per
  /// million input, cached-input, cache-write and output tokens, and context windows, as
  /// published on the date `BuiltInDate()` returns. Prices change: treat the table as a
  /// starting point and override what you pay (`Upsert`). Each spec's `provider` is the default
  /// id of its vendor's factory ("openai", "anthropic", "gemini"); register that provider, then
  /// `AddModel(*%ModelCatalog::BuiltIn().Find("gpt-4o-mini"))`.
  static ModelCatalog BuiltIn();
  /// The date the built-in prices were taken, "YYYY-MM-DD".
  static std::string_view BuiltInDate() noexcept;

 private:
  std::vector<ModelSpec> models_;
};

}  // namespace prsm

#endif  // PRSM_MODEL_H_
