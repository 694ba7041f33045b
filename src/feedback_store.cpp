#include "feedback_store.h"

#include <utility>

namespace prsm::internal {

void FeedbackStore::Add(std::uint64_t id, std::shared_ptr<const Entry> entry) {
  if (capacity_ == 0) return;
  std::shared_ptr<const Entry> forgotten;  // released outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  if (!entries_.emplace(id, std::move(entry)).second) return;  // ids are unique; be safe
  order_.push_back(id);
  if (order_.size() > capacity_) {
    auto oldest = entries_.find(order_.front());
    forgotten = std::move(oldest->second);
    entries_.erase(oldest);
    order_.pop_front();
  }
}

std::shared_ptr<const FeedbackStore::Entry> FeedbackStore::Find(std::uint64_t id) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(id);
  return it == entries_.end() ? nullptr : it->second;
}

}  // namespace prsm::internal
