// The table of systems under test; see systems.h. Each entry says how to build the system from
// the dataset's calibration, in the words a host would use with prsm's public API.
#include "systems.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <utility>

#include <fmt/format.h>

#include "ensemble.h"

namespace prsm_eval {
namespace {

// The operating points swept for the curves (RouteLLM's CPT/APGR need one per router): a
// quality bar or target, coarse below 0.5 where every router already picks the cheapest model,
// every 0.025 above.
std::vector<double> OperatingGrid() {
  std::vector<double> grid;
  for (int i = 0; i < 5; ++i) grid.push_back(i / 10.0);
  for (int i = 0; i <= 20; ++i) grid.push_back(0.5 + i / 40.0);
  return grid;
}

// A negative default point means: 95% of the best model's mean train score (the issue's
// "keep 95% of the best single model" operating point).
constexpr double kAutoBar = -1.0;

double Bar(const EvalEnv& env, double point) {
  return point >= 0.0 ? point : 0.95 * env.train_score[static_cast<std::size_t>(env.best)];
}

// Half the train split, at most prsm's default (40): a cascade's acceptance test waits for
// this many labels before it accepts a cheap answer, so on a small train split it calibrates on
// the first half and applies its threshold on the second, instead of never accepting.
std::size_t CalibrationLabels(const EvalEnv& env) {
  std::size_t train = 0;
  for (const Record& record : env.dataset->records) train += record.test ? 0 : 1;
  return std::clamp<std::size_t>(train / 2, 1, prsm::CascadeOptions{}.min_calibration_labels);
}

// The quality gaps at which cost-optimized routing with `max_quality_gap` changes its mind on
// this dataset: a model m is admitted for domain d once the gap reaches best(d) - q(m, d), so
// one point below the smallest such difference, one between each two consecutive ones and one
// above the largest enumerate every distinct routing policy the priors allow (train only).
std::vector<double> GapPoints(const EvalEnv& env) {
  std::set<std::string> domains;
  for (const prsm::ModelSpec& spec : env.specs) {
    for (const auto& [domain, quality] : spec.domain_quality) domains.insert(domain);
  }
  std::vector<double> gaps;
  auto add_gaps = [&](auto quality_of) {
    double best = 0.0;
    for (const prsm::ModelSpec& spec : env.specs) best = std::max(best, quality_of(spec));
    for (const prsm::ModelSpec& spec : env.specs) {
      const double gap = best - quality_of(spec);
      if (gap > 0.0) gaps.push_back(gap);
    }
  };
  add_gaps([](const prsm::ModelSpec& spec) { return spec.quality; });
  for (const std::string& domain : domains) {
    add_gaps([&domain](const prsm::ModelSpec& spec) {
      auto it = spec.domain_quality.find(domain);
      return it != spec.domain_quality.end() ? it->second : spec.quality;
    });
  }
  std::sort(gaps.begin(), gaps.end());
  gaps.erase(std::unique(gaps.begin(), gaps.end(),
                         [](double a, double b) { return std::abs(a - b) < 1e-9; }),
             gaps.end());
  std::vector<double> points;
  if (gaps.empty()) return points;
  points.push_back(gaps.front() / 2.0);
  for (std::size_t i = 1; i < gaps.size(); ++i) points.push_back((gaps[i - 1] + gaps[i]) / 2.0);
  points.push_back(std::min(1.0, gaps.back() + 0.01));
  return points;
}

std::vector<std::string> Names(const EvalEnv& env, const std::vector<int>& models) {
  std::vector<std::string> names;
  for (int m : models) names.push_back(env.name(m));
  return names;
}

prsm::VoteOptions Vote(const EvalEnv& env, double threshold, std::size_t min_agreeing) {
  prsm::VoteOptions vote;
  vote.answer = env.format;
  vote.threshold = threshold;
  vote.min_agreeing = min_agreeing;
  vote.decide_early = true;
  return vote;
}

class RandomRouting final : public prsm::RoutingStrategy {
 public:
  explicit RandomRouting(std::uint64_t seed) : random_(seed) {}
  std::string_view name() const noexcept override { return "random"; }
  prsm::Result<prsm::RoutePlan> Plan(const prsm::Query& /*query*/,
                                     const prsm::RoutingContext& context) override {
    const auto& models = context.models.models();
    std::uniform_int_distribution<std::size_t> pick(0, models.size() - 1);
    prsm::RoutePlan plan;
    prsm::PlanStage stage;
    stage.models = {models[pick(random_)].name};
    plan.stages.push_back(std::move(stage));
    plan.explanation = "a uniformly random model";
    return plan;
  }

