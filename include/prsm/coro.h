// prsm/coro.h — C++20 coroutines over the orchestrator: `co_await prsm::Process(o, query)`.
//
// Header-only, built on the public callbacks of MultiLLMOrchestrator (Submit and Stream) and
// nothing else, so the library itself stays C++17; include this header only from C++20 code.
//
//   prsm::Task<int> Ask(prsm::MultiLLMOrchestrator& orchestrator) {
//     prsm::Query query = prsm::Query::FromText("Should we hedge our EUR exposure?");
//     query.context.attributes = {{"domain", "finance"}, {"priority", "high"}};
//     prsm::Result<prsm::Response> result = co_await prsm::Process(orchestrator, query);
//     if (!result) co_return 1;
//     std::printf("%s\n", result->answer.c_str());
//     co_return 0;
//   }
//   int main() { ...; return prsm::SyncWait(Ask(orchestrator)); }
//
// Streaming:
//
//   prsm::ResponseStream stream = prsm::StreamAsync(orchestrator, query);
//   while (std::optional<prsm::StreamEvent> event = co_await stream.Next()) { ... }
//   prsm::Result<prsm::Response> result = co_await stream.Result();
//
// Threading — where a coroutine continues after `co_await`:
// - On the orchestrator's loop thread when the awaited result arrived while it was suspended,
//   which is the usual case. Code that runs there must not block (no SyncWait, no
//   ProcessAndWait, no long computation): it stalls every request of that orchestrator, as a
//   blocking callback does (prsm/orchestrator.h). Hand heavy work to a thread of your own.
// - On the thread that awaited, without suspending, when the result was already there.
// The race between the two (the loop completing the request while the awaiting thread is still
// suspending the coroutine) is settled by a handshake: the awaiter first submits, then tries to
// park the coroutine with one atomic compare-exchange; the completion stores the result and
// then swaps in "done". Whoever comes second does the work: if the completion came first, the
// park fails and `await_suspend` returns false (the coroutine continues at once, on its own
// thread); if the park came first, the completion resumes it. The coroutine is resumed exactly
// once, and its frame is never touched by the awaiter after the park. For streams the same
// check-then-park is done under the stream's mutex. tests/coro/ runs this under TSan.
// Process() and ResponseStream are not thread-safe objects: one coroutine awaits each one.
//
// Lifetime:
// - The orchestrator must outlive every request started here. Destroying it completes the
//   requests in flight with kCancelled (their coroutines resume, on the loop thread, before the
//   destructor returns); such a coroutine must not start new requests on it.
// - A coroutine suspended in `co_await Process(...)` or a stream must not be destroyed before
//   it resumes (the orchestrator always resumes it: every request completes). So keep a Task
//   until it has completed: co_await it, or SyncWait it.
// - Dropping a ResponseStream cancels its request (the orchestrator's callbacks keep the shared
//   state alive until they have run).
// - Process(orchestrator, query) holds a reference to the orchestrator and the query until it is
//   awaited; the request is submitted when it is awaited (not when Process() is called), and the
//   query is moved into it then.
//
// Compiler note: g++ 12 miscompiles a braced aggregate temporary inside a co_await operand
// (`co_await prsm::Process(o, prsm::Query{})` frees a pointer into the coroutine frame; clang
// is fine). Name the query first, or build it with a function such as Query::FromText().
//
// Errors: exactly those of MultiLLMOrchestrator::Submit / Stream, as the Result. Nothing here
// throws; an exception escaping a Task's body calls std::terminate (prsm's errors are values).
//
// **Example**: examples/coroutine.cpp.
#ifndef PRSM_CORO_H_
#define PRSM_CORO_H_

#if __cplusplus < 202002L
#error "prsm/coro.h needs C++20 (coroutines); the rest of prsm needs only C++17"
#endif

#include <atomic>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "prsm/orchestrator.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

namespace coro_detail {

/// The handshake between one awaiting coroutine and the one completion of its request. The
/// result is written before the state becomes kDone (release) and read after kDone is seen
/// (acquire), by whichever side resumes the coroutine.
class Rendezvous {
 public:
  /// Called by the awaiter after the request was submitted. True: the coroutine is parked and
  /// the completion will resume it. False: the result is already here; do not suspend.
  bool Park(std::coroutine_handle<> waiter) noexcept {
    waiter_ = waiter;
    int expected = kEmpty;
    return state_.compare_exchange_strong(expected, kParked, std::memory_order_acq_rel,
                                          std::memory_order_acquire);
  }

