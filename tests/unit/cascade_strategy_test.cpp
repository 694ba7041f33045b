// The cascade: stage structure (order, samples, groups, rules, verifiers, limits), the features
// of its learned acceptance test (arithmetic claims, hedges, markers, the answer's usage against
// its model's token norms), the calibration of the learned test and of group agreement from
// synthetic Feedback, and its saved state.
#include <cmath>
#include <random>

#include <catch2/catch.hpp>

#include "prsm/routing.h"
#include "routing/acceptance_features.h"
#include "routing/acceptance_model.h"
#include "routing/token_norms.h"
#include "routing_test_util.h"

using prsm::Candidate;
using prsm::Completion;
using prsm::ErrorCode;
using prsm::ModelCatalog;
using prsm::ModelSpec;
using prsm::Query;
using prsm::Response;
using prsm::RoutePlan;
using prsm::test::PlanFor;

namespace {

ModelCatalog Models() {
  ModelCatalog catalog;
  auto add = [&](const char* name, double in, double out) {
    ModelSpec spec;
    spec.name = name;
    spec.provider = "p";
    spec.price.input_per_mtok = in;
    spec.price.output_per_mtok = out;
    REQUIRE(catalog.Add(spec));
  };
  add("strong", 10.0, 30.0);
  add("cheap", 0.2, 0.6);
  add("mid", 1.0, 3.0);
  add("other", 0.3, 0.9);
  return catalog;
}

std::vector<std::vector<std::string>> Stages(const RoutePlan& plan) {
  std::vector<std::vector<std::string>> out;
  for (const auto& stage : plan.stages) out.push_back(stage.models);
  return out;
}

prsm::CascadeOptions NumberCascade() {
  prsm::CascadeOptions options;
  options.stages = {{"cheap"}, {"strong"}};
  options.accept.answer.kind = prsm::AnswerFormat::Kind::kNumber;
  options.target_quality = 0.9;
  options.min_calibration_labels = 40;
  return options;
}

// A synthetic world: query i has gold answer `Gold(i)`. The cheap model's answer is of one of
// three kinds, visible only through generic features: clean (right 98%), hedging (right 50%)
// or with a false arithmetic claim (right 15%). The strong model is always right.
struct Sample {
  Query query;
  std::string cheap_text;
  bool cheap_right = false;
  std::string strong_text;
};

Sample MakeSample(std::mt19937& rng, int i) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int gold = 10 + i % 89;
  Sample sample;
  sample.query = Query::FromText("Tom has " + std::to_string(gold - 3) +
                                 " apples and buys 3 more. How many apples does he have?");
  const double kind = u(rng);
  double p_right = 0.98;
  std::string body = "He has " + std::to_string(gold - 3) + " + 3 apples.\n";
  if (kind >= 0.5 && kind < 0.8) {
    p_right = 0.5;
    body = "I think he has approximately that many, not sure.\n";
  } else if (kind >= 0.8) {
    p_right = 0.15;
    body = "First 7 * 8 = 54, then we add.\n";
  }
  sample.cheap_right = u(rng) < p_right;
  const int said = sample.cheap_right ? gold : gold + 1 + i % 5;
  sample.cheap_text = body + "#### " + std::to_string(said);
  sample.strong_text = "Adding gives the total.\n#### " + std::to_string(gold);
  return sample;
}

// The Response the orchestrator would report when the cheap answer escalated to the strong one.
Response Escalated(const Sample& sample) {
  Response response;
  response.model = "strong";
  response.answer = sample.strong_text;
  response.completion.text = sample.strong_text;
  response.route.strategy = "cascade";
  response.route.stages = {{"cheap"}, {"strong"}};
  prsm::Attempt cheap;
  cheap.model = "cheap";
  cheap.stage = 0;
  cheap.outcome = prsm::Attempt::Outcome::kSucceeded;
  cheap.text = sample.cheap_text;
  prsm::Attempt strong = cheap;
  strong.model = "strong";
  strong.stage = 1;
  strong.text = sample.strong_text;
  response.attempts = {cheap, strong};
  return response;
}

Candidate Answer(const std::string& model, const std::string& text) {
  Completion completion;
  completion.text = text;
  completion.finish_reason = prsm::FinishReason::kStop;
  return Candidate{model, completion, "math", 0.5, std::nullopt};
}

