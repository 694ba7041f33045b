// The strategies that weigh quality, cost and latency (cost-optimized, quality-focused,
// balanced) and the intelligent strategy: eligibility filters and their errors, ordering, ties,
// the quality bar from complexity, escalation and learning from Feedback.
#include <cmath>

#include <catch2/catch.hpp>

#include "prsm/routing.h"

using prsm::ErrorCode;
using prsm::ModelCatalog;
using prsm::ModelSpec;
using prsm::ModelStats;
using prsm::Query;
using prsm::QueryFeatures;
using prsm::RoutePlan;
using prsm::RoutingContext;
using prsm::StageTrigger;

namespace {

struct SpecArgs {
  const char* name;
  double in_price;   // USD per million input tokens
  double out_price;  // USD per million output tokens
  double quality;
  std::map<std::string, double> domain_quality = {};
  int latency_ms = 0;
};

ModelCatalog Catalog(std::initializer_list<SpecArgs> specs) {
  ModelCatalog catalog;
  for (const SpecArgs& args : specs) {
    ModelSpec spec;
    spec.name = args.name;
    spec.provider = "p";
    spec.price.input_per_mtok = args.in_price;
    spec.price.output_per_mtok = args.out_price;
    spec.quality = args.quality;
    spec.domain_quality = args.domain_quality;
    spec.typical_latency = std::chrono::milliseconds(args.latency_ms);
    REQUIRE(catalog.Add(spec));
  }
  return catalog;
}

// cheap < mid < dear in price; dear is best, cheap is good at math.
ModelCatalog ThreeModels() {
  return Catalog({{"cheap", 0.2, 0.6, 0.6, {{"math", 0.85}}, 500},
                  {"mid", 1.0, 3.0, 0.8, {}, 1500},
                  {"dear", 10.0, 30.0, 0.95, {}, 4000}});
}

const std::map<std::string, ModelStats> kNoStats;

std::vector<std::vector<std::string>> Stages(const RoutePlan& plan) {
  std::vector<std::vector<std::string>> out;
  for (const auto& stage : plan.stages) out.push_back(stage.models);
  return out;
}

prsm::Result<RoutePlan> PlanWith(prsm::RoutingStrategy& strategy, const ModelCatalog& catalog,
                                 const Query& query, const QueryFeatures& features,
                                 const std::map<std::string, ModelStats>& stats = kNoStats) {
  return strategy.Plan(query, RoutingContext{catalog, stats, features});
}

QueryFeatures Domain(const std::string& domain, double complexity = 0.0) {
  QueryFeatures features;
  features.domain = domain;
  features.complexity = complexity;
  return features;
}

}  // namespace

TEST_CASE("cost-optimized picks the cheapest model reaching the floor, others as fallbacks",
          "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  auto strategy = prsm::MakeCostOptimizedRouting({0.75, true});
  CHECK(strategy->name() == "cost-optimized");
  auto plan = PlanWith(*strategy, catalog, Query::FromText("hi"), Domain("general"));
  REQUIRE(plan);
  // cheap (0.6) is below 0.75: mid first, dear as its fallback; cheap is not chosen while
  // models above the floor exist.
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"mid"}, {"dear"}});
  CHECK(plan->stages[1].trigger == StageTrigger::kOnFailure);
  CHECK(plan->explanation.find("cheapest model expected to reach quality 0.75") !=
        std::string::npos);
  CHECK(plan->explanation.find("mid (0.80") != std::string::npos);

  // In maths the cheap model's domain prior reaches the floor.
  plan = PlanWith(*strategy, catalog, Query::FromText("hi"), Domain("math"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}, {"mid"}, {"dear"}});
  CHECK(plan->explanation.find("domain math") != std::string::npos);

  // Without fallback: one stage.
  plan = PlanWith(*prsm::MakeCostOptimizedRouting({0.75, false}), catalog, Query::FromText("hi"),
                  Domain("math"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}});
}

TEST_CASE("the query's min_quality overrides the strategy's floor", "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  auto strategy = prsm::MakeCostOptimizedRouting({0.0, false});
  Query query = Query::FromText("hi");
  auto plan = PlanWith(*strategy, catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "cheap");
  query.context.min_quality = 0.9;
  plan = PlanWith(*strategy, catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "dear");
}

