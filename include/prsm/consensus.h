/// \file
/// prsm/consensus.h — deciding which answer to trust.
///
/// After each attempt of a stage ends, the orchestrator asks the stage's `ConsensusRule` whether
/// it can decide already (`IsDecided`); if so, the attempts still running are cancelled, which
/// saves their tokens. When it can decide, or when every attempt has ended, `Decide` accepts one
/// candidate (with agreement and confidence) or rejects them all, in which case the plan's next
/// stage may run (see routing.h).
///
/// Thread safety: called on the orchestrator's loop thread, one call at a time; both methods are
/// const and must not block. A rule may be shared between orchestrators if it has no mutable
/// state. Errors: a throwing rule fails the request with kInternal.
#ifndef PRSM_CONSENSUS_H_
#define PRSM_CONSENSUS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// One attempt's outcome, as a rule sees it. The orchestrator fills every field.
struct Candidate {
  std::string model;  ///< The registered model name.
  /// The attempt's completion, or the error it failed with (a failed candidate cannot win).
  Result<Completion> result;
  /// The query's domain (QueryContext::attributes["domain"], else the one the query analyser
  /// found; empty when unknown), and this model's expected quality there, in [0, 1], from its
  /// ModelSpec priors (PriorQuality in routing.h).
  std::string domain;
  double prior_quality = 0.5;  ///< See `domain`.
  /// The model's own confidence in its answer, from logprobs (LogprobConfidence), when it gave
  /// them.
  std::optional<double> confidence;
};

/// A rule's verdict.
struct Decision {
  bool accepted = false;    ///< True: `chosen` is the answer; false: every candidate rejected.
  std::size_t chosen = 0;   ///< Index into the candidates, when accepted.
  double agreement = 0.0;   ///< Share of successful candidates agreeing with the chosen one.
  double confidence = 0.0;  ///< The rule's confidence in the chosen answer, in [0, 1].
  std::vector<std::size_t> supporters;  ///< Candidates agreeing with the chosen one.
  /// Why, for people: reported as ConsensusReport::explanation.
  std::string explanation;
};

/// The consensus plug-in interface. See the file comment for the threading contract.
class PRSM_EXPORT ConsensusRule {
 public:
  virtual ~ConsensusRule();

  /// A short name for reports ("first-success", "majority").
  virtual std::string_view name() const noexcept = 0;

  /// Called after each arrival with every candidate so far; `expected` is how many the stage
  /// will produce in all. True = decide now and cancel the rest. When every candidate has
  /// arrived, `Decide` is called whatever this returns.
  virtual bool IsDecided(const std::vector<Candidate>& so_far, std::size_t expected) const = 0;

  /// Accepts one candidate or rejects them all. Must only accept a successful candidate.
  virtual Decision Decide(const std::vector<Candidate>& candidates) const = 0;
};

/// Accepts the first successful answer as soon as it arrives, and cancels the rest.
PRSM_EXPORT std::unique_ptr<ConsensusRule> MakeFirstSuccessRule();

// --- Comparing answers ----------------------------------------------------------------------

/// What part of a completion is "the answer", so that answers can be compared.
struct AnswerFormat {
  /// Which part of the text is compared, and how.
  enum class Kind : std::uint8_t {
    kNormalizedText,  ///< The whole text, lower-cased, whitespace collapsed, outer punctuation
                      ///< and markdown emphasis dropped.
    kChoice,          ///< A multiple-choice letter A-J ("The answer is (B)", "**B.**", "B").
    kNumber,          ///< The final number ("#### 1,234" → "1234", "42.0" → "42", "-0.5").
    kYesNo,           ///< "yes" or "no" (also true/false, correct/incorrect).
    kJsonField,       ///< The value at `json_field` (dotted path) of the text parsed as JSON.
    kSimilarText,     ///< Free text: two answers agree when TextSimilarity >= `similarity`.
  };
  Kind kind = Kind::kNormalizedText;  ///< How answers are extracted and compared.
  std::string json_field;             ///< kJsonField: e.g. "answer" or "result.label".
  double similarity = 0.6;            ///< kSimilarText: the agreement threshold, in (0, 1].
};

