#include "resilience/resilience_state.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

namespace prsm::internal {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

// Failures that say the server is unwell (BreakerPolicy).
bool CountsAgainstServer(const Error& error) {
  return error.code() == ErrorCode::kUnavailable || error.code() == ErrorCode::kDeadlineExceeded;
}

std::string Describe(const Error& error) {
  std::string out(ToString(error.code()));
  if (error.http_status()) out += fmt::format(" (HTTP {})", *error.http_status());
  return out;
}

}  // namespace

double EstimateRequestTokens(const CompletionRequest& request) {
  std::size_t bytes = 0;
  for (const Message& message : request.messages) bytes += message.content.size();
  double tokens = std::ceil(static_cast<double>(bytes) / 4.0);  // as the query analyser counts
  if (request.max_tokens && *request.max_tokens > 0) tokens += *request.max_tokens;
  return tokens;
}

ResilienceState::ResilienceState(const OrchestratorOptions& options,
                                 std::function<void(CircuitEvent)> notify)
    : options_(options), notify_(std::move(notify)), hedge_tokens_(options.hedge.burst) {}

CircuitBreaker& ResilienceState::BreakerFor(const std::string& key) {
  return breakers_.try_emplace(key, options_.breaker).first->second;
}

void ResilienceState::Report(const std::string& key,
                             const std::optional<CircuitBreaker::Transition>& change) {
  if (!change || !notify_) return;
  notify_(CircuitEvent{key, change->from, change->to, change->reason});
}

Result<ResilienceState::Pass> ResilienceState::Admit(const ModelSpec& spec, Clock::time_point now) {
  Pass pass;
  if (!options_.breaker.enabled) {
    pass.admitted = true;
    return pass;
  }
  const std::string provider_key = ProviderKey(spec.provider);
  std::optional<CircuitBreaker::Transition> model_change;
  std::optional<CircuitBreaker::Transition> provider_change;
  std::optional<Error> refused;
  {
    std::lock_guard<std::mutex> lock(breakers_mutex_);
    CircuitBreaker& provider = BreakerFor(provider_key);
    CircuitBreaker& model = BreakerFor(spec.name);
    const auto provider_admission = provider.Admit(now, &provider_change);
    if (provider_admission == CircuitBreaker::Admission::kRejected) {
      refused = Error(ErrorCode::kUnavailable,
                      fmt::format("not sent: the circuit of provider '{}' is {} (its endpoint "
                                  "failed repeatedly)",
                                  spec.provider, ToString(provider.state(now))))
                    .WithRetryAfter(duration_cast<milliseconds>(
                        std::max(Clock::duration::zero(), provider.half_open_at() - now)));
    } else {
      const auto model_admission = model.Admit(now, &model_change);
      if (model_admission == CircuitBreaker::Admission::kRejected) {
        provider.Release(provider_admission == CircuitBreaker::Admission::kProbe);
        refused = Error(ErrorCode::kUnavailable,
                        fmt::format("not sent: the circuit of model '{}' is {} (it failed "
                                    "repeatedly)",
                                    spec.name, ToString(model.state(now))))
                      .WithRetryAfter(duration_cast<milliseconds>(
                          std::max(Clock::duration::zero(), model.half_open_at() - now)));
      } else {
        pass.admitted = true;
        pass.model_probe = model_admission == CircuitBreaker::Admission::kProbe;
        pass.provider_probe = provider_admission == CircuitBreaker::Admission::kProbe;
      }
    }
  }
  Report(provider_key, provider_change);
  Report(spec.name, model_change);
  if (refused) return refused->WithModel(spec.name).WithProvider(spec.provider);
  return pass;
}

