// The learned strategy: convergence per domain, exploration, latency awareness, reproducibility
// and its saved state (round trip, and all-or-nothing loading of bad text).
#include <cmath>
#include <set>

#include <catch2/catch.hpp>

#include "prsm/routing.h"
#include "routing/quality_learner.h"
#include "routing_test_util.h"

using prsm::ErrorCode;
using prsm::ModelCatalog;
using prsm::ModelSpec;
using prsm::ModelStats;
using prsm::Query;
using prsm::QueryFeatures;
using prsm::Response;

namespace {

// "cheap" is strong at maths only; "dear" is good everywhere; both start from the same prior.
ModelCatalog TwoModels() {
  ModelCatalog catalog;
  ModelSpec cheap;
  cheap.name = "cheap";
  cheap.provider = "p";
  cheap.price.input_per_mtok = 0.2;
  cheap.price.output_per_mtok = 0.6;
  cheap.quality = 0.85;
  ModelSpec dear = cheap;
  dear.name = "dear";
  dear.price.input_per_mtok = 10.0;
  dear.price.output_per_mtok = 30.0;
  REQUIRE(catalog.Add(cheap));
  REQUIRE(catalog.Add(dear));
  return catalog;
}

const std::map<std::string, ModelStats> kNoStats;

Query InDomain(const std::string& domain) {
  Query query = Query::FromText("a question");
  query.context.attributes["domain"] = domain;
  return query;
}

std::string FirstChoice(prsm::RoutingStrategy& strategy, const ModelCatalog& catalog,
                        const Query& query,
                        const std::map<std::string, ModelStats>& stats = kNoStats) {
  auto plan = prsm::test::PlanFor(strategy, catalog, query, stats);
  REQUIRE(plan);
  REQUIRE_FALSE(plan->stages.empty());
  return plan->stages[0].models[0];
}

Response From(const std::string& model) {
  Response response;
  response.model = model;
  return response;
}

// Feeds outcomes: cheap scores 1 in maths and 0 in code; dear 0.9 everywhere.
void Teach(prsm::RoutingStrategy& strategy, int rounds) {
  for (int i = 0; i < rounds; ++i) {
    strategy.Feedback(InDomain("math"), From("cheap"), 1.0);
    strategy.Feedback(InDomain("code"), From("cheap"), 0.0);
    strategy.Feedback(InDomain("math"), From("dear"), 0.9);
    strategy.Feedback(InDomain("code"), From("dear"), 0.9);
  }
}

prsm::LearnedOptions Greedy() {
  prsm::LearnedOptions options;
  options.exploration = 0.0;
  return options;
}

}  // namespace

TEST_CASE("learned routing converges to the better model per domain", "[learned]") {
  const ModelCatalog catalog = TwoModels();
  auto strategy = prsm::MakeLearnedRouting(Greedy());
  CHECK(strategy->name() == "learned");
  // Priors alike (0.85 >= bar 0.8): the cheaper first everywhere.
  CHECK(FirstChoice(*strategy, catalog, InDomain("math")) == "cheap");
  CHECK(FirstChoice(*strategy, catalog, InDomain("code")) == "cheap");
  Teach(*strategy, 30);
  CHECK(FirstChoice(*strategy, catalog, InDomain("math")) == "cheap");
  CHECK(FirstChoice(*strategy, catalog, InDomain("code")) == "dear");
  // The explanation gives the posterior it used.
  const Query code = InDomain("code");
  auto plan = prsm::test::PlanFor(*strategy, catalog, code);
  REQUIRE(plan);
  CHECK(plan->explanation.find("dear (posterior mean 0.9") != std::string::npos);
  CHECK(plan->stages.size() == 2);  // cheap as the fallback
}

TEST_CASE("learned routing explores with exploration > 0 and is greedy with 0", "[learned]") {
  const ModelCatalog catalog = TwoModels();
  // A little evidence: cheap is borderline in code.
  auto explorer = prsm::MakeLearnedRouting({});
  auto greedy = prsm::MakeLearnedRouting(Greedy());
  for (auto* strategy : {explorer.get(), greedy.get()}) {
    for (int i = 0; i < 3; ++i) {
      strategy->Feedback(InDomain("code"), From("cheap"), 1.0);
      strategy->Feedback(InDomain("code"), From("cheap"), 0.0);
    }
  }
  std::set<std::string> explored;
  std::set<std::string> exploited;
  for (int i = 0; i < 200; ++i) {
    explored.insert(FirstChoice(*explorer, catalog, InDomain("code")));
    exploited.insert(FirstChoice(*greedy, catalog, InDomain("code")));
  }
  CHECK(explored == std::set<std::string>{"cheap", "dear"});
  CHECK(exploited.size() == 1);
}