/// The canonical answer in `text` under `format`, or nullopt when none can be found (such a
/// candidate cannot vote). For kSimilarText, the normalised text.
///
/// The last explicit answer statement wins ("Answer: B", "the answer is 42", "#### 42",
/// `\boxed{...}`), since models correct themselves; then a fallback per kind: kChoice a reply
/// that is only a letter, or whose last or first line is one ("(B) 0.85"); kNumber the last
/// number; kYesNo the first or last word. kNumber canonical forms: "1,234" → "1234", "42.0" →
/// "42", "$12" → "12", "\dfrac{1}{2}" and "1/2" → "1/2"; a boxed formula becomes its LaTeX with
/// spaces, `\left`/`\right` and spacing commands removed and `\dfrac` → `\frac`. kJsonField
/// finds the JSON as the whole text, a ``` fenced block or the outermost braces; a path segment
/// that is a number indexes an array; strings compare lower-cased, objects with sorted keys.
PRSM_EXPORT std::optional<std::string> ExtractAnswer(std::string_view text,
                                                     const AnswerFormat& format);

/// Whether two extracted answers agree under `format` (equality, or similarity for
/// kSimilarText; for kNumber also equal values, so "1/2" agrees with "0.5"). A similarity
/// outside (0, 1] counts as 1 here.
PRSM_EXPORT bool AnswersAgree(std::string_view a, std::string_view b, const AnswerFormat& format);

/// Similarity of two texts in [0, 1]: the Jaccard index of their normalised word sets. Cheap
/// (no model), symmetric, 1 for equal texts.
PRSM_EXPORT double TextSimilarity(std::string_view a, std::string_view b);

/// The model's confidence in `completion` from its logprobs: the geometric mean of the token
/// probabilities, in [0, 1]; nullopt when it has no logprobs.
PRSM_EXPORT std::optional<double> LogprobConfidence(const Completion& completion);

// --- Voting rules ---------------------------------------------------------------------------

/// How a vote is held.
struct VoteOptions {
  /// How each answer is extracted from its completion and compared with the others.
  AnswerFormat answer;
  /// The share of the voting weight the winning answer needs: the seed's `consensus_threshold`
  /// (0.8 demands a four-to-one agreement). In (0, 1]. A strict majority is 0.5 plus a hair:
  /// the rule accepts when the winner's share is >= threshold and it beats every other answer.
  double threshold = 0.5;
  /// The fewest agreeing answers for acceptance (2 forbids accepting a lone answer).
  std::size_t min_agreeing = 1;
  /// Decide as soon as the answers still to come cannot change the outcome, cancelling them.
  bool decide_early = true;
};

/// How every vote is counted (majority, weighted, and the expert rule's fallback):
/// - a failed candidate does not vote; a successful one whose answer cannot be extracted
///   dissents (its weight counts in the total, it supports nothing);
/// - answers are grouped in arrival order, each joining the first group whose first answer it
///   agrees with (AnswersAgree);
/// - the leading group is accepted when its share of the total weight is >= `threshold`, it
///   outweighs every other group strictly (a tie rejects), and at least `min_agreeing` of its
///   members weigh more than 0 (0 means 1); the chosen candidate is its heaviest member, the
///   earliest on ties. `agreement` = its members / successful candidates, `confidence` = its
///   share of the weight; on rejection both describe the leading answer, `supporters` is empty;
/// - early decision (IsDecided): true as soon as acceptance is certain, or impossible, however
///   the outstanding candidates answer, each weighing at most max(1, largest model weight);
/// - bad options (threshold or similarity outside (0, 1], a negative or non-finite model
///   weight) are not clamped: the rule decides at once and rejects, the explanation naming the
///   bad value.
///
/// Majority vote: each successful candidate with an extractable answer has one vote.
PRSM_EXPORT std::unique_ptr<ConsensusRule> MakeMajorityVoteRule(VoteOptions options = {});

