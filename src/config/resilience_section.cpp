// The orchestrator-wide resilience sections: "retry" (RetryPolicy), "retry_budget",
// "breaker" (BreakerPolicy), "hedge" (HedgePolicy) and "rate_limits" (per provider id).
#include <fmt/format.h>

#include "config/sections.h"
#include "json/json_read.h"

namespace prsm::config {

namespace {

Result<void> ReadBreaker(const ObjectReader& object, BreakerPolicy& breaker) {
  if (auto r = object.Read("enabled", breaker.enabled); !r) return r;
  if (auto r = object.Read("consecutive_failures", breaker.consecutive_failures, 1); !r) return r;
  if (auto r = object.Read("failure_rate", breaker.failure_rate, kOpenUnitInterval); !r) return r;
  if (auto r = object.Read("min_calls", breaker.min_calls, 1); !r) return r;
  if (auto r = object.Read("window", breaker.window, std::chrono::milliseconds(1)); !r) return r;
  if (auto r = object.Read("open_for", breaker.open_for, std::chrono::milliseconds(1)); !r) {
    return r;
  }
  if (auto r = object.Read("half_open_probes", breaker.half_open_probes, 1); !r) return r;
  return object.Read("wait_for_half_open", breaker.wait_for_half_open);
}

Result<void> ReadHedge(const ObjectReader& object, HedgePolicy& hedge) {
  if (auto r = object.Read("enabled", hedge.enabled); !r) return r;
  if (auto r = object.Read("delay", hedge.delay); !r) return r;
  if (auto r = object.Read("min_samples", hedge.min_samples, hedge.delay.count() == 0 ? 1 : 0);
      !r) {
    return r;
  }
  if (auto r = object.Read("max_share", hedge.max_share, kUnitInterval); !r) return r;
  return object.Read("burst", hedge.burst, Range{1.0, 1e300, true, true, "a number >= 1"});
}

}  // namespace

Result<void> ReadResilience(const ObjectReader& root, OrchestratorConfig& config) {
  OrchestratorOptions& options = config.options;
  auto retry = root.Object("retry", kRetryKeys);
  if (!retry) return std::move(retry).error();
  if (*retry) {
    if (auto r = ReadRetryPolicy(**retry, options.retry); !r) return r;
  }
  auto budget = root.Object("retry_budget", {"ratio", "min_concurrent"});
  if (!budget) return std::move(budget).error();
  if (*budget) {
    if (auto r = (*budget)->Read("ratio", options.retry_budget.ratio); !r) return r;
    if (auto r = (*budget)->Read("min_concurrent", options.retry_budget.min_concurrent); !r) {
      return r;
    }
  }
  auto breaker =
      root.Object("breaker", {"enabled", "consecutive_failures", "failure_rate", "min_calls",
                              "window", "open_for", "half_open_probes", "wait_for_half_open"});
  if (!breaker) return std::move(breaker).error();
  if (*breaker) {
    if (auto r = ReadBreaker(**breaker, options.breaker); !r) return r;
  }
  auto hedge = root.Object("hedge", {"enabled", "delay", "min_samples", "max_share", "burst"});
  if (!hedge) return std::move(hedge).error();
  if (*hedge) {
    if (auto r = ReadHedge(**hedge, options.hedge); !r) return r;
  }
  if (const json::Value* limits = root.Find("rate_limits")) {
    const std::string path = root.PathOf("rate_limits");
    std::vector<std::string_view> ids;
    for (const ProviderInfo& info : config.provider_info) ids.push_back(info.id);
    // Keys are provider ids: an unknown one is a typo that would silently limit nothing.
    auto reader = ObjectReader::Open(root.context(), *limits, path, ids);
    if (!reader) return std::move(reader).error();
    for (std::string_view id : ids) {
      auto limit = reader->Object(id, kRateLimitKeys);
      if (!limit) return std::move(limit).error();
      if (!*limit) continue;
      RateLimit rate_limit;
      if (auto r = ReadRateLimit(**limit, rate_limit); !r) return r;
      options.provider_rate_limits[std::string(id)] = rate_limit;
    }
  }
  return {};
}

}  // namespace prsm::config