  /// Called once, by the request's completion (the loop thread). Resumes the coroutine if it is
  /// already parked.
  void Complete(Result<Response> result) noexcept {
    result_.emplace(std::move(result));
    if (state_.exchange(kDone, std::memory_order_acq_rel) == kParked) waiter_.resume();
  }

  /// The result; valid once Park() returned false or the coroutine was resumed.
  Result<Response> Take() noexcept { return std::move(*result_); }

 private:
  static constexpr int kEmpty = 0;   // neither side has come yet
  static constexpr int kParked = 1;  // the coroutine is suspended, waiting
  static constexpr int kDone = 2;    // the result is stored
  std::atomic<int> state_{kEmpty};
  std::coroutine_handle<> waiter_;
  std::optional<Result<Response>> result_;
};

/// A one-shot event for SyncWait: set on whichever thread the coroutine finishes.
class Latch {
 public:
  void Set() noexcept {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    // Notified under the lock: once it is released, the waiter may return and destroy *this.
    done_cv_.notify_all();
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return done_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
};

}  // namespace coro_detail

/// What `co_await Process(orchestrator, query)` awaits: submits the query when awaited and
/// resumes the coroutine with the Result. Use it once, right away (`co_await Process(...)`).
class [[nodiscard]] ProcessAwaiter {
 public:
  /// Keeps the query to send; `orchestrator` must outlive the await.
  ProcessAwaiter(MultiLLMOrchestrator& orchestrator, Query query)
      : orchestrator_(&orchestrator), query_(std::move(query)) {}

  /// Always false: the query is sent when the coroutine suspends.
  bool await_ready() const noexcept { return false; }

  /// Submits the query and parks `waiter`; returns false (no suspension) when the answer is
  /// already in.
  bool await_suspend(std::coroutine_handle<> waiter) {
    // A local owner: after a successful Park() the coroutine (and this awaiter in its frame)
    // may already be running, or gone, on the loop thread.
    auto rendezvous = std::make_shared<coro_detail::Rendezvous>();
    rendezvous_ = rendezvous;
    orchestrator_->Submit(std::move(query_), [rendezvous](prsm::Result<Response> result) {
      rendezvous->Complete(std::move(result));
    });
    return rendezvous->Park(waiter);
  }

  /// The answer, or the error that ended the request.
  prsm::Result<Response> await_resume() noexcept { return rendezvous_->Take(); }

 private:
  MultiLLMOrchestrator* orchestrator_;
  Query query_;
  std::shared_ptr<coro_detail::Rendezvous> rendezvous_;
};

/// `co_await prsm::Process(orchestrator, query)` -> Result<Response>: the coroutine form of
/// MultiLLMOrchestrator::Submit (the seed's `await orchestrator.process(query, context)`).
inline ProcessAwaiter Process(MultiLLMOrchestrator& orchestrator, Query query) {
  return ProcessAwaiter(orchestrator, std::move(query));
}

/// A streamed answer, read from a coroutine: `co_await Next()` until it yields nullopt, then
/// `co_await Result()`. The request runs from StreamAsync() on; events that arrive before they
/// are awaited are queued (in memory, unbounded: read them). Movable, not copyable; one
/// coroutine reads it. Destroying it cancels the request if it has not completed.
class ResponseStream {
  struct State {
    std::mutex mutex;
    std::deque<StreamEvent> events;
    std::optional<prsm::Result<Response>> result;  // set by on_done, after the last event
    std::coroutine_handle<> waiter;                // a coroutine parked in Next() or Result()
    bool waiting_for_result = false;               // ... in Result(): events do not wake it
  };

 public:
  /// Takes over `other`'s request; the moved-from stream owns none.
  ResponseStream(ResponseStream&&) noexcept = default;
  /// Cancels this stream's request if still running, then takes over `other`'s.
  ResponseStream& operator=(ResponseStream&& other) noexcept {
    if (this != &other) {
      handle_.Cancel();
      handle_ = std::move(other.handle_);
      state_ = std::move(other.state_);
    }
    return *this;
  }
  ResponseStream(const ResponseStream&) = delete;
  ResponseStream& operator=(const ResponseStream&) = delete;
  ~ResponseStream() { handle_.Cancel(); }  // does nothing once the request has completed

  /// The request's id (Response::request_id).
  std::uint64_t id() const noexcept { return handle_.id(); }
  /// Stops the request: the stream ends and Result() reports kCancelled, unless it completed
  /// first. Thread-safe.
  bool Cancel() const { return handle_.Cancel(); }

