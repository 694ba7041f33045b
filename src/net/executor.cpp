#include "net/executor.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "prsm/version.h"

namespace prsm::net {

Result<ExecutorBackend> ResolveBackend(ExecutorBackend requested) {
  if (requested != ExecutorBackend::kDefault) return requested;
  const char* env = std::getenv("PRSM_EXECUTOR");
  if (env == nullptr || *env == '\0') return ExecutorBackend::kEpoll;
  const std::string_view name(env);
  if (name == "epoll") return ExecutorBackend::kEpoll;
  if (name == "poll") return ExecutorBackend::kPoll;
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("PRSM_EXECUTOR is '{}'; expected 'epoll' or 'poll'", name));
}

namespace {

// A CA bundle that cannot be read would fail every HTTPS transfer later with a libcurl message
// that does not name the setting; fail the creation instead, saying which file and why.
Result<void> CheckCaBundle(const std::string& path) {
  if (path.empty()) return {};
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  int error = fd < 0 ? errno : 0;
  if (fd >= 0) {
    struct stat info {};
    if (fstat(fd, &info) != 0) {
      error = errno;
    } else if (!S_ISREG(info.st_mode)) {
      error = EISDIR;
    }
    close(fd);
  }
  if (error == 0) return {};
  return Error(ErrorCode::kInvalidArgument,
               fmt::format("the CA bundle '{}' (OrchestratorOptions::ca_bundle_path) cannot be "
                           "read: {}",
                           path, error == EISDIR ? "not a file" : std::strerror(error)));
}

}  // namespace

