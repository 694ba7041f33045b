// ObserverHub: hands ObserverEvents from the loop thread to the host's observers on a thread
// of their own, through a bounded queue.
//
// Threading: Publish() may be called from any thread (in practice the loop) and never blocks
// on an observer: it takes a short lock, and when the queue holds `capacity` events it drops
// the new one and counts it. The observer thread calls each observer in order, outside the
// lock. Lifetime: the destructor lets the thread deliver everything still queued, then joins
// it; it must not run on the observer thread (an observer must not destroy the orchestrator).
// Errors: an observer that throws is reported to `on_error` (on the observer thread) and the
// others still get the event.
#ifndef PRSM_OBSERVE_OBSERVER_HUB_H_
#define PRSM_OBSERVE_OBSERVER_HUB_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "prsm/observer.h"

namespace prsm::internal {

class ObserverHub {
 public:
  /// Starts the observer thread. `observers` must be non-empty, without nulls.
  ObserverHub(std::vector<std::shared_ptr<Observer>> observers, std::size_t capacity,
              std::function<void(const std::string&)> on_error);
  ~ObserverHub();
  ObserverHub(const ObserverHub&) = delete;
  ObserverHub& operator=(const ObserverHub&) = delete;

  /// Queues `event`, or drops and counts it when the queue is full.
  void Publish(ObserverEvent event);

  std::uint64_t dropped() const noexcept { return dropped_.load(std::memory_order_relaxed); }

 private:
  void Run();

  const std::vector<std::shared_ptr<Observer>> observers_;
  const std::size_t capacity_;
  const std::function<void(const std::string&)> on_error_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<ObserverEvent> queue_;  // guarded by mutex_
  bool stopping_ = false;            // guarded by mutex_
  std::atomic<std::uint64_t> dropped_{0};
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace prsm::internal

#endif  // PRSM_OBSERVE_OBSERVER_HUB_H_
