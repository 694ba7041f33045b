// Expert models: in a domain with experts, the most trusted expert whose answer enough other
// candidates back is accepted; otherwise a weighted vote decides (see consensus.h).
//
// Precisely: the query's domain is the first non-empty Candidate::domain. Expert answers are
// ranked by the expert's place in the list, then by arrival; an expert answer qualifies when
// at least `min_support` other successful candidates give an agreeing answer (failed and
// unextractable ones never support; weights play no part). The first qualifying answer in
// that order is accepted; its supporters are every candidate agreeing with it, its confidence
// the share of the fallback vote's weight they carry. An expert that failed, or whose answer
// cannot be extracted, does not qualify.
//
// Early decision: an expert's acceptance is final only when no answer ranked before it could
// still qualify, counting the candidates still to come as possible supporters and as possible
// answers of a more trusted expert. While an expert could still qualify, the vote waits.
#include <algorithm>

#include <fmt/format.h>

#include "consensus/vote_tally.h"
#include "prsm/consensus.h"

namespace prsm {

namespace {

struct ExpertAnswer {
  std::size_t rank = 0;       // the expert's place in the domain's list
  std::size_t candidate = 0;  // index into the candidates
  std::size_t support = 0;    // other candidates agreeing
};

class ExpertRule final : public ConsensusRule {
 public:
  explicit ExpertRule(ExpertOptions options)
      : options_(std::move(options)), fallback_(MakeWeightedConfidenceRule(options_.fallback)) {}

  std::string_view name() const noexcept override { return "expert"; }

  bool IsDecided(const std::vector<Candidate>& so_far, std::size_t expected) const override {
    if (so_far.size() >= expected) return true;
    const std::vector<std::string>* experts = ExpertsFor(so_far);
    if (experts == nullptr) return fallback_->IsDecided(so_far, expected);
    if (!options_.fallback.vote.decide_early) return false;
    const std::size_t outstanding = expected - so_far.size();
    const internal::Tally tally = Group(so_far);
    const std::vector<ExpertAnswer> answers = Rank(so_far, *experts, tally);
    // A candidate still to come could be a more trusted expert, backed by the largest group
    // so far and every other candidate still to come.
    std::size_t largest = 0;
    for (const auto& group : tally.groups) largest = std::max(largest, group.members.size());
    const bool newcomer_could_qualify = largest + outstanding - 1 >= options_.min_support;

    for (const ExpertAnswer& answer : answers) {
      if (answer.support >= options_.min_support) {
        // Accepted unless a more trusted expert could still arrive and qualify.
        return answer.rank == 0 || !newcomer_could_qualify;
      }
      if (answer.support + outstanding >= options_.min_support) return false;
    }
    if (newcomer_could_qualify) return false;
    return fallback_->IsDecided(so_far, expected);
  }

  Decision Decide(const std::vector<Candidate>& candidates) const override {
    const std::vector<std::string>* experts = ExpertsFor(candidates);
    const std::string domain = DomainOf(candidates);
    if (experts == nullptr) {
      Decision decision = fallback_->Decide(candidates);
      decision.explanation =
          fmt::format("{}; weighted vote: {}",
                      domain.empty() ? std::string("domain unknown")
                                     : fmt::format("no experts for domain '{}'", domain),
                      decision.explanation);
      return decision;
    }
    const internal::Tally tally = Group(candidates);
    for (const ExpertAnswer& answer : Rank(candidates, *experts, tally)) {
      if (answer.support < options_.min_support) continue;
      const internal::AnswerGroup& group = tally.groups[*tally.group_of[answer.candidate]];
      Decision decision;
      decision.accepted = true;
      decision.chosen = answer.candidate;
      decision.supporters = group.members;
      decision.agreement =
          static_cast<double>(group.members.size()) / static_cast<double>(tally.successful);
      decision.confidence = WeightShare(candidates, group);
      decision.explanation = fmt::format(
          "expert '{}' for domain '{}' answered {}, backed by {} other answer{} ({} required); "
          "{} of {} answers agree",
          candidates[answer.candidate].model, domain, internal::Quote(group.answer), answer.support,
          answer.support == 1 ? "" : "s", options_.min_support, group.members.size(),
          tally.successful);
      return decision;
    }
    Decision decision = fallback_->Decide(candidates);
    decision.explanation = fmt::format(
        "no answer of an expert for domain '{}' had the {} backing answer{} "
        "required; weighted vote: {}",
        domain, options_.min_support, options_.min_support == 1 ? "" : "s", decision.explanation);
    return decision;
  }

 private:
  static std::string DomainOf(const std::vector<Candidate>& candidates) {
    for (const Candidate& candidate : candidates) {
      if (!candidate.domain.empty()) return candidate.domain;
    }
    return {};
  }

  const std::vector<std::string>* ExpertsFor(const std::vector<Candidate>& candidates) const {
    const std::string domain = DomainOf(candidates);
    if (domain.empty()) return nullptr;
    auto it = options_.experts.find(domain);
    if (it == options_.experts.end() || it->second.empty()) return nullptr;
    return &it->second;
  }

  // Groups answers only; weights do not matter to an expert's support.
  internal::Tally Group(const std::vector<Candidate>& candidates) const {
    return internal::CountVotes(candidates, options_.fallback.vote.answer,
                                [](const Candidate& /*candidate*/) { return 1.0; });
  }

  // The experts' extractable answers, most trusted expert first, then by arrival.
  static std::vector<ExpertAnswer> Rank(const std::vector<Candidate>& candidates,
                                        const std::vector<std::string>& experts,
                                        const internal::Tally& tally) {
    std::vector<ExpertAnswer> answers;
    for (std::size_t rank = 0; rank < experts.size(); ++rank) {
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (candidates[i].model != experts[rank] || !tally.group_of[i]) continue;
        const std::size_t members = tally.groups[*tally.group_of[i]].members.size();
        answers.push_back(ExpertAnswer{rank, i, members - 1});
      }
    }
    return answers;
  }

  double WeightShare(const std::vector<Candidate>& candidates,
                     const internal::AnswerGroup& group) const {
    double total = 0.0;
    double agreeing = 0.0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (!candidates[i].result) continue;
      const double weight = internal::WeightedVoteWeight(options_.fallback, candidates[i]);
      total += weight;
      if (std::binary_search(group.members.begin(), group.members.end(), i)) agreeing += weight;
    }
    return total > 0.0 ? agreeing / total : 0.0;
  }

  const ExpertOptions options_;
  const std::unique_ptr<ConsensusRule> fallback_;
};

}  // namespace

std::unique_ptr<ConsensusRule> MakeExpertRule(ExpertOptions options) {
  return std::make_unique<ExpertRule>(std::move(options));
}

}  // namespace prsm
