// prsm/routing.h — deciding which models to ask, in which order, under which acceptance test.
//
// A `RoutingStrategy` turns a `Query` into a `RoutePlan`: a list of stages, each a set of
// attempts. The first stage always runs. A later stage runs only when the previous one ended
// without an accepted answer, and only if its `trigger` matches why: every attempt failed
// (a fallback), or answers came back but the consensus rule did not accept them (a cascade).
// Within a stage, attempts start together, or one `stagger` apart (a hedge: the next starts only
// while no answer has been accepted). One shape covers a single call, a fan-out with a vote,
// a fallback chain, a hedge and a cascade.
//
// Thread safety: the orchestrator calls `Plan()` and `Observe()` on its loop thread only, one
// call at a time, so a strategy used by one orchestrator needs no locking. Share one between
// orchestrators only if it locks itself. `Plan()` must be fast (microseconds) and must not block.
// Errors: `Plan()` returns kInvalidArgument/kNotFound/kFailedPrecondition for queries it cannot
// route; a throwing strategy fails the request with kInternal.
#ifndef PRSM_ROUTING_H_
#define PRSM_ROUTING_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/model.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// When a stage after the first runs.
enum class StageTrigger : std::uint8_t {
  kOnFailure,             ///< Only if no attempt of the previous stage succeeded (fallback).
  kOnRejection,           ///< Only if answers came back but were not accepted (cascade).
  kOnFailureOrRejection,  ///< In either case.
};

/// One stage of a plan.
struct PlanStage {
  /// Model names, one attempt each; a name listed twice is asked twice (two samples).
  std::vector<std::string> models;
  /// Ignored for the first stage.
  StageTrigger trigger = StageTrigger::kOnFailureOrRejection;
  /// 0: all attempts start at once. Otherwise attempt i starts i * stagger after the stage
  /// began, unless the stage was decided before (hedged requests).
  std::chrono::milliseconds stagger{0};
};

/// The strategy's answer: stages in order, and why.
struct RoutePlan {
  std::vector<PlanStage> stages;
  std::string explanation;
};

/// What the orchestrator has observed of one model, for strategies that adapt.
struct ModelStats {
  std::uint64_t attempts = 0;
  std::uint64_t successes = 0;
  std::uint64_t failures = 0;  ///< Cancelled attempts count as neither success nor failure.
  /// Exponentially weighted mean latency of successful attempts, in ms; 0 until one succeeds.
  double latency_ewma_ms = 0.0;
};

/// What a strategy may look at besides the query. References are valid during the call only.
struct RoutingContext {
  /// The models this query may use: registered, and allowed by `QueryContext::models`, in the
  /// host's preference order. Never empty (the orchestrator fails the query before).
  const ModelCatalog& models;
  /// Observed statistics by model name; a model without an entry has not been asked yet.
  const std::map<std::string, ModelStats>& stats;
};

/// The routing plug-in interface. See the file comment for the threading contract.
class PRSM_EXPORT RoutingStrategy {
 public:
  virtual ~RoutingStrategy();

  /// A short name for reports ("single", "fan-out", "intelligent").
  virtual std::string_view name() const noexcept = 0;

  /// Plans `query`. Every model named must be in `context.models`; an empty plan is an error.
  virtual Result<RoutePlan> Plan(const Query& query, const RoutingContext& context) = 0;

  /// Called after each request this strategy planned has finished, successful or not, with the
  /// response when there is one. For strategies that learn from outcomes; default: nothing.
  virtual void Observe(const Query& query, const Result<Response>& outcome);
};

/// Asks one model: the first of `QueryContext::models` if the query names some, else the first
/// registered. With `fallback`, the other eligible models follow as fallback stages, in order.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeSingleModelRouting(bool fallback = false);

/// Asks the first `n` eligible models at once (all of them when `n` is 0), in one stage. Pair it
/// with `MakeFirstSuccessRule()` for "first success wins" or with a voting rule.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeFanOutRouting(std::size_t n = 0);

}  // namespace prsm

#endif  // PRSM_ROUTING_H_
