// The strategies that weigh quality, cost and latency from the models' priors: cost-optimized
// (the cheapest model expected to reach the quality floor), quality-focused (the best expected
// model, cost breaking ties) and balanced (a weighted score). All three apply the query's hard
// limits first (routing/eligibility.h) and rank only the models that reach the quality floor
// while one does; with none, the best expected models come first and the explanation says so.
#include <algorithm>

#include <fmt/format.h>

#include "prsm/routing.h"
#include "routing/eligibility.h"

namespace prsm {

namespace {

using routing::EligibleModel;
using routing::FormatUsd;

// The models a weighing strategy ranks: those reaching the floor, or all when none does.
std::vector<const EligibleModel*> Contenders(const routing::Eligibility& eligibility) {
  std::vector<const EligibleModel*> out;
  for (const EligibleModel& model : eligibility.models) {
    if (model.meets_floor || !eligibility.any_meets_floor) out.push_back(&model);
  }
  return out;
}

// Best expected quality first; cost, then the host's preference, break ties.
bool ByQuality(const EligibleModel* a, const EligibleModel* b) {
  if (a->quality != b->quality) return a->quality > b->quality;
  if (a->cost_usd != b->cost_usd) return a->cost_usd < b->cost_usd;
  return a->preference < b->preference;
}

// Cheapest first; quality, then the host's preference, break ties.
bool ByCost(const EligibleModel* a, const EligibleModel* b) {
  if (a->cost_usd != b->cost_usd) return a->cost_usd < b->cost_usd;
  if (a->quality != b->quality) return a->quality > b->quality;
  return a->preference < b->preference;
}

std::string Describe(const EligibleModel& model) {
  return fmt::format("{} ({:.2f}, {} worst case)", model.spec->name, model.quality,
                     FormatUsd(model.cost_usd));
}

class WeighingRouting : public RoutingStrategy {
 public:
  explicit WeighingRouting(WeighingOptions options) : options_(options) {}

  Result<RoutePlan> Plan(const Query& query, const RoutingContext& context) final {
    const QueryFeatures& features = context.features;
    auto eligibility = routing::FilterEligible(
        query, context, options_.min_quality,
        [&features](const ModelSpec& spec) { return PriorQuality(spec, features); });
    if (!eligibility) return eligibility.error();
    routing::ApplyQualityGap(*eligibility, options_.max_quality_gap);
    std::vector<const EligibleModel*> order = Contenders(*eligibility);
    std::string explanation = Rank(order, *eligibility, features);
    return routing::FallbackPlan(order, options_.fallback, std::move(explanation));
  }

 protected:
  // Sorts `order` best first and says why the first won.
  virtual std::string Rank(std::vector<const EligibleModel*>& order,
                           const routing::Eligibility& eligibility,
                           const QueryFeatures& features) const = 0;

  // When no model reaches the floor: the best expected first, and the explanation says so.
  static std::string RankBelowFloor(std::vector<const EligibleModel*>& order,
                                    const routing::Eligibility& eligibility,
                                    const QueryFeatures& features) {
    std::stable_sort(order.begin(), order.end(), ByQuality);
    return fmt::format(
        "no eligible model is expected to reach quality {:.2f} for domain {}; the best "
        "expected: {}",
        eligibility.floor, features.domain, Describe(*order.front()));
  }

 private:
  const WeighingOptions options_;
};

class CostOptimizedRouting final : public WeighingRouting {
 public:
  using WeighingRouting::WeighingRouting;
  std::string_view name() const noexcept override { return "cost-optimized"; }

 protected:
  std::string Rank(std::vector<const EligibleModel*>& order,
                   const routing::Eligibility& eligibility,
                   const QueryFeatures& features) const override {
    if (!eligibility.any_meets_floor) return RankBelowFloor(order, eligibility, features);
    std::stable_sort(order.begin(), order.end(), ByCost);
    return fmt::format("cheapest model expected to reach quality {:.2f} for domain {}: {}",
                       eligibility.floor, features.domain, Describe(*order.front()));
  }
};

class QualityFocusedRouting final : public WeighingRouting {
 public:
  using WeighingRouting::WeighingRouting;
  std::string_view name() const noexcept override { return "quality-focused"; }