 private:
  std::mt19937_64 random_;
};

class AgreementCascade final : public prsm::RoutingStrategy {
 public:
  AgreementCascade(std::vector<std::string> cheap, std::string strong, prsm::AnswerFormat format,
                   std::size_t min_agreeing)
      : cheap_(std::move(cheap)), strong_(std::move(strong)) {
    prsm::VoteOptions vote;
    vote.answer = format;
    vote.threshold = 0.5;
    vote.min_agreeing = min_agreeing;
    vote.decide_early = true;
    agree_ = prsm::MakeMajorityVoteRule(vote);
    accept_ = prsm::MakeFirstSuccessRule();
  }
  std::string_view name() const noexcept override { return "agreement-cascade"; }
  prsm::Result<prsm::RoutePlan> Plan(const prsm::Query& /*query*/,
                                     const prsm::RoutingContext& /*context*/) override {
    prsm::RoutePlan plan;
    prsm::PlanStage cheap;
    cheap.models = cheap_;
    cheap.rule = agree_;
    prsm::PlanStage strong;
    strong.models = {strong_};
    strong.trigger = prsm::StageTrigger::kOnFailureOrRejection;
    strong.rule = accept_;
    plan.stages.push_back(std::move(cheap));
    plan.stages.push_back(std::move(strong));
    plan.explanation = fmt::format("cheap models must agree, else {}", strong_);
    return plan;
  }

