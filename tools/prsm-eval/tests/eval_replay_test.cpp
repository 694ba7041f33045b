// The replay provider answers with the recorded outcome of the current record, fails models
// without one as an outage, serves samples in order, and never shows a score.
#include <optional>
#include <string>

#include <catch2/catch.hpp>

#include "calibration.h"
#include "dataset.h"
#include "ensemble.h"
#include "replay_provider.h"

namespace {

prsm::Result<prsm::Completion> CallOnce(prsm_eval::ReplayProvider& provider,
                                        const std::string& model) {
  prsm::CompletionRequest request;
  request.model = model;
  std::optional<prsm::Result<prsm::Completion>> got;
  provider.Call(request, [&](prsm::Result<prsm::Completion> r) { got = std::move(r); });
  REQUIRE(got.has_value());
  return std::move(*got);
}

prsm_eval::Dataset Tiny() {
  auto dataset = prsm_eval::ReadDataset(std::string(PRSM_EVAL_TEST_DATA) + "/tiny");
  REQUIRE(dataset.has_value());
  return std::move(*dataset);
}

}  // namespace

TEST_CASE("the replay provider returns the recorded response, tokens and id", "[eval][replay]") {
  const prsm_eval::Dataset dataset = Tiny();
  prsm_eval::ReplayProvider provider(dataset);
  provider.SetRecord(&dataset.records[0]);
  auto strong = CallOnce(provider, "strong");
  REQUIRE(strong.has_value());
  CHECK(strong->text == "Thinking it over.\nAnswer: A");
  CHECK(strong->usage.input_tokens == 1000);
  CHECK(strong->usage.output_tokens == 1000);
  CHECK(strong->finish_reason == prsm::FinishReason::kStop);
  CHECK(strong->text.find("score") == std::string::npos);
  auto chosen = provider.FromCompletionId(strong->id);
  REQUIRE(chosen.has_value());
  CHECK(chosen->model == 1);
  CHECK(chosen->score == 1.0);
  auto cheap = CallOnce(provider, "cheap");
  REQUIRE(cheap.has_value());
  CHECK(provider.FromCompletionId(cheap->id)->score == 0.0);
  const auto served = provider.Served();
  REQUIRE(served.size() == 2);
  CHECK(served[0].cost_usd == Approx(0.04));
  CHECK(served[1].cost_usd == Approx(0.003));
  // A new record forgets what was served.
  provider.SetRecord(&dataset.records[1]);
  CHECK(provider.Served().empty());
  CHECK_FALSE(provider.FromCompletionId("other:1:0").has_value());
  CHECK_FALSE(provider.FromCompletionId("replay:9:0").has_value());
  CHECK_FALSE(provider.FromCompletionId("replay:x").has_value());
}

TEST_CASE("a model without an outcome fails as an outage", "[eval][replay]") {
  prsm_eval::Dataset dataset = Tiny();
  dataset.records[0].outcomes[0].reset();
  prsm_eval::ReplayProvider provider(dataset);
  provider.SetRecord(&dataset.records[0]);
  auto missing = CallOnce(provider, "cheap");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == prsm::ErrorCode::kUnavailable);
  auto unknown = CallOnce(provider, "nobody");
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code() == prsm::ErrorCode::kNotFound);
  provider.SetRecord(nullptr);
  CHECK_FALSE(CallOnce(provider, "strong").has_value());
  CHECK(provider.Served().empty());
}

TEST_CASE("repeated calls of one model serve the stored samples, then the primary",
          "[eval][replay]") {
  prsm_eval::Dataset dataset = Tiny();
  prsm_eval::Outcome& outcome = *dataset.records[0].outcomes[0];
  outcome.samples.resize(2);
  outcome.samples[1].answer = "C";
  outcome.samples[1].score = 1.0;
  outcome.samples[1].cost_usd = 0.25;
  prsm_eval::ReplayProvider provider(dataset);
  provider.SetRecord(&dataset.records[0]);
  CHECK(CallOnce(provider, "cheap")->text == "Thinking it over.\nAnswer: B");
  auto second = CallOnce(provider, "cheap");
  CHECK(second->text == "C");
  CHECK(provider.FromCompletionId(second->id)->score == 1.0);
  CHECK(CallOnce(provider, "cheap")->text == "Thinking it over.\nAnswer: B");
  CHECK(provider.Served()[1].cost_usd == Approx(0.25));
}