 protected:
  std::string Rank(std::vector<const EligibleModel*>& order,
                   const routing::Eligibility& eligibility,
                   const QueryFeatures& features) const override {
    if (!eligibility.any_meets_floor) return RankBelowFloor(order, eligibility, features);
    std::stable_sort(order.begin(), order.end(), ByQuality);
    return fmt::format("highest expected quality for domain {}: {}", features.domain,
                       Describe(*order.front()));
  }
};

class BalancedRouting final : public WeighingRouting {
 public:
  explicit BalancedRouting(BalancedOptions options)
      : WeighingRouting(options.base), options_(options) {}
  std::string_view name() const noexcept override { return "balanced"; }

 protected:
  std::string Rank(std::vector<const EligibleModel*>& order,
                   const routing::Eligibility& eligibility,
                   const QueryFeatures& features) const override {
    double dearest = 0.0;
    double slowest = 0.0;
    double known_latency_sum = 0.0;
    std::size_t known_latency = 0;
    for (const EligibleModel* model : order) {
      dearest = std::max(dearest, model->cost_usd);
      slowest = std::max(slowest, model->latency_ms);
      if (model->latency_ms > 0.0) {
        known_latency_sum += model->latency_ms;
        ++known_latency;
      }
    }
    // A model of unknown latency is taken to be as fast as the known ones on average, so that
    // not knowing is neither a bonus nor a penalty.
    const double typical_latency =
        known_latency == 0 ? 0.0 : known_latency_sum / static_cast<double>(known_latency);
    std::map<const EligibleModel*, double> scores;
    for (const EligibleModel* model : order) {
      const double latency = model->latency_ms > 0.0 ? model->latency_ms : typical_latency;
      const double cost_term = dearest > 0.0 ? model->cost_usd / dearest : 0.0;
      const double latency_term = slowest > 0.0 ? latency / slowest : 0.0;
      scores[model] = options_.quality_weight * model->quality - options_.cost_weight * cost_term -
                      options_.latency_weight * latency_term;
    }
    std::stable_sort(order.begin(), order.end(),
                     [&scores](const EligibleModel* a, const EligibleModel* b) {
                       if (scores[a] != scores[b]) return scores[a] > scores[b];
                       return a->preference < b->preference;
                     });
    const EligibleModel& best = *order.front();
    std::string floor_note =
        eligibility.any_meets_floor
            ? fmt::format("among models expected to reach quality {:.2f}", eligibility.floor)
            : fmt::format("no model is expected to reach quality {:.2f}; among all",
                          eligibility.floor);
    return fmt::format(
        "best balance of quality, cost and latency for domain {} ({}): {} (score {:.3f} = "
        "{:g} x quality {:.2f} - {:g} x cost {} - {:g} x latency {:.0f} ms)",
        features.domain, floor_note, best.spec->name, scores[&best], options_.quality_weight,
        best.quality, options_.cost_weight, FormatUsd(best.cost_usd), options_.latency_weight,
        best.latency_ms);
  }

 private:
  const BalancedOptions options_;
};

}  // namespace

std::unique_ptr<RoutingStrategy> MakeCostOptimizedRouting(WeighingOptions options) {
  return std::make_unique<CostOptimizedRouting>(options);
}

std::unique_ptr<RoutingStrategy> MakeQualityFocusedRouting(WeighingOptions options) {
  return std::make_unique<QualityFocusedRouting>(options);
}

std::unique_ptr<RoutingStrategy> MakeBalancedRouting(BalancedOptions options) {
  return std::make_unique<BalancedRouting>(options);
}

}  // namespace prsm