  /// Awaits the next event: the event, or nullopt once the stream has ended (the request has
  /// completed and every event was read; then Result() is ready).
  class [[nodiscard]] NextAwaiter {
   public:
    /// Made by Next(); reads the stream's shared state.
    explicit NextAwaiter(State* state) : state_(state) {}
    /// True when an event is queued or the stream has ended.
    bool await_ready() noexcept {
      std::lock_guard<std::mutex> lock(state_->mutex);
      return Ready();
    }
    /// Parks `waiter` until an event or the end; false when one arrived meanwhile.
    bool await_suspend(std::coroutine_handle<> waiter) noexcept {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (Ready()) return false;  // an event or the end came in since await_ready
      state_->waiter = waiter;
      state_->waiting_for_result = false;
      return true;
    }
    /// The next event, or nullopt once the stream has ended.
    std::optional<StreamEvent> await_resume() {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->events.empty()) return std::nullopt;
      StreamEvent event = std::move(state_->events.front());
      state_->events.pop_front();
      return event;
    }

   private:
    bool Ready() const { return !state_->events.empty() || state_->result.has_value(); }
    State* state_;
  };

  /// Awaits the request's completion: the full Response (assembled completion, attempts, usage,
  /// cost) or its error. Events not yet read stay readable with Next().
  class [[nodiscard]] ResultAwaiter {
   public:
    /// Made by Result(); reads the stream's shared state.
    explicit ResultAwaiter(State* state) : state_(state) {}
    /// True once the request has completed.
    bool await_ready() noexcept {
      std::lock_guard<std::mutex> lock(state_->mutex);
      return state_->result.has_value();
    }
    /// Parks `waiter` until the request completes; false when it already has.
    bool await_suspend(std::coroutine_handle<> waiter) noexcept {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->result.has_value()) return false;
      state_->waiter = waiter;
      state_->waiting_for_result = true;
      return true;
    }
    /// May be awaited more than once; each returns a copy.
    prsm::Result<Response> await_resume() {
      std::lock_guard<std::mutex> lock(state_->mutex);
      return *state_->result;
    }

   private:
    State* state_;
  };

  /// `co_await stream.Next()`: the next event, or nullopt at the end (see NextAwaiter).
  NextAwaiter Next() { return NextAwaiter(state_.get()); }
  /// `co_await stream.Result()`: the request's Response or error (see ResultAwaiter).
  ResultAwaiter Result() { return ResultAwaiter(state_.get()); }

 private:
  friend ResponseStream StreamAsync(MultiLLMOrchestrator& orchestrator, Query query);
  explicit ResponseStream(std::shared_ptr<State> state) : state_(std::move(state)) {}

  // Both run on the loop thread. The waiter is taken under the lock and resumed after it is
  // released: the resumed coroutine takes the lock again in its next await.
  static void OnEvent(State& state, const StreamEvent& event) {
    std::coroutine_handle<> waiter;
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      state.events.push_back(event);
      if (state.waiter && !state.waiting_for_result) waiter = std::exchange(state.waiter, {});
    }
    if (waiter) waiter.resume();
  }
  static void OnDone(State& state, prsm::Result<Response> result) {
    std::coroutine_handle<> waiter;
    {
      std::lock_guard<std::mutex> lock(state.mutex);
      state.result.emplace(std::move(result));
      waiter = std::exchange(state.waiter, {});
    }
    if (waiter) waiter.resume();
  }

  RequestHandle handle_;
  std::shared_ptr<State> state_;
};

/// Starts streaming the answer to `query` (MultiLLMOrchestrator::Stream, with its commit point
/// and fallback rules) and returns the stream to read it from.
inline ResponseStream StreamAsync(MultiLLMOrchestrator& orchestrator, Query query) {
  auto state = std::make_shared<ResponseStream::State>();
  ResponseStream stream(state);
  stream.handle_ = orchestrator.Stream(
      std::move(query),
      [state](const StreamEvent& event) { ResponseStream::OnEvent(*state, event); },
      [state](prsm::Result<Response> result) {
        ResponseStream::OnDone(*state, std::move(result));
      });
  return stream;
}

template <typename T>
class Task;

namespace coro_detail {

// What Task's promise shares for T and void: the continuation to resume when the body ends.
class TaskPromiseBase {
 public:
  std::suspend_always initial_suspend() noexcept { return {}; }  // lazy: starts when awaited