TEST_CASE("calibration uses the train split only", "[eval][calibration]") {
  prsm_eval::Dataset dataset = Tiny();
  const prsm_eval::EvalEnv env = prsm_eval::Calibrate(dataset, 1);
  REQUIRE(env.specs.size() == 2);
  CHECK(env.specs[0].quality == Approx(0.5));  // cheap: 2 of 4 on train (also 0.5 on test)
  CHECK(env.specs[1].quality == Approx(1.0));  // strong: 4 of 4 on train, 0.75 on test
  CHECK(env.best == 1);
  CHECK(env.cheapest == 0);
  CHECK(env.specs[1].price.output_per_mtok == 30.0);
  CHECK(env.specs[0].provider == "replay");
  // Changing a test outcome changes nothing; changing a train outcome does.
  dataset.records[4].outcomes[1]->score = 0.0;
  CHECK(prsm_eval::Calibrate(dataset, 1).specs[1].quality == Approx(1.0));
  dataset.records[0].outcomes[1]->score = 0.0;
  CHECK(prsm_eval::Calibrate(dataset, 1).specs[1].quality == Approx(0.75));
}

namespace {

// Three models on four train queries: `a` and `b` are each wrong once (on different queries),
// `c` is always right but costs ten times as much.
prsm_eval::Dataset ThreeModels() {
  prsm_eval::Dataset dataset;
  dataset.name = "three";
  dataset.models = {{"a", 1.0, 1.0}, {"b", 1.0, 1.0}, {"c", 10.0, 10.0}};
  const char* gold = "ABCD";
  for (int q = 0; q < 4; ++q) {
    prsm_eval::Record record;
    record.id = "q" + std::to_string(q);
    record.prompt = "Question?\nA. w\nB. x\nC. y\nD. z";
    record.gold = std::string(1, gold[q]);
    for (int m = 0; m < 3; ++m) {
      const bool wrong = (m == 0 && q == 0) || (m == 1 && q == 1);
      const char answer = wrong ? (gold[q] == 'A' ? 'B' : 'A') : gold[q];
      prsm_eval::Outcome outcome;
      outcome.score = wrong ? 0.0 : 1.0;
      outcome.response = std::string("Answer: ") + answer;
      outcome.cost_usd = m == 2 ? 10.0 : 1.0;
      record.outcomes.emplace_back(outcome);
    }
    dataset.records.push_back(std::move(record));
  }
  return dataset;
}

}  // namespace

TEST_CASE("voters and cascades are chosen by simulation on train, under the best's cost",
          "[eval][ensemble]") {
  const prsm_eval::Dataset dataset = ThreeModels();
  const prsm_eval::EvalEnv env = prsm_eval::Calibrate(dataset, 1);
  REQUIRE(env.best == 2);
  REQUIRE(env.format.kind == prsm::AnswerFormat::Kind::kChoice);
  // Only {a, b} fits under c's cost of 10; they split 1-1 on two queries (no majority).
  auto voters = prsm_eval::ChooseVoters(env, 2, prsm_eval::EnsembleRule::kMajority);
  REQUIRE(voters.has_value());
  CHECK(voters->models == std::vector<int>{0, 1});
  CHECK(voters->train_score == Approx(0.5));
  CHECK(voters->train_cost == Approx(2.0));
  CHECK_FALSE(prsm_eval::ChooseVoters(env, 3, prsm_eval::EnsembleRule::kMajority).has_value());
  // Two cheap models and a final one: (a, b) agree on q2 and q3 (score 1, cost 2), else c
  // answers (score 1, cost 12): mean score 1 at cost 7, under c's 10.
  auto cascade = prsm_eval::ChooseAgreementCascade(env, 2);
  REQUIRE(cascade.has_value());
  CHECK(cascade->models == std::vector<int>{0, 1, 2});
  CHECK(cascade->train_score == Approx(1.0));
  CHECK(cascade->train_cost == Approx(7.0));
}

