// Counting votes (see vote_tally.h for the semantics).
#include "consensus/vote_tally.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace prsm::internal {

namespace {

// Relative slack for comparing sums of weights.
constexpr double kSlack = 1e-9;
constexpr std::size_t kQuoteLength = 40;

double Tolerance(double scale) { return kSlack * std::max(1.0, scale); }

// The group with the most weight (earliest on ties), and the heaviest other group's weight.
struct Standing {
  std::optional<std::size_t> leader;
  double runner_up = 0.0;
  bool tied = false;
};

Standing StandingOf(const Tally& tally) {
  Standing standing;
  for (std::size_t g = 0; g < tally.groups.size(); ++g) {
    const double weight = tally.groups[g].weight;
    if (!standing.leader || weight > tally.groups[*standing.leader].weight) {
      if (standing.leader) standing.runner_up = tally.groups[*standing.leader].weight;
      standing.leader = g;
    } else {
      standing.runner_up = std::max(standing.runner_up, weight);
    }
  }
  if (standing.leader) {
    const double lead = tally.groups[*standing.leader].weight;
    standing.tied =
        tally.groups.size() > 1 && lead <= standing.runner_up + Tolerance(tally.total_weight);
  }
  return standing;
}

// Whether a group weighing `weight` with `counted` positive-weight members, against a rival
// weighing `rival`, out of `total`, would be accepted.
bool Passes(double weight, double rival, double total, std::size_t counted,
            const VoteOptions& options) {
  if (total <= 0.0) return false;
  const double slack = Tolerance(total);
  return weight / total >= options.threshold - kSlack && weight > rival + slack &&
         counted >= std::max<std::size_t>(1, options.min_agreeing);
}

std::string Percent(double share) { return fmt::format("{:.0f}%", 100.0 * share); }

std::string Weight(double weight) { return fmt::format("{:.2f}", weight); }

// "1 attempt failed; 1 answer had no recognisable answer" (or empty).
std::string Remarks(const Tally& tally) {
  std::string remarks;
  if (tally.failed > 0) {
    remarks += fmt::format("; {} attempt{} failed", tally.failed, tally.failed == 1 ? "" : "s");
  }
  if (tally.unextractable > 0) {
    remarks += fmt::format("; {} answer{} held no recognisable answer and count{} against",
                           tally.unextractable, tally.unextractable == 1 ? "" : "s",
                           tally.unextractable == 1 ? "s" : "");
  }
  return remarks;
}

}  // namespace

std::string Quote(const std::string& answer) {
  if (answer.size() <= kQuoteLength) return "'" + answer + "'";
  std::size_t cut = kQuoteLength;
  // Do not split a UTF-8 sequence: back up to the start of one.
  while (cut > 0 && (static_cast<unsigned char>(answer[cut]) & 0xC0) == 0x80) --cut;
  return "'" + answer.substr(0, cut) + "...'";
}

Tally CountVotes(const std::vector<Candidate>& candidates, const AnswerFormat& format,
                 const WeightOf& weight_of) {
  Tally tally;
  tally.candidates = candidates.size();
  tally.group_of.resize(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const Candidate& candidate = candidates[i];
    if (!candidate.result) {
      ++tally.failed;
      continue;
    }
    ++tally.successful;
    const double weight = weight_of(candidate);
    tally.total_weight += weight;
    std::optional<std::string> answer = ExtractAnswer(candidate.result->text, format);
    if (!answer) {
      ++tally.unextractable;
      continue;
    }
    auto group = std::find_if(tally.groups.begin(), tally.groups.end(), [&](const AnswerGroup& g) {
      return AnswersAgree(g.answer, *answer, format);
    });
    if (group == tally.groups.end()) {
      tally.groups.push_back(AnswerGroup{std::move(*answer), {}, {}, 0.0, 0});
      group = std::prev(tally.groups.end());
    }
    group->members.push_back(i);
    group->member_weights.push_back(weight);
    group->weight += weight;
    if (weight > 0.0) ++group->counted;
    tally.group_of[i] = static_cast<std::size_t>(group - tally.groups.begin());
  }
  return tally;
}

double WeightedVoteWeight(const WeightedVoteOptions& options, const Candidate& candidate) {
  // A factor in [0, 1] from a prior or a confidence; a non-finite one carries no information.
  auto unit = [](double value) { return std::isfinite(value) ? std::clamp(value, 0.0, 1.0) : 1.0; };
  double weight = 1.0;
  if (auto it = options.model_weights.find(candidate.model); it != options.model_weights.end()) {
    weight = it->second;
  }
  if (options.use_priors) weight *= unit(candidate.prior_quality);
  if (options.use_confidence && candidate.confidence) weight *= unit(*candidate.confidence);
  return weight;
}

double MaxWeightedVoteWeight(const WeightedVoteOptions& options) {
  double max_weight = 1.0;  // models without an entry weigh 1
  for (const auto& [model, weight] : options.model_weights) {
    if (std::isfinite(weight)) max_weight = std::max(max_weight, weight);
  }
  return max_weight;
}

std::optional<std::string> InvalidWeightedOptions(const WeightedVoteOptions& options) {
  if (auto invalid = InvalidVoteOptions(options.vote)) return invalid;
  for (const auto& [model, weight] : options.model_weights) {
    if (!(weight >= 0.0) || !std::isfinite(weight)) {
      return fmt::format("invalid vote options: model '{}' has weight {} (must be finite and >= 0)",
                         model, weight);
    }
  }
  return std::nullopt;
}

