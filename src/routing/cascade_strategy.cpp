// The cascade: cheap stages first, each with an acceptance test, the strong model last (see
// CascadeOptions in routing.h for the semantics). The strategy owns what it learns (one
// acceptance model per cheap model, one agreement calibration per cheap group) and hands the
// stages rules that read it: a rule object per plan for the learned test (it needs the query's
// features), cached vote rules rebuilt when a calibrated threshold moves. It also keeps, from
// every answer Observe() sees, how many output tokens each model typically spends (TokenNorms),
// which the learned test reads. Rules and strategy run on the orchestrator's loop thread, so
// sharing needs no locks.
#include <algorithm>
#include <cmath>
#include <deque>
#include <set>

#include <fmt/format.h>

#include "prsm/routing.h"
#include "routing/acceptance_model.h"
#include "routing/eligibility.h"
#include "routing/state_json.h"
#include "routing/token_norms.h"

namespace prsm {

namespace {

using routing::AcceptanceFeatures;
using routing::AcceptanceModel;
using routing::TokenNorms;

constexpr std::string_view kStateFormat = "prsm-cascade-routing";
// Version 2: the learned test's features include the answer's usage (acceptance_features.h),
// and the state keeps the models' token norms. A version-1 state cannot be migrated (its
// examples lack the usage they were computed without), so loading one is refused.
constexpr std::int64_t kStateVersion = 2;
// A final answer scoring at least this is taken as right when labelling the cheap answers.
constexpr double kRightScore = 0.5;
// Agreement calibration: examples kept per group, fewest accepted behind a threshold, margin.
constexpr std::size_t kMaxVoteExamples = 2000;
constexpr std::size_t kMinAccepted = 5;
constexpr double kMarginZ = 1.0;
// A cheap stage whose calibration finds no threshold reaching the target is left out of the
// plan once it has this many times min_calibration_labels labels; before, it is still asked
// (and escalates) so that a small unlucky sample does not exclude it for good.
constexpr std::size_t kSkipAfter = 3;

bool Truncated(const Usage& usage, FinishReason reason, const Query& query) {
  if (reason == FinishReason::kLength) return true;
  const auto& max_tokens = query.request.max_tokens;
  return max_tokens && *max_tokens > 0 && usage.output_tokens >= *max_tokens;
}

routing::AnswerEffort EffortOf(const TokenNorms& norms, const std::string& model,
                               const std::string& domain, const Usage& usage) {
  return routing::AnswerEffort{usage.output_tokens, usage.reasoning_tokens,
                               norms.Relative(model, domain, usage)};
}

// The learned acceptance test of one cheap stage for one query.
class LearnedAcceptanceRule final : public ConsensusRule {
 public:
  LearnedAcceptanceRule(std::shared_ptr<const AcceptanceModel> model,
                        std::shared_ptr<const TokenNorms> norms, QueryFeatures features,
                        AnswerFormat format, Query query_limits)
      : model_(std::move(model)),
        norms_(std::move(norms)),
        features_(std::move(features)),
        format_(std::move(format)),
        query_(std::move(query_limits)) {}

  std::string_view name() const noexcept override { return "learned-acceptance"; }

  bool IsDecided(const std::vector<Candidate>& so_far, std::size_t expected) const override {
    return so_far.size() >= expected;
  }