TEST_CASE("when no model reaches the floor the best expected comes first, and it says so",
          "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  Query query = Query::FromText("hi");
  query.context.min_quality = 0.99;
  auto plan =
      PlanWith(*prsm::MakeCostOptimizedRouting({0.0, true}), catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"dear"}, {"mid"}, {"cheap"}});
  CHECK(plan->explanation.find("no eligible model is expected to reach quality 0.99") !=
        std::string::npos);
}

TEST_CASE("max_cost_usd excludes models whose worst case exceeds it", "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  Query query = Query::FromText("hi");
  query.request.max_tokens = 1000;
  // Worst cases: cheap $0.0006, mid $0.003, dear $0.03 (plus a token of prompt).
  query.context.max_cost_usd = 0.01;
  auto plan =
      PlanWith(*prsm::MakeQualityFocusedRouting({0.0, true}), catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"mid"}, {"cheap"}});

  query.context.max_cost_usd = 0.0001;
  plan = PlanWith(*prsm::MakeQualityFocusedRouting({0.0, true}), catalog, query, Domain("general"));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code() == ErrorCode::kFailedPrecondition);
  const std::string& message = plan.error().message();
  CHECK(message.find("dear: worst-case cost $0.03 > max_cost_usd $0.0001") != std::string::npos);
  CHECK(message.find("mid: worst-case cost $0.003 > max_cost_usd $0.0001") != std::string::npos);
  CHECK(message.find("cheap: worst-case cost $0.0006 > max_cost_usd $0.0001") != std::string::npos);
}

TEST_CASE("the timeout excludes models whose observed or typical latency exceeds it",
          "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  Query query = Query::FromText("hi");
  query.context.timeout = std::chrono::milliseconds(2000);
  auto strategy = prsm::MakeQualityFocusedRouting({0.0, true});
  auto plan = PlanWith(*strategy, catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"mid"}, {"cheap"}});

  // Observed latency wins over the prior: mid turned out slow, dear fast.
  std::map<std::string, ModelStats> stats;
  stats["mid"] = ModelStats{10, 10, 0, 2500.0};
  stats["dear"] = ModelStats{10, 10, 0, 900.0};
  plan = PlanWith(*strategy, catalog, query, Domain("general"), stats);
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"dear"}, {"cheap"}});

  query.context.timeout = std::chrono::milliseconds(100);
  plan = PlanWith(*strategy, catalog, query, Domain("general"), stats);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code() == ErrorCode::kFailedPrecondition);
  CHECK(plan.error().message().find("mid: observed latency 2500 ms > timeout 100 ms") !=
        std::string::npos);
  CHECK(plan.error().message().find("cheap: typical latency 500 ms > timeout 100 ms") !=
        std::string::npos);
}

TEST_CASE("the query's model list restricts the choice", "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  Query query = Query::FromText("hi");
  query.context.models = {"cheap", "mid"};
  auto plan =
      PlanWith(*prsm::MakeQualityFocusedRouting({0.0, true}), catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"mid"}, {"cheap"}});
  query.context.models = {"nobody"};
  plan = PlanWith(*prsm::MakeQualityFocusedRouting({0.0, true}), catalog, query, Domain("general"));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().message().find("cheap: not in the query's models") != std::string::npos);
}

TEST_CASE("quality-focused ranks by domain quality; cost, then preference, break ties",
          "[weighing]") {
  auto strategy = prsm::MakeQualityFocusedRouting({0.0, true});
  CHECK(strategy->name() == "quality-focused");
  const ModelCatalog catalog = ThreeModels();
  auto plan = PlanWith(*strategy, catalog, Query::FromText("hi"), Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"dear"}, {"mid"}, {"cheap"}});

  const ModelCatalog tied = Catalog({{"b-dear", 2.0, 2.0, 0.9},
                                     {"a-cheap", 1.0, 1.0, 0.9},
                                     {"c-first", 1.0, 1.0, 0.9},
                                     {"d-weak", 0.1, 0.1, 0.5}});
  plan = PlanWith(*strategy, tied, Query::FromText("hi"), Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) ==
        std::vector<std::vector<std::string>>{{"a-cheap"}, {"c-first"}, {"b-dear"}, {"d-weak"}});
}

