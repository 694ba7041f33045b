// resilience/latency_window.h — the last 256 latencies of one model and their 95th percentile,
// for hedging at the model's observed p95. Constant memory; the percentile is recomputed only
// every 16 new samples (a sort of 256 values), so asking for it costs nothing in between.
//
// Thread safety: none; loop thread only.
#ifndef PRSM_RESILIENCE_LATENCY_WINDOW_H_
#define PRSM_RESILIENCE_LATENCY_WINDOW_H_

#include <array>
#include <chrono>
#include <cstddef>

namespace prsm::internal {

class LatencyWindow {
 public:
  static constexpr std::size_t kCapacity = 256;

  void Add(std::chrono::microseconds latency);
  /// Samples seen (capped at kCapacity).
  std::size_t size() const noexcept { return size_; }
  /// The 95th percentile of the samples held (nearest rank); zero when empty.
  std::chrono::microseconds P95();

 private:
  std::array<std::chrono::microseconds, kCapacity> samples_{};
  std::size_t next_ = 0;
  std::size_t size_ = 0;
  std::size_t added_since_ = 0;
  std::chrono::microseconds p95_{0};
  bool stale_ = true;
};

}  // namespace prsm::internal

#endif  // PRSM_RESILIENCE_LATENCY_WINDOW_H_