void ResilienceState::OnAttemptEnded(const ModelSpec& spec, const Pass& pass, const Attempt& record,
                                     Clock::time_point now) {
  if (!pass.admitted || !options_.breaker.enabled) return;
  const std::string provider_key = ProviderKey(spec.provider);
  std::optional<CircuitBreaker::Transition> model_change;
  std::optional<CircuitBreaker::Transition> provider_change;
  {
    std::lock_guard<std::mutex> lock(breakers_mutex_);
    CircuitBreaker& model = BreakerFor(spec.name);
    CircuitBreaker& provider = BreakerFor(provider_key);
    if (record.outcome == Attempt::Outcome::kSucceeded) {
      model_change = model.OnSuccess(now, pass.model_probe);
      provider_change = provider.OnSuccess(now, pass.provider_probe);
    } else if (record.outcome == Attempt::Outcome::kFailed && record.error &&
               CountsAgainstServer(*record.error)) {
      const std::string why = Describe(*record.error);
      model_change = model.OnFailure(now, pass.model_probe, why);
      if (record.error->http_status()) {
        // The endpoint answered: it is reachable, whatever the model's trouble.
        provider_change = provider.OnSuccess(now, pass.provider_probe);
      } else {
        provider_change = provider.OnFailure(now, pass.provider_probe, why);
      }
    } else {
      model.Release(pass.model_probe);
      if (record.outcome == Attempt::Outcome::kFailed && record.error &&
          record.error->http_status()) {
        provider_change = provider.OnSuccess(now, pass.provider_probe);
      } else {
        provider.Release(pass.provider_probe);
      }
    }
  }
  Report(provider_key, provider_change);
  Report(spec.name, model_change);
}

bool ResilienceState::IsOpen(const ModelSpec& spec, Clock::time_point now) const {
  if (!options_.breaker.enabled) return false;
  std::lock_guard<std::mutex> lock(breakers_mutex_);
  for (const std::string& key : {spec.name, ProviderKey(spec.provider)}) {
    auto it = breakers_.find(key);
    if (it != breakers_.end() && it->second.state(now) == CircuitState::kOpen) return true;
  }
  return false;
}

ResilienceState::Clock::time_point ResilienceState::ReopensAt(const ModelSpec& spec) const {
  std::lock_guard<std::mutex> lock(breakers_mutex_);
  Clock::time_point at{};
  for (const std::string& key : {spec.name, ProviderKey(spec.provider)}) {
    auto it = breakers_.find(key);
    if (it != breakers_.end()) at = std::max(at, it->second.half_open_at());
  }
  return at;
}

std::vector<CircuitStatus> ResilienceState::Circuits(Clock::time_point now) const {
  std::lock_guard<std::mutex> lock(breakers_mutex_);
  std::vector<CircuitStatus> out;
  out.reserve(breakers_.size());
  for (const auto& [key, breaker] : breakers_) {
    CircuitStatus status;
    status.name = key;
    status.state = breaker.state(now);
    status.consecutive_failures = breaker.consecutive_failures();
    status.times_opened = breaker.times_opened();
    if (status.state == CircuitState::kOpen) {
      status.reopens_in = std::chrono::ceil<milliseconds>(breaker.half_open_at() - now);
    }
    out.push_back(std::move(status));
  }
  return out;
}

ResilienceState::Limits& ResilienceState::LimitsFor(std::map<std::string, Limits>& table,
                                                    const std::string& key, const RateLimit& limit,
                                                    Clock::time_point now) {
  auto [it, inserted] = table.try_emplace(key);
  if (inserted) {
    if (limit.requests_per_minute > 0) it->second.requests.emplace(limit.requests_per_minute, now);
    if (limit.tokens_per_minute > 0) it->second.tokens.emplace(limit.tokens_per_minute, now);
  }
  return it->second;
}

