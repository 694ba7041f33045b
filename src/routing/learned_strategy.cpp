// The learned (adaptive) strategy: per model, domain and complexity band, a Beta posterior of
// the score Feedback() reports, seeded by the prior (routing/quality_learner.h); per model, the
// latency Observe() sees. Each plan draws one Thompson sample per eligible model, shrunk towards
// the posterior mean by `exploration` (0 = the mean itself: greedy), subtracts the latency
// penalty, and asks the cheapest model whose value reaches the quality bar (the best value
// when none does). The random numbers come from one seeded engine whose state is saved with
// what was learned, so a run is reproducible and a reload continues it exactly.
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include "prsm/routing.h"
#include "routing/eligibility.h"
#include "routing/quality_learner.h"
#include "routing/state_json.h"

namespace prsm {

namespace {

using routing::EligibleModel;

constexpr std::string_view kStateFormat = "prsm-learned-routing";
constexpr std::int64_t kStateVersion = 1;
// Weight of the newest latency in the moving average.
constexpr double kLatencyAlpha = 0.2;

struct LatencyStats {
  double ewma_ms = 0.0;
  double n = 0.0;
};

double SampleBeta(std::mt19937_64& engine, double alpha, double beta) {
  std::gamma_distribution<double> gx(alpha, 1.0);
  std::gamma_distribution<double> gy(beta, 1.0);
  const double x = gx(engine);
  const double y = gy(engine);
  return x + y > 0.0 ? x / (x + y) : 0.5;
}

class LearnedRouting final : public RoutingStrategy {
 public:
  explicit LearnedRouting(LearnedOptions options)
      : options_(Sanitized(options)), learner_(options_.prior_strength), engine_(options_.seed) {}

  std::string_view name() const noexcept override { return "learned"; }

  Result<RoutePlan> Plan(const Query& query, const RoutingContext& context) override {
    const QueryFeatures& features = context.features;
    const double bar =
        std::clamp(std::max(options_.quality_bar,
                            query.context.min_quality.value_or(options_.base.min_quality)),
                   0.0, 1.0);
    // Hard limits only: the bar is applied to the sampled values below.
    auto eligibility =
        routing::FilterEligible(query, context, 0.0, [this, &features](const ModelSpec& spec) {
          return learner_.Posterior(spec, features, /*by_band=*/true).mean();
        });
    if (!eligibility) return eligibility.error();

    struct Scored {
      const EligibleModel* model;
      double sampled;  // Thompson value of its quality
      double latency_ms;
      double value;  // sampled minus the latency penalty
    };
    std::vector<Scored> scored;
    double slowest = 0.0;
    for (const EligibleModel& model : eligibility->models) {
      const routing::BetaPosterior posterior =
          learner_.Posterior(*model.spec, features, /*by_band=*/true);
      const double mean = posterior.mean();
      double sampled = mean;
      if (options_.exploration > 0.0) {
        const double draw = SampleBeta(engine_, posterior.alpha, posterior.beta);
        sampled = std::clamp(mean + options_.exploration * (draw - mean), 0.0, 1.0);
      }
      const double latency = LatencyMs(model);
      slowest = std::max(slowest, latency);
      scored.push_back({&model, sampled, latency, sampled});
    }
    if (options_.latency_weight > 0.0 && slowest > 0.0) {
      for (Scored& s : scored) s.value -= options_.latency_weight * (s.latency_ms / slowest);
    }
    // Those reaching the bar, cheapest first; then the others, best value first.
    std::stable_sort(scored.begin(), scored.end(), [bar](const Scored& a, const Scored& b) {
      const bool a_ok = a.value >= bar;
      const bool b_ok = b.value >= bar;
      if (a_ok != b_ok) return a_ok;
      if (a_ok && a.model->cost_usd != b.model->cost_usd) {
        return a.model->cost_usd < b.model->cost_usd;
      }
      if (a.value != b.value) return a.value > b.value;
      return a.model->preference < b.model->preference;
    });
    const Scored& best = scored.front();
    std::string explanation = fmt::format(
        "{} for domain {}, complexity band {}: {} (posterior mean {:.2f}, sampled {:.2f}{}, {} "
        "worst case)",
        best.value >= bar ? fmt::format("cheapest model whose sampled quality reaches {:.2f}", bar)
                          : fmt::format("no model's sampled quality reaches {:.2f}; the best", bar),
        features.domain, routing::ComplexityBand(features.complexity), best.model->spec->name,
        best.model->quality, best.sampled,
        options_.latency_weight > 0.0 && best.latency_ms > 0.0
            ? fmt::format(", latency {:.0f} ms", best.latency_ms)
            : std::string(),
        routing::FormatUsd(best.model->cost_usd));
    std::vector<const EligibleModel*> order;
    order.reserve(scored.size());
    for (const Scored& s : scored) order.push_back(s.model);
    return routing::FallbackPlan(order, options_.base.fallback, std::move(explanation));
  }

