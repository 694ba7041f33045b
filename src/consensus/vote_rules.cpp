// The voting rules: majority, weighted confidence, and the single-answer confidence rule.
//
// The rules hold only their options, so one rule may serve many requests and orchestrators at
// once. Each call re-extracts the answers of the candidates so far: extraction scans a reply
// once, backwards from its final statement in most cases (a few microseconds for a
// multi-kilobyte reasoning answer), which is cheaper than any shared cache would be to guard.
//
// Bad options never crash and are never silently "fixed": the rule rejects every vote with an
// explanation naming the bad value (and decides at once, so no call is wasted on a vote that
// cannot succeed). `min_agreeing` 0 means 1: an accepted answer always has a supporter.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "consensus/vote_tally.h"
#include "prsm/consensus.h"

namespace prsm {

namespace {

using internal::VoteOutlook;

bool Undecidable(std::size_t arrived, std::size_t expected) { return arrived >= expected; }

class MajorityVoteRule final : public ConsensusRule {
 public:
  explicit MajorityVoteRule(VoteOptions options) : options_(std::move(options)) {}

  std::string_view name() const noexcept override { return "majority"; }

  bool IsDecided(const std::vector<Candidate>& so_far, std::size_t expected) const override {
    if (Undecidable(so_far.size(), expected)) return true;
    if (internal::InvalidVoteOptions(options_)) return true;
    if (!options_.decide_early) return false;
    const internal::Tally tally = internal::CountVotes(so_far, options_.answer, One);
    return internal::OutlookOf(tally, options_, expected - so_far.size(), 1.0) !=
           VoteOutlook::kOpen;
  }

  Decision Decide(const std::vector<Candidate>& candidates) const override {
    const internal::Tally tally = internal::CountVotes(candidates, options_.answer, One);
    return internal::DecideByVote(tally, options_, /*weighted=*/false);
  }

 private:
  static double One(const Candidate& /*candidate*/) { return 1.0; }

  const VoteOptions options_;
};

class WeightedConfidenceRule final : public ConsensusRule {
 public:
  explicit WeightedConfidenceRule(WeightedVoteOptions options)
      : options_(std::move(options)), max_weight_(internal::MaxWeightedVoteWeight(options_)) {}

  std::string_view name() const noexcept override { return "weighted-confidence"; }

  bool IsDecided(const std::vector<Candidate>& so_far, std::size_t expected) const override {
    if (Undecidable(so_far.size(), expected)) return true;
    if (Invalid()) return true;
    if (!options_.vote.decide_early) return false;
    const internal::Tally tally = Count(so_far);
    return internal::OutlookOf(tally, options_.vote, expected - so_far.size(), max_weight_) !=
           VoteOutlook::kOpen;
  }

  Decision Decide(const std::vector<Candidate>& candidates) const override {
    if (auto invalid = Invalid()) {
      Decision decision;
      decision.explanation = *invalid;
      return decision;
    }
    return internal::DecideByVote(Count(candidates), options_.vote, /*weighted=*/true);
  }

 private:
  std::optional<std::string> Invalid() const { return internal::InvalidWeightedOptions(options_); }

  internal::Tally Count(const std::vector<Candidate>& candidates) const {
    return internal::CountVotes(candidates, options_.vote.answer, [this](const Candidate& c) {
      return internal::WeightedVoteWeight(options_, c);
    });
  }

  const WeightedVoteOptions options_;
  const double max_weight_;
};

class ConfidenceRule final : public ConsensusRule {
 public:
  explicit ConfidenceRule(double min_confidence) : min_confidence_(min_confidence) {}

  std::string_view name() const noexcept override { return "confidence"; }

  // The first confident answer decides; nothing to come can change that. A rule with a bad
  // threshold can accept nothing, so it decides at once too.
  bool IsDecided(const std::vector<Candidate>& so_far, std::size_t expected) const override {
    if (Undecidable(so_far.size(), expected) || !Valid()) return true;
    return std::any_of(so_far.begin(), so_far.end(),
                       [&](const Candidate& c) { return Confident(c); });
  }

  Decision Decide(const std::vector<Candidate>& candidates) const override {
    Decision decision;
    if (!Valid()) {
      decision.explanation = fmt::format(
          "invalid confidence rule: min_confidence {} is outside [0, 1]", min_confidence_);
      return decision;
    }
    std::size_t successful = 0;
    std::size_t without_logprobs = 0;
    std::optional<double> best_seen;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const Candidate& candidate = candidates[i];
      if (!candidate.result) continue;
      ++successful;
      const std::optional<double> confidence = ConfidenceOf(candidate);
      if (!confidence) {
        ++without_logprobs;
        continue;
      }
      if (*confidence < min_confidence_) {
        best_seen = std::max(best_seen.value_or(0.0), *confidence);
        continue;
      }
      decision.accepted = true;
      decision.chosen = i;
      decision.supporters = {i};
      decision.agreement = 1.0;  // nothing was compared: the answer stands alone
      decision.confidence = *confidence;
      decision.explanation =
          fmt::format("'{}' is {:.0f}% confident (>= {:.0f}% required)", candidate.model,
                      100.0 * *confidence, 100.0 * min_confidence_);
      return decision;
    }
    if (successful == 0) {
      decision.explanation =
          fmt::format("no successful answer: all {} attempts failed", candidates.size());
      return decision;
    }
    decision.confidence = best_seen.value_or(0.0);
    std::string reason =
        best_seen ? fmt::format("the most confident answer is {:.0f}% sure (< {:.0f}% required)",
                                100.0 * *best_seen, 100.0 * min_confidence_)
                  : std::string("no answer came with logprobs");
    if (best_seen && without_logprobs > 0) {
      reason += fmt::format("; {} answer{} came without logprobs", without_logprobs,
                            without_logprobs == 1 ? "" : "s");
    }
    decision.explanation = "not confident enough: " + reason;
    return decision;
  }

 private:
  bool Valid() const { return min_confidence_ >= 0.0 && min_confidence_ <= 1.0; }

  // The orchestrator fills Candidate::confidence; a host calling the rule directly may not,
  // so the logprobs are the fallback.
  static std::optional<double> ConfidenceOf(const Candidate& candidate) {
    if (!candidate.result) return std::nullopt;
    if (candidate.confidence && std::isfinite(*candidate.confidence)) {
      return std::clamp(*candidate.confidence, 0.0, 1.0);
    }
    return LogprobConfidence(*candidate.result);
  }

  bool Confident(const Candidate& candidate) const {
    const std::optional<double> confidence = ConfidenceOf(candidate);
    return confidence && *confidence >= min_confidence_;
  }

  const double min_confidence_;
};

}  // namespace

std::unique_ptr<ConsensusRule> MakeMajorityVoteRule(VoteOptions options) {
  return std::make_unique<MajorityVoteRule>(std::move(options));
}

std::unique_ptr<ConsensusRule> MakeWeightedConfidenceRule(WeightedVoteOptions options) {
  return std::make_unique<WeightedConfidenceRule>(std::move(options));
}

std::unique_ptr<ConsensusRule> MakeConfidenceRule(double min_confidence) {
  return std::make_unique<ConfidenceRule>(min_confidence);
}

}  // namespace prsm