TEST_CASE("learned routing is reproducible given its seed", "[learned]") {
  const ModelCatalog catalog = TwoModels();
  auto run = [&](std::uint64_t seed) {
    prsm::LearnedOptions options;
    options.seed = seed;
    auto strategy = prsm::MakeLearnedRouting(options);
    strategy->Feedback(InDomain("code"), From("cheap"), 0.0);
    std::string choices;
    for (int i = 0; i < 100; ++i) choices += FirstChoice(*strategy, catalog, InDomain("code"))[0];
    return choices;
  };
  CHECK(run(7) == run(7));
  CHECK(run(7) != run(8));
}

TEST_CASE("learned routing prefers fast models with a latency weight", "[learned]") {
  const ModelCatalog catalog = TwoModels();
  prsm::LearnedOptions options = Greedy();
  options.latency_weight = 0.5;
  options.quality_bar = 0.5;
  auto strategy = prsm::MakeLearnedRouting(options);
  CHECK(FirstChoice(*strategy, catalog, InDomain("math")) == "cheap");
  // Observe: cheap answers in 10 s, dear in 1 s.
  Response response = From("cheap");
  prsm::Attempt slow;
  slow.model = "cheap";
  slow.outcome = prsm::Attempt::Outcome::kSucceeded;
  slow.latency = std::chrono::seconds(10);
  prsm::Attempt fast = slow;
  fast.model = "dear";
  fast.latency = std::chrono::seconds(1);
  response.attempts = {slow, fast};
  strategy->Observe(InDomain("math"), response);
  // cheap: 0.85 - 0.5 * 1.0 < 0.5; dear: 0.85 - 0.5 * 0.1 >= 0.5.
  CHECK(FirstChoice(*strategy, catalog, InDomain("math")) == "dear");
  // Without the weight latency does not matter.
  auto blind = prsm::MakeLearnedRouting(Greedy());
  blind->Observe(InDomain("math"), response);
  CHECK(FirstChoice(*blind, catalog, InDomain("math")) == "cheap");
  // A failed request teaches nothing and does not crash.
  strategy->Observe(InDomain("math"), prsm::Error(ErrorCode::kUnavailable, "down"));
}

TEST_CASE("learned routing ignores feedback without a model", "[learned]") {
  auto strategy = prsm::MakeLearnedRouting(Greedy());
  auto before = strategy->SaveState();
  REQUIRE(before);
  strategy->Feedback(InDomain("code"), Response{}, 0.0);
  strategy->Feedback(InDomain("code"), From("cheap"), std::nan(""));
  CHECK(*strategy->SaveState() == *before);
}