  Decision Decide(const std::vector<Candidate>& candidates) const override {
    Decision decision;
    std::optional<std::size_t> best;
    double best_p = -1.0;
    routing::AnswerEffort best_effort;
    std::size_t successes = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const Candidate& candidate = candidates[i];
      if (!candidate.result) continue;
      ++successes;
      const Completion& completion = *candidate.result;
      const routing::AnswerEffort effort =
          EffortOf(*norms_, candidate.model, features_.domain, completion.usage);
      const AcceptanceFeatures x = routing::ComputeAcceptanceFeatures(
          completion.text, Truncated(completion.usage, completion.finish_reason, query_), effort,
          features_, format_);
      const double p = model_->Probability(x);
      if (p > best_p) {
        best = i;
        best_p = p;
        best_effort = effort;
      }
    }
    if (!best) {
      decision.explanation = "no answer to test";
      return decision;
    }
    decision.chosen = *best;
    decision.confidence = best_p;
    decision.agreement = 1.0 / static_cast<double>(successes);
    decision.supporters = {*best};
    if (!model_->calibrated()) {
      decision.explanation = fmt::format(
          "learned acceptance still learning ({} of {} labels): escalating every answer",
          model_->labels(), model_->min_labels());
      return decision;
    }
    if (!model_->threshold()) {
      decision.explanation = "learned acceptance: no threshold reaches the target quality";
      return decision;
    }
    decision.accepted = best_p >= *model_->threshold();
    const std::string effort = best_effort.output_tokens > 0
                                   ? fmt::format(" ({} output tokens, {:+.1f} sd from its typical)",
                                                 best_effort.output_tokens, best_effort.relative)
                                   : std::string();
    decision.explanation =
        fmt::format("learned acceptance: '{}' answer{} predicted right with p = {:.3f} {} {:.3f}",
                    candidates[*best].model, effort, best_p, decision.accepted ? ">=" : "<",
                    *model_->threshold());
    return decision;
  }

 private:
  std::shared_ptr<const AcceptanceModel> model_;
  std::shared_ptr<const TokenNorms> norms_;
  QueryFeatures features_;
  AnswerFormat format_;
  Query query_;  // only its request's max_tokens is read
};

// The agreement calibration of one cheap group: (winner's share, label) examples.
struct VoteCalibration {
  std::deque<std::pair<double, double>> examples;
  std::size_t labels = 0;
  std::optional<double> threshold;

  void Add(double share, double label, double target) {
    examples.emplace_back(share, label);
    while (examples.size() > kMaxVoteExamples) examples.pop_front();
    ++labels;
    threshold = routing::CalibrateThreshold({examples.begin(), examples.end()}, target,
                                            kMinAccepted, kMarginZ);
  }
};

class CascadeRouting final : public RoutingStrategy {
 public:
  explicit CascadeRouting(CascadeOptions options)
      : options_(Sanitized(std::move(options))),
        last_rule_(MakeFirstSuccessRule()),
        settings_{options_.target_quality, options_.min_calibration_labels, 2000} {}

  std::string_view name() const noexcept override { return "cascade"; }

  Result<RoutePlan> Plan(const Query& query, const RoutingContext& context) override {
    auto groups = Groups(query, context);
    if (!groups) return groups.error();
    RoutePlan plan;
    std::vector<std::string> steps;
    for (std::size_t i = 0; i < groups->size(); ++i) {
      const std::vector<std::string>& group = (*groups)[i];
      PlanStage stage;
      stage.models = group;
      stage.trigger = StageTrigger::kOnFailureOrRejection;
      const std::string names = routing::JoinNames(group, ", ");
      if (i + 1 == groups->size()) {
        stage.rule = last_rule_;
        steps.push_back(fmt::format("[{}] (any answer)", names));
        plan.stages.push_back(std::move(stage));
        break;
      }
      std::string test;
      if (!CheapRule(group, query, context.features, stage.rule, test)) {
        steps.push_back(fmt::format("skip [{}] ({})", names, test));
        continue;
      }
      for (const std::string& verifier : options_.verifiers) {
        if (context.models.Find(verifier) != nullptr) stage.verifiers.push_back(verifier);
      }
      if (!stage.verifiers.empty()) {
        test += ", verified by " + routing::JoinNames(stage.verifiers, ", ");
      }
      steps.push_back(fmt::format("[{}] ({})", names, test));
      plan.stages.push_back(std::move(stage));
    }
    plan.explanation = "cascade: " + routing::JoinNames(steps, " -> ");
    return plan;
  }

  // Every answer teaches the norms of its model, labelled or not (no score needed).
  void Observe(const Query& query, const Result<Response>& outcome) override {
    if (!outcome || !options_.learn_acceptance || options_.min_confidence) return;
    std::optional<std::string> domain;
    for (const Attempt& attempt : outcome->attempts) {
      if (attempt.outcome != Attempt::Outcome::kSucceeded || attempt.usage.output_tokens <= 0) {
        continue;
      }
      if (!domain) domain = AnalyzeQuery(query).domain;
      norms_->Add(attempt.model, *domain, attempt.usage);
    }
  }

