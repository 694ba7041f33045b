// The event loop: one thread that owns the libcurl multi handle, every easy handle, the timer
// heap and everything that runs on it (cpp-anchors §4.2, DESIGN.md §4).
//
// Contract:
// - Post(), Stop(), InLoopThread() and queue() may be called from any thread. Everything else
//   is loop-thread only (asserted in debug builds).
// - A transfer's callback runs exactly once, on the loop thread, never inside StartTransfer(),
//   and after every libcurl call of that iteration has returned, so it may start or cancel
//   transfers and timers. A streaming transfer's data callback runs the same way, before its
//   completion callback, each time bytes arrived. The one exception: CancelTransfer() removes the
//   transfer and destroys its callback without running it; the caller accounts for it.
// - Stop() ends the loop: posted tasks still run, transfers still running get their callback
//   with kCancelled, pending timers are dropped without running; then the thread is joined.
// - Nothing sleeps: waits are epoll/poll timeouts computed from the timer heap.
#ifndef PRSM_NET_EXECUTOR_H_
#define PRSM_NET_EXECUTOR_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "net/curl_global.h"
#include "net/curl_handles.h"
#include "net/loop_backend.h"
#include "net/task_queue.h"
#include "net/timer_queue.h"
#include "net/transfer.h"
#include "prsm/orchestrator.h"

namespace prsm::net {

struct ExecutorOptions {
  /// kDefault is resolved from $PRSM_EXECUTOR, else epoll.
  ExecutorBackend backend = ExecutorBackend::kDefault;
  /// CURLMOPT_MAX_HOST_CONNECTIONS; 0 = no cap.
  long max_connections_per_host = 0;
  TransferSettings transfer;
  LogSink log;
};

/// The backend kDefault stands for: $PRSM_EXECUTOR ("epoll"/"poll"), else kEpoll.
/// Errors: kInvalidArgument for another value of the variable.
Result<ExecutorBackend> ResolveBackend(ExecutorBackend requested);

class Executor {
 public:
  /// Creates the multi handle and the backend and starts the loop thread. Errors: those of
  /// CurlGlobal::Acquire, ResolveBackend and the backends; kInternal if libcurl refuses;
  /// kInvalidArgument for a `transfer.ca_bundle_path` that is not a readable file.
  static Result<std::unique_ptr<Executor>> Create(ExecutorOptions options);
  ~Executor();  // Stop()
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // --- any thread ---
  /// Runs `task` on the loop thread, never inside this call. False once the executor is
  /// stopping (task dropped). From the loop thread itself it costs no lock and no wake-up.
  bool Post(Task task);
  /// Ends the loop as described above and joins it. Idempotent. Never from the loop thread.
  void Stop();
  bool InLoopThread() const noexcept {
    return std::this_thread::get_id() == loop_thread_id_.load(std::memory_order_acquire);
  }
  /// The mailbox, for objects that may outlive the executor.
  std::shared_ptr<TaskQueue> queue() const { return queue_; }
  ExecutorBackend backend() const noexcept { return backend_kind_; }
  const CurlGlobal& curl() const noexcept { return *curl_global_; }
  /// Transfers running and timers pending as of the end of the loop's last pass (so briefly
  /// behind the loop). Both are 0 once every request has completed: a leak check for hosts
  /// and for bench/soak.cpp (OrchestratorStats::open_transfers, pending_timers).
  std::size_t open_transfers() const noexcept {
    return open_transfers_.load(std::memory_order_relaxed);
  }
  std::size_t pending_timers() const noexcept {
    return pending_timers_.load(std::memory_order_relaxed);
  }

  // --- loop thread only ---
  /// Starts sending `request`. Never 0.
  TransferId StartTransfer(HttpRequest request, const TransferOptions& options,
                           TransferCallback done);
  /// Aborts a running transfer without calling its callback. False if it already finished
  /// (its callback has run or is about to) or never existed.
  bool CancelTransfer(TransferId id);
  TimerId AddTimer(Clock::time_point deadline, Task task);
  bool CancelTimer(TimerId id) { return timers_.Cancel(id); }
  std::size_t active_transfers() const noexcept { return active_.size(); }
  /// Reports through the log sink, if any.
  void Log(LogLevel level, std::string_view message) const;

 private:
  explicit Executor(ExecutorOptions options);
  void Run();
  int NextTimeoutMs();
  void DeliverStreamData();
  void ReapFinished();
  void RunCompletions();  // also runs tasks the loop thread posted meanwhile
  void RunTasks();
  void RunTimers();
  void AbortEverything(const Error& why);
  void Recycle(std::unique_ptr<Transfer> transfer);
  template <typename F>
  void Guarded(const char* what, F&& fn);

  struct Completion {
    TransferCallback callback;
    TransferResult result;
  };

  // Declaration order is destruction order, and matters: libcurl must be initialised before
  // and cleaned up after every handle; the multi handle is cleaned up (firing socket
  // callbacks into the backend) before the backend dies. ~Executor() also does it explicitly.
  std::unique_ptr<CurlGlobal> curl_global_;
  ExecutorOptions options_;
  ExecutorBackend backend_kind_ = ExecutorBackend::kEpoll;
  std::shared_ptr<TaskQueue> queue_ = std::make_shared<TaskQueue>();
  std::unique_ptr<LoopBackend> backend_;
  MultiPtr multi_;

  // Loop-thread state.
  TimerQueue timers_;
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> active_;
  std::vector<std::unique_ptr<Transfer>> idle_;  // recycled easy handles and buffers
  std::vector<Completion> completions_;          // callbacks due this iteration
  std::vector<Task> posted_here_;                // tasks the loop thread posted to itself
  std::vector<TransferId> data_ready_;           // streaming transfers with unread bytes
  std::vector<TransferId> data_ready_scratch_;
  std::string stream_scratch_;
  std::vector<Task> tasks_;       // scratch for RunTasks
  std::vector<Task> due_timers_;  // scratch for RunTimers
  TransferId next_transfer_id_ = 1;

  std::atomic<bool> stop_requested_{false};
  std::atomic<std::size_t> open_transfers_{0};  // published by the loop after each pass
  std::atomic<std::size_t> pending_timers_{0};
  std::thread thread_;
  std::atomic<std::thread::id> loop_thread_id_{};  // written by the loop thread as it starts
};

}  // namespace prsm::net

#endif  // PRSM_NET_EXECUTOR_H_
