#include "prsm/consensus.h"

#include <catch2/catch.hpp>

using prsm::Candidate;
using prsm::Completion;
using prsm::Error;
using prsm::ErrorCode;

namespace {
Candidate Ok(std::string model, std::string text) {
  Completion completion;
  completion.text = std::move(text);
  return Candidate{std::move(model), completion, "", 0.5, std::nullopt};
}
Candidate Failed(std::string model) {
  return Candidate{std::move(model), Error(ErrorCode::kUnavailable, "down"), "", 0.5, std::nullopt};
}
}  // namespace

TEST_CASE("first-success decides at the first successful arrival", "[consensus]") {
  auto rule = prsm::MakeFirstSuccessRule();
  std::vector<Candidate> so_far;
  so_far.push_back(Failed("a"));
  CHECK_FALSE(rule->IsDecided(so_far, 3));
  so_far.push_back(Ok("b", "42"));
  CHECK(rule->IsDecided(so_far, 3));
  auto decision = rule->Decide(so_far);
  CHECK(decision.accepted);
  CHECK(decision.chosen == 1);
  CHECK(decision.supporters == std::vector<std::size_t>{1});
  CHECK(decision.explanation.find("'b'") != std::string::npos);
}

TEST_CASE("first-success rejects when every attempt failed", "[consensus]") {
  auto rule = prsm::MakeFirstSuccessRule();
  std::vector<Candidate> all_failed{Failed("a"), Failed("b")};
  CHECK_FALSE(rule->IsDecided(all_failed, 2));
  auto decision = rule->Decide(all_failed);
  CHECK_FALSE(decision.accepted);
  CHECK(decision.explanation.find("2") != std::string::npos);
}
