// ModelSpec pricing and validation, ModelCatalog.
#include "prsm/model.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

namespace prsm {
namespace {

bool IsValidPrice(double price) { return std::isfinite(price) && price >= 0.0; }

bool IsValidQuality(double quality) {
  return std::isfinite(quality) && quality >= 0.0 && quality <= 1.0;
}

}  // namespace

double ModelSpec::CostUsd(const Usage& usage) const noexcept {
  const double cached_rate = price.cached_input_per_mtok.value_or(price.input_per_mtok);
  const double write_rate = price.cache_write_per_mtok.value_or(price.input_per_mtok);
  // Vendors report cached and cache-write tokens as part of the input; never let a vendor's
  // inconsistent numbers make the uncached share negative.
  const std::int64_t uncached = std::max<std::int64_t>(
      0, usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens);
  const double micro_usd = static_cast<double>(uncached) * price.input_per_mtok +
                           static_cast<double>(usage.cached_input_tokens) * cached_rate +
                           static_cast<double>(usage.cache_write_tokens) * write_rate +
                           static_cast<double>(usage.output_tokens) * price.output_per_mtok;
  return micro_usd / 1e6;
}

Result<void> ModelSpec::Validate() const {
  auto invalid = [this](std::string what) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("model '{}': {}", name, what))
        .WithModel(name);
  };
  if (name.empty()) return Error(ErrorCode::kInvalidArgument, "model name is empty");
  if (provider.empty()) return invalid("provider is empty");
  if (!IsValidPrice(price.input_per_mtok)) return invalid("price.input_per_mtok must be >= 0");
  if (!IsValidPrice(price.output_per_mtok)) return invalid("price.output_per_mtok must be >= 0");
  if (price.cached_input_per_mtok && !IsValidPrice(*price.cached_input_per_mtok)) {
    return invalid("price.cached_input_per_mtok must be >= 0");
  }
  if (price.cache_write_per_mtok && !IsValidPrice(*price.cache_write_per_mtok)) {
    return invalid("price.cache_write_per_mtok must be >= 0");
  }
  if (context_window < 0) return invalid("context_window must be >= 0");
  if (max_output_tokens < 0) return invalid("max_output_tokens must be >= 0");
  if (!IsValidQuality(quality)) return invalid("quality must be in [0, 1]");
  for (const auto& [domain, value] : domain_quality) {
    if (!IsValidQuality(value)) {
      return invalid(fmt::format("domain_quality['{}'] must be in [0, 1]", domain));
    }
  }
  if (typical_latency.count() < 0) return invalid("typical_latency must be >= 0");
  const std::string where = fmt::format("model '{}': resilience", name);
  if (resilience.retry) {
    if (auto valid = ValidateRetryPolicy(*resilience.retry, where + ".retry"); !valid) {
      return std::move(valid).error().WithModel(name);
    }
  }
  if (auto valid = ValidateRateLimit(resilience.rate_limit, where + ".rate_limit"); !valid) {
    return std::move(valid).error().WithModel(name);
  }
  return {};
}

Result<void> ModelCatalog::Add(ModelSpec spec) {
  if (Find(spec.name) != nullptr) {
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("model '{}' is already registered", spec.name))
        .WithModel(spec.name);
  }
  return Upsert(std::move(spec));
}

Result<void> ModelCatalog::Upsert(ModelSpec spec) {
  if (auto valid = spec.Validate(); !valid) return valid;
  auto it = std::find_if(models_.begin(), models_.end(),
                         [&](const ModelSpec& m) { return m.name == spec.name; });
  if (it != models_.end()) {
    *it = std::move(spec);
  } else {
    models_.push_back(std::move(spec));
  }
  return {};
}

const ModelSpec* ModelCatalog::Find(std::string_view name) const noexcept {
  for (const ModelSpec& spec : models_) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace prsm