  void Feedback(const Query& query, const Response& response, double score) override {
    if (!std::isfinite(score) || response.model.empty() || response.route.stages.size() < 2) {
      return;
    }
    score = std::clamp(score, 0.0, 1.0);
    // The accepted attempt: the last successful one of the chosen model with the answer.
    std::optional<std::size_t> chosen;
    for (std::size_t i = 0; i < response.attempts.size(); ++i) {
      const Attempt& attempt = response.attempts[i];
      if (attempt.outcome == Attempt::Outcome::kSucceeded && attempt.model == response.model &&
          attempt.text == response.answer) {
        chosen = i;
      }
    }
    const std::optional<std::string> final_answer =
        ExtractAnswer(response.answer, options_.accept.answer);
    const QueryFeatures features = AnalyzeQuery(query);
    // A cheap answer's label: see CascadeOptions.
    auto label_of = [&](std::size_t attempt_index) -> std::optional<double> {
      if (chosen && *chosen == attempt_index) return score;
      const std::optional<std::string> answer =
          ExtractAnswer(response.attempts[attempt_index].text, options_.accept.answer);
      if (answer && final_answer && AnswersAgree(*answer, *final_answer, options_.accept.answer)) {
        return score;
      }
      if (score >= kRightScore) return 0.0;
      return std::nullopt;
    };
    const std::size_t last_stage = response.route.stages.size() - 1;
    for (std::size_t s = 0; s < last_stage; ++s) {
      std::vector<std::size_t> answered;
      for (std::size_t i = 0; i < response.attempts.size(); ++i) {
        const Attempt& attempt = response.attempts[i];
        if (attempt.stage == s && attempt.outcome == Attempt::Outcome::kSucceeded) {
          answered.push_back(i);
        }
      }
      if (answered.empty() || options_.min_confidence) continue;
      const std::vector<std::string>& planned = response.route.stages[s];
      if (planned.size() >= 2) {
        LabelGroup(planned, answered, response, chosen, label_of);
      } else if (options_.learn_acceptance) {
        const std::size_t index = answered.front();
        const Attempt& attempt = response.attempts[index];
        const std::optional<double> label = label_of(index);
        if (!label) continue;
        const FinishReason reason =
            chosen && *chosen == index ? response.completion.finish_reason : FinishReason::kUnknown;
        Acceptor(attempt.model)
            ->Add(routing::ComputeAcceptanceFeatures(
                      attempt.text, Truncated(attempt.usage, reason, query),
                      EffortOf(*norms_, attempt.model, features.domain, attempt.usage), features,
                      options_.accept.answer),
                  *label);
      }
    }
  }

  Result<std::string> SaveState() const override {
    return routing::WriteState(kStateFormat, kStateVersion, [this](json::Writer& writer) {
      writer.Key("acceptors");
      writer.StartArray();
      for (const auto& [model, acceptor] : acceptors_) {
        writer.StartObject();
        routing::WriteStringMember(writer, "model", model);
        writer.Key("test");
        acceptor->Write(writer);
        writer.EndObject();
      }
      writer.EndArray();
      writer.Key("groups");
      writer.StartArray();
      for (const auto& [key, calibration] : votes_) {
        writer.StartObject();
        routing::WriteStringMember(writer, "group", key);
        writer.Key("labels");
        writer.Uint64(calibration.labels);
        writer.Key("threshold");
        if (calibration.threshold) {
          writer.Double(*calibration.threshold);
        } else {
          writer.Null();
        }
        writer.Key("examples");
        writer.StartArray();
        for (const auto& [share, label] : calibration.examples) {
          writer.StartArray();
          writer.Double(share);
          writer.Double(label);
          writer.EndArray();
        }
        writer.EndArray();
        writer.EndObject();
      }
      writer.EndArray();
      writer.Key("token_norms");
      norms_->Write(writer);
    });
  }

