// resilience/resilience_state.h — the orchestrator-wide state behind retries, circuit
// breakers, hedging and rate limits: one breaker per model and per provider endpoint, token
// buckets per model and per provider, Retry-After cool-downs per model, the retry budget, the
// hedge bucket and per-model latency windows. Requests consult it before every attempt and
// report every attempt's end to it.
//
// Thread safety: loop thread only, except Circuits(), which any thread may call (the breakers
// are guarded by a mutex, uncontended on the loop). Lifetime: owned by the orchestrator; holds
// a reference to its options.
#ifndef PRSM_RESILIENCE_RESILIENCE_STATE_H_
#define PRSM_RESILIENCE_RESILIENCE_STATE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "net/timer_queue.h"
#include "prsm/model.h"
#include "prsm/orchestrator.h"
#include "resilience/circuit_breaker.h"
#include "resilience/latency_window.h"
#include "resilience/token_bucket.h"

namespace prsm::internal {

/// The tokens a rate limit counts for one request before it is sent: its input (bytes / 4, as
/// the query analyser estimates) plus its max_tokens when set.
double EstimateRequestTokens(const CompletionRequest& request);

class ResilienceState {
 public:
  using Clock = net::Clock;

  /// `notify` receives every breaker state change (on the loop thread).
  ResilienceState(const OrchestratorOptions& options, std::function<void(CircuitEvent)> notify);

  // --- Circuit breakers ---

  /// How an attempt was let through: whether it holds a half-open probe slot of its model's or
  /// its provider's breaker.
  struct Pass {
    bool admitted = false;
    bool model_probe = false;
    bool provider_probe = false;
  };
  /// Lets an attempt of `spec` through, or says why not (kUnavailable, retry_after = the time
  /// to half-open).
  Result<Pass> Admit(const ModelSpec& spec, Clock::time_point now);
  /// The end of an admitted attempt: feeds both breakers (see BreakerPolicy for what counts).
  void OnAttemptEnded(const ModelSpec& spec, const Pass& pass, const Attempt& record,
                      Clock::time_point now);
  /// True while the model's or its provider's circuit is open and not yet due for half-open.
  bool IsOpen(const ModelSpec& spec, Clock::time_point now) const;
  /// When `spec` can next be tried (its open circuits' half-open time).
  Clock::time_point ReopensAt(const ModelSpec& spec) const;
  /// Any thread.
  std::vector<CircuitStatus> Circuits(Clock::time_point now) const;

  // --- Rate limits and Retry-After cool-downs ---

  /// Zero: the attempt may go now, and `tokens` (estimated) were taken from its buckets.
  /// Otherwise the time to wait, with why in `*why`; nothing was taken.
  Clock::duration Acquire(const ModelSpec& spec, double tokens, Clock::time_point now,
                          std::string* why);
  /// Whether a tokens-per-minute limit applies to `spec` (so its tokens need estimating).
  bool LimitsTokens(const ModelSpec& spec) const;
  /// Corrects the token buckets from the estimate taken to the real use.
  void SettleTokens(const ModelSpec& spec, double taken, double used, Clock::time_point now);
  /// The server said "not before `until`" for this model (HTTP 429/503 with Retry-After).
  void NoteRetryAfter(const ModelSpec& spec, Clock::time_point until);

  // --- Retry budget ---
  bool TryBeginRetry(std::size_t requests_in_flight);
  void EndRetry();

  // --- Hedging ---
  /// The delay after which a first try of `model` is hedged, or nothing (hedging off, or too
  /// few samples for a p95).
  std::optional<std::chrono::milliseconds> HedgeDelay(const std::string& model, bool streaming);
  /// A first try started: it earns max_share of a hedge.
  void EarnHedge();
  /// Spends one hedge; false when the share is used up.
  bool TryTakeHedge();
  /// A latency to learn the p95 from: a whole answer, or (streams) the time to first content.
  void RecordLatency(const std::string& model, bool streaming, std::chrono::microseconds latency);

  std::mt19937_64& random() noexcept { return random_; }

 private:
  struct Limits {
    std::optional<TokenBucket> requests;
    std::optional<TokenBucket> tokens;
  };
  CircuitBreaker& BreakerFor(const std::string& key);  // mutex held
  Limits& LimitsFor(std::map<std::string, Limits>& table, const std::string& key,
                    const RateLimit& limit, Clock::time_point now);
  void Report(const std::string& key, const std::optional<CircuitBreaker::Transition>& change);
  static std::string ProviderKey(const std::string& provider) { return "provider:" + provider; }

  const OrchestratorOptions& options_;
  std::function<void(CircuitEvent)> notify_;

  mutable std::mutex breakers_mutex_;
  std::map<std::string, CircuitBreaker> breakers_;

  std::map<std::string, Limits> model_limits_;
  std::map<std::string, Limits> provider_limits_;
  std::map<std::string, Clock::time_point> cool_down_until_;

  std::size_t retries_in_progress_ = 0;
  double hedge_tokens_ = 0.0;
  std::map<std::string, LatencyWindow> latency_;        // whole answers
  std::map<std::string, LatencyWindow> first_content_;  // streams
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace prsm::internal

#endif  // PRSM_RESILIENCE_RESILIENCE_STATE_H_
