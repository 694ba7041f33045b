/// \file
/// prsm/routing.h — deciding which models to ask, in which order, under which acceptance test.
///
/// A `RoutingStrategy` turns a `Query` into a `RoutePlan`: a list of stages, each a set of
/// attempts. The first stage always runs. A later stage runs only when the previous one ended
/// without an accepted answer, and only if its `trigger` matches why: every attempt failed
/// (a fallback), or answers came back but the consensus rule did not accept them (a cascade).
/// Within a stage, attempts start together, or one `stagger` apart (a hedge: the next starts only
/// while no answer has been accepted). One shape covers a single call, a fan-out with a vote,
/// a fallback chain, a hedge and a cascade.
///
/// Thread safety: the orchestrator calls `Plan()` and `Observe()` on its loop thread only, one
/// call at a time, so a strategy used by one orchestrator needs no locking. Share one between
/// orchestrators only if it locks itself. `Plan()` must be fast (microseconds) and must not block.
/// Errors: `Plan()` returns kInvalidArgument/kNotFound/kFailedPrecondition for queries it cannot
/// route; a throwing strategy fails the request with kInternal.
#ifndef PRSM_ROUTING_H_
#define PRSM_ROUTING_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/consensus.h"
#include "prsm/export.h"
#include "prsm/model.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// When a stage after the first runs.
enum class StageTrigger : std::uint8_t {
  kOnFailure,             ///< Only if no attempt of the previous stage succeeded (fallback).
  kOnRejection,           ///< Only if answers came back but were not accepted (cascade).
  kOnFailureOrRejection,  ///< In either case.
};

/// One stage of a plan.
struct PlanStage {
  /// Model names, one attempt each; a name listed twice is asked twice (two samples).
  std::vector<std::string> models;
  /// Ignored for the first stage.
  StageTrigger trigger = StageTrigger::kOnFailureOrRejection;
  /// 0: all attempts start at once. Otherwise attempt i starts i * stagger after the stage
  /// began, unless the stage was decided before (hedged requests).
  std::chrono::milliseconds stagger{0};
  /// This stage's acceptance test; null = the orchestrator's consensus rule. A cascade gives
  /// its cheap stages a demanding test and its last stage an accepting one.
  std::shared_ptr<const ConsensusRule> rule;
  /// Cross-validation: when the rule accepts an answer, these models are asked whether it is
  /// correct (a yes/no check of the question and the answer); the stage accepts only if at
  /// least `verify_threshold` of the verifiers that answered say yes, and counts as rejected
  /// otherwise (so a kOnRejection stage may follow).
  std::vector<std::string> verifiers;
  double verify_threshold = 0.5;  ///< Share of yes votes needed; see `verifiers`.
  /// The stage's own deadline, from its start (0 = none): attempts still running then are
  /// stopped (kDeadlineExceeded) and the stage decides with what arrived. Capped, like every
  /// attempt, by the request's deadline.
  std::chrono::milliseconds timeout{0};
};

/// The strategy's answer: stages in order, and why.
struct RoutePlan {
  std::vector<PlanStage> stages;  ///< At least one; the first always runs.
  std::string explanation;        ///< Why, for people: reported in RouteReport.
};

/// What the orchestrator has observed of one model, for strategies that adapt.
struct ModelStats {
  std::uint64_t attempts = 0;   ///< Attempts started.
  std::uint64_t successes = 0;  ///< Attempts that returned an answer.
  std::uint64_t failures = 0;   ///< Cancelled attempts count as neither success nor failure.
  /// Exponentially weighted mean latency of successful attempts, in ms; 0 until one succeeds.
  double latency_ewma_ms = 0.0;
};

/// What the query analyser found in a query: cheap textual features, computed in microseconds
/// without asking any model.
struct QueryFeatures {
  /// "math", "code", "science", "finance", "legal", "medical", "writing", "general", or the
  /// host's QueryContext::attributes["domain"] when given (it wins).
  std::string domain = "general";
  /// 0 (trivial) to 1 (hard): length, reasoning cues, maths, code, multi-part questions, and
  /// the host's attributes["complexity"] ("low", "medium", "high" or a number) when given.
  double complexity = 0.0;
  bool needs_reasoning = false;   ///< "prove", "step by step", "why", multi-step word problems...
  bool has_code = false;          ///< Code blocks, code keywords or a programming task.
  bool has_math = false;          ///< Formulas, equations or arithmetic.
  bool multiple_choice = false;   ///< Options labelled A-D (or more) in the prompt.
  std::size_t prompt_tokens = 0;  ///< Estimated: about four characters a token.
};