  // All or nothing: read into locals, assign at the end.
  Result<void> LoadState(std::string_view state) override {
    json::Document doc;
    if (auto parsed = routing::ParseState(state, kStateFormat, kStateVersion, doc); !parsed) {
      if (routing::ParseState(state, kStateFormat, 1, doc)) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("invalid state: version 1 of '{}' predates the learned "
                                 "acceptance test's usage features (version {}) and cannot be "
                                 "migrated; start without it, the cascade relearns from Feedback()",
                                 kStateFormat, kStateVersion));
      }
      return parsed.error();
    }
    const json::Path root("state");
    std::map<std::string, std::shared_ptr<AcceptanceModel>> acceptors;
    auto acceptor_array = json::RequiredArray(doc, "acceptors", root);
    if (!acceptor_array) return routing::StateError(acceptor_array.error());
    const json::Path acceptors_path = root.Member("acceptors");
    for (json::rapidjson::SizeType i = 0; i < (*acceptor_array)->Size(); ++i) {
      const json::Path at = acceptors_path.Index(i);
      const json::Value& entry = (**acceptor_array)[i];
      if (!entry.IsObject()) return routing::StateError(json::TypeError(at, "object", entry));
      auto model = json::RequiredString(entry, "model", at);
      if (!model) return routing::StateError(model.error());
      auto test = json::RequiredObject(entry, "test", at);
      if (!test) return routing::StateError(test.error());
      auto acceptor = AcceptanceModel::Read(**test, at.Member("test"), settings_);
      if (!acceptor) return acceptor.error();
      if (model->empty() ||
          !acceptors.emplace(std::string(*model), std::make_shared<AcceptanceModel>(*acceptor))
               .second) {
        return Error(
            ErrorCode::kInvalidArgument,
            fmt::format("invalid state: {} has an empty or repeated model", at.ToString()));
      }
    }
    std::map<std::string, VoteCalibration> votes;
    auto group_array = json::RequiredArray(doc, "groups", root);
    if (!group_array) return routing::StateError(group_array.error());
    const json::Path groups_path = root.Member("groups");
    for (json::rapidjson::SizeType i = 0; i < (*group_array)->Size(); ++i) {
      const json::Path at = groups_path.Index(i);
      auto calibration = ReadVoteCalibration((**group_array)[i], at);
      if (!calibration) return calibration.error();
      auto key = json::RequiredString((**group_array)[i], "group", at);
      if (!key) return routing::StateError(key.error());
      if (key->empty() || !votes.emplace(std::string(*key), std::move(*calibration)).second) {
        return Error(
            ErrorCode::kInvalidArgument,
            fmt::format("invalid state: {} has an empty or repeated group", at.ToString()));
      }
    }
    auto norms_value = json::RequiredArray(doc, "token_norms", root);
    if (!norms_value) return routing::StateError(norms_value.error());
    auto norms = TokenNorms::Read(**norms_value, root.Member("token_norms"));
    if (!norms) return norms.error();
    acceptors_ = std::move(acceptors);
    votes_ = std::move(votes);
    *norms_ = std::move(*norms);
    vote_rules_.clear();
    return {};
  }

 private:
  static CascadeOptions Sanitized(CascadeOptions options) {
    options.samples = std::max<std::size_t>(options.samples, 1);
    if (!std::isfinite(options.target_quality)) options.target_quality = 0.9;
    options.target_quality = std::clamp(options.target_quality, 0.0, 1.0);
    return options;
  }

  // The stages' models, cheapest first, limited to the models the query may use.
  Result<std::vector<std::vector<std::string>>> Groups(const Query& query,
                                                       const RoutingContext& context) const {
    auto eligibility = routing::FilterEligible(
        query, context, 0.0,
        [&context](const ModelSpec& spec) { return PriorQuality(spec, context.features); });
    if (!eligibility) return eligibility.error();
    std::set<std::string> allowed;
    for (const routing::EligibleModel& model : eligibility->models) {
      allowed.insert(model.spec->name);
    }
    std::vector<std::vector<std::string>> groups;
    if (!options_.stages.empty()) {
      for (const std::vector<std::string>& wanted : options_.stages) {
        std::vector<std::string> group;
        for (const std::string& model : wanted) {
          if (allowed.count(model) != 0) group.push_back(model);
        }
        if (!group.empty()) groups.push_back(std::move(group));
      }
    } else {
      std::vector<std::string> order;
      if (!options_.models.empty()) {
        for (const std::string& model : options_.models) {
          if (allowed.count(model) != 0) order.push_back(model);
        }
      } else {
        std::vector<const routing::EligibleModel*> by_cost;
        for (const routing::EligibleModel& model : eligibility->models) by_cost.push_back(&model);
        std::stable_sort(by_cost.begin(), by_cost.end(),
                         [](const auto* a, const auto* b) { return a->cost_usd < b->cost_usd; });
        for (const auto* model : by_cost) order.push_back(model->spec->name);
      }
      for (std::size_t i = 0; i < order.size(); ++i) {
        const std::size_t times = i + 1 < order.size() ? options_.samples : 1;
        groups.emplace_back(times, order[i]);
      }
    }
    if (groups.empty()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "none of the cascade's models may be used for this query (not registered, "
                   "not in the query's models, or over its cost or time limits)");
    }
    return groups;
  }

  // The acceptance test of a cheap stage; false when the stage is not worth asking (its
  // calibration found no threshold reaching the target). `test` describes it.
  bool CheapRule(const std::vector<std::string>& group, const Query& query,
                 const QueryFeatures& features, std::shared_ptr<const ConsensusRule>& rule,
                 std::string& test) {
    if (options_.min_confidence) {
      if (!confidence_rule_) confidence_rule_ = MakeConfidenceRule(*options_.min_confidence);
      rule = confidence_rule_;
      test = fmt::format("confidence >= {:.2f}", *options_.min_confidence);
      return true;
    }
    if (group.size() >= 2) {
      const std::string key = routing::JoinNames(group, "+");
      VoteOptions vote = options_.accept;
      vote.min_agreeing = std::max<std::size_t>(vote.min_agreeing, 2);
      auto calibration = votes_.find(key);
      const bool calibrated = calibration != votes_.end() &&
                              calibration->second.labels >= options_.min_calibration_labels;
      if (calibrated && !calibration->second.threshold) {
        if (calibration->second.labels >= kSkipAfter * options_.min_calibration_labels) {
          test = "its agreement never reached the target quality";
          return false;
        }
        // Not yet convincing either way: keep asking, accept nothing, learn.
        vote.min_agreeing = group.size() + 1;
      } else if (calibrated) {
        vote.threshold = std::clamp(*calibration->second.threshold, 1e-6, 1.0);
      }
      auto& cached = vote_rules_[key];
      const double signature = vote.threshold + static_cast<double>(vote.min_agreeing);
      if (!cached.second || cached.first != signature) {
        cached = {signature, MakeMajorityVoteRule(vote)};
      }
      rule = cached.second;
      test = fmt::format("{} agreeing, share >= {:.2f}{}", vote.min_agreeing, vote.threshold,
                         calibrated ? " (calibrated)" : "");
      return true;
    }
    if (options_.learn_acceptance) {
      std::shared_ptr<AcceptanceModel> acceptor = Acceptor(group.front());
      if (acceptor->calibrated() && !acceptor->threshold() &&
          acceptor->labels() >= kSkipAfter * options_.min_calibration_labels) {
        test = "its learned test found no answers reaching the target quality";
        return false;
      }
      Query limits;
      limits.request.max_tokens = query.request.max_tokens;
      rule = std::make_shared<LearnedAcceptanceRule>(acceptor, norms_, features,
                                                     options_.accept.answer, std::move(limits));
      if (!acceptor->calibrated()) {
        test = fmt::format("learned acceptance learning, {} of {} labels: escalates",
                           acceptor->labels(), options_.min_calibration_labels);
      } else if (!acceptor->threshold()) {
        // Calibrated, but no threshold reaches the target yet (or too few answers to rest one
        // on): the rule accepts nothing, so say so rather than read an empty threshold.
        test = fmt::format("learned acceptance, no threshold yet on {} labels: escalates",
                           acceptor->labels());
      } else {
        test = fmt::format("learned acceptance, p >= {:.3f} on {} labels", *acceptor->threshold(),
                           acceptor->labels());
      }
      return true;
    }
    if (!plain_vote_rule_) plain_vote_rule_ = MakeMajorityVoteRule(options_.accept);
    rule = plain_vote_rule_;
    test = "a lone answer under the vote";
    return true;
  }

  std::shared_ptr<AcceptanceModel> Acceptor(const std::string& model) {
    auto& acceptor = acceptors_[model];
    if (!acceptor) acceptor = std::make_shared<AcceptanceModel>(settings_);
    return acceptor;
  }

  template <typename LabelOf>
  void LabelGroup(const std::vector<std::string>& planned, const std::vector<std::size_t>& answered,
                  const Response& response, const std::optional<std::size_t>& chosen,
                  const LabelOf& label_of) {
    // The vote winner among the extractable answers, as the vote rule saw it.
    std::vector<std::pair<std::string, std::vector<std::size_t>>> tallies;
    for (std::size_t index : answered) {
      auto answer = ExtractAnswer(response.attempts[index].text, options_.accept.answer);
      if (!answer) continue;
      auto it = std::find_if(tallies.begin(), tallies.end(), [&](const auto& tally) {
        return AnswersAgree(tally.first, *answer, options_.accept.answer);
      });
      if (it == tallies.end()) {
        tallies.push_back({*answer, {index}});
      } else {
        it->second.push_back(index);
      }
    }
    if (tallies.empty()) return;
    std::size_t voters = 0;
    const auto* winner = &tallies.front();
    for (const auto& tally : tallies) {
      voters += tally.second.size();
      if (tally.second.size() > winner->second.size()) winner = &tally;
    }
    // The winner was accepted when the chosen attempt is one of its voters.
    std::size_t representative = winner->second.front();
    if (chosen &&
        std::find(winner->second.begin(), winner->second.end(), *chosen) != winner->second.end()) {
      representative = *chosen;
    }
    const std::optional<double> label = label_of(representative);
    if (!label) return;
    const double share = static_cast<double>(winner->second.size()) / static_cast<double>(voters);
    votes_[routing::JoinNames(planned, "+")].Add(share, *label, options_.target_quality);
  }

  static Result<VoteCalibration> ReadVoteCalibration(const json::Value& entry,
                                                     const json::Path& at) {
    VoteCalibration calibration;
    if (!entry.IsObject()) return routing::StateError(json::TypeError(at, "object", entry));
    auto labels = json::RequiredInt64(entry, "labels", at);
    if (!labels) return routing::StateError(labels.error());
    if (*labels < 0) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("invalid state: {}.labels is negative", at.ToString()));
    }
    calibration.labels = static_cast<std::size_t>(*labels);
    const json::Value* threshold = json::FindMember(entry, "threshold");
    if (threshold == nullptr)
      return routing::StateError(json::MissingError(at.Member("threshold")));
    if (!threshold->IsNull()) {
      auto t = routing::RequiredNumberIn(entry, "threshold", at, 0.0, 1.0);
      if (!t) return t.error();
      calibration.threshold = *t;
    }
    auto examples = json::RequiredArray(entry, "examples", at);
    if (!examples) return routing::StateError(examples.error());
    const json::Path examples_path = at.Member("examples");
    for (json::rapidjson::SizeType i = 0; i < (*examples)->Size(); ++i) {
      const json::Value& pair = (**examples)[i];
      const json::Path pair_path = examples_path.Index(i);
      if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsNumber() || !pair[1].IsNumber()) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("invalid state: {} must be [share, label]", pair_path.ToString()));
      }
      const double share = pair[0].GetDouble();
      const double label = pair[1].GetDouble();
      if (!(share >= 0.0 && share <= 1.0 && label >= 0.0 && label <= 1.0)) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("invalid state: {} is outside [0, 1]", pair_path.ToString()));
      }
      calibration.examples.emplace_back(share, label);
    }
    return calibration;
  }

  const CascadeOptions options_;
  const std::shared_ptr<const ConsensusRule> last_rule_;
  const routing::AcceptanceSettings settings_;
  std::shared_ptr<const ConsensusRule> confidence_rule_;
  std::shared_ptr<const ConsensusRule> plain_vote_rule_;
  std::map<std::string, std::shared_ptr<AcceptanceModel>> acceptors_;
  std::map<std::string, VoteCalibration> votes_;
  // Shared with the learned rules, which read it; replaced in place by LoadState.
  const std::shared_ptr<TokenNorms> norms_ = std::make_shared<TokenNorms>();
  // Vote rules by group, with the threshold + min_agreeing each was built for.
  std::map<std::string, std::pair<double, std::shared_ptr<const ConsensusRule>>> vote_rules_;
};

}  // namespace

std::unique_ptr<RoutingStrategy> MakeCascadeRouting(CascadeOptions options) {
  return std::make_unique<CascadeRouting>(std::move(options));
}

}  // namespace prsm