Executor::Executor(ExecutorOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Executor>> Executor::Create(ExecutorOptions options) {
  auto backend_kind = ResolveBackend(options.backend);
  if (!backend_kind) return std::move(backend_kind).error();
  if (options.max_connections_per_host < 0) {
    return Error(ErrorCode::kInvalidArgument, "max_connections_per_host must be >= 0");
  }
  if (Result<void> bundle = CheckCaBundle(options.transfer.ca_bundle_path); !bundle) {
    return std::move(bundle).error();
  }
  if (options.transfer.user_agent_header.empty()) {
    options.transfer.user_agent_header = "User-Agent: prsm/" PRSM_VERSION_STRING;
  }
  auto curl_global = CurlGlobal::Acquire();
  if (!curl_global) return std::move(curl_global).error();

  std::unique_ptr<Executor> executor(new Executor(std::move(options)));
  executor->curl_global_ = std::move(*curl_global);
  executor->backend_kind_ = *backend_kind;
  if (executor->options_.transfer.http2 && !executor->curl_global_->http2_available()) {
    executor->options_.transfer.http2 = false;
    executor->Log(LogLevel::kWarning, fmt::format("{} has no HTTP/2 support; using HTTP/1.1 only",
                                                  executor->curl_global_->version()));
  }

  executor->multi_.reset(curl_multi_init());
  if (!executor->multi_) return Error(ErrorCode::kInternal, "curl_multi_init failed");
  CURLM* multi = executor->multi_.get();
  // HTTP/2 multiplexing is libcurl's default since 7.62; say so anyway, with the per-host cap
  // that keeps a burst from opening hundreds of TLS connections.
  curl_multi_setopt(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
  curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                    executor->options_.max_connections_per_host);

  auto backend = executor->backend_kind_ == ExecutorBackend::kPoll ? MakePollBackend(multi)
                                                                   : MakeEpollBackend(multi);
  if (!backend) return std::move(backend).error();
  executor->backend_ = std::move(*backend);
  executor->queue_->Open(executor->backend_.get());
  executor->thread_ = std::thread([raw = executor.get()] { raw->Run(); });
  return executor;
}

Executor::~Executor() {
  Stop();
  // Every transfer has finished or been aborted by the loop; release the handles in the
  // order libcurl requires: easy handles out of the multi, then the multi, then the backend.
  idle_.clear();
  multi_.reset();
  backend_.reset();
}

bool Executor::Post(Task task) {
  if (InLoopThread()) {
    // Runs after the current callback or task returns, in this same turn of the loop.
    posted_here_.push_back(std::move(task));
    return true;
  }
  return queue_->Post(std::move(task));
}

void Executor::Stop() {
  if (!thread_.joinable()) return;
  assert(!InLoopThread() && "Executor::Stop() from the loop thread would join itself");
  stop_requested_.store(true, std::memory_order_release);
  backend_->Wake();
  thread_.join();
}

void Executor::Log(LogLevel level, std::string_view message) const {
  if (!options_.log) return;
  try {
    options_.log(level, message);
  } catch (...) {
    // A failing log sink must not take the loop down; there is nowhere left to report it.
  }
}

template <typename F>
void Executor::Guarded(const char* what, F&& fn) {
  // No exception may escape into the loop: report it and carry on with the next item.
  try {
    fn();
  } catch (const std::exception& e) {
    Log(LogLevel::kError, fmt::format("{} threw: {}", what, e.what()));
  } catch (...) {
    Log(LogLevel::kError, fmt::format("{} threw a non-standard exception", what));
  }
}

TransferId Executor::StartTransfer(HttpRequest request, const TransferOptions& options,
                                   TransferCallback done) {
  assert(InLoopThread());
  const TransferId id = next_transfer_id_++;
  std::unique_ptr<Transfer> transfer;
  if (!idle_.empty()) {
    transfer = std::move(idle_.back());
    idle_.pop_back();
  } else {
    EasyPtr easy(curl_easy_init());
    if (!easy) {
      completions_.push_back(
          {std::move(done), {Error(ErrorCode::kInternal, "curl_easy_init failed"), {}}});
      return id;
    }
    transfer = std::make_unique<Transfer>(std::move(easy));
  }
  transfer->set_data_ready_list(&data_ready_);
  auto prepared = transfer->Prepare(id, std::move(request), options, options_.transfer);
  if (!prepared) {
    Recycle(std::move(transfer));
    completions_.push_back({std::move(done), {std::move(prepared).error(), {}}});
    return id;
  }
  if (CURLMcode code = curl_multi_add_handle(multi_.get(), transfer->easy()); code != CURLM_OK) {
    Recycle(std::move(transfer));
    completions_.push_back(
        {std::move(done),
         {Error(ErrorCode::kInternal,
                fmt::format("curl_multi_add_handle failed: {}", curl_multi_strerror(code))),
          {}}});
    return id;
  }
  transfer->SetCallback(std::move(done));
  active_.emplace(id, std::move(transfer));
  return id;
}

bool Executor::CancelTransfer(TransferId id) {
  assert(InLoopThread());
  auto it = active_.find(id);
  if (it == active_.end()) return false;
  std::unique_ptr<Transfer> transfer = std::move(it->second);
  active_.erase(it);
  // Removing the handle aborts the exchange; on HTTP/2 only this stream is reset and the
  // connection stays for the others. Safe here: we are never inside a libcurl callback.
  curl_multi_remove_handle(multi_.get(), transfer->easy());
  Recycle(std::move(transfer));
  return true;
}

TimerId Executor::AddTimer(Clock::time_point deadline, Task task) {
  assert(InLoopThread());
  return timers_.Add(deadline, std::move(task));
}

void Executor::Recycle(std::unique_ptr<Transfer> transfer) {
  // Keep enough warm handles for a burst of the usual size; beyond that, free them.
  constexpr std::size_t kMaxIdle = 256;
  if (idle_.size() >= kMaxIdle) return;
  transfer->Reset();
  idle_.push_back(std::move(transfer));
}

int Executor::NextTimeoutMs() {
  if (!completions_.empty() || !posted_here_.empty() ||
      stop_requested_.load(std::memory_order_acquire)) {
    return 0;
  }
  auto next = timers_.NextDeadline();
  if (!next) return -1;
  const auto left = *next - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
  return ms > 60'000 ? 60'000 : static_cast<int>(ms);
}

void Executor::DeliverStreamData() {
  if (data_ready_.empty()) return;
  data_ready_scratch_.swap(data_ready_);  // bytes only arrive inside libcurl calls, not here
  for (const TransferId id : data_ready_scratch_) {
    auto it = active_.find(id);
    if (it == active_.end()) continue;  // cancelled by an earlier sink in this pass
    it->second->TakeStreamData(stream_scratch_);
    if (stream_scratch_.empty()) continue;
    // The sink may cancel this very transfer (recycling it); it runs from a local copy and is
    // handed back only if the transfer is still running.
    DataCallback sink = it->second->TakeDataCallback();
    Guarded("a stream data callback", [&] { sink(stream_scratch_); });
    if (auto still = active_.find(id); still != active_.end()) {
      still->second->RestoreDataCallback(std::move(sink));
    }
    RunCompletions();
  }
  data_ready_scratch_.clear();
}

void Executor::ReapFinished() {
  int left = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &left)) {
    if (message->msg != CURLMSG_DONE) continue;
    CURL* easy = message->easy_handle;
    const CURLcode code = message->data.result;  // read before remove_handle invalidates it
    char* tag = nullptr;                         // CURLOPT_PRIVATE holds the TransferId
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &tag);
    curl_multi_remove_handle(multi_.get(), easy);
    auto it = active_.find(static_cast<TransferId>(reinterpret_cast<std::uintptr_t>(tag)));
    if (it == active_.end()) continue;
    std::unique_ptr<Transfer> transfer = std::move(it->second);
    active_.erase(it);
    TransferResult result = transfer->Finish(code);
    completions_.push_back({transfer->TakeCallback(), std::move(result)});
    Recycle(std::move(transfer));
  }
}