std::optional<std::string> InvalidVoteOptions(const VoteOptions& options) {
  if (!(options.threshold > 0.0 && options.threshold <= 1.0)) {
    return fmt::format("invalid vote options: threshold {} is outside (0, 1]", options.threshold);
  }
  if (options.answer.kind == AnswerFormat::Kind::kSimilarText &&
      !(options.answer.similarity > 0.0 && options.answer.similarity <= 1.0)) {
    return fmt::format("invalid vote options: similarity {} is outside (0, 1]",
                       options.answer.similarity);
  }
  return std::nullopt;
}

Decision DecideByVote(const Tally& tally, const VoteOptions& options, bool weighted) {
  Decision decision;
  if (auto invalid = InvalidVoteOptions(options)) {
    decision.explanation = *invalid;
    return decision;
  }
  if (tally.successful == 0) {
    decision.explanation =
        tally.candidates == 0
            ? std::string("no answers to vote on")
            : fmt::format("no successful answer: all {} attempts failed", tally.candidates);
    return decision;
  }
  if (tally.groups.empty()) {
    decision.explanation =
        fmt::format("no answer could be extracted from the {} successful answer{}",
                    tally.successful, tally.successful == 1 ? "" : "s");
    return decision;
  }
  const Standing standing = StandingOf(tally);
  const AnswerGroup& lead = tally.groups[*standing.leader];
  const double share = tally.total_weight > 0.0 ? lead.weight / tally.total_weight : 0.0;
  decision.agreement =
      static_cast<double>(lead.members.size()) / static_cast<double>(tally.successful);
  decision.confidence = share;
  const std::string votes =
      weighted ? fmt::format("{} of the vote weight ({} of {})", Percent(share),
                             Weight(lead.weight), Weight(tally.total_weight))
               : fmt::format("{} of {} votes", lead.members.size(), tally.successful);
  const std::string remarks = Remarks(tally);

  if (tally.total_weight <= 0.0) {
    decision.explanation = "no consensus: every vote weighs 0" + remarks;
    return decision;
  }
  if (standing.tied) {
    std::vector<std::string> tied;
    for (const AnswerGroup& group : tally.groups) {
      if (group.weight + Tolerance(tally.total_weight) >= lead.weight) {
        tied.push_back(Quote(group.answer));
      }
    }
    decision.explanation =
        fmt::format("no consensus: a tie between {} ({} each){}", fmt::join(tied, " and "),
                    weighted ? Percent(share) + " of the vote weight"
                             : fmt::format("{} votes", lead.members.size()),
                    remarks);
    return decision;
  }
  const std::size_t min_agreeing = std::max<std::size_t>(1, options.min_agreeing);
  if (share < options.threshold - kSlack) {
    decision.explanation =
        fmt::format("no consensus: the leading answer {} has {} ({} < {} threshold){}",
                    Quote(lead.answer), votes, Percent(share), Percent(options.threshold), remarks);
    return decision;
  }
  if (lead.counted < min_agreeing) {
    decision.explanation =
        fmt::format("no consensus: only {} answer{} agree{} on {}, {} required{}", lead.counted,
                    lead.counted == 1 ? "" : "s", lead.counted == 1 ? "s" : "", Quote(lead.answer),
                    min_agreeing, remarks);
    return decision;
  }
  if (!Passes(lead.weight, standing.runner_up, tally.total_weight, lead.counted, options)) {
    decision.explanation = "no consensus" + remarks;  // unreachable: each reason is above
    return decision;
  }
  std::size_t best = 0;
  for (std::size_t m = 1; m < lead.members.size(); ++m) {
    if (lead.member_weights[m] > lead.member_weights[best]) best = m;
  }
  decision.accepted = true;
  decision.chosen = lead.members[best];
  decision.supporters = lead.members;
  decision.explanation =
      weighted
          ? fmt::format(
                "answers agreeing on {} carry {} of the vote weight ({} of {}; >= {} "
                "threshold); {} of {} answers agree{}",
                Quote(lead.answer), Percent(share), Weight(lead.weight), Weight(tally.total_weight),
                Percent(options.threshold), lead.members.size(), tally.successful, remarks)
          : fmt::format("{} of {} answers agree on {} ({} >= {} threshold){}", lead.members.size(),
                        tally.successful, Quote(lead.answer), Percent(share),
                        Percent(options.threshold), remarks);
  return decision;
}

VoteOutlook OutlookOf(const Tally& tally, const VoteOptions& options, std::size_t outstanding,
                      double max_weight) {
  if (InvalidVoteOptions(options)) return VoteOutlook::kImpossible;
  const double more = static_cast<double>(outstanding) * max_weight;
  const Standing standing = StandingOf(tally);
  // Certain: even if every outstanding vote goes, at full weight, to the strongest rival.
  if (standing.leader) {
    const AnswerGroup& lead = tally.groups[*standing.leader];
    const double rival = standing.runner_up + more;
    if (Passes(lead.weight, rival, tally.total_weight + more, lead.counted, options)) {
      return VoteOutlook::kAccepted;
    }
  }
  if (outstanding == 0) return VoteOutlook::kImpossible;
  // Possible: some group (or a new one) passes if every outstanding vote joins it.
  auto heaviest_other = [&](std::size_t except) {
    double heaviest = 0.0;
    for (std::size_t g = 0; g < tally.groups.size(); ++g) {
      if (g != except) heaviest = std::max(heaviest, tally.groups[g].weight);
    }
    return heaviest;
  };
  const double total = tally.total_weight + more;
  for (std::size_t g = 0; g < tally.groups.size(); ++g) {
    const AnswerGroup& group = tally.groups[g];
    if (Passes(group.weight + more, heaviest_other(g), total, group.counted + outstanding,
               options)) {
      return VoteOutlook::kOpen;
    }
  }
  if (Passes(more, heaviest_other(tally.groups.size()), total, outstanding, options)) {
    return VoteOutlook::kOpen;
  }
  return VoteOutlook::kImpossible;
}

}  // namespace prsm::internal
