// The "routing" and "consensus" sections: a strategy or rule by name, and every option of its
// factory (routing.h, consensus.h) under the C++ field's name. Nested option structs are
// flattened (BalancedOptions::base's fields sit beside quality_weight), except the answer
// format ("answer": {...}) and a cascade's acceptance vote ("accept": {...}).
#include <fmt/format.h>

#include "config/sections.h"
#include "json/json_read.h"
#include "prsm/routing.h"

namespace prsm::config {

namespace {

const std::vector<std::string_view> kStrategies = {"single",          "fan-out",  "cost-optimized",
                                                   "quality-focused", "balanced", "intelligent",
                                                   "cascade",         "learned"};
const std::vector<std::string_view> kRules = {"first-success", "majority", "weighted-confidence",
                                              "expert", "confidence"};
const std::vector<std::string_view> kWeighingKeys = {"min_quality", "fallback", "max_quality_gap"};
const std::vector<std::string_view> kWeightedKeys = {"model_weights", "use_priors",
                                                     "use_confidence"};
const std::vector<std::string_view> kAnswerKeys = {"kind", "json_field", "similarity"};

// Reads the "strategy"/"rule" member of `section` (required) and checks it against `names`.
Result<std::string> ReadName(const LoadContext& context, const json::Value& section,
                             const std::string& path, std::string_view key,
                             const std::vector<std::string_view>& names) {
  if (!section.IsObject()) return ConfigError(context, path, "an object", Describe(section));
  const json::Value* value = json::FindMember(section, key);
  const std::string expected = "one of " + JoinNames(names);
  if (value == nullptr) return ConfigError(context, MemberPath(path, key), expected, "nothing");
  if (value->IsString()) {
    const std::string_view name = json::StringView(*value);
    if (std::find(names.begin(), names.end(), name) != names.end()) return std::string(name);
  }
  return ConfigError(context, MemberPath(path, key), expected, Describe(*value));
}

Result<void> ReadWeighing(const ObjectReader& object, WeighingOptions& options) {
  if (auto r = object.Read("min_quality", options.min_quality, kUnitInterval); !r) return r;
  if (auto r = object.Read("fallback", options.fallback); !r) return r;
  return object.Read("max_quality_gap", options.max_quality_gap, kUnitInterval);
}

Result<void> ReadWeighted(const ObjectReader& object, const OrchestratorConfig& config,
                          WeightedVoteOptions& options) {
  if (auto r = ReadVoteOptions(object, options.vote); !r) return r;
  if (auto r = object.Read("model_weights", options.model_weights, kNonNegative); !r) return r;
  for (const auto& [model, weight] : options.model_weights) {
    if (auto r = CheckModelName(object.context(), config,
                                MemberPath(object.PathOf("model_weights"), model), model);
        !r) {
      return r;
    }
  }
  if (auto r = object.Read("use_priors", options.use_priors); !r) return r;
  return object.Read("use_confidence", options.use_confidence);
}

Result<void> ReadStrategyOptions(const ObjectReader& object, const OrchestratorConfig& config,
                                 RoutingChoice& choice) {
  const std::string& strategy = choice.strategy;
  if (strategy == "single") {
    return object.Read("fallback", choice.single_fallback);
  }
  if (strategy == "fan-out") {
    return object.Read("n", choice.fan_out_n);
  }
  if (strategy == "cost-optimized" || strategy == "quality-focused") {
    return ReadWeighing(object, choice.weighing);
  }
  if (strategy == "balanced") {
    BalancedOptions& options = choice.balanced;
    if (auto r = ReadWeighing(object, options.base); !r) return r;
    for (auto [key, field] :
         {std::pair<std::string_view, double*>{"quality_weight", &options.quality_weight},
          {"cost_weight", &options.cost_weight},
          {"latency_weight", &options.latency_weight}}) {
      if (auto r = object.Read(key, *field); !r) return r;
    }
    return {};
  }
  if (strategy == "intelligent") {
    IntelligentOptions& options = choice.intelligent;
    if (auto r = ReadWeighing(object, options.base); !r) return r;
    if (auto r = object.Read("base_quality_bar", options.base_quality_bar, kUnitInterval); !r) {
      return r;
    }
    if (auto r = object.Read("hard_quality_bar", options.hard_quality_bar, kUnitInterval); !r) {
      return r;
    }
    if (auto r = object.Read("escalate_on_rejection", options.escalate_on_rejection); !r) {
      return r;
    }
    return {};
  }
  if (strategy == "cascade") {
    CascadeOptions& options = choice.cascade;
    if (auto r = object.Read("models", options.models); !r) return r;
    if (auto r = CheckModelNames(object, "models", config, options.models); !r) {
      return r;
    }
    if (auto r = object.Read("samples", options.samples, 1, 100); !r) return r;
    auto accept = object.Object("accept", kVoteKeys);
    if (!accept) return std::move(accept).error();
    if (*accept) {
      if (auto r = ReadVoteOptions(**accept, options.accept); !r) return r;
    }
    if (auto r = object.Read("min_confidence", options.min_confidence, kUnitInterval); !r) {
      return r;
    }
    if (auto r = object.Read("verifiers", options.verifiers); !r) return r;
    if (auto r = CheckModelNames(object, "verifiers", config, options.verifiers); !r) {
      return r;
    }
    if (auto r = object.Read("target_quality", options.target_quality, kUnitInterval); !r) {
      return r;
    }
    if (const json::Value* stages = object.Find("stages")) {
      const std::string path = object.PathOf("stages");
      if (!stages->IsArray()) {
        return ConfigError(object.context(), path, "an array of arrays of model names",
                           Describe(*stages));
      }
      for (json::rapidjson::SizeType i = 0; i < stages->Size(); ++i) {
        const json::Value& group = (*stages)[i];
        const std::string group_path = fmt::format("{}[{}]", path, i);
        if (!group.IsArray() || group.Empty()) {
          return ConfigError(object.context(), group_path, "a non-empty array of model names",
                             Describe(group));
        }
        std::vector<std::string> names;
        for (json::rapidjson::SizeType j = 0; j < group.Size(); ++j) {
          const std::string item_path = fmt::format("{}[{}]", group_path, j);
          if (!group[j].IsString()) {
            return ConfigError(object.context(), item_path, "a model name", Describe(group[j]));
          }
          names.emplace_back(json::StringView(group[j]));
          if (auto r = CheckModelName(object.context(), config, item_path, names.back()); !r) {
            return r;
          }
        }
        options.stages.push_back(std::move(names));
      }
    }
    if (auto r = object.Read("learn_acceptance", options.learn_acceptance); !r) {
      return r;
    }
    if (auto r = object.Read("min_calibration_labels", options.min_calibration_labels); !r) {
      return r;
    }
    return {};
  }
  LearnedOptions& options = choice.learned;  // "learned"
  if (auto r = ReadWeighing(object, options.base); !r) return r;
  if (auto r = object.Read("quality_bar", options.quality_bar, kUnitInterval); !r) {
    return r;
  }
  for (auto [key, field] :
       {std::pair<std::string_view, double*>{"exploration", &options.exploration},
        {"latency_weight", &options.latency_weight},
        {"prior_strength", &options.prior_strength}}) {
    if (auto r = object.Read(key, *field); !r) return r;
  }
  if (auto r = object.Read("seed", options.seed); !r) return r;
  return {};
}

std::vector<std::string_view> StrategyKeys(const std::string& strategy) {
  std::vector<std::string_view> keys = {"strategy"};
  if (strategy == "single") return Concat(keys, {"fallback"});
  if (strategy == "fan-out") return Concat(keys, {"n"});
  keys = Concat(keys, kWeighingKeys);
  if (strategy == "balanced")
    return Concat(keys, {"quality_weight", "cost_weight", "latency_weight"});
  if (strategy == "intelligent") {
    return Concat(keys, {"base_quality_bar", "hard_quality_bar", "escalate_on_rejection"});
  }
  if (strategy == "learned") {
    return Concat(keys, {"quality_bar", "exploration", "latency_weight", "prior_strength", "seed"});
  }
  if (strategy == "cascade") {
    return {"strategy",  "models",         "samples", "accept",           "min_confidence",
            "verifiers", "target_quality", "stages",  "learn_acceptance", "min_calibration_labels"};
  }
  return keys;  // cost-optimized, quality-focused
}

std::vector<std::string_view> RuleKeys(const std::string& rule) {
  std::vector<std::string_view> keys = {"rule"};
  if (rule == "first-success") return keys;
  if (rule == "confidence") return Concat(keys, {"min_confidence"});
  keys = Concat(keys, kVoteKeys);
  if (rule == "majority") return keys;
  keys = Concat(keys, kWeightedKeys);
  if (rule == "expert") return Concat(keys, {"experts", "min_support"});
  return keys;  // weighted-confidence
}

Result<void> ReadRuleOptions(const ObjectReader& object, const OrchestratorConfig& config,
                             ConsensusChoice& choice) {
  const std::string& rule = choice.rule;
  if (rule == "first-success") return {};
  if (rule == "confidence") {
    if (!object.Has("min_confidence")) {
      return object.Fail("min_confidence", "a number in [0, 1]", "nothing");
    }
    return object.Read("min_confidence", choice.min_confidence, kUnitInterval);
  }
  if (rule == "majority") {
    return ReadVoteOptions(object, choice.vote);
  }
  if (rule == "weighted-confidence") {
    return ReadWeighted(object, config, choice.weighted);
  }
  ExpertOptions& options = choice.expert;  // "expert"
  if (auto r = ReadWeighted(object, config, options.fallback); !r) return r;
  if (auto r = object.Read("min_support", options.min_support); !r) return r;
  if (const json::Value* experts = object.Find("experts")) {
    const std::string path = object.PathOf("experts");
    if (!experts->IsObject()) {
      return ConfigError(object.context(), path, "an object of domain: [model names]",
                         Describe(*experts));
    }
    // Any domain name is a key here.
    std::vector<std::string_view> domains;
    for (const auto& member : experts->GetObject())
      domains.push_back(json::StringView(member.name));
    auto reader = ObjectReader::Open(object.context(), *experts, path, domains);
    if (!reader) return std::move(reader).error();
    for (std::string_view domain : domains) {
      std::vector<std::string> models;
      if (auto r = reader->Read(domain, models); !r) return r;
      if (auto r = CheckModelNames(*reader, domain, config, models); !r) {
        return r;
      }
      options.experts[std::string(domain)] = std::move(models);
    }
  }
  return {};
}

}  // namespace

const std::vector<std::string_view> kVoteKeys = {"answer", "threshold", "min_agreeing",
                                                 "decide_early"};

Result<void> ReadVoteOptions(const ObjectReader& object, VoteOptions& vote) {
  auto answer = object.Object("answer", kAnswerKeys);
  if (!answer) return std::move(answer).error();
  if (*answer) {
    using Kind = AnswerFormat::Kind;
    if (auto r = (*answer)->ReadEnum<Kind>("kind", vote.answer.kind,
                                           {{"normalized-text", Kind::kNormalizedText},
                                            {"choice", Kind::kChoice},
                                            {"number", Kind::kNumber},
                                            {"yes-no", Kind::kYesNo},
                                            {"json-field", Kind::kJsonField},
                                            {"similar-text", Kind::kSimilarText}});
        !r) {
      return r;
    }
    if (auto r = (*answer)->Read("json_field", vote.answer.json_field); !r) return r;
    if (vote.answer.kind == Kind::kJsonField && vote.answer.json_field.empty()) {
      return (*answer)->Fail("json_field", "the field's dotted path (kind json-field)", "nothing");
    }
    if (auto r = (*answer)->Read("similarity", vote.answer.similarity, kOpenUnitInterval); !r) {
      return r;
    }
  }
  if (auto r = object.Read("threshold", vote.threshold, kOpenUnitInterval); !r) return r;
  if (auto r = object.Read("min_agreeing", vote.min_agreeing); !r) return r;
  return object.Read("decide_early", vote.decide_early);
}

Result<std::optional<RoutingChoice>> ReadRoutingChoice(const ObjectReader& root,
                                                       const OrchestratorConfig& config) {
  const json::Value* section = root.Find("routing");
  if (section == nullptr) return std::optional<RoutingChoice>();
  const std::string path = root.PathOf("routing");
  auto strategy = ReadName(root.context(), *section, path, "strategy", kStrategies);
  if (!strategy) return std::move(strategy).error();
  auto object = ObjectReader::Open(root.context(), *section, path, StrategyKeys(*strategy));
  if (!object) return std::move(object).error();
  RoutingChoice choice;
  choice.strategy = std::move(*strategy);
  if (auto r = ReadStrategyOptions(*object, config, choice); !r) return std::move(r).error();
  return std::optional<RoutingChoice>(std::move(choice));
}

std::shared_ptr<RoutingStrategy> MakeStrategy(const RoutingChoice& choice) {
  const std::string& s = choice.strategy;
  if (s == "single") return MakeSingleModelRouting(choice.single_fallback);
  if (s == "fan-out") return MakeFanOutRouting(choice.fan_out_n);
  if (s == "cost-optimized") return MakeCostOptimizedRouting(choice.weighing);
  if (s == "quality-focused") return MakeQualityFocusedRouting(choice.weighing);
  if (s == "balanced") return MakeBalancedRouting(choice.balanced);
  if (s == "intelligent") return MakeIntelligentRouting(choice.intelligent);
  if (s == "cascade") return MakeCascadeRouting(choice.cascade);
  return MakeLearnedRouting(choice.learned);
}

Result<std::optional<ConsensusChoice>> ReadConsensusChoice(const ObjectReader& root,
                                                           const OrchestratorConfig& config) {
  const json::Value* section = root.Find("consensus");
  if (section == nullptr) return std::optional<ConsensusChoice>();
  const std::string path = root.PathOf("consensus");
  auto rule = ReadName(root.context(), *section, path, "rule", kRules);
  if (!rule) return std::move(rule).error();
  auto object = ObjectReader::Open(root.context(), *section, path, RuleKeys(*rule));
  if (!object) return std::move(object).error();
  ConsensusChoice choice;
  choice.rule = std::move(*rule);
  if (auto r = ReadRuleOptions(*object, config, choice); !r) return std::move(r).error();
  return std::optional<ConsensusChoice>(std::move(choice));
}

std::shared_ptr<const ConsensusRule> MakeRule(const ConsensusChoice& choice) {
  const std::string& r = choice.rule;
  if (r == "first-success") return MakeFirstSuccessRule();
  if (r == "confidence") return MakeConfidenceRule(choice.min_confidence);
  if (r == "majority") return MakeMajorityVoteRule(choice.vote);
  if (r == "weighted-confidence") return MakeWeightedConfidenceRule(choice.weighted);
  return MakeExpertRule(choice.expert);
}

Result<void> ReadRouting(const ObjectReader& root, OrchestratorConfig& config) {
  auto choice = ReadRoutingChoice(root, config);
  if (!choice) return std::move(choice).error();
  if (*choice) config.options.routing = MakeStrategy(**choice);
  return {};
}

Result<void> ReadConsensus(const ObjectReader& root, OrchestratorConfig& config) {
  auto choice = ReadConsensusChoice(root, config);
  if (!choice) return std::move(choice).error();
  if (*choice) config.options.consensus = MakeRule(**choice);
  return {};
}

}  // namespace prsm::config
