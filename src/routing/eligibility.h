// routing/eligibility.h — which models a query may use, for the strategies that weigh quality,
// cost and latency: the hard limits of QueryContext (models, max_cost_usd, timeout) exclude a
// model outright; the quality floor (min_quality) only ranks the models that reach it before
// the others (a model below it is not chosen while one above it exists).
//
// Thread safety: stateless functions. Errors: FilterEligible returns kFailedPrecondition naming
// why each model was excluded when none is left.
#ifndef PRSM_ROUTING_ELIGIBILITY_H_
#define PRSM_ROUTING_ELIGIBILITY_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "prsm/routing.h"

namespace prsm::routing {

/// One model that passed the hard limits, with what the strategies weigh.
struct EligibleModel {
  const ModelSpec* spec = nullptr;  ///< Points into RoutingContext::models (call-long life).
  std::size_t preference = 0;       ///< Its index in the host's preference order.
  double quality = 0.0;             ///< Expected quality on this query, in [0, 1].
  double cost_usd = 0.0;            ///< WorstCaseCostUsd.
  double latency_ms = 0.0;          ///< Expected latency; 0 = unknown.
  bool latency_observed = false;    ///< latency_ms is the observed EWMA, not the prior.
  bool meets_floor = false;         ///< quality >= the floor.
};

struct Eligibility {
  std::vector<EligibleModel> models;  ///< In preference order.
  double floor = 0.0;                 ///< The quality floor that applied.
  bool any_meets_floor = false;
};

/// The expected quality of `model` on the query being planned.
using QualityEstimate = std::function<double(const ModelSpec& model)>;

/// Expected latency of `model` in ms: the observed EWMA when it has succeeded (`observed`),
/// else its typical_latency; 0 when neither is known.
struct LatencyEstimate {
  double ms = 0.0;
  bool observed = false;
};
LatencyEstimate ExpectedLatency(const ModelSpec& model,
                                const std::map<std::string, ModelStats>& stats);

/// Applies the query's hard limits to `context.models`. `default_floor` applies when the query
/// sets no min_quality. Errors: kFailedPrecondition listing each model and why it was excluded
/// ("gpt-4o: worst-case cost $0.12 > max_cost_usd $0.05").
Result<Eligibility> FilterEligible(const Query& query, const RoutingContext& context,
                                   double default_floor, const QualityEstimate& quality);

/// Raises `eligibility`'s floor to (best eligible quality - `max_gap`) when that is higher,
/// and recomputes which models meet it (WeighingOptions::max_quality_gap). A negative or NaN
/// gap is treated as 0 (only the best expected models meet it); a gap >= 1 changes nothing.
void ApplyQualityGap(Eligibility& eligibility, double max_gap);

/// Dollars for explanations: two significant digits, no exponent ("$0.12", "$0.00021").
std::string FormatUsd(double usd);

/// "a -> b -> c" of the models' names.
std::string JoinNames(const std::vector<std::string>& names, std::string_view separator);

/// A stage asking `model` once, taken on `trigger`.
PlanStage OneModelStage(std::string model, StageTrigger trigger);

/// The plan: `order[0]` first, then, with `fallback`, the others as kOnFailure stages.
RoutePlan FallbackPlan(const std::vector<const EligibleModel*>& order, bool fallback,
                       std::string explanation);

}  // namespace prsm::routing

#endif  // PRSM_ROUTING_ELIGIBILITY_H_
