#include "observe/metrics_registry.h"

#include <algorithm>

namespace prsm::internal {

HistogramSnapshot EmptyHistogram() {
  HistogramSnapshot histogram;
  histogram.upper_bounds = DefaultLatencyBuckets();
  histogram.counts.assign(histogram.upper_bounds.size() + 1, 0);
  return histogram;
}

void Observe(HistogramSnapshot& histogram, double seconds) {
  // The first bucket whose upper bound holds the value; past the last bound: the +Inf bucket.
  const auto it =
      std::lower_bound(histogram.upper_bounds.begin(), histogram.upper_bounds.end(), seconds);
  ++histogram.counts[static_cast<std::size_t>(it - histogram.upper_bounds.begin())];
  ++histogram.count;
  histogram.sum += seconds;
}

ModelMetrics& MetricsRegistry::Model(const std::string& model, const std::string& provider) {
  auto it = models_.find(model);
  if (it == models_.end()) {
    ModelMetrics fresh;
    fresh.provider = provider;
    fresh.latency = EmptyHistogram();
    fresh.time_to_first_token = EmptyHistogram();
    it = models_.emplace(model, std::move(fresh)).first;
  }
  return it->second;
}

void MetricsRegistry::RecordAttemptEnded(const Attempt& record) {
  // Counts, tokens and cost are the orchestrator's ModelTotals, which metrics() copies in.
  const double seconds = std::chrono::duration<double>(record.latency).count();
  std::lock_guard<std::mutex> lock(mutex_);
  ModelMetrics& metrics = Model(record.model, record.provider);
  if (record.outcome == Attempt::Outcome::kCancelled) return;  // says nothing of the model
  if (record.outcome == Attempt::Outcome::kFailed) {
    ++metrics.errors[record.error ? record.error->code() : ErrorCode::kUnknown];
  }
  Observe(metrics.latency, seconds);
}

void MetricsRegistry::RecordFirstToken(const std::string& model, const std::string& provider,
                                       std::chrono::microseconds elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  std::lock_guard<std::mutex> lock(mutex_);
  Observe(Model(model, provider).time_to_first_token, seconds);
}

void MetricsRegistry::RecordModelRequest(const std::string& model, const std::string& provider) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++Model(model, provider).requests;
}

std::map<std::string, ModelMetrics> MetricsRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return models_;
}

}  // namespace prsm::internal