TEST_CASE("an agreement cascade chosen for its lift must beat each of its own members on train",
          "[eval][ensemble]") {
  // Four models on five train queries: a, b, c (cost 1) are each wrong on one of q0-q2 and all
  // wrong, with three different answers, on q4; d (cost 20) is always right.
  prsm_eval::Dataset dataset;
  dataset.name = "four";
  dataset.models = {{"a", 1.0, 1.0}, {"b", 1.0, 1.0}, {"c", 1.0, 1.0}, {"d", 20.0, 20.0}};
  for (int q = 0; q < 5; ++q) {
    prsm_eval::Record record;
    record.id = "q" + std::to_string(q);
    record.prompt = "Question?\nA. w\nB. x\nC. y\nD. z";
    record.gold = "A";
    for (int m = 0; m < 4; ++m) {
      const bool wrong = m < 3 && (q == m || q == 4);
      const char answer = wrong ? static_cast<char>('B' + m) : 'A';
      prsm_eval::Outcome outcome;
      outcome.score = wrong ? 0.0 : 1.0;
      outcome.response = std::string("Answer: ") + answer;
      outcome.cost_usd = m == 3 ? 20.0 : 1.0;
      record.outcomes.emplace_back(outcome);
    }
    dataset.records.push_back(std::move(record));
  }
  const prsm_eval::EvalEnv env = prsm_eval::Calibrate(dataset, 1);
  REQUIRE(env.best == 3);
  // By score: d as the final model reaches 1.0 (at cost 14 < 20), but never beats d itself.
  auto by_score = prsm_eval::ChooseAgreementCascade(env, 2);
  REQUIRE(by_score.has_value());
  CHECK(by_score->models == std::vector<int>{0, 1, 3});
  CHECK(by_score->train_score == Approx(1.0));
  // By lift: a and b agree (right) on q2, q3; else c answers, right on q0 and q1, wrong on q4:
  // 0.8 against 0.6 for each member, at cost (5 x 2 + 3 x 1) / 5 = 2.6.
  auto by_lift = prsm_eval::ChooseAgreementCascade(env, 2, prsm_eval::EnsembleObjective::kLift);
  REQUIRE(by_lift.has_value());
  CHECK(by_lift->models == std::vector<int>{0, 1, 2});
  CHECK(by_lift->train_score == Approx(0.8));
  CHECK(by_lift->train_cost == Approx(2.6));
  // With no set above its members (the three-model data: c is always right), none is chosen.
  const prsm_eval::Dataset three = ThreeModels();
  CHECK_FALSE(prsm_eval::ChooseAgreementCascade(prsm_eval::Calibrate(three, 1), 2,
                                                prsm_eval::EnsembleObjective::kLift)
                  .has_value());
}

TEST_CASE("a three-stage cascade's middle model is the strongest efficient one between",
          "[eval][ensemble]") {
  // Five models on four train queries, by train (score, cost): cheap (0.5, 1), weak-mid
  // (0.75, 4), strong-mid (0.75, 5), pricey-mid (0.75, 6: dominated by both) and best (1.0, 10).
  prsm_eval::Dataset dataset;
  dataset.name = "five";
  dataset.models = {{"cheap", 1.0, 1.0},
                    {"weak-mid", 1.0, 1.0},
                    {"strong-mid", 1.0, 1.0},
                    {"pricey-mid", 1.0, 1.0},
                    {"best", 1.0, 1.0}};
  const std::vector<int> right = {2, 3, 3, 3, 4};  // right answers out of four, per model
  const std::vector<double> cost = {1.0, 4.0, 5.0, 6.0, 10.0};
  for (int q = 0; q < 4; ++q) {
    prsm_eval::Record record;
    record.id = "q" + std::to_string(q);
    record.prompt = "Question?\nA. w\nB. x\nC. y\nD. z";
    record.gold = "A";
    for (std::size_t m = 0; m < right.size(); ++m) {
      prsm_eval::Outcome outcome;
      outcome.score = q < right[m] ? 1.0 : 0.0;
      outcome.response = q < right[m] ? "Answer: A" : "Answer: B";
      outcome.cost_usd = cost[m];
      record.outcomes.emplace_back(outcome);
    }
    dataset.records.push_back(std::move(record));
  }
  prsm_eval::EvalEnv env = prsm_eval::Calibrate(dataset, 1);
  REQUIRE(env.best == 4);
  // weak-mid and strong-mid tie at 0.75 on train; pricey-mid is dominated by both: the
  // cheaper of the tie wins.
  CHECK(prsm_eval::ChooseMiddleStage(env, 0) == std::optional<int>(1));
  // A higher train score wins over a lower cost.
  env.train_score[2] = 0.9;
  CHECK(prsm_eval::ChooseMiddleStage(env, 0) == std::optional<int>(2));
  // A model dearer than the best, or no better than the cheap stage, is never the middle.
  env.train_cost[2] = 11.0;
  env.train_score[1] = 0.5;
  CHECK(prsm_eval::ChooseMiddleStage(env, 0) == std::optional<int>(3));
  // pricey-mid is left out once a model cheaper than the cheap stage beats it (dominated),
  // and so is a model cheaper than the cheap stage itself.
  env.train_score[1] = 0.9;
  env.train_cost[1] = 0.5;
  CHECK_FALSE(prsm_eval::ChooseMiddleStage(env, 0).has_value());
  env.train_score[1] = 0.5;
  CHECK(prsm_eval::ChooseMiddleStage(env, 0) == std::optional<int>(3));
  env.train_score[3] = 0.5;
  CHECK_FALSE(prsm_eval::ChooseMiddleStage(env, 0).has_value());
}
