// consensus/vote_tally.h — counting votes, shared by the majority, weighted and expert rules.
//
// The vote's semantics (the rules' documentation refers here):
// - A failed candidate does not vote: it is in no group and not in the total.
// - A successful candidate whose answer cannot be extracted dissents: its weight is in the
//   total, it supports nothing.
// - Answers are grouped greedily in arrival order: a candidate joins the first group whose
//   first member's answer it agrees with (AnswersAgree), else opens a group. Candidates that
//   arrive later never move earlier ones, which is what makes early decisions sound.
// - The leading group is accepted when its share of the total weight reaches the threshold,
//   it outweighs every other group strictly, and at least `min_agreeing` of its members have
//   a positive weight (a vote that weighs nothing is listed but does not count).
// - The chosen candidate is the heaviest member of that group, the earliest on ties.
// - Comparisons of weights allow a relative 1e-9 for rounding: 0.1 + 0.2 ties with 0.3.
//
// Thread safety: plain values and pure functions. Errors: none (bad options are reported by
// InvalidVoteOptions and turned into a rejecting Decision by the rules).
#ifndef PRSM_CONSENSUS_VOTE_TALLY_H_
#define PRSM_CONSENSUS_VOTE_TALLY_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "prsm/consensus.h"

namespace prsm::internal {

/// Candidates that gave one answer.
struct AnswerGroup {
  std::string answer;                  ///< The first member's canonical answer.
  std::vector<std::size_t> members;    ///< Candidate indices, ascending.
  std::vector<double> member_weights;  ///< Parallel to `members`.
  double weight = 0.0;
  std::size_t counted = 0;  ///< Members with a positive weight.
};

struct Tally {
  std::vector<AnswerGroup> groups;  ///< In order of first appearance.
  /// Per candidate: the index of its group, or nullopt (failed or no extractable answer).
  std::vector<std::optional<std::size_t>> group_of;
  std::size_t candidates = 0;
  std::size_t failed = 0;
  std::size_t successful = 0;
  std::size_t unextractable = 0;
  double total_weight = 0.0;  ///< Of every successful candidate.
};

/// A candidate's voting weight, >= 0.
using WeightOf = std::function<double(const Candidate&)>;

Tally CountVotes(const std::vector<Candidate>& candidates, const AnswerFormat& format,
                 const WeightOf& weight_of);

/// What is wrong with `options` ("threshold 1.5 is outside (0, 1]"), or nullopt.
std::optional<std::string> InvalidVoteOptions(const VoteOptions& options);

/// The rules' verdict on a tally. `weighted` only changes the explanation's wording (votes or
/// vote weight). On rejection `agreement` and `confidence` describe the leading answer (how
/// close it came), `supporters` is empty and `chosen` is 0.
Decision DecideByVote(const Tally& tally, const VoteOptions& options, bool weighted);

/// What the candidates still to come can do to a vote.
enum class VoteOutlook {
  kOpen,        ///< The outcome depends on them.
  kAccepted,    ///< The leader is accepted whatever they answer.
  kImpossible,  ///< No answer can be accepted whatever they answer.
};

/// The outlook with `outstanding` candidates still to come, each weighing at most
/// `max_weight` (worst case for the leader: each goes to its strongest rival; best case for a
/// group: each joins it).
VoteOutlook OutlookOf(const Tally& tally, const VoteOptions& options, std::size_t outstanding,
                      double max_weight);

/// A candidate's weight in a weighted vote: its model's weight (default 1), times its prior
/// quality when `use_priors`, times its confidence when `use_confidence` and it has one.
/// Priors and confidences are clamped to [0, 1]; a non-finite one is ignored.
double WeightedVoteWeight(const WeightedVoteOptions& options, const Candidate& candidate);

/// The most any candidate can weigh under `options`: max(1, the largest model weight).
double MaxWeightedVoteWeight(const WeightedVoteOptions& options);

/// What is wrong with weighted-vote options (the vote's, or a negative or non-finite model
/// weight), or nullopt.
std::optional<std::string> InvalidWeightedOptions(const WeightedVoteOptions& options);

/// `answer` quoted for an explanation, cut to a readable length.
std::string Quote(const std::string& answer);

}  // namespace prsm::internal

#endif  // PRSM_CONSENSUS_VOTE_TALLY_H_
