#include "net/timer_queue.h"

#include <algorithm>

namespace prsm::net {

TimerId TimerQueue::Add(Clock::time_point deadline, std::function<void()> fn) {
  const TimerId id = next_id_++;
  pending_.emplace(id, std::move(fn));
  heap_.push_back({deadline, id});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return id;
}

bool TimerQueue::Cancel(TimerId id) {
  if (taken_.erase(id) > 0) return true;  // due, its turn not yet come: it will not run
  const bool erased = pending_.erase(id) > 0;
  // Keep the heap from filling with tombstones when most timers are cancelled (the common
  // case: request deadlines that never fire).
  if (erased && heap_.size() > 64 && heap_.size() > 4 * pending_.size()) {
    heap_.erase(std::remove_if(heap_.begin(), heap_.end(),
                               [this](const Entry& e) { return pending_.count(e.id) == 0; }),
                heap_.end());
    std::make_heap(heap_.begin(), heap_.end(), Later{});
  }
  return erased;
}

void TimerQueue::DropCancelledTop() {
  while (!heap_.empty() && pending_.count(heap_.front().id) == 0) {
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
  }
}

std::optional<Clock::time_point> TimerQueue::NextDeadline() {
  DropCancelledTop();
  if (heap_.empty()) return std::nullopt;
  return heap_.front().deadline;
}

void TimerQueue::TakeDue(Clock::time_point now, std::vector<std::function<void()>>& due) {
  for (DropCancelledTop(); !heap_.empty() && heap_.front().deadline <= now; DropCancelledTop()) {
    const TimerId id = heap_.front().id;
    std::pop_heap(heap_.begin(), heap_.end(), Later{});
    heap_.pop_back();
    auto it = pending_.find(id);
    taken_.emplace(id, std::move(it->second));
    pending_.erase(it);
    due.emplace_back([this, id] { RunTaken(id); });
  }
}

void TimerQueue::RunTaken(TimerId id) {
  auto it = taken_.find(id);
  if (it == taken_.end()) return;  // cancelled after it was taken
  std::function<void()> fn = std::move(it->second);
  taken_.erase(it);
  fn();
}

void TimerQueue::Clear() {
  heap_.clear();
  pending_.clear();
  taken_.clear();
}

}  // namespace prsm::net