  void Observe(const Query& /*query*/, const Result<Response>& outcome) override {
    if (!outcome) return;
    for (const Attempt& attempt : outcome->attempts) {
      if (attempt.outcome != Attempt::Outcome::kSucceeded || attempt.model.empty()) continue;
      const double ms = static_cast<double>(attempt.latency.count()) / 1000.0;
      if (!(ms > 0.0)) continue;
      LatencyStats& stats = latency_[attempt.model];
      stats.ewma_ms = stats.n == 0.0 ? ms : stats.ewma_ms + kLatencyAlpha * (ms - stats.ewma_ms);
      stats.n += 1.0;
    }
  }

  void Feedback(const Query& query, const Response& response, double score) override {
    learner_.RecordFeedback(query, response, score);
  }

  Result<std::string> SaveState() const override {
    return routing::WriteState(kStateFormat, kStateVersion, [this](json::Writer& writer) {
      writer.Key("cells");
      learner_.Write(writer);
      writer.Key("latency");
      writer.StartArray();
      for (const auto& [model, stats] : latency_) {
        writer.StartObject();
        routing::WriteStringMember(writer, "model", model);
        writer.Key("ewma_ms");
        writer.Double(stats.ewma_ms);
        writer.Key("n");
        writer.Double(stats.n);
        writer.EndObject();
      }
      writer.EndArray();
      std::ostringstream engine_state;
      engine_state << engine_;
      routing::WriteStringMember(writer, "rng", engine_state.str());
    });
  }

  // All or nothing: everything is read into locals first and assigned only when all is valid.
  Result<void> LoadState(std::string_view state) override {
    json::Document doc;
    if (auto parsed = routing::ParseState(state, kStateFormat, kStateVersion, doc); !parsed) {
      return parsed.error();
    }
    const json::Path root("state");
    auto learner = routing::QualityLearner::ReadCells(doc, options_.prior_strength);
    if (!learner) return learner.error();

    const json::Path latency_path = root.Member("latency");
    auto latency_array = json::RequiredArray(doc, "latency", root);
    if (!latency_array) return routing::StateError(latency_array.error());
    std::map<std::string, LatencyStats> latency;
    constexpr double kMax = std::numeric_limits<double>::max();
    for (json::rapidjson::SizeType i = 0; i < (*latency_array)->Size(); ++i) {
      const json::Path at = latency_path.Index(i);
      const json::Value& entry = (**latency_array)[i];
      if (!entry.IsObject()) return routing::StateError(json::TypeError(at, "object", entry));
      auto model = json::RequiredString(entry, "model", at);
      if (!model) return routing::StateError(model.error());
      auto ewma = routing::RequiredNumberIn(entry, "ewma_ms", at, 0.0, kMax);
      if (!ewma) return ewma.error();
      auto n = routing::RequiredNumberIn(entry, "n", at, 0.0, kMax);
      if (!n) return n.error();
      if (model->empty() || !latency.emplace(std::string(*model), LatencyStats{*ewma, *n}).second) {
        return Error(
            ErrorCode::kInvalidArgument,
            fmt::format("invalid state: {} has an empty or repeated model", at.ToString()));
      }
    }

    auto rng = json::RequiredString(doc, "rng", root);
    if (!rng) return routing::StateError(rng.error());
    std::mt19937_64 engine;
    std::istringstream engine_state{std::string(*rng)};
    engine_state >> engine;
    if (engine_state.fail() || !(engine_state >> std::ws).eof()) {
      return Error(ErrorCode::kInvalidArgument,
                   "invalid state: state.rng is not a random engine's state");
    }

    learner_ = std::move(*learner);
    latency_ = std::move(latency);
    engine_ = engine;
    return {};
  }

 private:
  static LearnedOptions Sanitized(LearnedOptions options) {
    auto finite_or = [](double value, double fallback) {
      return std::isfinite(value) ? value : fallback;
    };
    options.quality_bar = std::clamp(finite_or(options.quality_bar, 0.8), 0.0, 1.0);
    options.exploration = std::max(0.0, finite_or(options.exploration, 1.0));
    options.latency_weight = std::max(0.0, finite_or(options.latency_weight, 0.0));
    options.prior_strength = std::max(0.0, finite_or(options.prior_strength, 4.0));
    return options;
  }

  // What this strategy observed, else what the orchestrator observed, else the prior.
  double LatencyMs(const EligibleModel& model) const {
    auto it = latency_.find(model.spec->name);
    if (it != latency_.end() && it->second.n > 0.0) return it->second.ewma_ms;
    return model.latency_ms;
  }

  const LearnedOptions options_;
  routing::QualityLearner learner_;
  std::map<std::string, LatencyStats> latency_;
  std::mt19937_64 engine_;
};

}  // namespace

std::unique_ptr<RoutingStrategy> MakeLearnedRouting(LearnedOptions options) {
  return std::make_unique<LearnedRouting>(options);
}

}  // namespace prsm