TEST_CASE("cost-optimized breaks cost ties by quality, then preference", "[weighing]") {
  const ModelCatalog tied =
      Catalog({{"x", 1.0, 1.0, 0.7}, {"y", 1.0, 1.0, 0.8}, {"z", 1.0, 1.0, 0.8}});
  auto plan = PlanWith(*prsm::MakeCostOptimizedRouting({0.0, true}), tied, Query::FromText("hi"),
                       Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"y"}, {"z"}, {"x"}});
}

TEST_CASE("balanced weighs quality against cost and latency", "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  const Query query = Query::FromText("hi");
  prsm::BalancedOptions options;
  options.quality_weight = 1.0;
  options.cost_weight = 0.0;
  options.latency_weight = 0.0;
  auto plan = PlanWith(*prsm::MakeBalancedRouting(options), catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "dear");  // quality alone

  options.cost_weight = 0.5;  // dear: 0.95 - 0.5; mid: 0.8 - 0.05; cheap: 0.6 - 0.01
  plan = PlanWith(*prsm::MakeBalancedRouting(options), catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"mid"}, {"cheap"}, {"dear"}});
  CHECK(plan->explanation.find("mid (score") != std::string::npos);

  // Latency: make mid slowest by observation; with a heavy latency weight cheap wins.
  std::map<std::string, ModelStats> stats;
  stats["mid"] = ModelStats{5, 5, 0, 8000.0};
  options.latency_weight = 1.0;
  plan = PlanWith(*prsm::MakeBalancedRouting(options), catalog, query, Domain("general"), stats);
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "cheap");
  CHECK(prsm::MakeBalancedRouting()->name() == "balanced");
}

TEST_CASE("intelligent sets the bar from complexity and picks the cheapest model reaching it",
          "[intelligent]") {
  const ModelCatalog catalog = ThreeModels();
  prsm::IntelligentOptions options;  // bar 0.6 .. 0.9
  options.base.fallback = false;
  auto strategy = prsm::MakeIntelligentRouting(options);
  CHECK(strategy->name() == "intelligent");
  const Query query = Query::FromText("hi");

  // Trivial: bar 0.6, cheap reaches it; the strongest waits for a rejection.
  auto plan = PlanWith(*strategy, catalog, query, Domain("general", 0.0));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}, {"dear"}});
  CHECK(plan->stages[1].trigger == StageTrigger::kOnRejection);
  CHECK(plan->explanation.find("needs quality 0.60") != std::string::npos);

  // Medium: bar 0.75, mid is the cheapest reaching it.
  plan = PlanWith(*strategy, catalog, query, Domain("general", 0.5));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"mid"}, {"dear"}});

  // Hard: bar 0.9, only dear; nothing to escalate to.
  plan = PlanWith(*strategy, catalog, query, Domain("general", 1.0));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"dear"}});

  // Hard maths (bar 0.84): cheap's maths prior (0.85) reaches it.
  plan = PlanWith(*strategy, catalog, query, Domain("math", 0.8));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "cheap");
}

TEST_CASE(
    "intelligent without escalation plans one stage; with fallback the strongest covers "
    "failure and rejection",
    "[intelligent]") {
  const ModelCatalog catalog = ThreeModels();
  const Query query = Query::FromText("hi");
  prsm::IntelligentOptions options;
  options.escalate_on_rejection = false;
  options.base.fallback = false;
  auto plan = PlanWith(*prsm::MakeIntelligentRouting(options), catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}});

  options.escalate_on_rejection = true;
  options.base.fallback = true;
  plan = PlanWith(*prsm::MakeIntelligentRouting(options), catalog, query, Domain("general"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}, {"dear"}, {"mid"}});
  CHECK(plan->stages[1].trigger == StageTrigger::kOnFailureOrRejection);
  CHECK(plan->stages[2].trigger == StageTrigger::kOnFailure);
}

