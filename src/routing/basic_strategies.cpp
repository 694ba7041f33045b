// The simplest plans: ask one model (optionally falling back through the others), or fan out
// to several at once. RoutingContext::models is already in the host's preference order (the
// query's own list when it names models, registration order otherwise).
#include <fmt/format.h>

#include "prsm/routing.h"

namespace prsm {

RoutingStrategy::~RoutingStrategy() = default;

void RoutingStrategy::Observe(const Query& /*query*/, const Result<Response>& /*outcome*/) {}

void RoutingStrategy::Feedback(const Query& /*query*/, const Response& /*response*/,
                               double /*score*/) {}

Result<std::string> RoutingStrategy::SaveState() const {
  return Error(ErrorCode::kUnimplemented,
               fmt::format("routing strategy '{}' learns nothing to save", name()));
}

Result<void> RoutingStrategy::LoadState(std::string_view /*state*/) {
  return Error(ErrorCode::kUnimplemented,
               fmt::format("routing strategy '{}' has no state to load", name()));
}

namespace {

class SingleModelRouting final : public RoutingStrategy {
 public:
  explicit SingleModelRouting(bool fallback) : fallback_(fallback) {}

  std::string_view name() const noexcept override { return fallback_ ? "fallback" : "single"; }

  Result<RoutePlan> Plan(const Query& /*query*/, const RoutingContext& context) override {
    const std::vector<ModelSpec>& models = context.models.models();
    RoutePlan plan;
    plan.stages.push_back(
        {{models.front().name}, StageTrigger::kOnFailureOrRejection, {}, {}, {}, 0.5, {}});
    if (!fallback_ || models.size() == 1) {
      plan.explanation = fmt::format("ask the preferred model '{}'", models.front().name);
      return plan;
    }
    std::string order = models.front().name;
    for (std::size_t i = 1; i < models.size(); ++i) {
      plan.stages.push_back({{models[i].name}, StageTrigger::kOnFailure, {}, {}, {}, 0.5, {}});
      order += " -> " + models[i].name;
    }
    plan.explanation = fmt::format("ask the preferred model; on failure, the next: {}", order);
    return plan;
  }

 private:
  const bool fallback_;
};

class FanOutRouting final : public RoutingStrategy {
 public:
  explicit FanOutRouting(std::size_t count) : count_(count) {}

  std::string_view name() const noexcept override { return "fan-out"; }

  Result<RoutePlan> Plan(const Query& /*query*/, const RoutingContext& context) override {
    const std::vector<ModelSpec>& models = context.models.models();
    const std::size_t n = count_ == 0 ? models.size() : std::min(count_, models.size());
    PlanStage stage;
    std::string names;
    for (std::size_t i = 0; i < n; ++i) {
      stage.models.push_back(models[i].name);
      names += (i == 0 ? "" : ", ") + models[i].name;
    }
    RoutePlan plan;
    plan.stages.push_back(std::move(stage));
    plan.explanation = fmt::format("ask {} model(s) at once: {}", n, names);
    return plan;
  }

 private:
  const std::size_t count_;
};

}  // namespace

std::unique_ptr<RoutingStrategy> MakeSingleModelRouting(bool fallback) {
  return std::make_unique<SingleModelRouting>(fallback);
}

std::unique_ptr<RoutingStrategy> MakeFanOutRouting(std::size_t n) {
  return std::make_unique<FanOutRouting>(n);
}

}  // namespace prsm