TEST_CASE("learned routing honours the hard limits", "[learned]") {
  const ModelCatalog catalog = TwoModels();
  auto strategy = prsm::MakeLearnedRouting(Greedy());
  Teach(*strategy, 30);
  Query query = InDomain("code");
  query.request.max_tokens = 1000;
  query.context.max_cost_usd = 0.001;  // dear's worst case is $0.03
  CHECK(FirstChoice(*strategy, catalog, query) == "cheap");
  query.context.max_cost_usd = 0.0000001;
  auto plan = prsm::test::PlanFor(*strategy, catalog, query);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("learned routing's state round-trips to identical plans", "[learned]") {
  const ModelCatalog catalog = TwoModels();
  prsm::LearnedOptions options;  // exploring: the random engine's state must travel too
  options.latency_weight = 0.1;
  auto original = prsm::MakeLearnedRouting(options);
  Teach(*original, 5);
  Response response = From("dear");
  prsm::Attempt attempt;
  attempt.model = "dear";
  attempt.outcome = prsm::Attempt::Outcome::kSucceeded;
  attempt.latency = std::chrono::milliseconds(1234);
  response.attempts = {attempt};
  original->Observe(InDomain("code"), response);
  for (int i = 0; i < 7; ++i) FirstChoice(*original, catalog, InDomain("code"));

  auto state = original->SaveState();
  REQUIRE(state);
  CHECK(state->find("\"version\":1") != std::string::npos);
  auto restored = prsm::MakeLearnedRouting(options);
  REQUIRE(restored->LoadState(*state));
  CHECK(*restored->SaveState() == *state);
  for (const char* domain : {"code", "math", "code", "general", "code", "math"}) {
    for (int i = 0; i < 10; ++i) {
      const Query query = InDomain(domain);
      auto a = prsm::test::PlanFor(*original, catalog, query);
      auto b = prsm::test::PlanFor(*restored, catalog, query);
      REQUIRE(a);
      REQUIRE(b);
      CHECK(a->explanation == b->explanation);
      CHECK(a->stages.size() == b->stages.size());
      CHECK(a->stages[0].models == b->stages[0].models);
    }
  }
}

TEST_CASE("learned routing rejects bad state and stays unchanged", "[learned]") {
  auto strategy = prsm::MakeLearnedRouting({});
  Teach(*strategy, 3);
  auto good = strategy->SaveState();
  REQUIRE(good);
  const std::string& text = *good;
  auto replaced = [&](const std::string& from, const std::string& to) {
    return prsm::test::Replaced(text, from, to);
  };
  const std::vector<std::string> bad = {
      "",
      "garbage",
      "[]",
      text.substr(0, text.size() / 2),                                      // truncated
      replaced("\"version\":1", "\"version\":2"),                           // wrong version
      replaced("\"format\":\"prsm-learned-routing\"", "\"format\":\"x\""),  // wrong format
      replaced("\"cells\":[", "\"cells\":[{\"model\":\"m\"},"),             // incomplete cell
      replaced("\"cells\":[",
               "\"cells\":[{\"model\":\"m\",\"domain\":\"d\",\"band\":7,"
               "\"n\":1,\"sum\":1},"),  // bad band
      replaced("\"cells\":[",
               "\"cells\":[{\"model\":\"m\",\"domain\":\"d\",\"band\":0,"
               "\"n\":1,\"sum\":2},"),                  // sum > n
      replaced("\"rng\":\"", "\"rng\":\"x"),            // bad engine state
      replaced("\"model\":\"", "\"model\":\"\\uDC00"),  // a lone UTF-16 surrogate
  };
  auto fresh = prsm::MakeLearnedRouting({});
  const std::string fresh_state = *fresh->SaveState();
  for (const std::string& state : bad) {
    CHECK_FALSE(prsm::test::CheckLoadRefused(*strategy, state, text).message().empty());
    // A failed load into a fresh strategy leaves it fresh.
    REQUIRE_FALSE(fresh->LoadState(state));
    CHECK(*fresh->SaveState() == fresh_state);
  }
  auto wrong_version = strategy->LoadState(replaced("\"version\":1", "\"version\":2"));
  CHECK(wrong_version.error().message().find("version 2") != std::string::npos);
}

TEST_CASE("the quality learner's posteriors are seeded by the prior and lean on the domain",
          "[learned]") {
  prsm::routing::QualityLearner learner(4.0);
  ModelSpec spec;
  spec.name = "m";
  spec.quality = 0.75;
  QueryFeatures easy;
  easy.domain = "math";
  easy.complexity = 0.1;
  QueryFeatures hard = easy;
  hard.complexity = 0.9;
  CHECK(learner.Posterior(spec, easy, false).mean() == Approx(0.75));
  CHECK(learner.Posterior(spec, easy, true).mean() == Approx(0.75));
  for (int i = 0; i < 4; ++i) learner.Record("m", "math", prsm::routing::ComplexityBand(0.9), 0.0);
  // Domain: (4 * 0.75 + 0) / (4 + 4).
  CHECK(learner.Posterior(spec, hard, false).mean() == Approx(3.0 / 8.0));
  // The hard band has its own evidence; the easy band only the domain's shifted prior.
  CHECK(learner.Posterior(spec, hard, true).mean() == Approx(4.0 * (3.0 / 8.0) / 8.0));
  CHECK(learner.Posterior(spec, easy, true).mean() == Approx(3.0 / 8.0));
  CHECK(learner.Observations("m", "math") == 4.0);
  CHECK(learner.Observations("m", "code") == 0.0);
  // Scores outside [0, 1] are clamped; NaN is ignored.
  learner.Record("m", "code", 0, 7.0);
  learner.Record("m", "code", 0, std::nan(""));
  QueryFeatures code = easy;
  code.domain = "code";
  CHECK(learner.Posterior(spec, code, false).mean() == Approx((3.0 + 1.0) / 5.0));
  CHECK(prsm::routing::ComplexityBand(0.0) == 0);
  CHECK(prsm::routing::ComplexityBand(0.5) == 1);
  CHECK(prsm::routing::ComplexityBand(1.0) == 2);
  CHECK(prsm::routing::ComplexityBand(std::nan("")) == 0);
}