// Decides with the plan's first-stage rule; true = accepted.
bool CheapAccepted(prsm::RoutingStrategy& strategy, const ModelCatalog& catalog,
                   const Sample& sample) {
  auto plan = PlanFor(strategy, catalog, sample.query);
  REQUIRE(plan);
  if (plan->stages.size() < 2) return false;  // the cheap stage was left out
  REQUIRE(plan->stages[0].rule);
  return plan->stages[0].rule->Decide({Answer("cheap", sample.cheap_text)}).accepted;
}

struct HeldOut {
  double accepted_share = 0.0;
  double accepted_quality = 0.0;
};

HeldOut Evaluate(prsm::RoutingStrategy& strategy, const ModelCatalog& catalog, unsigned seed) {
  std::mt19937 rng(seed);
  int accepted = 0;
  int right = 0;
  const int n = 1000;
  for (int i = 0; i < n; ++i) {
    const Sample sample = MakeSample(rng, i);
    if (CheapAccepted(strategy, catalog, sample)) {
      ++accepted;
      right += sample.cheap_right ? 1 : 0;
    }
  }
  HeldOut result;
  result.accepted_share = static_cast<double>(accepted) / n;
  result.accepted_quality = accepted == 0 ? 0.0 : static_cast<double>(right) / accepted;
  return result;
}

void Train(prsm::RoutingStrategy& strategy, int n, unsigned seed) {
  std::mt19937 rng(seed);
  for (int i = 0; i < n; ++i) {
    const Sample sample = MakeSample(rng, i);
    strategy.Feedback(sample.query, Escalated(sample), 1.0);
  }
}

}  // namespace

TEST_CASE("arithmetic claims are checked", "[cascade][features]") {
  using prsm::routing::CheckArithmetic;
  auto claims = CheckArithmetic("20 x 4 = <<20*4=80>>80 sheep, 80 * 2 = 160, 20 + 80 + 160 = 260");
  CHECK(claims.checked == 3);
  CHECK(claims.wrong == 0);
  claims =
      CheckArithmetic("So 7 * 8 = 54 and 2 + 2 * 3 = 8, but 10 / 3 = 3.33 and 1,000 + 5 = 1,005");
  CHECK(claims.checked == 4);
  CHECK(claims.wrong == 1);  // 7 * 8; 2 + 2 * 3 = 8 holds with precedence
  claims = CheckArithmetic("2 \\times 3 = 7 and $5 - 2 = $3 and 6 \xC3\xB7 2 = 3");
  CHECK(claims.checked == 3);
  CHECK(claims.wrong == 1);
  // Not claims: algebra, fractions, comparisons, words.
  claims = CheckArithmetic("2x + 3 = 7, so x = 2; 1 + 1 = 1/2? a <= 3, x2 + 1 = 5, 3 == 3");
  CHECK(claims.checked == 0);
  CHECK(CheckArithmetic("").checked == 0);
  CHECK(CheckArithmetic("= = = 1 + = 2").checked == 0);
}

TEST_CASE("hedges and final-answer markers are found", "[cascade][features]") {
  CHECK(prsm::routing::CountHedges("I think it is approximately 4, but I'm not sure.") == 3);
  CHECK(prsm::routing::CountHedges("It is 4.") == 0);
  CHECK(prsm::routing::HasFinalAnswerMarker("so \\boxed{4}"));
  CHECK(prsm::routing::HasFinalAnswerMarker("#### 4"));
  CHECK(prsm::routing::HasFinalAnswerMarker("Answer: B"));
  CHECK_FALSE(prsm::routing::HasFinalAnswerMarker("It is 4."));
}

TEST_CASE("threshold calibration finds the lowest score whose accepted mean reaches the target",
          "[cascade][calibration]") {
  using prsm::routing::CalibrateThreshold;
  std::vector<std::pair<double, double>> examples;
  for (int i = 0; i < 100; ++i) examples.emplace_back(0.9, 1.0);    // sure and right
  for (int i = 0; i < 100; ++i) examples.emplace_back(0.5, i % 2);  // a coin
  for (int i = 0; i < 100; ++i) examples.emplace_back(0.1, 0.0);    // wrong
  // Without margin: 0.9 alone is 100%; down to 0.5 the mean is 75%; down to 0.1, 50%.
  CHECK(CalibrateThreshold(examples, 0.95, 5, 0.0) == Approx(0.9));
  CHECK(CalibrateThreshold(examples, 0.75, 5, 0.0) == Approx(0.5));
  CHECK(CalibrateThreshold(examples, 0.5, 5, 0.0) == Approx(0.1));
  // A margin makes it stricter; an unreachable target gives none.
  CHECK(CalibrateThreshold(examples, 0.75, 5, 1.0) == Approx(0.9));
  CHECK_FALSE(CalibrateThreshold(examples, 1.01, 5, 0.0).has_value());
  CHECK_FALSE(CalibrateThreshold({}, 0.5, 5, 0.0).has_value());
  // Too few examples above a threshold do not count.
  CHECK_FALSE(CalibrateThreshold({{0.9, 1.0}, {0.1, 0.0}}, 0.9, 5, 0.0).has_value());
}

