// MetricsRegistry: the per model counters and histograms behind MultiLLMOrchestrator::metrics().
//
// Threading: the loop thread records (each call takes one short, uncontended lock; no
// allocation once a model has been seen); Snapshot() may be called from any thread and copies
// under the same lock. Errors: none.
#ifndef PRSM_OBSERVE_METRICS_REGISTRY_H_
#define PRSM_OBSERVE_METRICS_REGISTRY_H_

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "prsm/metrics.h"
#include "prsm/types.h"

namespace prsm::internal {

/// Adds one observation (in seconds) to a histogram with DefaultLatencyBuckets().
void Observe(HistogramSnapshot& histogram, double seconds);

/// An empty histogram with DefaultLatencyBuckets().
HistogramSnapshot EmptyHistogram();

class MetricsRegistry {
 public:
  /// `record` is final: its error code and latency. Attempt counts, tokens and cost are kept
  /// once, in the orchestrator's ModelTotals, and merged in by MultiLLMOrchestrator::metrics().
  void RecordAttemptEnded(const Attempt& record);
  /// A stream's first content arrived `elapsed` after its attempt started.
  void RecordFirstToken(const std::string& model, const std::string& provider,
                        std::chrono::microseconds elapsed);
  /// A finished request made at least one attempt of `model` (called once per model).
  void RecordModelRequest(const std::string& model, const std::string& provider);

  /// The per model part of a MetricsSnapshot, without what ModelTotals holds.
  std::map<std::string, ModelMetrics> Snapshot() const;

 private:
  ModelMetrics& Model(const std::string& model, const std::string& provider);  // mutex_ held

  mutable std::mutex mutex_;
  std::map<std::string, ModelMetrics> models_;
};

}  // namespace prsm::internal

#endif  // PRSM_OBSERVE_METRICS_REGISTRY_H_
