// The "models" section: an array of ModelSpecs, each optionally starting from the built-in
// catalog's spec ("builtin"), and the retry and rate-limit objects they share with the
// orchestrator-wide sections.
#include <fmt/format.h>

#include "config/sections.h"
#include "json/json_read.h"

namespace prsm::config {

namespace {

const std::vector<std::string_view> kModelKeys = {
    "name",           "provider",        "provider_model",    "builtin",
    "price",          "context_window",  "max_output_tokens", "quality",
    "domain_quality", "typical_latency", "capabilities",      "retry",
    "rate_limit"};
const std::vector<std::string_view> kPriceKeys = {"input_per_mtok", "output_per_mtok",
                                                  "cached_input_per_mtok", "cache_write_per_mtok"};
const std::vector<std::string_view> kCapabilityKeys = {"tools", "json_schema", "logprobs",
                                                       "streaming"};

// The codes a retry_on list may name: every code a failed attempt can carry.
const std::vector<std::pair<std::string_view, ErrorCode>> kRetryableCodes = {
    {"Unknown", ErrorCode::kUnknown},
    {"InvalidArgument", ErrorCode::kInvalidArgument},
    {"DeadlineExceeded", ErrorCode::kDeadlineExceeded},
    {"NotFound", ErrorCode::kNotFound},
    {"AlreadyExists", ErrorCode::kAlreadyExists},
    {"PermissionDenied", ErrorCode::kPermissionDenied},
    {"ResourceExhausted", ErrorCode::kResourceExhausted},
    {"FailedPrecondition", ErrorCode::kFailedPrecondition},
    {"Aborted", ErrorCode::kAborted},
    {"OutOfRange", ErrorCode::kOutOfRange},
    {"Unimplemented", ErrorCode::kUnimplemented},
    {"Internal", ErrorCode::kInternal},
    {"Unavailable", ErrorCode::kUnavailable},
    {"DataLoss", ErrorCode::kDataLoss},
    {"Unauthenticated", ErrorCode::kUnauthenticated},
    {"NoConsensus", ErrorCode::kNoConsensus},
    {"BudgetExceeded", ErrorCode::kBudgetExceeded},
};

Result<void> ReadModel(const LoadContext& context, const json::Value& value,
                       const std::string& path, OrchestratorConfig& config) {
  auto opened = ObjectReader::Open(context, value, path, kModelKeys);
  if (!opened) return std::move(opened).error();
  const ObjectReader& object = *opened;

  ModelSpec spec;
  if (object.Has("builtin")) {
    std::string builtin;
    if (auto r = object.Read("builtin", builtin); !r) return r;
    const ModelCatalog catalog = ModelCatalog::BuiltIn();
    const ModelSpec* found = catalog.Find(builtin);
    if (found == nullptr) {
      std::vector<std::string_view> names;
      for (const ModelSpec& known : catalog.models()) names.push_back(known.name);
      return object.Fail("builtin", "a model of the built-in catalog (" + JoinNames(names) + ")",
                         *object.Find("builtin"));
    }
    spec = *found;
    spec.provider_model = spec.wire_model();  // a renamed builtin still sends its wire id
  }
  if (!object.Has("name") && spec.name.empty()) {
    return object.Fail("name", "the model's name", "nothing");
  }
  if (auto r = object.Read("name", spec.name); !r) return r;
  if (spec.name.empty()) return object.Fail("name", "a non-empty name", "\"\"");
  for (const ModelSpec& seen : config.models) {
    if (seen.name == spec.name) {
      return object.Fail("name", "a name no other model has", *object.Find("name"));
    }
  }
  if (!object.Has("provider") && spec.provider.empty()) {
    return object.Fail("provider", "the id of one of the providers", "nothing");
  }
  if (auto r = object.Read("provider", spec.provider); !r) return r;
  std::vector<std::string_view> provider_ids;
  bool known_provider = false;
  for (const ProviderInfo& info : config.provider_info) {
    provider_ids.push_back(info.id);
    known_provider = known_provider || info.id == spec.provider;
  }
  if (!known_provider) {
    const std::string got = fmt::format("\"{}\"", spec.provider);
    return object.Fail("provider",
                       provider_ids.empty()
                           ? std::string("a provider defined under $.providers (there is none)")
                           : "one of the providers " + JoinNames(provider_ids),
                       object.Has("provider") ? got : got + " (from the built-in spec)");
  }
  if (auto r = object.Read("provider_model", spec.provider_model); !r) return r;

  auto price = object.Object("price", kPriceKeys);
  if (!price) return std::move(price).error();
  if (*price) {
    if (auto r = (*price)->Read("input_per_mtok", spec.price.input_per_mtok); !r) return r;
    if (auto r = (*price)->Read("output_per_mtok", spec.price.output_per_mtok); !r) return r;
    if (auto r = (*price)->Read("cached_input_per_mtok", spec.price.cached_input_per_mtok); !r) {
      return r;
    }
    if (auto r = (*price)->Read("cache_write_per_mtok", spec.price.cache_write_per_mtok); !r) {
      return r;
    }
  }
  if (auto r = object.Read("context_window", spec.context_window); !r) return r;
  if (auto r = object.Read("max_output_tokens", spec.max_output_tokens); !r) return r;
  if (auto r = object.Read("quality", spec.quality, kUnitInterval); !r) return r;
  if (object.Has("domain_quality")) {
    spec.domain_quality.clear();
    if (auto r = object.Read("domain_quality", spec.domain_quality, kUnitInterval); !r) return r;
  }
  if (auto r = object.Read("typical_latency", spec.typical_latency); !r) return r;

  auto capabilities = object.Object("capabilities", kCapabilityKeys);
  if (!capabilities) return std::move(capabilities).error();
  if (*capabilities) {
    if (auto r = (*capabilities)->Read("tools", spec.capabilities.tools); !r) return r;
    if (auto r = (*capabilities)->Read("json_schema", spec.capabilities.json_schema); !r) return r;
    if (auto r = (*capabilities)->Read("logprobs", spec.capabilities.logprobs); !r) return r;
    if (auto r = (*capabilities)->Read("streaming", spec.capabilities.streaming); !r) return r;
  }
  auto retry = object.Object("retry", kRetryKeys);
  if (!retry) return std::move(retry).error();
  if (*retry) {
    RetryPolicy policy;
    if (auto r = ReadRetryPolicy(**retry, policy); !r) return r;
    spec.resilience.retry = policy;
  }
  auto rate_limit = object.Object("rate_limit", kRateLimitKeys);
  if (!rate_limit) return std::move(rate_limit).error();
  if (*rate_limit) {
    if (auto r = ReadRateLimit(**rate_limit, spec.resilience.rate_limit); !r) return r;
  }
  if (auto valid = spec.Validate(); !valid) {
    return ConfigError(context, path, "a valid model", valid.error().message());
  }
  config.models.push_back(std::move(spec));
  return {};
}

}  // namespace

const std::vector<std::string_view> kRetryKeys = {
    "max_retries", "initial_backoff", "max_backoff",          "multiplier",
    "retry_on",    "max_retry_after", "retry_before_fallback"};
const std::vector<std::string_view> kRateLimitKeys = {"rpm", "requests_per_minute", "tpm",
                                                      "tokens_per_minute", "on_limit"};

Result<void> ReadRetryPolicy(const ObjectReader& object, RetryPolicy& policy) {
  if (auto r = object.Read("max_retries", policy.max_retries, 0, 100); !r) return r;
  if (auto r = object.Read("initial_backoff", policy.initial_backoff); !r) return r;
  if (auto r = object.Read("max_backoff", policy.max_backoff); !r) return r;
  if (policy.max_backoff < policy.initial_backoff) {
    return object.Fail(object.Has("max_backoff") ? "max_backoff" : "initial_backoff",
                       fmt::format("max_backoff ({}ms) >= initial_backoff ({}ms)",
                                   policy.max_backoff.count(), policy.initial_backoff.count()),
                       "the opposite");
  }
  if (auto r = object.Read("multiplier", policy.multiplier,
                           Range{1.0, 1e300, true, true, "a number >= 1"});
      !r) {
    return r;
  }
  if (object.Has("retry_on")) {
    std::vector<std::string> names;
    if (auto r = object.Read("retry_on", names); !r) return r;
    std::vector<ErrorCode> codes;
    std::vector<std::string_view> allowed;
    allowed.reserve(kRetryableCodes.size());
    for (const auto& [name, code] : kRetryableCodes) allowed.push_back(name);
    for (std::size_t i = 0; i < names.size(); ++i) {
      auto found = std::find_if(kRetryableCodes.begin(), kRetryableCodes.end(),
                                [&](const auto& entry) { return entry.first == names[i]; });
      if (found == kRetryableCodes.end()) {
        return ConfigError(object.context(), fmt::format("{}[{}]", object.PathOf("retry_on"), i),
                           "an error code: one of " + JoinNames(allowed),
                           fmt::format("string \"{}\"", names[i]));
      }
      codes.push_back(found->second);
    }
    policy.retry_on = std::move(codes);
  }
  if (auto r = object.Read("max_retry_after", policy.max_retry_after); !r) return r;
  if (auto r = object.Read("retry_before_fallback", policy.retry_before_fallback); !r) return r;
  return {};
}

Result<void> ReadRateLimit(const ObjectReader& object, RateLimit& limit) {
  for (auto [short_name, long_name] :
       {std::pair<std::string_view, std::string_view>{"rpm", "requests_per_minute"},
        {"tpm", "tokens_per_minute"}}) {
    if (object.Has(short_name) && object.Has(long_name)) {
      return object.Fail(long_name, fmt::format("either {} or {}, not both", short_name, long_name),
                         "both");
    }
  }
  if (auto r = object.Read("rpm", limit.requests_per_minute); !r) return r;
  if (auto r = object.Read("requests_per_minute", limit.requests_per_minute); !r) return r;
  if (auto r = object.Read("tpm", limit.tokens_per_minute); !r) return r;
  if (auto r = object.Read("tokens_per_minute", limit.tokens_per_minute); !r) return r;
  return object.ReadEnum<RateLimit::OnLimit>(
      "on_limit", limit.on_limit,
      {{"wait", RateLimit::OnLimit::kWait}, {"fail", RateLimit::OnLimit::kFail}});
}

Result<void> CheckModelName(const LoadContext& context, const OrchestratorConfig& config,
                            const std::string& path, const std::string& name) {
  std::vector<std::string_view> names;
  for (const ModelSpec& spec : config.models) {
    if (spec.name == name) return {};
    names.push_back(spec.name);
  }
  return ConfigError(context, path,
                     names.empty() ? std::string("a model defined under $.models (there is none)")
                                   : "one of the models " + JoinNames(names),
                     fmt::format("\"{}\"", name));
}

Result<void> CheckModelNames(const ObjectReader& object, std::string_view key,
                             const OrchestratorConfig& config,
                             const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (auto r = CheckModelName(object.context(), config,
                                fmt::format("{}[{}]", object.PathOf(key), i), names[i]);
        !r) {
      return r;
    }
  }
  return {};
}

Result<void> ReadModels(const ObjectReader& root, OrchestratorConfig& config) {
  const json::Value* models = root.Find("models");
  if (models == nullptr) return {};
  const std::string path = root.PathOf("models");
  if (!models->IsArray()) {
    return ConfigError(root.context(), path, "an array of models", Describe(*models));
  }
  for (json::rapidjson::SizeType i = 0; i < models->Size(); ++i) {
    if (auto r = ReadModel(root.context(), (*models)[i], fmt::format("{}[{}]", path, i), config);
        !r) {
      return r;
    }
  }
  return {};
}

}  // namespace prsm::config