TEST_CASE("the acceptance model learns which features predict a right answer",
          "[cascade][calibration]") {
  prsm::routing::AcceptanceModel model({0.9, 20, 2000});
  std::mt19937 rng(1);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  prsm::routing::AcceptanceFeatures good{};
  good[0] = 1.0;
  good[2] = 1.0;
  prsm::routing::AcceptanceFeatures hedged = good;
  hedged[5] = 1.0;
  CHECK_FALSE(model.Accepts(good));  // nothing learned: accepts nothing
  for (int i = 0; i < 19; ++i) model.Add(good, 1.0);
  CHECK_FALSE(model.calibrated());
  CHECK_FALSE(model.Accepts(good));
  for (int i = 0; i < 300; ++i) {
    model.Add(good, u(rng) < 0.97 ? 1.0 : 0.0);
    model.Add(hedged, u(rng) < 0.4 ? 1.0 : 0.0);
  }
  CHECK(model.calibrated());
  CHECK(model.Probability(good) > 0.9);
  CHECK(model.Probability(hedged) < 0.6);
  CHECK(model.Accepts(good));
  CHECK_FALSE(model.Accepts(hedged));
  // Non-finite labels are ignored.
  const std::size_t labels = model.labels();
  model.Add(good, std::nan(""));
  CHECK(model.labels() == labels);
}

TEST_CASE("cascade orders stages from cheap to dear and samples the cheap ones", "[cascade]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions options;
  options.samples = 2;
  options.learn_acceptance = false;
  auto strategy = prsm::MakeCascadeRouting(options);
  CHECK(strategy->name() == "cascade");
  auto plan = PlanFor(*strategy, catalog, Query::FromText("hi"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{
                             {"cheap", "cheap"}, {"other", "other"}, {"mid", "mid"}, {"strong"}});
  for (std::size_t i = 0; i + 1 < plan->stages.size(); ++i) {
    REQUIRE(plan->stages[i].rule);
    CHECK(plan->stages[i].rule->name() != "learned-acceptance");
    CHECK(plan->stages[i].trigger == prsm::StageTrigger::kOnFailureOrRejection);
  }
  REQUIRE(plan->stages.back().rule);
  CHECK(plan->stages.back().rule->name() == "first-success");
  CHECK(plan->explanation.find("cascade: [cheap, cheap]") != std::string::npos);

  // `models` fixes the order; the query's own list narrows it.
  options.models = {"mid", "strong"};
  plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, Query::FromText("hi"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"mid", "mid"}, {"strong"}});
  Query narrowed = Query::FromText("hi");
  narrowed.context.models = {"strong", "cheap"};
  plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, narrowed);
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"strong"}});
  narrowed.context.models = {"cheap"};
  plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, narrowed);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("cascade stages may be groups of distinct models, with verifiers", "[cascade]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions options;
  options.stages = {{"cheap", "other"}, {"mid"}, {"strong"}};
  options.verifiers = {"mid", "unknown"};
  auto plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, Query::FromText("hi"));
  REQUIRE(plan);
  CHECK(Stages(*plan) ==
        std::vector<std::vector<std::string>>{{"cheap", "other"}, {"mid"}, {"strong"}});
  REQUIRE(plan->stages[0].rule);
  CHECK(plan->stages[0].rule->name() != "learned-acceptance");  // a vote between the two
  REQUIRE(plan->stages[1].rule);
  CHECK(plan->stages[1].rule->name() == "learned-acceptance");  // one answer: learned test
  CHECK(plan->stages[0].verifiers == std::vector<std::string>{"mid"});
  CHECK(plan->stages[1].verifiers == std::vector<std::string>{"mid"});
  CHECK(plan->stages[2].verifiers.empty());
  CHECK(plan->stages[2].rule->name() == "first-success");

  // Hard limits drop models from their groups.
  Query query = Query::FromText("hi");
  query.request.max_tokens = 1000;
  query.context.max_cost_usd = 0.0008;  // cheap $0.0006, other $0.0009
  plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, query);
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}});
}

