// The seed's `routing_strategy='intelligent'`: the query analyser's complexity sets the quality
// bar, and the cheapest eligible model expected to reach it answers first. Expected quality is
// the model's prior for the query's domain corrected by Feedback() (a Beta posterior per model
// and domain, routing/quality_learner.h). Behind a cheaper first choice the strongest model
// waits as the next stage, taken when the cheap answer is rejected (and, with fallback, when it
// fails); the other eligible models follow as fallbacks.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "prsm/routing.h"
#include "routing/eligibility.h"
#include "routing/quality_learner.h"
#include "routing/state_json.h"

namespace prsm {

namespace {

using routing::EligibleModel;

constexpr std::string_view kStateFormat = "prsm-intelligent-routing";
constexpr std::int64_t kStateVersion = 1;
// Pseudo-observations of the prior: a handful of scores are enough to move it.
constexpr double kPriorStrength = 4.0;

class IntelligentRouting final : public RoutingStrategy {
 public:
  explicit IntelligentRouting(IntelligentOptions options)
      : options_(options), learner_(kPriorStrength) {}

  std::string_view name() const noexcept override { return "intelligent"; }

  Result<RoutePlan> Plan(const Query& query, const RoutingContext& context) override {
    const QueryFeatures& features = context.features;
    const double complexity = std::clamp(features.complexity, 0.0, 1.0);
    double bar = options_.base_quality_bar +
                 (options_.hard_quality_bar - options_.base_quality_bar) * complexity;
    bar = std::max(bar, query.context.min_quality.value_or(options_.base.min_quality));
    bar = std::clamp(bar, 0.0, 1.0);
    Query floored = query;
    floored.context.min_quality = bar;
    auto eligibility =
        routing::FilterEligible(floored, context, bar, [this, &features](const ModelSpec& spec) {
          return learner_.Posterior(spec, features, /*by_band=*/false).mean();
        });
    if (!eligibility) return eligibility.error();

    // Strongest: highest expected quality, the cheaper on ties.
    const EligibleModel* strongest = &eligibility->models.front();
    for (const EligibleModel& model : eligibility->models) {
      if (model.quality > strongest->quality ||
          (model.quality == strongest->quality && model.cost_usd < strongest->cost_usd)) {
        strongest = &model;
      }
    }
    // First choice: the cheapest reaching the bar; the strongest when none does.
    const EligibleModel* first = nullptr;
    for (const EligibleModel& model : eligibility->models) {
      if (!model.meets_floor) continue;
      if (first == nullptr || model.cost_usd < first->cost_usd ||
          (model.cost_usd == first->cost_usd && model.quality > first->quality)) {
        first = &model;
      }
    }
    std::string explanation;
    if (first != nullptr) {
      explanation = fmt::format(
          "complexity {:.2f} needs quality {:.2f} for domain {}; cheapest model expected to "
          "reach it: {} ({:.2f}, {} worst case)",
          complexity, bar, features.domain, first->spec->name, first->quality,
          routing::FormatUsd(first->cost_usd));
    } else {
      first = strongest;
      explanation = fmt::format(
          "complexity {:.2f} needs quality {:.2f} for domain {}; no eligible model is expected "
          "to reach it, so the strongest: {} ({:.2f}, {} worst case)",
          complexity, bar, features.domain, first->spec->name, first->quality,
          routing::FormatUsd(first->cost_usd));
    }

    RoutePlan plan;
    plan.stages.push_back(
        routing::OneModelStage(first->spec->name, StageTrigger::kOnFailureOrRejection));
    const bool escalate = options_.escalate_on_rejection && strongest != first;
    if (escalate) {
      // With fallback the strongest is also the first fallback: one stage covers both.
      plan.stages.push_back(routing::OneModelStage(
          strongest->spec->name, options_.base.fallback ? StageTrigger::kOnFailureOrRejection
                                                        : StageTrigger::kOnRejection));
      explanation += fmt::format("; if its answer is rejected: {} ({:.2f})", strongest->spec->name,
                                 strongest->quality);
    }
    if (options_.base.fallback) {
      // The rest, the models reaching the bar first (cheapest first), then the others (best
      // first).
      std::vector<const EligibleModel*> rest;
      for (const EligibleModel& model : eligibility->models) {
        if (&model != first && !(escalate && &model == strongest)) rest.push_back(&model);
      }
      std::stable_sort(rest.begin(), rest.end(),
                       [](const EligibleModel* a, const EligibleModel* b) {
                         if (a->meets_floor != b->meets_floor) return a->meets_floor;
                         if (a->meets_floor) return a->cost_usd < b->cost_usd;
                         return a->quality > b->quality;
                       });
      std::vector<std::string> names;
      for (const EligibleModel* model : rest) {
        plan.stages.push_back(routing::OneModelStage(model->spec->name, StageTrigger::kOnFailure));
        names.push_back(model->spec->name);
      }
      if (!names.empty()) explanation += "; on failure: " + routing::JoinNames(names, " -> ");
    }
    plan.explanation = std::move(explanation);
    return plan;
  }

  void Feedback(const Query& query, const Response& response, double score) override {
    learner_.RecordFeedback(query, response, score);
  }

  Result<std::string> SaveState() const override {
    return routing::WriteState(kStateFormat, kStateVersion, [this](json::Writer& writer) {
      writer.Key("cells");
      learner_.Write(writer);
    });
  }

  Result<void> LoadState(std::string_view state) override {
    json::Document doc;
    if (auto parsed = routing::ParseState(state, kStateFormat, kStateVersion, doc); !parsed) {
      return parsed.error();
    }
    auto learner = routing::QualityLearner::ReadCells(doc, kPriorStrength);
    if (!learner) return learner.error();
    learner_ = std::move(*learner);
    return {};
  }

 private:
  const IntelligentOptions options_;
  routing::QualityLearner learner_;
};

}  // namespace

std::unique_ptr<RoutingStrategy> MakeIntelligentRouting(IntelligentOptions options) {
  return std::make_unique<IntelligentRouting>(options);
}

}  // namespace prsm
