#include "resilience/latency_window.h"

#include <algorithm>
#include <cmath>

namespace prsm::internal {

void LatencyWindow::Add(std::chrono::microseconds latency) {
  samples_[next_] = latency;
  next_ = (next_ + 1) % kCapacity;
  if (size_ < kCapacity) ++size_;
  // Early on every sample matters; later the percentile moves slowly.
  if (++added_since_ >= 16 || size_ < 64) stale_ = true;
}

std::chrono::microseconds LatencyWindow::P95() {
  if (size_ == 0) return std::chrono::microseconds(0);
  if (stale_) {
    std::array<std::chrono::microseconds, kCapacity> sorted = samples_;
    const auto rank = static_cast<std::size_t>(std::ceil(0.95 * static_cast<double>(size_))) - 1;
    std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(rank),
                     sorted.begin() + static_cast<std::ptrdiff_t>(size_));
    p95_ = sorted[rank];
    stale_ = false;
    added_since_ = 0;
  }
  return p95_;
}

}  // namespace prsm::internal
