// The expert rule (consensus.h, MakeExpertRule): experts by domain with min_support, the
// weighted-vote fallback, and its early decisions.
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "prsm/consensus.h"

using prsm::AnswerFormat;
using prsm::Candidate;
using prsm::Completion;
using prsm::Error;
using prsm::ErrorCode;
using prsm::ExpertOptions;

namespace {

Candidate Ok(std::string model, std::string text, std::string domain = "code") {
  Completion completion;
  completion.text = std::move(text);
  return Candidate{std::move(model), completion, std::move(domain), 0.5, std::nullopt};
}

Candidate Failed(std::string model, std::string domain = "code") {
  return Candidate{std::move(model), Error(ErrorCode::kUnavailable, "down"), std::move(domain), 0.5,
                   std::nullopt};
}

ExpertOptions Experts(std::size_t min_support) {
  ExpertOptions options;
  options.experts = {{"code", {"guru", "senior"}}};
  options.min_support = min_support;
  options.fallback.vote.answer.kind = AnswerFormat::Kind::kChoice;
  options.fallback.vote.threshold = 0.5;
  options.fallback.use_priors = false;
  return options;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("expert: a lone expert answer stands when min_support is 0", "[expert]") {
  auto rule = prsm::MakeExpertRule(Experts(0));
  CHECK(rule->name() == "expert");
  const prsm::Decision decision =
      rule->Decide({Ok("x", "Answer: A"), Ok("senior", "Answer: B"), Ok("y", "Answer: A")});
  REQUIRE(decision.accepted);
  CHECK(decision.chosen == 1);
  CHECK(decision.supporters == std::vector<std::size_t>{1});
  CHECK(decision.agreement == Approx(1.0 / 3.0));
  CHECK(decision.confidence == Approx(1.0 / 3.0));  // its share of the fallback's weight
  CHECK(Contains(decision.explanation, "expert 'senior' for domain 'code' answered 'B'"));
}

TEST_CASE("expert: the most trusted expert with enough backing wins", "[expert]") {
  auto rule = prsm::MakeExpertRule(Experts(1));
  // guru (most trusted) says C alone; senior says A, backed by x: senior wins.
  const prsm::Decision decision =
      rule->Decide({Ok("guru", "C"), Ok("senior", "A"), Ok("x", "A"), Ok("y", "B")});
  REQUIRE(decision.accepted);
  CHECK(decision.chosen == 1);
  CHECK(decision.supporters == std::vector<std::size_t>{1, 2});
  CHECK(Contains(decision.explanation, "backed by 1 other answer (1 required)"));
  // Both backed: guru first.
  const prsm::Decision both =
      rule->Decide({Ok("senior", "A"), Ok("x", "A"), Ok("guru", "B"), Ok("y", "B")});
  REQUIRE(both.accepted);
  CHECK(both.chosen == 2);
}

TEST_CASE("expert: without a backed expert, a weighted vote decides", "[expert]") {
  auto rule = prsm::MakeExpertRule(Experts(2));
  const prsm::Decision decision =
      rule->Decide({Ok("guru", "C"), Ok("x", "A"), Ok("y", "A"), Ok("z", "A")});
  REQUIRE(decision.accepted);
  CHECK(decision.chosen == 1);
  CHECK(Contains(decision.explanation, "weighted vote: "));
  // A failed expert does not qualify either.
  const prsm::Decision failed = rule->Decide({Failed("guru"), Ok("x", "A"), Ok("y", "A")});
  REQUIRE(failed.accepted);
  CHECK(failed.chosen == 1);
  // And the fallback may reject.
  const prsm::Decision split = rule->Decide({Ok("guru", "C"), Ok("x", "A"), Ok("y", "B")});
  CHECK_FALSE(split.accepted);
  CHECK(Contains(split.explanation, "no consensus"));
}

TEST_CASE("expert: other domains and unknown domains go to the weighted vote", "[expert]") {
  auto rule = prsm::MakeExpertRule(Experts(0));
  const prsm::Decision other =
      rule->Decide({Ok("guru", "C", "law"), Ok("x", "A", "law"), Ok("y", "A", "law")});
  REQUIRE(other.accepted);
  CHECK(other.chosen == 1);
  CHECK(Contains(other.explanation, "no experts for domain 'law'"));
  const prsm::Decision unknown = rule->Decide({Ok("guru", "C", ""), Ok("x", "A", "")});
  CHECK_FALSE(unknown.accepted);  // 1 vs 1: a tie
  CHECK(Contains(unknown.explanation, "domain unknown"));
}

TEST_CASE("expert: early decisions", "[expert][early]") {
  auto lone = prsm::MakeExpertRule(Experts(0));
  // The most trusted expert answered: nothing can overrule it.
  CHECK(lone->IsDecided({Ok("x", "A"), Ok("guru", "B")}, 4));
  // The second expert answered, but guru may still come and would win: wait.
  CHECK_FALSE(lone->IsDecided({Ok("senior", "B")}, 3));
  CHECK(lone->IsDecided({Ok("senior", "B"), Ok("guru", "A")}, 3));

  auto backed = prsm::MakeExpertRule(Experts(2));
  // guru's answer needs two backers; two more candidates could provide them: wait.
  CHECK_FALSE(backed->IsDecided({Ok("guru", "B"), Ok("x", "A")}, 4));
  CHECK(backed->IsDecided({Ok("guru", "B"), Ok("x", "B"), Ok("y", "B")}, 5));
  // Whatever the fallback: with no expert able to qualify any more, the vote decides.
  CHECK(backed->IsDecided({Ok("x", "A"), Ok("y", "B"), Ok("z", "C"), Ok("w", "D")}, 5));
  CHECK(backed->Decide({Ok("x", "A"), Ok("y", "B"), Ok("z", "C"), Ok("w", "D")}).accepted == false);
  // Outside expert domains it behaves as the weighted vote.
  CHECK(backed->IsDecided({Ok("x", "A", "law"), Ok("y", "A", "law")}, 3));
}
