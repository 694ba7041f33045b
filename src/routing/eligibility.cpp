// The hard limits of a query's context, applied once for every weighing strategy, and the
// helpers their explanations share.
#include "routing/eligibility.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace prsm::routing {

LatencyEstimate ExpectedLatency(const ModelSpec& model,
                                const std::map<std::string, ModelStats>& stats) {
  auto it = stats.find(model.name);
  if (it != stats.end() && it->second.successes > 0 && it->second.latency_ewma_ms > 0.0) {
    return {it->second.latency_ewma_ms, true};
  }
  return {static_cast<double>(model.typical_latency.count()), false};
}

std::string FormatUsd(double usd) {
  if (!(usd > 0.0) || !std::isfinite(usd)) return "$0";
  const int digits = std::clamp(1 - static_cast<int>(std::floor(std::log10(usd))), 2, 10);
  std::string text = fmt::format("{:.{}f}", usd, digits);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return "$" + text;
}

std::string JoinNames(const std::vector<std::string>& names, std::string_view separator) {
  std::string out;
  for (const std::string& name : names) {
    if (!out.empty()) out += separator;
    out += name;
  }
  return out;
}

Result<Eligibility> FilterEligible(const Query& query, const RoutingContext& context,
                                   double default_floor, const QualityEstimate& quality) {
  const QueryContext& limits = query.context;
  Eligibility result;
  result.floor = std::clamp(limits.min_quality.value_or(default_floor), 0.0, 1.0);
  std::vector<std::string> excluded;
  const std::vector<ModelSpec>& models = context.models.models();
  for (std::size_t i = 0; i < models.size(); ++i) {
    const ModelSpec& spec = models[i];
    // The orchestrator already narrows the catalog to QueryContext::models; checking again
    // keeps a strategy correct when it is called directly.
    if (!limits.models.empty() &&
        std::find(limits.models.begin(), limits.models.end(), spec.name) == limits.models.end()) {
      excluded.push_back(fmt::format("{}: not in the query's models", spec.name));
      continue;
    }
    const double cost = WorstCaseCostUsd(spec, query);
    if (limits.max_cost_usd && cost > *limits.max_cost_usd) {
      excluded.push_back(fmt::format("{}: worst-case cost {} > max_cost_usd {}", spec.name,
                                     FormatUsd(cost), FormatUsd(*limits.max_cost_usd)));
      continue;
    }
    const LatencyEstimate latency = ExpectedLatency(spec, context.stats);
    if (limits.timeout && latency.ms > static_cast<double>(limits.timeout->count())) {
      excluded.push_back(fmt::format("{}: {} latency {:.0f} ms > timeout {} ms", spec.name,
                                     latency.observed ? "observed" : "typical", latency.ms,
                                     limits.timeout->count()));
      continue;
    }
    EligibleModel model;
    model.spec = &spec;
    model.preference = i;
    model.quality = std::clamp(quality(spec), 0.0, 1.0);
    model.cost_usd = cost;
    model.latency_ms = latency.ms;
    model.latency_observed = latency.observed;
    model.meets_floor = model.quality >= result.floor;
    result.any_meets_floor = result.any_meets_floor || model.meets_floor;
    result.models.push_back(model);
  }
  if (result.models.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 fmt::format("no model is eligible for this query: {}", JoinNames(excluded, "; ")));
  }
  return result;
}

void ApplyQualityGap(Eligibility& eligibility, double max_gap) {
  if (eligibility.models.empty() || max_gap >= 1.0) return;
  const double gap = std::isnan(max_gap) ? 0.0 : std::max(max_gap, 0.0);
  double best = 0.0;
  for (const EligibleModel& model : eligibility.models) best = std::max(best, model.quality);
  const double relative_floor = best - gap;
  if (relative_floor <= eligibility.floor) return;
  eligibility.floor = relative_floor;
  eligibility.any_meets_floor = false;
  for (EligibleModel& model : eligibility.models) {
    model.meets_floor = model.quality >= relative_floor;
    eligibility.any_meets_floor = eligibility.any_meets_floor || model.meets_floor;
  }
}

PlanStage OneModelStage(std::string model, StageTrigger trigger) {
  PlanStage stage;
  stage.models.push_back(std::move(model));
  stage.trigger = trigger;
  return stage;
}

RoutePlan FallbackPlan(const std::vector<const EligibleModel*>& order, bool fallback,
                       std::string explanation) {
  RoutePlan plan;
  plan.explanation = std::move(explanation);
  for (std::size_t i = 0; i < order.size() && (i == 0 || fallback); ++i) {
    plan.stages.push_back(
        OneModelStage(order[i]->spec->name,
                      i == 0 ? StageTrigger::kOnFailureOrRejection : StageTrigger::kOnFailure));
  }
  if (fallback && order.size() > 1) {
    std::vector<std::string> rest;
    for (std::size_t i = 1; i < order.size(); ++i) rest.push_back(order[i]->spec->name);
    plan.explanation += "; on failure: " + JoinNames(rest, " -> ");
  }
  return plan;
}

}  // namespace prsm::routing