 private:
  std::vector<std::string> cheap_;
  std::string strong_;
  std::shared_ptr<const prsm::ConsensusRule> agree_;
  std::shared_ptr<const prsm::ConsensusRule> accept_;
};

std::optional<Setup> Plain(std::shared_ptr<prsm::RoutingStrategy> routing) {
  if (!routing) return std::nullopt;
  return Setup{std::move(routing), nullptr, {}};
}

std::optional<Setup> FanOutVote(const EvalEnv& env, std::size_t k, bool weighted) {
  if (env.specs.size() < 3) return std::nullopt;
  auto chosen = ChooseVoters(env, k, weighted ? EnsembleRule::kWeighted : EnsembleRule::kMajority);
  if (!chosen) return std::nullopt;
  std::shared_ptr<const prsm::ConsensusRule> rule;
  if (weighted) {
    // Plurality by weight: the heaviest answer wins (ties between equal weights still fail),
    // so a three-way split is decided by the models' priors instead of failing the query.
    prsm::WeightedVoteOptions options;
    options.vote = Vote(env, 0.01, 1);
    rule = prsm::MakeWeightedConfidenceRule(options);
  } else {
    rule = prsm::MakeMajorityVoteRule(Vote(env, 0.5, 1));
  }
  if (!rule) return std::nullopt;
  return Setup{prsm::MakeFanOutRouting(0), std::move(rule), Names(env, chosen->models)};
}

std::optional<Setup> Cascade(const EvalEnv& env, std::size_t cheap_models, double point) {
  // The cheapest good-value models first, then the best model.
  std::vector<int> cheap;
  for (int m : env.by_value) {
    if (m != env.best && cheap.size() < cheap_models) cheap.push_back(m);
  }
  if (cheap.size() < cheap_models) return std::nullopt;
  if (cheap_models > 1) {
    if (env.specs.size() < 3) return std::nullopt;
    auto chosen = ChooseAgreementCascade(env, cheap_models);
    if (!chosen) return std::nullopt;
    const int final_model = chosen->models.back();
    chosen->models.pop_back();
    return Setup{MakeAgreementCascade(Names(env, chosen->models), env.name(final_model), env.format,
                                      cheap_models),
                 nullptr,
                 {}};
  }
  if (cheap_models == 1) {
    prsm::CascadeOptions options;
    options.models = {env.name(cheap.front()), env.name(env.best)};
    options.samples = 1;
    options.accept = Vote(env, 0.5, 1);
    options.target_quality = Bar(env, point);
    options.min_calibration_labels = CalibrationLabels(env);
    return Plain(prsm::MakeCascadeRouting(options));
  }
  return Setup{
      MakeAgreementCascade(Names(env, cheap), env.name(env.best), env.format, cheap_models),
      nullptr,
      {}};
}

// Three stages, each but the last with its own learned acceptance test: the cascade's cheap
// model, the middle model ChooseMiddleStage picks on train, then the best model. The cheap
// model's test escalates the queries it does not trust to a model that answers most of them
// well at a fraction of the best's price; only what the middle test rejects reaches the best.
std::optional<Setup> Cascade3(const EvalEnv& env, double point) {
  if (env.specs.size() < 3) return std::nullopt;
  std::optional<int> cheap;
  for (int m : env.by_value) {
    if (m != env.best) {
      cheap = m;
      break;
    }
  }
  if (!cheap) return std::nullopt;
  const std::optional<int> middle = ChooseMiddleStage(env, *cheap);
  if (!middle) return std::nullopt;
  prsm::CascadeOptions options;
  options.models = {env.name(*cheap), env.name(*middle), env.name(env.best)};
  options.samples = 1;
  options.accept = Vote(env, 0.5, 1);
  options.target_quality = Bar(env, point);
  options.min_calibration_labels = CalibrationLabels(env);
  return Plain(prsm::MakeCascadeRouting(options));
}

std::optional<Setup> Expert(const EvalEnv& env) {
  if (env.specs.size() < 3) return std::nullopt;
  // The voters are the weighted vote's (chosen on train); the expert of a domain is the voter
  // with the best prior there (domain_quality by category, else the overall train mean),
  // trusted when one other voter backs it, else a weighted plurality decides.
  auto chosen = ChooseVoters(env, 3, EnsembleRule::kWeighted);
  if (!chosen) return std::nullopt;
  const std::vector<int> voters = chosen->models;
  auto prior = [&](int m, const std::string& domain) {
    const prsm::ModelSpec& spec = env.specs[static_cast<std::size_t>(m)];
    auto it = spec.domain_quality.find(domain);
    return it != spec.domain_quality.end() ? it->second : spec.quality;
  };
  prsm::ExpertOptions options;
  options.min_support = 1;
  options.fallback.vote = Vote(env, 0.01, 1);
  std::vector<std::string> domains = {"math",  "code",    "science", "finance",
                                      "legal", "medical", "writing", "general"};
  for (const auto& [domain, quality] : env.specs.front().domain_quality) domains.push_back(domain);
  for (const std::string& domain : domains) {
    int expert = voters.front();
    for (int m : voters) {
      if (prior(m, domain) > prior(expert, domain)) expert = m;
    }
    options.experts[domain] = {env.name(expert)};
  }
  auto rule = prsm::MakeExpertRule(options);
  if (!rule) return std::nullopt;
  return Setup{prsm::MakeFanOutRouting(0), std::move(rule), Names(env, voters)};
}

std::vector<SystemDef> MakeTable() {
  std::vector<SystemDef> table;
  auto add = [&](std::string name, bool trains, double default_point, std::vector<double> sweep,
                 std::function<std::optional<Setup>(const EvalEnv&, const Knobs&)> make) {
    table.push_back(SystemDef{std::move(name), SystemKind::kPrsm, trains, default_point,
                              std::move(sweep), false, std::move(make)});
  };
  table.push_back(SystemDef{
      "random", SystemKind::kRandom, false, 0.0, {}, false, [](const EvalEnv& env, const Knobs&) {
        return Plain(MakeRandomRouting(env.seed));
      }});
  add("cost-optimized", false, kAutoBar, OperatingGrid(), [](const EvalEnv& env, const Knobs& k) {
    prsm::WeighingOptions options;
    options.min_quality = Bar(env, k.point);
    return Plain(prsm::MakeCostOptimizedRouting(options));
  });
  // Cost-optimized with a relative floor: the cheaper model is taken where its expected
  // quality (per-category prior) is within `max_quality_gap` of the best model's, so the
  // strong model is paid for where it is expected to gain the most. Default point: a gap of
  // 5% of the best train score; swept over every distinct decision (GapPoints).
  add("cost-gap", false, kAutoBar, {}, [](const EvalEnv& env, const Knobs& k) {
    prsm::WeighingOptions options;
    options.max_quality_gap =
        k.point >= 0.0 ? k.point : 0.05 * env.train_score[static_cast<std::size_t>(env.best)];
    return Plain(prsm::MakeCostOptimizedRouting(options));
  });
  table.back().sweep_of = GapPoints;
  add("quality-focused", false, 0.0, {},
      [](const EvalEnv&, const Knobs&) { return Plain(prsm::MakeQualityFocusedRouting()); });
  add("balanced", false, 0.0, {},
      [](const EvalEnv&, const Knobs&) { return Plain(prsm::MakeBalancedRouting()); });
  add("intelligent", true, 0.0, {},
      [](const EvalEnv&, const Knobs&) { return Plain(prsm::MakeIntelligentRouting()); });
  add("intelligent+consensus0.8", true, 0.0, {}, [](const EvalEnv& env, const Knobs&) {
    auto setup = Plain(prsm::MakeIntelligentRouting());
    if (setup) setup->consensus = prsm::MakeMajorityVoteRule(Vote(env, 0.8, 1));
    return setup;
  });
  add("learned", true, kAutoBar, OperatingGrid(), [](const EvalEnv& env, const Knobs& k) {
    prsm::LearnedOptions options;
    options.quality_bar = Bar(env, k.point);
    options.exploration = k.training ? 1.0 : 0.0;
    options.seed = env.seed;
    return Plain(prsm::MakeLearnedRouting(options));
  });
  add("cascade", true, kAutoBar, OperatingGrid(),
      [](const EvalEnv& env, const Knobs& k) { return Cascade(env, 1, k.point); });
  table.back().retrain_per_point = true;
  add("cascade3", true, kAutoBar, OperatingGrid(),
      [](const EvalEnv& env, const Knobs& k) { return Cascade3(env, k.point); });
  table.back().retrain_per_point = true;
  add("cascade-agree2", false, 0.0, {},
      [](const EvalEnv& env, const Knobs&) { return Cascade(env, 2, 0.0); });
  add("cascade-groups", true, kAutoBar, {}, [](const EvalEnv& env, const Knobs& k) {
    // prsm's own cascade over the same groups as cascade-agree2 (chosen on train), its vote
    // threshold calibrated by Feedback() to the target quality.
    if (env.specs.size() < 3) return std::optional<Setup>();
    auto chosen = ChooseAgreementCascade(env, 2);
    if (!chosen) return std::optional<Setup>();
    prsm::CascadeOptions options;
    options.stages = {{env.name(chosen->models[0]), env.name(chosen->models[1])},
                      {env.name(chosen->models[2])}};
    options.accept = Vote(env, 0.5, 2);
    options.target_quality = Bar(env, k.point);
    options.min_calibration_labels = CalibrationLabels(env);
    return Plain(prsm::MakeCascadeRouting(options));
  });
  add("cascade-lift", false, 0.0, {}, [](const EvalEnv& env, const Knobs&) {
    // Two cheap models that must agree, else a final model, chosen on train for the largest
    // gain over the best of its own members (EnsembleObjective::kLift), below the best
    // model's train cost; not run when no such set beats its members on train.
    if (env.specs.size() < 3) return std::optional<Setup>();
    auto chosen = ChooseAgreementCascade(env, 2, EnsembleObjective::kLift);
    if (!chosen) return std::optional<Setup>();
    return std::optional<Setup>(
        Setup{MakeAgreementCascade({env.name(chosen->models[0]), env.name(chosen->models[1])},
                                   env.name(chosen->models[2]), env.format, 2),
              nullptr,
              {}});
  });
  add("cascade-agree3", false, 0.0, {},
      [](const EvalEnv& env, const Knobs&) { return Cascade(env, 3, 0.0); });
  add("vote3", false, 0.0, {},
      [](const EvalEnv& env, const Knobs&) { return FanOutVote(env, 3, false); });
  add("vote5", false, 0.0, {},
      [](const EvalEnv& env, const Knobs&) { return FanOutVote(env, 5, false); });
  add("weighted3", false, 0.0, {},
      [](const EvalEnv& env, const Knobs&) { return FanOutVote(env, 3, true); });
  add("weighted5", false, 0.0, {},
      [](const EvalEnv& env, const Knobs&) { return FanOutVote(env, 5, true); });
  add("expert", false, 0.0, {}, [](const EvalEnv& env, const Knobs&) { return Expert(env); });
  return table;
}

}  // namespace

const std::vector<SystemDef>& BuiltInSystems() {
  static const std::vector<SystemDef> table = MakeTable();
  return table;
}

std::unique_ptr<prsm::RoutingStrategy> MakeRandomRouting(std::uint64_t seed) {
  return std::make_unique<RandomRouting>(seed);
}

std::unique_ptr<prsm::RoutingStrategy> MakeAgreementCascade(std::vector<std::string> cheap,
                                                            std::string strong,
                                                            prsm::AnswerFormat format,
                                                            std::size_t min_agreeing) {
  return std::make_unique<AgreementCascade>(std::move(cheap), std::move(strong), format,
                                            min_agreeing);
}

}  // namespace prsm_eval