/// Analyses `query`. Deterministic, never fails, microseconds.
PRSM_EXPORT QueryFeatures AnalyzeQuery(const Query& query);

/// The quality `model` is expected to reach on a query with `features`, in [0, 1]:
/// `domain_quality[domain]` when set, else `quality`.
PRSM_EXPORT double PriorQuality(const ModelSpec& model, const QueryFeatures& features);

/// The most one call of `model` on `query` can cost, in USD: every prompt token at the input
/// price plus the most output it may produce (the request's max_tokens, else the model's
/// max_output_tokens, else 4096) at the output price. What budgets reserve before a call.
PRSM_EXPORT double WorstCaseCostUsd(const ModelSpec& model, const Query& query);

/// What a strategy may look at besides the query. References are valid during the call only.
struct RoutingContext {
  /// The models this query may use: registered, and allowed by `QueryContext::models`, in the
  /// host's preference order. Never empty (the orchestrator fails the query before).
  const ModelCatalog& models;
  /// Observed statistics by model name; a model without an entry has not been asked yet.
  const std::map<std::string, ModelStats>& stats;
  /// AnalyzeQuery(query), computed once by the orchestrator.
  const QueryFeatures& features;
};

/// The routing plug-in interface. See the file comment for the threading contract.
class PRSM_EXPORT RoutingStrategy {
 public:
  virtual ~RoutingStrategy();

  /// A short name for reports ("single", "fan-out", "intelligent").
  virtual std::string_view name() const noexcept = 0;

  /// Plans `query`. Every model named must be in `context.models`; an empty plan is an error.
  virtual Result<RoutePlan> Plan(const Query& query, const RoutingContext& context) = 0;

  /// Called after each request this strategy planned has finished, successful or not, with the
  /// response when there is one. For strategies that learn from outcomes; default: nothing.
  virtual void Observe(const Query& query, const Result<Response>& outcome);

  /// The host's verdict on an answer this strategy routed (MultiLLMOrchestrator::Feedback):
  /// `score` in [0, 1] for `response`. For strategies that learn; default: nothing.
  virtual void Feedback(const Query& query, const Response& response, double score);

  /// What the strategy has learned, as text (JSON), to save and load across restarts.
  /// Default: kUnimplemented (nothing learned, nothing to save).
  virtual Result<std::string> SaveState() const;
  /// Restores what SaveState returned. Errors: kInvalidArgument for text it cannot read (the
  /// strategy is then unchanged); default kUnimplemented.
  virtual Result<void> LoadState(std::string_view state);
};

/// Asks one model: the first of `QueryContext::models` if the query names some, else the first
/// registered. With `fallback`, the other eligible models follow as fallback stages, in order.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeSingleModelRouting(bool fallback = false);

/// Asks the first `n` eligible models at once (all of them when `n` is 0), in one stage. Pair it
/// with `MakeFirstSuccessRule()` for "first success wins" or with a voting rule.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeFanOutRouting(std::size_t n = 0);

// --- Strategies that weigh quality, cost and latency ---------------------------------------
//
// Each honours the query's context: QueryContext::models (only those), min_quality (models
// expected below it are not chosen while one above it exists), max_cost_usd (models whose
// worst-case cost exceeds it are not chosen) and timeout (models whose observed or prior
// latency exceeds it are not chosen). Each plans the chosen model first and, with `fallback`,
// the others in its order of preference as fallback stages.

/// The options the weighing strategies share.
struct WeighingOptions {
  /// The quality floor when the query sets none.
  double min_quality = 0.0;
  /// Plan the other eligible models as fallback stages (taken on failure).
  bool fallback = true;
  /// Relative floor (cost-optimized, quality-focused and balanced only): a model is chosen
  /// only if its expected quality on this query is within `max_quality_gap` of the best
  /// eligible model's, so the floor becomes max(min_quality, best - max_quality_gap). With
  /// per-domain priors this pays for a stronger model where it is expected to GAIN the most,
  /// not where the cheap model is weakest in absolute terms. 1 (the default) = no such floor.
  double max_quality_gap = 1.0;
};

/// The cheapest model expected to meet the quality floor.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeCostOptimizedRouting(WeighingOptions options = {});

/// The model of highest expected quality for the query's domain (cost breaks ties).
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeQualityFocusedRouting(
    WeighingOptions options = {});