TEST_CASE("cascade with min_confidence uses a confidence test on the cheap stages", "[cascade]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions options = NumberCascade();
  options.min_confidence = 0.9;
  auto plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, Query::FromText("hi"));
  REQUIRE(plan);
  REQUIRE(plan->stages[0].rule);
  CHECK(plan->stages[0].rule->name() != "learned-acceptance");
  CHECK(plan->explanation.find("confidence >= 0.90") != std::string::npos);
}

TEST_CASE("the learned acceptance test escalates everything until calibrated", "[cascade]") {
  const ModelCatalog catalog = Models();
  auto strategy = prsm::MakeCascadeRouting(NumberCascade());
  std::mt19937 rng(3);
  const Sample sample = MakeSample(rng, 0);
  auto plan = PlanFor(*strategy, catalog, sample.query);
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}, {"strong"}});
  REQUIRE(plan->stages[0].rule);
  CHECK(plan->stages[0].rule->name() == "learned-acceptance");
  const auto decision = plan->stages[0].rule->Decide({Answer("cheap", sample.cheap_text)});
  CHECK_FALSE(decision.accepted);
  CHECK(decision.explanation.find("0 of 40 labels") != std::string::npos);
  // A failed candidate is never accepted.
  const auto failed = plan->stages[0].rule->Decide(
      {Candidate{"cheap", prsm::Error(ErrorCode::kUnavailable, "down"), "", 0.5, std::nullopt}});
  CHECK_FALSE(failed.accepted);
}

TEST_CASE("the learned acceptance test is calibrated to the target on held-out data",
          "[cascade][calibration]") {
  const ModelCatalog catalog = Models();
  auto strategy = prsm::MakeCascadeRouting(NumberCascade());
  Train(*strategy, 600, 11);
  const HeldOut held_out = Evaluate(*strategy, catalog, 99);
  INFO("accepted " << held_out.accepted_share << " at quality " << held_out.accepted_quality);
  // The clean half of the answers is right 98% of the time; the test should find it.
  CHECK(held_out.accepted_share > 0.3);
  CHECK(held_out.accepted_quality >= 0.9);
  // Overall the cheap model is right about 67%: accepting everything would miss the target.
  CHECK(held_out.accepted_share < 0.8);
  std::mt19937 rng(5);
  auto plan = PlanFor(*strategy, catalog, MakeSample(rng, 1).query);
  REQUIRE(plan);
  CHECK(plan->explanation.find("learned acceptance, p >= ") != std::string::npos);
}

TEST_CASE("a lower target moves the threshold down and accepts more", "[cascade][calibration]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions strict_options = NumberCascade();
  prsm::CascadeOptions lax_options = NumberCascade();
  lax_options.target_quality = 0.6;
  auto strict = prsm::MakeCascadeRouting(strict_options);
  auto lax = prsm::MakeCascadeRouting(lax_options);
  Train(*strict, 600, 21);
  Train(*lax, 600, 21);
  const HeldOut strict_result = Evaluate(*strict, catalog, 77);
  const HeldOut lax_result = Evaluate(*lax, catalog, 77);
  CHECK(lax_result.accepted_share > strict_result.accepted_share);
  CHECK(lax_result.accepted_quality >= 0.6);
  CHECK(strict_result.accepted_quality >= 0.9);
}

TEST_CASE("accepted cheap answers are labelled by their own score", "[cascade][calibration]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions options = NumberCascade();
  options.min_calibration_labels = 10;
  auto strategy = prsm::MakeCascadeRouting(options);
  Train(*strategy, 300, 5);
  // The host reports that accepted clean-looking answers were in fact all wrong: the test must
  // stop accepting them.
  std::mt19937 rng(8);
  int before = 0;
  int after = 0;
  std::vector<Sample> samples;
  for (int i = 0; i < 400; ++i) samples.push_back(MakeSample(rng, i));
  for (const Sample& sample : samples) before += CheapAccepted(*strategy, catalog, sample) ? 1 : 0;
  for (int round = 0; round < 3; ++round) {
    for (const Sample& sample : samples) {
      if (!CheapAccepted(*strategy, catalog, sample)) continue;
      Response response = Escalated(sample);
      response.model = "cheap";
      response.answer = sample.cheap_text;
      response.attempts.pop_back();  // the strong model was never asked
      strategy->Feedback(sample.query, response, 0.0);
    }
  }
  for (const Sample& sample : samples) after += CheapAccepted(*strategy, catalog, sample) ? 1 : 0;
  CHECK(before > 0);
  CHECK(after < before / 2);
}