  struct FinalAwaiter {
    bool await_ready() const noexcept { return false; }
    template <typename Promise>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> done) noexcept {
      // Symmetric transfer to whoever awaited the task: no stack growth along a chain.
      std::coroutine_handle<> continuation = done.promise().continuation_;
      return continuation ? continuation : std::noop_coroutine();
    }
    void await_resume() const noexcept {}
  };
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { std::terminate(); }  // errors are values in prsm

  std::coroutine_handle<> continuation_;
};

template <typename T>
class TaskPromise : public TaskPromiseBase {
 public:
  Task<T> get_return_object() noexcept;
  template <typename U = T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    value_.emplace(std::forward<U>(value));
  }
  T TakeValue() { return std::move(*value_); }

 private:
  std::optional<T> value_;
};

template <>
class TaskPromise<void> : public TaskPromiseBase {
 public:
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
  void TakeValue() noexcept {}
};

}  // namespace coro_detail

/// A lazy coroutine returning T (or void): it starts when awaited (`co_await task`) or run by
/// SyncWait, and resumes its awaiter when it ends. Owns its frame; move-only. Keep it until it
/// has completed (see Lifetime in the file comment); awaiting it consumes it.
template <typename T = void>
class [[nodiscard]] Task {
 public:
  /// The promise type the compiler uses for a coroutine returning Task<T>.
  using promise_type = coro_detail::TaskPromise<T>;

  /// Takes over `other`'s coroutine; `other` is left empty.
  Task(Task&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  /// Destroys this task's coroutine (if any), then takes over `other`'s.
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (handle_) handle_.destroy();
      handle_ = std::exchange(other.handle_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (handle_) handle_.destroy();
  }

  /// What `co_await task` awaits: starts the task and yields its value when it ends.
  class Awaiter {
   public:
    /// Made by `operator co_await`.
    explicit Awaiter(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
    /// True when the task has already ended (or is empty).
    bool await_ready() const noexcept { return !handle_ || handle_.done(); }
    /// Starts the task; it resumes `awaiting` when it ends.
    std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
      handle_.promise().continuation_ = awaiting;
      return handle_;  // start the task; it transfers back to `awaiting` when it ends
    }
    /// The task's value.
    T await_resume() { return handle_.promise().TakeValue(); }

   private:
    std::coroutine_handle<promise_type> handle_;
  };
  /// Runs the task to its end and yields its value. Await a Task once.
  Awaiter operator co_await() && noexcept { return Awaiter(handle_); }
  /// The same, for a task named in a variable.
  Awaiter operator co_await() & noexcept { return Awaiter(handle_); }

 private:
  friend promise_type;
  explicit Task(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

namespace coro_detail {

template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}

// The coroutine SyncWait drives: awaits the task, then sets the latch from its final suspend
// (on whichever thread the task ended), so the frame is suspended before the waiter wakes.
class SyncDriver {
 public:
  class promise_type {
   public:
    SyncDriver get_return_object() noexcept {
      return SyncDriver(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    struct FinalAwaiter {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<promise_type> done) const noexcept {
        done.promise().latch_->Set();
      }
      void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
    Latch* latch_ = nullptr;
  };

  SyncDriver(SyncDriver&& other) noexcept : handle_(std::exchange(other.handle_, {})) {}
  SyncDriver(const SyncDriver&) = delete;
  SyncDriver& operator=(const SyncDriver&) = delete;
  SyncDriver& operator=(SyncDriver&&) = delete;
  ~SyncDriver() {
    if (handle_) handle_.destroy();
  }

  void Run() {
    Latch latch;
    handle_.promise().latch_ = &latch;
    handle_.resume();
    latch.Wait();
  }

 private:
  explicit SyncDriver(std::coroutine_handle<promise_type> handle) : handle_(handle) {}
  std::coroutine_handle<promise_type> handle_;
};

template <typename T>
SyncDriver DriveInto(Task<T>& task, std::optional<T>& out) {
  out.emplace(co_await std::move(task));
}
inline SyncDriver DriveVoid(Task<void>& task) { co_await std::move(task); }

}  // namespace coro_detail

/// Runs `task` to its end on this thread and returns its value, blocking while it waits for
/// the orchestrator. For main() and tests; never call it on an orchestrator's loop thread (that
/// is, from a callback or from a coroutine resumed there): it would wait for itself.
template <typename T>
T SyncWait(Task<T> task) {
  if constexpr (std::is_void_v<T>) {
    coro_detail::DriveVoid(task).Run();
  } else {
    std::optional<T> out;
    coro_detail::DriveInto(task, out).Run();
    return std::move(*out);
  }
}

}  // namespace prsm

#endif  // PRSM_CORO_H_