TEST_CASE("intelligent learns per model and domain from Feedback", "[intelligent]") {
  const ModelCatalog catalog = ThreeModels();
  prsm::IntelligentOptions options;
  options.base.fallback = false;
  options.escalate_on_rejection = false;
  auto strategy = prsm::MakeIntelligentRouting(options);
  Query query = Query::FromText("hi");
  query.context.attributes["domain"] = "math";
  const QueryFeatures features = prsm::AnalyzeQuery(query);
  auto plan = PlanWith(*strategy, catalog, query, features);
  REQUIRE(plan);
  REQUIRE(plan->stages[0].models[0] == "cheap");

  // cheap keeps failing at maths: its expected quality sinks below the bar.
  prsm::Response response;
  response.model = "cheap";
  for (int i = 0; i < 20; ++i) strategy->Feedback(query, response, 0.0);
  plan = PlanWith(*strategy, catalog, query, features);
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "mid");

  // Another domain is untouched.
  plan = PlanWith(*strategy, catalog, Query::FromText("hi"), Domain("general", 0.0));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "cheap");

  // Feedback without a model, or with a non-finite score, is ignored.
  auto saved = strategy->SaveState();
  REQUIRE(saved);
  strategy->Feedback(query, prsm::Response{}, 1.0);
  strategy->Feedback(query, response, std::nan(""));
  CHECK(*strategy->SaveState() == *saved);

  // What it learned survives a restart.
  auto restarted = prsm::MakeIntelligentRouting(options);
  REQUIRE(restarted->LoadState(*saved));
  plan = PlanWith(*restarted, catalog, query, features);
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "mid");
  auto bad = restarted->LoadState("{\"format\":\"prsm-intelligent-routing\",\"version\":2}");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  CHECK(*restarted->SaveState() == *saved);
}

TEST_CASE("max_quality_gap pays for the stronger model where it is expected to gain the most",
          "[weighing]") {
  // The cheap model is better in math than in law in absolute terms, but the dear model
  // gains 0.25 over it in math and only 0.05 in law.
  const ModelCatalog catalog = Catalog({{"cheap", 0.2, 0.6, 0.6, {{"math", 0.7}, {"law", 0.4}}},
                                        {"dear", 10.0, 30.0, 0.95, {{"law", 0.45}}}});
  const Query query = Query::FromText("hi");
  // An absolute floor of 0.6 takes the cheap model in math and pays for dear in law.
  auto absolute = prsm::MakeCostOptimizedRouting({0.6, false});
  auto plan = PlanWith(*absolute, catalog, query, Domain("math"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "cheap");
  plan = PlanWith(*absolute, catalog, query, Domain("law"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "dear");

  // A gap of 0.1 does the opposite: math loses 0.25 with the cheap model, law only 0.05.
  prsm::WeighingOptions gap_options;
  gap_options.fallback = false;
  gap_options.max_quality_gap = 0.1;
  auto gap = prsm::MakeCostOptimizedRouting(gap_options);
  plan = PlanWith(*gap, catalog, query, Domain("math"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "dear");
  CHECK(plan->explanation.find("reach quality 0.85") != std::string::npos);
  plan = PlanWith(*gap, catalog, query, Domain("law"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "cheap");

  // The query's own floor still applies when it is the higher one.
  Query strict = Query::FromText("hi");
  strict.context.min_quality = 0.5;
  plan = PlanWith(*gap, catalog, strict, Domain("law"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "dear");
}

TEST_CASE("max_quality_gap edge values: 1 changes nothing, negative or NaN keep only the best",
          "[weighing]") {
  const ModelCatalog catalog = ThreeModels();
  const Query query = Query::FromText("hi");
  prsm::WeighingOptions options;
  options.fallback = false;
  options.max_quality_gap = 1.0;
  auto plan = PlanWith(*prsm::MakeCostOptimizedRouting(options), catalog, query, Domain("x"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "cheap");
  for (double gap : {-0.5, std::nan("")}) {
    options.max_quality_gap = gap;
    plan = PlanWith(*prsm::MakeCostOptimizedRouting(options), catalog, query, Domain("x"));
    REQUIRE(plan);
    CHECK(plan->stages[0].models[0] == "dear");
  }
  // A gap of 0.2 admits mid (0.80 >= 0.95 - 0.2) but not cheap (0.60).
  options.max_quality_gap = 0.2;
  plan = PlanWith(*prsm::MakeCostOptimizedRouting(options), catalog, query, Domain("x"));
  REQUIRE(plan);
  CHECK(plan->stages[0].models[0] == "mid");
}