TEST_CASE("group agreement is calibrated, and a group that never reaches the target is skipped",
          "[cascade][calibration]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions options;
  options.stages = {{"cheap", "other"}, {"strong"}};
  options.accept.answer.kind = prsm::AnswerFormat::Kind::kNumber;
  options.min_calibration_labels = 20;
  auto strategy = prsm::MakeCascadeRouting(options);
  auto feed = [&](bool agree_right) {
    Response response;
    response.route.stages = {{"cheap", "other"}, {"strong"}};
    prsm::Attempt a;
    a.model = "cheap";
    a.stage = 0;
    a.outcome = prsm::Attempt::Outcome::kSucceeded;
    a.text = "#### 5";
    prsm::Attempt b = a;
    b.model = "other";
    prsm::Attempt strong = a;
    strong.model = "strong";
    strong.stage = 1;
    strong.text = agree_right ? "#### 5" : "#### 6";
    response.attempts = {a, b, strong};
    response.model = "strong";
    response.answer = strong.text;
    strategy->Feedback(Query::FromText("q"), response, 1.0);
  };
  const std::vector<Candidate> agreeing = {Answer("cheap", "#### 5"), Answer("other", "#### 5")};
  for (int i = 0; i < 19; ++i) feed(false);
  auto plan = PlanFor(*strategy, catalog, Query::FromText("q"));
  REQUIRE(plan);
  REQUIRE(plan->stages.size() == 2);  // not calibrated yet: the vote stands
  CHECK(plan->stages[0].rule->Decide(agreeing).accepted);
  feed(false);
  // Calibrated, and no agreement share reached the target: still asked (to keep learning)
  // but accepting nothing.
  plan = PlanFor(*strategy, catalog, Query::FromText("q"));
  REQUIRE(plan);
  REQUIRE(plan->stages.size() == 2);
  CHECK_FALSE(plan->stages[0].rule->Decide(agreeing).accepted);
  for (int i = 0; i < 40; ++i) feed(false);
  plan = PlanFor(*strategy, catalog, Query::FromText("q"));
  REQUIRE(plan);
  // After 3 x 20 labels of always-wrong agreement, asking them only costs.
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"strong"}});
  CHECK(plan->explanation.find("skip [cheap, other]") != std::string::npos);

  auto reliable = prsm::MakeCascadeRouting(options);
  strategy = std::move(reliable);
  for (int i = 0; i < 40; ++i) feed(true);
  plan = PlanFor(*strategy, catalog, Query::FromText("q"));
  REQUIRE(plan);
  REQUIRE(plan->stages.size() == 2);
  CHECK(plan->explanation.find("(calibrated)") != std::string::npos);
  CHECK(plan->stages[0].rule->Decide(agreeing).accepted);
}

TEST_CASE("cascade state round-trips to identical decisions", "[cascade][state]") {
  const ModelCatalog catalog = Models();
  auto original = prsm::MakeCascadeRouting(NumberCascade());
  Train(*original, 200, 2);
  auto state = original->SaveState();
  REQUIRE(state);
  auto restored = prsm::MakeCascadeRouting(NumberCascade());
  REQUIRE(restored->LoadState(*state));
  CHECK(*restored->SaveState() == *state);
  std::mt19937 rng(4);
  for (int i = 0; i < 200; ++i) {
    const Sample sample = MakeSample(rng, i);
    auto a = PlanFor(*original, catalog, sample.query);
    auto b = PlanFor(*restored, catalog, sample.query);
    REQUIRE(a);
    REQUIRE(b);
    CHECK(a->explanation == b->explanation);
    const auto da = a->stages[0].rule->Decide({Answer("cheap", sample.cheap_text)});
    const auto db = b->stages[0].rule->Decide({Answer("cheap", sample.cheap_text)});
    CHECK(da.accepted == db.accepted);
    CHECK(da.confidence == db.confidence);
  }
}

TEST_CASE("cascade rejects bad state and stays unchanged", "[cascade][state]") {
  auto strategy = prsm::MakeCascadeRouting(NumberCascade());
  Train(*strategy, 60, 2);
  const std::string text = *strategy->SaveState();
  auto replaced = [&](const std::string& from, const std::string& to) {
    return prsm::test::Replaced(text, from, to);
  };
  const std::vector<std::string> bad = {
      "",
      "{",
      "null",
      text.substr(0, text.size() - 5),
      replaced("\"version\":2", "\"version\":9"),
      replaced("\"format\":\"prsm-cascade-routing\"", "\"format\":\"prsm-learned-routing\""),
      replaced("\"weights\":[", "\"weights\":[1,"),      // one weight too many
      replaced("\"weights\":[", "\"weights\":[\"x\","),  // not a number
      replaced("\"labels\":", "\"labels\":-"),           // negative count
      replaced("\"acceptors\":[", "\"acceptors\":[{\"model\":\"\",\"test\":{}},"),
  };
  for (const std::string& state : bad) prsm::test::CheckLoadRefused(*strategy, state, text);
}