ResilienceState::Clock::duration ResilienceState::Acquire(const ModelSpec& spec, double tokens,
                                                          Clock::time_point now, std::string* why) {
  Clock::duration wait = Clock::duration::zero();
  if (auto it = cool_down_until_.find(spec.name); it != cool_down_until_.end()) {
    if (it->second > now) {
      wait = it->second - now;
      *why = fmt::format("model '{}' is rate limited by its server (Retry-After) for another {} ms",
                         spec.name, std::chrono::ceil<milliseconds>(wait).count());
    } else {
      cool_down_until_.erase(it);
    }
  }
  Limits* model = nullptr;
  Limits* provider = nullptr;
  const RateLimit& model_limit = spec.resilience.rate_limit;
  if (model_limit.requests_per_minute > 0 || model_limit.tokens_per_minute > 0) {
    model = &LimitsFor(model_limits_, spec.name, model_limit, now);
  }
  if (auto it = options_.provider_rate_limits.find(spec.provider);
      it != options_.provider_rate_limits.end() &&
      (it->second.requests_per_minute > 0 || it->second.tokens_per_minute > 0)) {
    provider = &LimitsFor(provider_limits_, spec.provider, it->second, now);
  }
  auto consider = [&](Limits* limits, const char* scope, const std::string& name) {
    if (limits == nullptr) return;
    if (limits->requests) {
      const auto w = limits->requests->WaitFor(1.0, now);
      if (w > wait) {
        wait = w;
        *why = fmt::format("the {} '{}' is at its requests-per-minute limit", scope, name);
      }
    }
    if (limits->tokens) {
      const auto w = limits->tokens->WaitFor(tokens, now);
      if (w > wait) {
        wait = w;
        *why = fmt::format("the {} '{}' is at its tokens-per-minute limit", scope, name);
      }
    }
  };
  consider(model, "model", spec.name);
  consider(provider, "provider", spec.provider);
  if (wait > Clock::duration::zero()) return wait;
  for (Limits* limits : {model, provider}) {
    if (limits == nullptr) continue;
    if (limits->requests) limits->requests->Take(1.0, now);
    if (limits->tokens) limits->tokens->Take(tokens, now);
  }
  return Clock::duration::zero();
}

bool ResilienceState::LimitsTokens(const ModelSpec& spec) const {
  if (spec.resilience.rate_limit.tokens_per_minute > 0) return true;
  const auto it = options_.provider_rate_limits.find(spec.provider);
  return it != options_.provider_rate_limits.end() && it->second.tokens_per_minute > 0;
}

void ResilienceState::SettleTokens(const ModelSpec& spec, double taken, double used,
                                   Clock::time_point now) {
  auto settle = [&](std::map<std::string, Limits>& table, const std::string& key) {
    auto it = table.find(key);
    if (it == table.end() || !it->second.tokens) return;
    if (used > taken) {
      it->second.tokens->Take(used - taken, now);
    } else {
      it->second.tokens->Give(taken - used, now);
    }
  };
  settle(model_limits_, spec.name);
  settle(provider_limits_, spec.provider);
}

void ResilienceState::NoteRetryAfter(const ModelSpec& spec, Clock::time_point until) {
  Clock::time_point& current = cool_down_until_[spec.name];
  current = std::max(current, until);
}

bool ResilienceState::TryBeginRetry(std::size_t requests_in_flight) {
  const double cap =
      std::max(static_cast<double>(options_.retry_budget.min_concurrent),
               options_.retry_budget.ratio * static_cast<double>(requests_in_flight));
  if (static_cast<double>(retries_in_progress_ + 1) > cap) return false;
  ++retries_in_progress_;
  return true;
}

void ResilienceState::EndRetry() {
  if (retries_in_progress_ > 0) --retries_in_progress_;
}

std::optional<milliseconds> ResilienceState::HedgeDelay(const std::string& model, bool streaming) {
  const HedgePolicy& policy = options_.hedge;
  if (!policy.enabled) return std::nullopt;
  if (policy.delay.count() > 0) return policy.delay;
  auto& table = streaming ? first_content_ : latency_;
  auto it = table.find(model);
  if (it == table.end() || it->second.size() < policy.min_samples) return std::nullopt;
  return std::max(milliseconds(1), std::chrono::ceil<milliseconds>(it->second.P95()));
}

void ResilienceState::EarnHedge() {
  if (!options_.hedge.enabled) return;
  hedge_tokens_ = std::min(options_.hedge.burst, hedge_tokens_ + options_.hedge.max_share);
}

bool ResilienceState::TryTakeHedge() {
  if (hedge_tokens_ < 1.0) return false;
  hedge_tokens_ -= 1.0;
  return true;
}

void ResilienceState::RecordLatency(const std::string& model, bool streaming,
                                    std::chrono::microseconds latency) {
  if (!options_.hedge.enabled || options_.hedge.delay.count() > 0) return;
  (streaming ? first_content_ : latency_)[model].Add(latency);
}

}  // namespace prsm::internal
