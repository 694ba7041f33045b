#include "net/task_queue.h"

#include "net/loop_backend.h"

namespace prsm::net {

bool TaskQueue::Post(Task task) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!open_ && std::this_thread::get_id() != loop_thread_) return false;
  tasks_.push_back(std::move(task));
  // Waking under the lock: Close() takes the same lock, so the waker cannot be torn down
  // between the check above and this call.
  if (!wake_pending_ && waker_ != nullptr) {
    wake_pending_ = true;
    waker_->Wake();
  }
  return true;
}

void TaskQueue::Open(LoopBackend* waker) {
  std::lock_guard<std::mutex> lock(mutex_);
  waker_ = waker;
  open_ = true;
}

void TaskQueue::BindLoopThread(std::thread::id loop_thread) {
  std::lock_guard<std::mutex> lock(mutex_);
  loop_thread_ = loop_thread;
}

void TaskQueue::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  open_ = false;
}

void TaskQueue::TakeAll(std::vector<Task>& out) {
  std::lock_guard<std::mutex> lock(mutex_);
  out.swap(tasks_);
  wake_pending_ = false;
}

}  // namespace prsm::net