TEST_CASE("a cheap model whose answers are never right keeps learning, then is left out",
          "[cascade][calibration]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions options = NumberCascade();
  options.min_calibration_labels = 10;
  auto strategy = prsm::MakeCascadeRouting(options);
  std::mt19937 rng(6);
  auto wrong_sample = [&](int i) {
    Sample sample = MakeSample(rng, i);
    sample.cheap_text = "#### 1000000";  // never the gold answer
    return sample;
  };
  for (int i = 0; i < 10; ++i)
    strategy->Feedback(Query::FromText("q"), Escalated(wrong_sample(i)), 1.0);
  auto plan = PlanFor(*strategy, catalog, Query::FromText("q"));
  REQUIRE(plan);
  REQUIRE(plan->stages.size() == 2);  // calibrated without a threshold: asked, never accepted
  CHECK_FALSE(plan->stages[0].rule->Decide({Answer("cheap", "#### 1000000")}).accepted);
  CHECK(plan->stages[0]
            .rule->Decide({Answer("cheap", "#### 1000000")})
            .explanation.find("no threshold") != std::string::npos);
  for (int i = 10; i < 30; ++i) {
    strategy->Feedback(Query::FromText("q"), Escalated(wrong_sample(i)), 1.0);
  }
  plan = PlanFor(*strategy, catalog, Query::FromText("q"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"strong"}});
  CHECK(plan->explanation.find("skip [cheap]") != std::string::npos);
}

TEST_CASE("cascade feedback it cannot use teaches nothing", "[cascade][calibration]") {
  auto strategy = prsm::MakeCascadeRouting(NumberCascade());
  const std::string empty = *strategy->SaveState();
  std::mt19937 rng(9);
  const Sample sample = MakeSample(rng, 0);
  Response response = Escalated(sample);
  strategy->Feedback(sample.query, response, std::nan(""));  // no score
  Response anonymous = response;
  anonymous.model.clear();  // no chosen model
  strategy->Feedback(sample.query, anonymous, 1.0);
  Response single = response;
  single.route.stages = {{"strong"}};  // no cheap stage ran
  strategy->Feedback(sample.query, single, 1.0);
  Response failed_cheap = response;
  failed_cheap.attempts[0].outcome = prsm::Attempt::Outcome::kFailed;
  strategy->Feedback(sample.query, failed_cheap, 1.0);
  // A wrong final answer (score below 0.5) says nothing about a cheap answer that disagrees.
  Response wrong_final = response;
  wrong_final.answer = "#### 123456";
  wrong_final.attempts[1].text = wrong_final.answer;
  strategy->Feedback(sample.query, wrong_final, 0.0);
  CHECK(*strategy->SaveState() == empty);
}

TEST_CASE("cascade stages drop unregistered models", "[cascade]") {
  const ModelCatalog catalog = Models();
  prsm::CascadeOptions options;
  options.stages = {{"ghost"}, {"cheap", "ghost"}, {"strong"}};
  auto plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, Query::FromText("hi"));
  REQUIRE(plan);
  CHECK(Stages(*plan) == std::vector<std::vector<std::string>>{{"cheap"}, {"strong"}});
  options.stages = {{"ghost"}};
  plan = PlanFor(*prsm::MakeCascadeRouting(options), catalog, Query::FromText("hi"));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("the acceptance features include the answer's usage", "[cascade][features]") {
  using prsm::routing::AnswerEffort;
  using prsm::routing::ComputeAcceptanceFeatures;
  prsm::AnswerFormat format;
  format.kind = prsm::AnswerFormat::Kind::kNumber;
  const prsm::QueryFeatures query;
  const std::string text(400, 'a');  // about 100 tokens by the text's estimate
  auto x = ComputeAcceptanceFeatures(text, false, AnswerEffort{5000, 4000, 1.5}, query, format);
  CHECK(x[24] == Approx(std::log1p(5000.0) / 10.0));
  CHECK(x[25] == Approx(std::log1p(4000.0) / 10.0));
  CHECK(x[26] == Approx(0.5));
  // Beyond three standard deviations the relative length is clamped.
  x = ComputeAcceptanceFeatures(text, false, AnswerEffort{5000, 0, -7.0}, query, format);
  CHECK(x[25] == 0.0);
  CHECK(x[26] == Approx(-1.0));
  // No usage reported: the visible text's estimate, and a typical length.
  x = ComputeAcceptanceFeatures(text, false, AnswerEffort{}, query, format);
  CHECK(x[24] == Approx(std::log1p(100.0) / 10.0));
  CHECK(x[26] == 0.0);
}

