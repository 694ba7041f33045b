// A min-heap of deadlines for the event loop: retries, hedges, stage staggers and request
// deadlines are entries here, folded into the loop's wait timeout. Nothing in prsm sleeps.
//
// Thread safety: none; the loop thread owns it.
#ifndef PRSM_NET_TIMER_QUEUE_H_
#define PRSM_NET_TIMER_QUEUE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

namespace prsm::net {

using Clock = std::chrono::steady_clock;
using TimerId = std::uint64_t;

class TimerQueue {
 public:
  /// Schedules `fn` for `deadline`. Ids are never 0 and never reused.
  TimerId Add(Clock::time_point deadline, std::function<void()> fn);
  /// Unschedules; `fn` is destroyed without running. False if it already ran or never existed.
  bool Cancel(TimerId id);
  /// The earliest live deadline.
  std::optional<Clock::time_point> NextDeadline();
  /// Removes every timer due at `now` and appends to `due`, earliest first (ties in order of
  /// Add), a function that runs it. The caller runs them, so a timer may add or cancel timers;
  /// one taken but not yet run can still be cancelled (Cancel returns true) and then does
  /// nothing: an earlier timer of the same batch may end what a later one refers to (a request
  /// finished and freed by its deadline while its stream timers were due too).
  void TakeDue(Clock::time_point now, std::vector<std::function<void()>>& due);
  std::size_t size() const noexcept { return pending_.size() + taken_.size(); }
  /// Heap entries, cancelled ones included (bounded to a few times size(); for tests).
  std::size_t heap_entries() const noexcept { return heap_.size(); }
  void Clear();

 private:
  struct Entry {
    Clock::time_point deadline;
    TimerId id;
  };
  struct Later {
    bool operator()(const Entry& a, const Entry& b) const noexcept {
      return a.deadline != b.deadline ? a.deadline > b.deadline : a.id > b.id;
    }
  };
  void DropCancelledTop();
  void RunTaken(TimerId id);

  // Cancel() only erases from `pending_`; its heap entry is dropped lazily when it reaches the top.
  std::vector<Entry> heap_;
  std::unordered_map<TimerId, std::function<void()>> pending_;
  // Taken by TakeDue, not yet run (nor cancelled).
  std::unordered_map<TimerId, std::function<void()>> taken_;
  TimerId next_id_ = 1;
};

}  // namespace prsm::net

#endif  // PRSM_NET_TIMER_QUEUE_H_