/// The best weighted score: quality_weight * quality - cost_weight * (cost / the dearest
/// eligible cost) - latency_weight * (latency / the slowest eligible latency), all in [0, 1].
struct BalancedOptions {
  WeighingOptions base;          ///< Quality floor, fallback and gap, as for every weighing one.
  double quality_weight = 1.0;   ///< Weight of expected quality.
  double cost_weight = 0.5;      ///< Weight of worst-case cost.
  double latency_weight = 0.25;  ///< Weight of observed (else typical) latency.
};
/// The balanced strategy described by BalancedOptions.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeBalancedRouting(BalancedOptions options = {});

/// The seed's `routing_strategy='intelligent'`: analyses the query (AnalyzeQuery), sets the
/// quality it needs from its complexity (`base_quality_bar` for a trivial query rising to
/// `hard_quality_bar` for the hardest), and plans the cheapest model expected to reach it,
/// with a cascade to the strongest model when the cheap answer is rejected. Expected quality is
/// the prior (PriorQuality) corrected by what Feedback() taught it, per model and domain.
struct IntelligentOptions {
  WeighingOptions base;           ///< Quality floor, fallback and gap, as for every weighing one.
  double base_quality_bar = 0.6;  ///< Quality needed by a trivial query (complexity 0).
  double hard_quality_bar = 0.9;  ///< Quality needed by the hardest query (complexity 1).
  /// Add the strongest model as a kOnRejection stage behind a cheaper first choice, so a
  /// consensus rule that rejects the cheap answer escalates it. With `base.fallback` that stage
  /// is kOnFailureOrRejection (the strongest is also the first fallback) and the other eligible
  /// models follow as kOnFailure stages. SaveState/LoadState keep what Feedback() taught.
  bool escalate_on_rejection = true;
};
/// The seed's intelligent strategy described by IntelligentOptions.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeIntelligentRouting(
    IntelligentOptions options = {});

/// Cheap first, stronger only when the answer is not trusted. Stages from the cheapest model
/// to the dearest (or `models` in the given order, or the groups of `stages`); every stage but
/// the last asks its model `samples` times and accepts under `accept` (a vote among the samples,
/// `min_agreeing` of them) or, when `min_confidence` is set, when the answer's logprob confidence
/// reaches it; the last stage accepts any answer. `verifiers` adds cross-validation to the cheap
/// stages. Feedback() calibrates: per stage, the agreement threshold that kept the accepted
/// answers' mean score at `target_quality` on the answers it has seen.
///
/// Acceptance tests of the cheap stages (every stage but the last), in order of precedence:
/// - `min_confidence` set: MakeConfidenceRule(min_confidence), as given (not calibrated: a
///   confidence needs logprobs, which the Response's attempts do not keep).
/// - a stage of two or more attempts (samples > 1, or a group of `stages`): a majority vote
///   under `accept` needing at least two agreeing answers ("vote-N" in the plan); once the stage
///   has `min_calibration_labels` labels its threshold is the lowest winner's share whose
///   answers reached `target_quality`; while no share reaches it the stage accepts nothing
///   (and keeps learning), and after 3 x `min_calibration_labels` labels it is left out of the
///   plan (asking would only cost).
/// - a stage of one attempt with `learn_acceptance`: the learned acceptance test
///   ("learned-acceptance"): a logistic model over cheap features of the answer and the query
///   (answer extractable under `accept.answer`, an explicit final-answer marker, length,
///   truncation at max_tokens, hedging words, false arithmetic claims "a op b = c", the query's
///   complexity, domain, maths/code/reasoning cues and multiple choice) and of the answer's
///   usage (Completion::usage output and reasoning tokens, and the output relative to what the
///   model typically spends on the query's domain, a norm Observe() learns from every answer),
///   trained online from Feedback(), accepting when its predicted probability reaches a
///   threshold calibrated so the accepted answers' mean score reaches `target_quality` on what
///   it has seen (minus one standard error, so a small sample does not flatter it), resting on
///   at least 5 labelled answers at or above the threshold (so with fewer than 5 right answers
///   it accepts nothing, whatever `min_calibration_labels` says). With few labels (under four
///   per feature) the threshold is calibrated on out-of-fold predictions (5 folds), which
///   in-sample ones would flatter. Exploration: until the model has
///   `min_calibration_labels` labels it accepts nothing, so every query escalates and every
///   cheap answer meets a final answer to be labelled by. A calibrated model with no threshold
///   reaching the target accepts nothing; after 3 x `min_calibration_labels` labels it leaves
///   its stage out of the plan (asking would only cost).
/// - otherwise a vote under `accept` (which accepts a lone answer unless min_agreeing > 1).
///
/// Labels, from Feedback(query, response, score) (the final answer's score): a cheap stage's
/// answer (its vote winner for a group) is labelled `score` when it was the accepted answer or
/// agrees (AnswersAgree under `accept.answer`) with the final answer, 0 when it disagrees with
/// a final answer scoring at least 0.5 (or has no extractable answer then), and not labelled
/// when it disagrees with a final answer scoring below 0.5. The strategy creates and shares the
/// stages' rules (PlanStage::rule) and both run on the loop thread, so the rules read what it
/// learned. SaveState/LoadState keep the learned weights, thresholds, labelled examples and
/// token norms (format "prsm-cascade-routing", version 2; LoadState refuses a version-1 state,
/// whose examples lack the usage features, with kInvalidArgument: start afresh).
struct CascadeOptions {
  /// Stages of one model each, in this order; empty = every eligible model, cheapest first.
  std::vector<std::string> models;
  std::size_t samples = 3;  ///< Attempts of a cheap stage's model (a vote among samples).
  VoteOptions accept;       ///< The cheap stages' vote and how answers are compared.
  std::optional<double> min_confidence;  ///< Set: cheap stages accept on logprob confidence.
  std::vector<std::string> verifiers;    ///< Cross-validating models of the cheap stages.
  double target_quality = 0.9;  ///< Mean Feedback() score the accepted answers should reach.
  /// Explicit stages, cheapest first: each a group of models asked once each, at once (a name
  /// listed twice is asked twice), e.g. {{"gpt-5-mini", "gemini-flash"}, {"gpt-5"}}: accept
  /// when the two cheap models agree, else ask the strong one. Overrides `models` and
  /// `samples` when set. Models the query may not use are left out of their group; an empty
  /// group is dropped.
  std::vector<std::vector<std::string>> stages;
  /// Use the learned acceptance test for cheap stages of one attempt (see above).
  bool learn_acceptance = true;
  /// Labels a cheap stage needs before its calibrated threshold applies (learned test: before
  /// it accepts anything).
  std::size_t min_calibration_labels = 40;
};
/// The cascade described by CascadeOptions.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeCascadeRouting(CascadeOptions options = {});