TEST_CASE("token norms say how unusual an answer's length is for its model and domain",
          "[cascade][features]") {
  using prsm::routing::TokenNorms;
  auto usage = [](std::int64_t output_tokens) {
    prsm::Usage u;
    u.output_tokens = output_tokens;
    return u;
  };
  TokenNorms norms;
  // Until a norm has kMinCount answers it says nothing.
  for (std::uint64_t i = 0; i + 1 < TokenNorms::kMinCount; ++i) {
    norms.Add("mini", "math", usage(i % 2 == 0 ? 800 : 1200));
  }
  CHECK(norms.Relative("mini", "math", usage(20000)) == 0.0);
  norms.Add("mini", "math", usage(1000));
  CHECK(norms.Relative("mini", "math", usage(20000)) > 3.0);
  CHECK(std::fabs(norms.Relative("mini", "math", usage(1000))) < 0.5);
  CHECK(norms.Relative("mini", "math", usage(100)) < -3.0);
  // Unreported usage is neither learned from nor judged; other models have no norm.
  norms.Add("mini", "math", usage(0));
  CHECK(norms.Relative("mini", "math", usage(0)) == 0.0);
  CHECK(norms.Relative("other", "math", usage(20000)) == 0.0);
  // A domain where the model is verbose gets its own norm once it has enough answers; until
  // then the model's overall norm judges it.
  for (std::uint64_t i = 0; i + 1 < TokenNorms::kMinCount; ++i) {
    norms.Add("mini", "code", usage(i % 2 == 0 ? 8000 : 12000));
  }
  const double before = norms.Relative("mini", "code", usage(10000));
  norms.Add("mini", "code", usage(10000));
  CHECK(before > 1.0);
  CHECK(std::fabs(norms.Relative("mini", "code", usage(10000))) < 0.5);
  CHECK(norms.Relative("mini", "math", usage(10000)) > 1.0);
}

namespace {

// A reasoning model whose text never betrays it: every answer looks alike, but the ones it
// spent many tokens on (it struggled) are right 25% of the time, the others 97%.
struct EffortSample {
  Query query;
  std::string cheap_text;
  prsm::Usage usage;
  bool cheap_right = false;
  std::string strong_text;
};

EffortSample MakeEffortSample(std::mt19937& rng, int i) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const int gold = 100 + i % 800;
  EffortSample sample;
  sample.query = Query::FromText("Compute the remainder when 7^" + std::to_string(1000 + i) +
                                 " + " + std::to_string(i) + " is divided by 1000.");
  const bool struggled = u(rng) < 0.4;
  const double log_tokens = struggled ? std::log(9000.0) + u(rng) * std::log(3.0)
                                      : std::log(500.0) + u(rng) * std::log(6.0);
  sample.usage.output_tokens = static_cast<std::int64_t>(std::exp(log_tokens));
  sample.usage.reasoning_tokens = sample.usage.output_tokens * 9 / 10;
  sample.cheap_right = u(rng) < (struggled ? 0.25 : 0.97);
  const int said = sample.cheap_right ? gold : gold + 1 + i % 7;
  sample.cheap_text = "Reducing modulo 1000.\n#### " + std::to_string(said);
  sample.strong_text = "Reducing modulo 1000.\n#### " + std::to_string(gold);
  return sample;
}

Response EscalatedWithUsage(const EffortSample& sample) {
  Sample plain;
  plain.cheap_text = sample.cheap_text;
  plain.strong_text = sample.strong_text;
  Response response = Escalated(plain);
  response.attempts[0].usage = sample.usage;
  return response;
}

Candidate AnswerWithUsage(const std::string& text, std::int64_t output_tokens) {
  Candidate candidate = Answer("cheap", text);
  candidate.result->usage.output_tokens = output_tokens;
  candidate.result->usage.reasoning_tokens = output_tokens * 9 / 10;
  return candidate;
}

}  // namespace

