// Per-model (and per-domain) running norms of log output tokens; see token_norms.h.
#include "routing/token_norms.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include <fmt/format.h>

#include "routing/state_json.h"

namespace prsm::routing {

namespace {

// The smallest standard deviation a norm divides by: a model that always spends about the same
// would otherwise turn a 10% longer answer into many standard deviations. 0.25 in log tokens is
// about 28% more or fewer tokens.
constexpr double kMinDeviation = 0.25;

double LogTokens(const Usage& usage) {
  return std::log1p(static_cast<double>(usage.output_tokens));
}

}  // namespace

void TokenNorms::Norm::Add(double x) {
  // Welford's update with weight 1/n up to the window, then a fixed 1/window: exact mean and
  // (population) variance of the first kWindow answers, an exponential average after.
  count = std::min<std::uint64_t>(count + 1, std::numeric_limits<std::uint64_t>::max() - 1);
  const double weight = 1.0 / static_cast<double>(std::min(count, kWindow));
  const double diff = x - mean;
  const double step = weight * diff;
  mean += step;
  variance = (1.0 - weight) * (variance + diff * step);
}

void TokenNorms::Add(const std::string& model, const std::string& domain, const Usage& usage) {
  if (usage.output_tokens <= 0) return;
  const double x = LogTokens(usage);
  ModelNorms& norms = models_[model];
  norms.overall.Add(x);
  auto it = norms.domains.find(domain);
  if (it == norms.domains.end()) {
    if (norms.domains.size() >= kMaxDomains) return;
    it = norms.domains.emplace(domain, Norm{}).first;
  }
  it->second.Add(x);
}

double TokenNorms::Relative(const std::string& model, const std::string& domain,
                            const Usage& usage) const {
  if (usage.output_tokens <= 0) return 0.0;
  auto found = models_.find(model);
  if (found == models_.end()) return 0.0;
  const Norm* norm = &found->second.overall;
  if (auto it = found->second.domains.find(domain);
      it != found->second.domains.end() && it->second.count >= kMinCount) {
    norm = &it->second;
  }
  if (norm->count < kMinCount) return 0.0;
  const double deviation = std::max(std::sqrt(std::max(norm->variance, 0.0)), kMinDeviation);
  return (LogTokens(usage) - norm->mean) / deviation;
}

void TokenNorms::WriteNorm(json::Writer& writer, std::string_view model, const std::string* domain,
                           const Norm& norm) {
  writer.StartObject();
  WriteStringMember(writer, "model", model);
  if (domain != nullptr) WriteStringMember(writer, "domain", *domain);
  writer.Key("count");
  writer.Uint64(norm.count);
  writer.Key("mean");
  writer.Double(norm.mean);
  writer.Key("variance");
  writer.Double(norm.variance);
  writer.EndObject();
}

void TokenNorms::Write(json::Writer& writer) const {
  writer.StartArray();
  for (const auto& [model, norms] : models_) {
    WriteNorm(writer, model, nullptr, norms.overall);
    for (const auto& [domain, norm] : norms.domains) WriteNorm(writer, model, &domain, norm);
  }
  writer.EndArray();
}

Result<TokenNorms> TokenNorms::Read(const json::Value& value, const json::Path& path) {
  TokenNorms out;
  if (!value.IsArray()) return StateError(json::TypeError(path, "array", value));
  // log(1 + tokens) of any real answer is far below this; a larger mean is not ours.
  constexpr double kMaxLog = 64.0;
  std::set<std::string, std::less<>> overall_read;
  for (json::rapidjson::SizeType i = 0; i < value.Size(); ++i) {
    const json::Path at = path.Index(i);
    const json::Value& entry = value[i];
    if (!entry.IsObject()) return StateError(json::TypeError(at, "object", entry));
    auto model = json::RequiredString(entry, "model", at);
    if (!model) return StateError(model.error());
    auto domain = json::OptionalString(entry, "domain", at);
    if (!domain) return StateError(domain.error());
    auto count = json::RequiredInt64(entry, "count", at);
    if (!count) return StateError(count.error());
    auto mean = RequiredNumberIn(entry, "mean", at, 0.0, kMaxLog);
    if (!mean) return mean.error();
    auto variance = RequiredNumberIn(entry, "variance", at, 0.0, kMaxLog * kMaxLog);
    if (!variance) return variance.error();
    if (model->empty() || *count < 0) {
      return Error(
          ErrorCode::kInvalidArgument,
          fmt::format("invalid state: {} has an empty model or a negative count", at.ToString()));
    }
    ModelNorms& norms = out.models_[std::string(*model)];
    Norm norm{static_cast<std::uint64_t>(*count), *mean, *variance};
    bool fresh = false;
    if (!domain->has_value()) {
      fresh = overall_read.insert(std::string(*model)).second;
      norms.overall = norm;
    } else if (norms.domains.size() < kMaxDomains) {
      fresh = norms.domains.emplace(std::string(**domain), norm).second;
    } else {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("invalid state: {}: more than {} domains for one model",
                               at.ToString(), kMaxDomains));
    }
    if (!fresh) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("invalid state: {} repeats a norm", at.ToString()));
    }
  }
  return out;
}

}  // namespace prsm::routing