void Executor::RunCompletions() {
  // A callback may start transfers whose immediate failures append to completions_, or post
  // tasks to this thread; those run in the same pass, still after the call that caused them.
  while (!completions_.empty() || !posted_here_.empty()) {
    for (std::size_t i = 0; i < completions_.size(); ++i) {
      Completion completion = std::move(completions_[i]);
      if (completion.callback) {
        Guarded("a transfer callback", [&] { completion.callback(std::move(completion.result)); });
      }
    }
    completions_.clear();
    for (std::size_t i = 0; i < posted_here_.size(); ++i) {
      Task task = std::move(posted_here_[i]);
      Guarded("a posted task", [&] { task(); });
    }
    posted_here_.clear();
  }
}

void Executor::RunTasks() {
  queue_->TakeAll(tasks_);
  for (Task& task : tasks_) {
    Guarded("a posted task", [&] { task(); });
    RunCompletions();
  }
  tasks_.clear();
}

void Executor::RunTimers() {
  timers_.TakeDue(Clock::now(), due_timers_);
  for (Task& task : due_timers_) {
    Guarded("a timer", [&] { task(); });
    RunCompletions();
  }
  due_timers_.clear();
}

void Executor::AbortEverything(const Error& why) {
  for (auto& [id, transfer] : active_) {
    curl_multi_remove_handle(multi_.get(), transfer->easy());
    completions_.push_back({transfer->TakeCallback(), {why, {}}});
  }
  for (auto& [id, transfer] : active_) Recycle(std::move(transfer));
  active_.clear();
}

void Executor::Run() {
  loop_thread_id_.store(std::this_thread::get_id(), std::memory_order_release);
  queue_->BindLoopThread(std::this_thread::get_id());
  // libcurl with NOSIGNAL does not shield us from SIGPIPE on a peer reset; block it in this
  // thread only (the write then fails with EPIPE) rather than touch the host's handlers.
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, nullptr);

  bool closing = false;
  for (;;) {
    if (auto driven = backend_->WaitAndDrive(NextTimeoutMs()); !driven) {
      // "The state of all transfers are uncertain": fail them all and carry on.
      Log(LogLevel::kError, driven.error().message());
      AbortEverything(driven.error());
    }
    DeliverStreamData();  // before completions: a stream's last bytes precede its end
    ReapFinished();
    RunCompletions();
    RunTasks();
    RunTimers();
    open_transfers_.store(active_.size(), std::memory_order_relaxed);
    pending_timers_.store(timers_.size(), std::memory_order_relaxed);

    if (!stop_requested_.load(std::memory_order_acquire)) continue;
    if (!closing) {
      closing = true;
      queue_->Close();  // from now on only this thread may post
      continue;         // run what was posted before the close
    }
    if (!active_.empty()) {
      AbortEverything(Error(ErrorCode::kCancelled, "the event loop is shutting down"));
      RunCompletions();
      continue;
    }
    std::vector<Task> late;
    queue_->TakeAll(late);
    if (late.empty()) break;
    for (Task& task : late) Guarded("a posted task", [&] { task(); });
    RunCompletions();
  }
  timers_.Clear();
}

}  // namespace prsm::net