TEST_CASE("a cascade that learned that long answers are wrong escalates a long one",
          "[cascade][calibration]") {
  const ModelCatalog catalog = Models();
  auto strategy = prsm::MakeCascadeRouting(NumberCascade());
  std::mt19937 rng(12);
  for (int i = 0; i < 400; ++i) {
    const EffortSample sample = MakeEffortSample(rng, i);
    const Response response = EscalatedWithUsage(sample);
    strategy->Observe(sample.query, response);  // as the orchestrator does, before Feedback
    strategy->Feedback(sample.query, response, 1.0);
  }
  const EffortSample probe = MakeEffortSample(rng, 7);
  auto plan = PlanFor(*strategy, catalog, probe.query);
  REQUIRE(plan);
  REQUIRE(plan->stages.size() == 2);
  REQUIRE(plan->stages[0].rule);
  const std::string text = "Reducing modulo 1000.\n#### 512";
  const auto short_answer = plan->stages[0].rule->Decide({AnswerWithUsage(text, 1200)});
  const auto long_answer = plan->stages[0].rule->Decide({AnswerWithUsage(text, 15000)});
  INFO(short_answer.explanation);
  INFO(long_answer.explanation);
  CHECK(short_answer.accepted);
  CHECK_FALSE(long_answer.accepted);
  CHECK(long_answer.confidence < short_answer.confidence);
  CHECK(long_answer.explanation.find("15000 output tokens") != std::string::npos);

  // On held-out answers: most short ones accepted, hardly any long one.
  int short_seen = 0;
  int short_accepted = 0;
  int long_seen = 0;
  int long_accepted = 0;
  for (int i = 0; i < 400; ++i) {
    const EffortSample sample = MakeEffortSample(rng, 1000 + i);
    auto held_plan = PlanFor(*strategy, catalog, sample.query);
    REQUIRE(held_plan);
    const bool accepted =
        held_plan->stages[0]
            .rule->Decide({AnswerWithUsage(sample.cheap_text, sample.usage.output_tokens)})
            .accepted;
    const bool is_long = sample.usage.output_tokens >= 9000;
    (is_long ? long_seen : short_seen) += 1;
    (is_long ? long_accepted : short_accepted) += accepted ? 1 : 0;
  }
  CHECK(short_accepted > short_seen / 2);
  CHECK(long_accepted < long_seen / 10);

  // The token norms are part of the saved state: a restored cascade decides alike.
  auto state = strategy->SaveState();
  REQUIRE(state);
  CHECK(state->find("\"token_norms\":[{\"model\":\"cheap\"") != std::string::npos);
  auto restored = prsm::MakeCascadeRouting(NumberCascade());
  REQUIRE(restored->LoadState(*state));
  CHECK(*restored->SaveState() == *state);
  auto restored_plan = PlanFor(*restored, catalog, probe.query);
  REQUIRE(restored_plan);
  const auto again = restored_plan->stages[0].rule->Decide({AnswerWithUsage(text, 15000)});
  CHECK(again.explanation == long_answer.explanation);
}

TEST_CASE("cascade refuses a version-1 state and bad token norms", "[cascade][state]") {
  auto strategy = prsm::MakeCascadeRouting(NumberCascade());
  std::mt19937 rng(13);
  for (int i = 0; i < 20; ++i) {
    const EffortSample sample = MakeEffortSample(rng, i);
    const Response response = EscalatedWithUsage(sample);
    strategy->Observe(sample.query, response);
    strategy->Feedback(sample.query, response, 1.0);
  }
  const std::string text = *strategy->SaveState();
  auto replaced = [&](const std::string& from, const std::string& to) {
    return prsm::test::Replaced(text, from, to);
  };
  // A state saved before the usage features: refused, saying why.
  const prsm::Error old =
      prsm::test::CheckLoadRefused(*strategy, replaced("\"version\":2", "\"version\":1"), text);
  CHECK(old.message().find("version 1") != std::string::npos);
  CHECK(old.message().find("usage features") != std::string::npos);
  const std::vector<std::string> bad = {
      replaced("\"token_norms\":", "\"token_normz\":"),  // missing
      replaced("\"token_norms\":[",
               "\"token_norms\":[{\"model\":\"\",\"count\":1,\"mean\":1,"
               "\"variance\":0},"),  // no model
      replaced("\"token_norms\":[",
               "\"token_norms\":[{\"model\":\"m\",\"count\":1,\"mean\":1,"
               "\"variance\":-1},"),  // negative variance
      replaced("\"token_norms\":[",
               "\"token_norms\":[{\"model\":\"cheap\",\"count\":1,"
               "\"mean\":1,\"variance\":0},"),  // repeated norm
      replaced("\"token_norms\":[",
               "\"token_norms\":[{\"model\":\"m\",\"count\":-1,\"mean\":1,"
               "\"variance\":0},"),  // negative count
  };
  for (const std::string& state : bad) prsm::test::CheckLoadRefused(*strategy, state, text);
}
