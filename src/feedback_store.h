// The answers MultiLLMOrchestrator::Feedback() can still reach: the last `capacity` requests
// that finished with an answer, with the query they answered, so that a strategy hears its
// verdict about the very query and response it routed.
//
// Thread safety: every method locks; Add() runs on the loop thread, Find() on the host's.
// Memory: bounded by `capacity` entries (0 disables it); the oldest entry goes first.
#ifndef PRSM_FEEDBACK_STORE_H_
#define PRSM_FEEDBACK_STORE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "prsm/types.h"

namespace prsm::internal {

class FeedbackStore {
 public:
  struct Entry {
    Query query;
    Response response;
  };

  explicit FeedbackStore(std::size_t capacity) : capacity_(capacity) {}

  std::size_t capacity() const noexcept { return capacity_; }

  /// Remembers request `id`'s answer, forgetting the oldest beyond the capacity.
  void Add(std::uint64_t id, std::shared_ptr<const Entry> entry);
  /// The entry of request `id`, or null when it is unknown or forgotten.
  std::shared_ptr<const Entry> Find(std::uint64_t id) const;

 private:
  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<const Entry>> entries_;
  std::deque<std::uint64_t> order_;  // oldest first
};

}  // namespace prsm::internal

#endif  // PRSM_FEEDBACK_STORE_H_
