// prsm/metrics.h — the orchestrator's metrics, and their Prometheus text exposition.
//
// MultiLLMOrchestrator::metrics() returns a MetricsSnapshot: per model counters (requests,
// attempts by outcome, errors by ErrorCode, tokens, cost) and histograms (attempt latency, time
// to first token), and the orchestrator's totals (requests, retries, hedges, in flight, circuit
// states, dropped observer events). FormatPrometheus renders one as the Prometheus text format
// 0.0.4, which a host serves on its own /metrics endpoint (docs/OBSERVABILITY.md shows how).
//
// Threading: the loop thread updates the counters as it goes (a short uncontended lock, no
// allocation once a model has been seen); metrics() copies them under that lock, from any
// thread. A snapshot is a plain value. FormatPrometheus is a pure function.
//
// Errors: none.
#ifndef PRSM_METRICS_H_
#define PRSM_METRICS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "prsm/export.h"
#include "prsm/resilience.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// A histogram of durations with fixed buckets, in seconds.
struct HistogramSnapshot {
  /// Upper bounds of the buckets, ascending (seconds); a last bucket (+Inf) is implied.
  std::vector<double> upper_bounds;
  /// Observations per bucket, NOT cumulative: counts[i] counts values <= upper_bounds[i] and
  /// > upper_bounds[i-1]; counts.back() (index upper_bounds.size()) those above the largest.
  std::vector<std::uint64_t> counts;
  std::uint64_t count = 0;  ///< Every observation.
  double sum = 0.0;         ///< Their sum, in seconds.
};

/// The buckets of every prsm duration histogram, in seconds: 5 ms to 2 min.
PRSM_EXPORT const std::vector<double>& DefaultLatencyBuckets();

/// One model's counters since the orchestrator was created.
struct ModelMetrics {
  /// The id of the provider that serves it.
  std::string provider;
  /// Requests that made at least one attempt of this model (counted when they finish).
  std::uint64_t requests = 0;
  /// Attempts that answered.
  std::uint64_t attempts_succeeded = 0;
  /// Attempts that failed (transport, HTTP or parse error).
  std::uint64_t attempts_failed = 0;
  /// Attempts prsm stopped (decided without them, or the host cancelled).
  std::uint64_t attempts_cancelled = 0;
  /// Failed attempts by the error's code.
  std::map<ErrorCode, std::uint64_t> errors;
  /// Tokens of every attempt (input, output, cached_input, cache_write, reasoning).
  Usage tokens;
  /// USD spent on its attempts, at its list prices.
  double cost_usd = 0.0;
  /// Latency of attempts that answered or failed (cancelled ones say nothing about the model).
  HistogramSnapshot latency;
  /// Streams: time from an attempt's start to its first content (the committed attempt's).
  HistogramSnapshot time_to_first_token;
};

/// Everything metrics() reports.
struct MetricsSnapshot {
  std::map<std::string, ModelMetrics> models;  ///< By registered model name.
  /// Requests that completed with an answer.
  std::uint64_t requests_succeeded = 0;
  std::uint64_t requests_failed = 0;  ///< Including cancelled and rejected by admission.
  /// Requests admitted and not yet completed.
  std::size_t in_flight = 0;
  /// Attempts started, every model.
  std::uint64_t attempts = 0;
  /// USD spent, every model.
  double cost_usd = 0.0;
  /// Retry attempts started.
  std::uint64_t retries = 0;
  /// Retries not made: over the RetryBudget.
  std::uint64_t retries_refused = 0;
  /// Hedge attempts started.
  std::uint64_t hedges = 0;
  /// Attempts not sent because a circuit was open.
  std::uint64_t circuit_rejections = 0;
  /// Attempts that waited for, or failed on, a client-side rate limit.
  std::uint64_t rate_limited = 0;
  /// Attempts not sent for lack of budget.
  std::uint64_t budget_refusals = 0;
  /// Requests handed to the EscalationHandler.
  std::uint64_t escalations = 0;
  /// Observer events dropped because the observer queue was full.
  std::uint64_t observer_events_dropped = 0;
  /// Every breaker that has seen an attempt (as MultiLLMOrchestrator::circuits()).
  std::vector<CircuitStatus> circuits;
};

/// The snapshot in the Prometheus text exposition format 0.0.4 (Content-Type:
/// `text/plain; version=0.0.4; charset=utf-8`): every metric named `prsm_...` with its HELP and
/// TYPE lines, label values escaped (\\, \" and \n). Metric names: docs/OBSERVABILITY.md.
PRSM_EXPORT std::string FormatPrometheus(const MetricsSnapshot& snapshot);

}  // namespace prsm

#endif  // PRSM_METRICS_H_
