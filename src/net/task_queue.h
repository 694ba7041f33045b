// The mailbox of the loop thread: other threads post closures, the loop runs them.
//
// Shared (std::shared_ptr) between the executor and anything that may outlive it, such as a
// RequestHandle: once the executor closes the queue, posts from other threads are refused
// instead of reaching a loop that no longer exists. The loop thread itself may still post
// while it drains during shutdown.
#ifndef PRSM_NET_TASK_QUEUE_H_
#define PRSM_NET_TASK_QUEUE_H_

#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace prsm::net {

class LoopBackend;

using Task = std::function<void()>;

class TaskQueue {
 public:
  /// Thread-safe. Queues `task` and wakes the loop. False (and `task` dropped) once closed,
  /// unless called from the loop thread.
  bool Post(Task task);

  /// Starts accepting posts; `waker` must stay valid until Close() and the loop's end.
  void Open(LoopBackend* waker);
  /// Names the loop thread, which may keep posting after Close().
  void BindLoopThread(std::thread::id loop_thread);
  /// Refuses further posts from other threads.
  void Close();
  /// Loop thread: moves every queued task into `out` (which must be empty).
  void TakeAll(std::vector<Task>& out);

 private:
  std::mutex mutex_;
  std::vector<Task> tasks_;
  LoopBackend* waker_ = nullptr;  // valid while open_ or while the loop thread runs
  std::thread::id loop_thread_;
  bool open_ = false;
  bool wake_pending_ = false;  // one wake-up per batch, not per task
};

}  // namespace prsm::net

#endif  // PRSM_NET_TASK_QUEUE_H_