/// A weighted vote: each answer's weight is its model's weight (`model_weights`, default 1)
/// times, when `use_priors`, the candidate's prior quality, times, when `use_confidence`, its
/// logprob confidence (when it has one). The decision's confidence is the winner's share.
/// Priors and confidences are clamped to [0, 1]; a non-finite one is ignored.
struct WeightedVoteOptions {
  VoteOptions vote;  ///< Threshold, answer format and early decision, as for a majority vote.
  /// Model name → weight (>= 0); a model not listed weighs 1.
  std::map<std::string, double> model_weights;
  bool use_priors = true;      ///< Multiply by the candidate's prior quality.
  bool use_confidence = true;  ///< Multiply by the candidate's logprob confidence, when known.
};
/// The weighted vote described by WeightedVoteOptions.
PRSM_EXPORT std::unique_ptr<ConsensusRule> MakeWeightedConfidenceRule(
    WeightedVoteOptions options = {});

/// Expert models: for a query of a domain with experts, the first expert's answer that is
/// supported by at least `min_support` other candidates (or stands alone when `min_support` is
/// 0) is accepted; otherwise, and for other domains, a weighted vote decides.
/// The domain is the first non-empty Candidate::domain. Support counts the other successful
/// candidates whose answer agrees (under `fallback.vote.answer`); a failed or unextractable
/// expert answer does not qualify. Accepted: supporters = the agreeing candidates, confidence
/// = their share of the fallback's weight. Early decision (when `fallback.vote.decide_early`):
/// only once no more trusted expert answer could still qualify, counting outstanding
/// candidates as possible supporters and as possible expert answers.
struct ExpertOptions {
  /// Domain → expert models, most trusted first, e.g. {"code", {"gpt-4.1", "claude-sonnet-4-5"}}.
  std::map<std::string, std::vector<std::string>> experts;
  /// Other candidates that must agree with an expert's answer; 0 = the expert alone decides.
  std::size_t min_support = 0;
  /// The weighted vote used when no expert answer qualifies, or the domain has no experts;
  /// its `vote.answer` is also how expert answers are compared.
  WeightedVoteOptions fallback;
};
/// The expert rule described by ExpertOptions.
PRSM_EXPORT std::unique_ptr<ConsensusRule> MakeExpertRule(ExpertOptions options);

/// Accepts a single answer only when the model is confident enough: the candidate's logprob
/// confidence must reach `min_confidence` (candidates without logprobs are rejected). For
/// cascades: a cheap model's sure answer stands, an unsure one escalates.
/// With several candidates the first (in arrival order) that is confident enough is accepted,
/// so IsDecided is true as soon as one arrives. The confidence is Candidate::confidence, else
/// LogprobConfidence of its completion. `min_confidence` outside [0, 1] (or NaN) rejects every
/// candidate with an explanation.
PRSM_EXPORT std::unique_ptr<ConsensusRule> MakeConfidenceRule(double min_confidence);

// --- Escalation to a human ------------------------------------------------------------------

/// Why a request was escalated: its query, every candidate of its last stage and the rule's
/// verdict on them.
struct Escalation {
  std::uint64_t request_id = 0;       ///< As RequestHandle::id() and Response::request_id.
  Query query;                        ///< The query as the host submitted it.
  std::vector<Candidate> candidates;  ///< Every candidate of the last stage that ran.
  Decision decision;                  ///< The rule's rejection, with its explanation.
};

/// The human's answer: a completion (prsm accounts it as from the model "human", at no cost),
/// or an error (the request then fails with it). May be called from any thread, once; later
/// calls and calls after the request's deadline are ignored.
using EscalationReply = std::function<void(Result<Completion>)>;

/// Receives requests no rule could accept, when the orchestrator has one
/// (OrchestratorOptions::escalation). Called on the loop thread: must not block; answer later
/// through `reply`, from any thread. The request waits for the reply until its deadline.
class PRSM_EXPORT EscalationHandler {
 public:
  virtual ~EscalationHandler();
  /// Hands `escalation` to a human; `reply` delivers the answer later (see EscalationReply).
  virtual void Escalate(const Escalation& escalation, EscalationReply reply) = 0;
};

}  // namespace prsm

#endif  // PRSM_CONSENSUS_H_