/// Learns from outcomes: per model, domain and complexity band, a Beta posterior of the score
/// Feedback() reports (seeded by the prior quality), and per model the latency it observes.
/// Routes to the cheapest model whose posterior mean reaches the quality bar, exploring by
/// Thompson sampling (`exploration` scales the sampling noise; 0 = greedy); `latency_weight`
/// prefers models that answer fast (latency-aware routing). SaveState/LoadState keep what it
/// learned across restarts.
///
/// Details: the bar is max(quality_bar, the query's min_quality or else base.min_quality).
/// Each plan draws one sample per eligible model from its (model, domain, complexity band)
/// posterior, whose prior is the model's (model, domain) posterior, itself seeded by
/// PriorQuality with `prior_strength` pseudo-observations; the value is mean + exploration *
/// (sample - mean) minus latency_weight * latency / the slowest eligible latency. Latency is the
/// EWMA of the successful attempts Observe() saw (else the orchestrator's ModelStats, else
/// typical_latency); time to first token is not used yet, as Attempt does not report it. The
/// cheapest model whose value reaches the bar is first, the others follow as fallbacks. The
/// saved state (format "prsm-learned-routing", version 1) holds the observations, latencies
/// and the random engine's state, so a reloaded strategy plans exactly as the saved one.
struct LearnedOptions {
  WeighingOptions base;         ///< Quality floor and fallback, as for every weighing one.
  double quality_bar = 0.8;     ///< Posterior mean a model must reach (see the details).
  double exploration = 1.0;     ///< Scale of Thompson sampling's noise; 0 = greedy.
  double latency_weight = 0.0;  ///< Preference for fast models; 0 = latency ignored.
  /// Weight of the prior, in pseudo-observations.
  double prior_strength = 4.0;
  std::uint64_t seed = 42;  ///< Of the exploration's random numbers (reproducible runs).
};
/// The learning strategy described by LearnedOptions.
PRSM_EXPORT std::unique_ptr<RoutingStrategy> MakeLearnedRouting(LearnedOptions options = {});

}  // namespace prsm

#endif  // PRSM_ROUTING_H_
