#include "observe/observer_hub.h"

#include <exception>
#include <utility>

namespace prsm::internal {

ObserverHub::ObserverHub(std::vector<std::shared_ptr<Observer>> observers, std::size_t capacity,
                         std::function<void(const std::string&)> on_error)
    : observers_(std::move(observers)),
      capacity_(capacity),
      on_error_(std::move(on_error)),
      thread_([this] { Run(); }) {}

ObserverHub::~ObserverHub() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void ObserverHub::Publish(ObserverEvent event) {
  bool was_empty = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (queue_.size() >= capacity_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    was_empty = queue_.empty();
    queue_.push_back(std::move(event));
  }
  // The observer thread only waits on an empty queue (it checks under the lock), so only the
  // first event after it emptied the queue needs to wake it: no futex call for the others.
  if (was_empty) wake_.notify_one();
}

void ObserverHub::Run() {
  std::deque<ObserverEvent> batch;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything queued has been delivered
      batch.swap(queue_);          // take them all: one lock per batch, not per event
    }
    for (const ObserverEvent& event : batch) {
      for (const auto& observer : observers_) {
        try {
          observer->OnEvent(event);
        } catch (const std::exception& e) {
          if (on_error_) on_error_(std::string("an observer threw: ") + e.what());
        } catch (...) {
          if (on_error_) on_error_("an observer threw a non-standard exception");
        }
      }
    }
    batch.clear();
  }
}

}  // namespace prsm::internal
