// The voting rules' decision logic (consensus.h, "Voting rules"): majority, weighted
// confidence and the confidence rule, including early decisions in both directions.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "prsm/consensus.h"

using prsm::AnswerFormat;
using prsm::Candidate;
using prsm::Completion;
using prsm::Error;
using prsm::ErrorCode;
using prsm::VoteOptions;
using prsm::WeightedVoteOptions;

namespace {

Candidate Ok(std::string model, std::string text, double prior = 0.5,
             std::optional<double> confidence = std::nullopt) {
  Completion completion;
  completion.text = std::move(text);
  return Candidate{std::move(model), completion, "", prior, confidence};
}

Candidate Failed(std::string model) {
  return Candidate{std::move(model), Error(ErrorCode::kUnavailable, "down"), "", 0.5, std::nullopt};
}

VoteOptions Choice(double threshold = 0.5, std::size_t min_agreeing = 1) {
  VoteOptions options;
  options.answer.kind = AnswerFormat::Kind::kChoice;
  options.threshold = threshold;
  options.min_agreeing = min_agreeing;
  return options;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("majority: the most common answer wins and is explained", "[vote]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice());
  CHECK(rule->name() == "majority");
  const std::vector<Candidate> candidates{Ok("a", "Answer: B"), Ok("b", "Answer: C"),
                                          Ok("c", "The answer is (B)"), Ok("d", "**B**")};
  const prsm::Decision decision = rule->Decide(candidates);
  REQUIRE(decision.accepted);
  CHECK(decision.chosen == 0);  // equal weights: the earliest supporter
  CHECK(decision.supporters == std::vector<std::size_t>{0, 2, 3});
  CHECK(decision.agreement == Approx(0.75));
  CHECK(decision.confidence == Approx(0.75));
  CHECK(decision.explanation == "3 of 4 answers agree on 'B' (75% >= 50% threshold)");
}

TEST_CASE("majority: a tie is no majority", "[vote]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice(0.5));
  const prsm::Decision decision = rule->Decide(
      {Ok("a", "Answer: A"), Ok("b", "Answer: B"), Ok("c", "Answer: A"), Ok("d", "Answer: B")});
  CHECK_FALSE(decision.accepted);
  CHECK(decision.supporters.empty());
  CHECK(Contains(decision.explanation, "tie"));
  CHECK(Contains(decision.explanation, "'A'"));
  CHECK(Contains(decision.explanation, "'B'"));
}

TEST_CASE("majority: the seed's 0.8 threshold demands four to one", "[vote]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice(0.8));
  std::vector<Candidate> four_to_one{Ok("a", "A"), Ok("b", "A"), Ok("c", "A"), Ok("d", "A"),
                                     Ok("e", "B")};
  CHECK(rule->Decide(four_to_one).accepted);  // exactly 80%: the boundary is accepted
  std::vector<Candidate> three_to_one{Ok("a", "A"), Ok("b", "A"), Ok("c", "A"), Ok("e", "B")};
  const prsm::Decision decision = rule->Decide(three_to_one);
  CHECK_FALSE(decision.accepted);
  CHECK(decision.confidence == Approx(0.75));  // how close the leader came
  CHECK(decision.explanation ==
        "no consensus: the leading answer 'A' has 3 of 4 votes (75% < 80% threshold)");
}

TEST_CASE("majority: min_agreeing forbids a lone answer", "[vote]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice(0.5, 2));
  const prsm::Decision lone = rule->Decide({Ok("a", "A"), Failed("b")});
  CHECK_FALSE(lone.accepted);
  CHECK(Contains(lone.explanation, "only 1 answer agrees on 'A', 2 required"));
  CHECK(rule->Decide({Ok("a", "A"), Ok("b", "A"), Ok("c", "B")}).accepted);
  // min_agreeing 0 means 1.
  CHECK(prsm::MakeMajorityVoteRule(Choice(0.5, 0))->Decide({Ok("a", "A")}).accepted);
}

TEST_CASE("majority: failed candidates do not vote, unextractable ones dissent", "[vote]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice(0.6));
  // 2 of 3 votes (the failure does not count): 67% >= 60%.
  const prsm::Decision with_failure =
      rule->Decide({Ok("a", "A"), Failed("x"), Ok("b", "A"), Ok("c", "B")});
  REQUIRE(with_failure.accepted);
  CHECK(with_failure.chosen == 0);
  CHECK(with_failure.agreement == Approx(2.0 / 3.0));
  CHECK(Contains(with_failure.explanation, "1 attempt failed"));
  // 2 of 4 successful: the rambling answer counts against (50% < 60%).
  const prsm::Decision with_rambling =
      rule->Decide({Ok("a", "A"), Ok("r", "I am not sure."), Ok("b", "A"), Ok("c", "B")});
  CHECK_FALSE(with_rambling.accepted);
  CHECK(Contains(with_rambling.explanation, "2 of 4 votes"));
  CHECK(Contains(with_rambling.explanation, "no recognisable answer"));
}

TEST_CASE("majority: nothing to accept", "[vote]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice());
  const prsm::Decision all_failed = rule->Decide({Failed("a"), Failed("b")});
  CHECK_FALSE(all_failed.accepted);
  CHECK(all_failed.explanation == "no successful answer: all 2 attempts failed");
  const prsm::Decision none = rule->Decide({Ok("a", "hmm"), Ok("b", "no idea")});
  CHECK_FALSE(none.accepted);
  CHECK(Contains(none.explanation, "no answer could be extracted"));
  CHECK_FALSE(rule->Decide({}).accepted);
}

TEST_CASE("majority: numbers agree by value, similar texts by similarity", "[vote]") {
  VoteOptions numbers;
  numbers.answer.kind = AnswerFormat::Kind::kNumber;
  auto by_value = prsm::MakeMajorityVoteRule(numbers);
  const prsm::Decision decision = by_value->Decide(
      {Ok("a", "\\boxed{\\frac{1}{2}}"), Ok("b", "#### 0.5"), Ok("c", "the answer is 3")});
  REQUIRE(decision.accepted);
  CHECK(decision.supporters == std::vector<std::size_t>{0, 1});

  VoteOptions texts;
  texts.answer.kind = AnswerFormat::Kind::kSimilarText;
  texts.answer.similarity = 0.6;
  auto by_similarity = prsm::MakeMajorityVoteRule(texts);
  const prsm::Decision similar = by_similarity->Decide(
      {Ok("a", "Paris is the capital of France"), Ok("b", "Berlin, obviously"),
       Ok("c", "The capital of France is Paris.")});
  REQUIRE(similar.accepted);
  CHECK(similar.supporters == std::vector<std::size_t>{0, 2});
}

TEST_CASE("majority: bad options reject with an explanation and decide at once", "[vote]") {
  for (double threshold : {0.0, -0.5, 1.5, std::nan("")}) {
    auto rule = prsm::MakeMajorityVoteRule(Choice(threshold));
    const std::vector<Candidate> unanimous{Ok("a", "A"), Ok("b", "A")};
    CHECK(rule->IsDecided({unanimous[0]}, 3));
    const prsm::Decision decision = rule->Decide(unanimous);
    CHECK_FALSE(decision.accepted);
    CHECK(Contains(decision.explanation, "threshold"));
    CHECK(Contains(decision.explanation, "outside (0, 1]"));
  }
  VoteOptions texts;
  texts.answer.kind = AnswerFormat::Kind::kSimilarText;
  texts.answer.similarity = 0.0;
  const prsm::Decision decision = prsm::MakeMajorityVoteRule(texts)->Decide({Ok("a", "x")});
  CHECK_FALSE(decision.accepted);
  CHECK(Contains(decision.explanation, "similarity"));
}

TEST_CASE("early decision: accepts once the rest cannot change the outcome", "[vote][early]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice(0.5));
  // 5 expected. Two 'A's: three outstanding could all be 'B' (2 vs 3): open.
  std::vector<Candidate> so_far{Ok("a", "A"), Ok("b", "A")};
  CHECK_FALSE(rule->IsDecided(so_far, 5));
  // Three 'A's: 3 of 5 at worst (60% and more than 2): decided, and Decide accepts.
  so_far.push_back(Ok("c", "A"));
  CHECK(rule->IsDecided(so_far, 5));
  CHECK(rule->Decide(so_far).accepted);
  // The boundary: 3 'A' of 6 expected can still end 3-3, a tie: open.
  CHECK_FALSE(rule->IsDecided(so_far, 6));
}

TEST_CASE("early decision: rejects once acceptance is impossible", "[vote][early]") {
  auto rule = prsm::MakeMajorityVoteRule(Choice(0.8));
  // 5 expected, threshold 80%: A, B, C leave at most 3 of 5 for any answer.
  std::vector<Candidate> so_far{Ok("a", "A"), Ok("b", "B")};
  CHECK_FALSE(rule->IsDecided(so_far, 5));  // A + three more = 4 of 5 = 80%: still possible
  so_far.push_back(Ok("c", "C"));
  CHECK(rule->IsDecided(so_far, 5));
  CHECK_FALSE(rule->Decide(so_far).accepted);
  // Failures do not shrink what is possible below the threshold by themselves: with 4
  // expected, A and a failure leave A + 2 = 3 of 3 voting.
  std::vector<Candidate> failed_first{Ok("a", "A"), Failed("f")};
  CHECK_FALSE(rule->IsDecided(failed_first, 4));
}

TEST_CASE("early decision: min_agreeing keeps the vote open, decide_early off waits",
          "[vote][early]") {
  auto needs_two = prsm::MakeMajorityVoteRule(Choice(0.5, 2));
  CHECK_FALSE(needs_two->IsDecided({Ok("a", "A")}, 3));
  CHECK(needs_two->IsDecided({Ok("a", "A"), Ok("b", "A")}, 3));

  VoteOptions patient = Choice(0.5);
  patient.decide_early = false;
  auto rule = prsm::MakeMajorityVoteRule(patient);
  CHECK_FALSE(rule->IsDecided({Ok("a", "A"), Ok("b", "A"), Ok("c", "A")}, 5));
  CHECK(rule->IsDecided({Ok("a", "A"), Ok("b", "A")}, 2));  // all in
}

TEST_CASE("early decision agrees with Decide on every split", "[vote][early]") {
  // Exhaustive over short sequences of A / B / unextractable / failed: whenever IsDecided
  // says the outcome is settled, every completion of the sequence must decide alike.
  const std::vector<Candidate> kinds{Ok("m", "A"), Ok("m", "B"), Ok("m", "??"), Failed("m")};
  for (double threshold : {0.5, 0.6, 0.8, 1.0}) {
    auto rule = prsm::MakeMajorityVoteRule(Choice(threshold));
    const std::size_t expected = 4;
    for (std::size_t prefix_len = 1; prefix_len < expected; ++prefix_len) {
      std::size_t prefixes = 1;
      for (std::size_t i = 0; i < prefix_len; ++i) prefixes *= kinds.size();
      for (std::size_t p = 0; p < prefixes; ++p) {
        std::vector<Candidate> prefix;
        for (std::size_t i = 0, code = p; i < prefix_len; ++i, code /= kinds.size()) {
          prefix.push_back(kinds[code % kinds.size()]);
        }
        if (!rule->IsDecided(prefix, expected)) continue;
        const prsm::Decision now = rule->Decide(prefix);
        std::size_t rests = 1;
        for (std::size_t i = prefix_len; i < expected; ++i) rests *= kinds.size();
        for (std::size_t r = 0; r < rests; ++r) {
          std::vector<Candidate> all = prefix;
          for (std::size_t i = prefix_len, code = r; i < expected; ++i, code /= kinds.size()) {
            all.push_back(kinds[code % kinds.size()]);
          }
          const prsm::Decision later = rule->Decide(all);
          INFO("threshold " << threshold << " prefix " << p << " rest " << r);
          REQUIRE(later.accepted == now.accepted);
          if (now.accepted) CHECK(later.chosen == now.chosen);
        }
      }
    }
  }
}

TEST_CASE("weighted: model weights, priors and confidence multiply", "[vote][weighted]") {
  WeightedVoteOptions options;
  options.vote = Choice(0.5);
  options.model_weights = {{"strong", 3.0}};
  options.use_priors = false;
  options.use_confidence = false;
  auto by_weight = prsm::MakeWeightedConfidenceRule(options);
  CHECK(by_weight->name() == "weighted-confidence");
  // One strong 'B' (3) outweighs two 'A's (1 + 1): 60% of 5.
  const prsm::Decision decision =
      by_weight->Decide({Ok("x", "A"), Ok("strong", "B"), Ok("y", "A")});
  REQUIRE(decision.accepted);
  CHECK(decision.chosen == 1);
  CHECK(decision.confidence == Approx(0.6));
  CHECK(decision.agreement == Approx(1.0 / 3.0));
  CHECK(Contains(decision.explanation, "60% of the vote weight (3.00 of 5.00"));

  // Priors: a 0.9 model against two 0.2 models.
  options.model_weights.clear();
  options.use_priors = true;
  auto by_prior = prsm::MakeWeightedConfidenceRule(options);
  const prsm::Decision prior_decision =
      by_prior->Decide({Ok("x", "A", 0.2), Ok("good", "B", 0.9), Ok("y", "A", 0.2)});
  REQUIRE(prior_decision.accepted);
  CHECK(prior_decision.chosen == 1);
  CHECK(prior_decision.confidence == Approx(0.9 / 1.3));

  // Confidence: the sure 'A' outweighs the unsure 'B's; a candidate without one counts fully.
  options.use_priors = false;
  options.use_confidence = true;
  auto by_confidence = prsm::MakeWeightedConfidenceRule(options);
  const prsm::Decision confident = by_confidence->Decide(
      {Ok("x", "B", 0.5, 0.1), Ok("y", "A", 0.5, 0.95), Ok("z", "B", 0.5, 0.1)});
  REQUIRE(confident.accepted);
  CHECK(confident.chosen == 1);
  const prsm::Decision unknown =
      by_confidence->Decide({Ok("x", "B", 0.5, 0.4), Ok("y", "A", 0.5, std::nullopt)});
  REQUIRE(unknown.accepted);
  CHECK(unknown.chosen == 1);
}

TEST_CASE("weighted: the heaviest supporter is chosen, zero weights do not count",
          "[vote][weighted]") {
  WeightedVoteOptions options;
  options.vote = Choice(0.5, 2);
  options.model_weights = {{"light", 0.5}, {"heavy", 2.0}, {"muted", 0.0}};
  options.use_priors = false;
  auto rule = prsm::MakeWeightedConfidenceRule(options);
  const prsm::Decision decision =
      rule->Decide({Ok("light", "A"), Ok("heavy", "A"), Ok("other", "B")});
  REQUIRE(decision.accepted);
  CHECK(decision.chosen == 1);
  // A muted model's agreement is listed but does not make up min_agreeing.
  const prsm::Decision muted = rule->Decide({Ok("heavy", "A"), Ok("muted", "A")});
  CHECK_FALSE(muted.accepted);
  CHECK(Contains(muted.explanation, "only 1 answer agrees"));
  const prsm::Decision silence = rule->Decide({Ok("muted", "A")});
  CHECK_FALSE(silence.accepted);
  CHECK(Contains(silence.explanation, "every vote weighs 0"));
}

TEST_CASE("weighted: bad weights reject with an explanation", "[vote][weighted]") {
  for (double bad : {-1.0, std::numeric_limits<double>::infinity(), std::nan("")}) {
    WeightedVoteOptions options;
    options.vote = Choice();
    options.model_weights = {{"m", bad}};
    auto rule = prsm::MakeWeightedConfidenceRule(options);
    CHECK(rule->IsDecided({Ok("m", "A")}, 3));
    const prsm::Decision decision = rule->Decide({Ok("m", "A"), Ok("n", "A")});
    CHECK_FALSE(decision.accepted);
    CHECK(Contains(decision.explanation, "model 'm' has weight"));
  }
  // Out-of-range priors and confidences are clamped, not rejected.
  WeightedVoteOptions options;
  options.vote = Choice();
  auto rule = prsm::MakeWeightedConfidenceRule(options);
  CHECK(rule->Decide({Ok("m", "A", 7.0, -3.0), Ok("n", "A", std::nan(""), 2.0)}).accepted);
}

TEST_CASE("weighted early decision bounds outstanding votes by the largest weight",
          "[vote][weighted][early]") {
  WeightedVoteOptions options;
  options.vote = Choice(0.5);
  options.use_priors = false;
  options.use_confidence = false;
  auto plain = prsm::MakeWeightedConfidenceRule(options);
  // Weights 1: two 'A's of 3 expected are settled (2 > 1).
  CHECK(plain->IsDecided({Ok("x", "A"), Ok("y", "A")}, 3));
  // A model weighing 3 might still come: 2 'A' vs a possible 3 'B' stays open.
  options.model_weights = {{"heavy", 3.0}};
  auto heavy = prsm::MakeWeightedConfidenceRule(options);
  CHECK_FALSE(heavy->IsDecided({Ok("x", "A"), Ok("y", "A")}, 3));
  CHECK(heavy->IsDecided({Ok("heavy", "A"), Ok("y", "A")}, 3));  // 4 vs at most 3
  // Light model weights never lower the bound below 1.
  options.model_weights = {{"light", 0.1}};
  auto light = prsm::MakeWeightedConfidenceRule(options);
  CHECK_FALSE(light->IsDecided({Ok("x", "A")}, 3));
}

TEST_CASE("confidence rule: the first sure answer stands, unsure ones escalate",
          "[vote][confidence]") {
  auto rule = prsm::MakeConfidenceRule(0.8);
  CHECK(rule->name() == "confidence");
  const prsm::Decision sure = rule->Decide({Ok("cheap", "42", 0.5, 0.9)});
  REQUIRE(sure.accepted);
  CHECK(sure.confidence == Approx(0.9));
  CHECK(sure.supporters == std::vector<std::size_t>{0});
  CHECK(Contains(sure.explanation, "'cheap' is 90% confident"));

  const prsm::Decision unsure = rule->Decide({Ok("cheap", "42", 0.5, 0.6)});
  CHECK_FALSE(unsure.accepted);
  CHECK(unsure.confidence == Approx(0.6));
  CHECK(Contains(unsure.explanation, "60% sure (< 80% required)"));

  // Without logprobs there is no confidence: rejected.
  const prsm::Decision blind = rule->Decide({Ok("cheap", "42")});
  CHECK_FALSE(blind.accepted);
  CHECK(Contains(blind.explanation, "no answer came with logprobs"));

  // The logprobs themselves serve when the candidate's confidence was not filled.
  Candidate from_logprobs = Ok("cheap", "42");
  from_logprobs.result->logprobs = {{"42", std::log(0.95), {}}};
  CHECK(rule->Decide({from_logprobs}).accepted);

  // Several: the first confident one, after unsure and failed ones.
  const prsm::Decision second = rule->Decide(
      {Failed("a"), Ok("b", "1", 0.5, 0.5), Ok("c", "2", 0.5, 0.85), Ok("d", "3", 0.5, 0.99)});
  REQUIRE(second.accepted);
  CHECK(second.chosen == 2);
}

TEST_CASE("confidence rule: early decision and bad thresholds", "[vote][confidence][early]") {
  auto rule = prsm::MakeConfidenceRule(0.8);
  CHECK_FALSE(rule->IsDecided({Ok("a", "1", 0.5, 0.5)}, 2));
  CHECK(rule->IsDecided({Ok("a", "1", 0.5, 0.5), Ok("b", "2", 0.5, 0.9)}, 3));
  CHECK(rule->IsDecided({Failed("a")}, 1));

  for (double bad : {-0.1, 1.1, std::nan("")}) {
    auto broken = prsm::MakeConfidenceRule(bad);
    CHECK(broken->IsDecided({Ok("a", "1", 0.5, 1.0)}, 3));
    const prsm::Decision decision = broken->Decide({Ok("a", "1", 0.5, 1.0)});
    CHECK_FALSE(decision.accepted);
    CHECK(Contains(decision.explanation, "min_confidence"));
  }
  CHECK(prsm::MakeConfidenceRule(0.0)->Decide({Ok("a", "1", 0.5, 0.0)}).accepted);
}
