// MultiLLMOrchestrator: the thread-safe facade, admission, and the loop-side registry of
// requests. The per-request logic is in request.cpp; the event loop in net/executor.cpp.
#include "prsm/orchestrator.h"

#include <atomic>
#include <future>
#include <mutex>
#include <unordered_map>

#include <fmt/format.h>

#include "cost/budget_ledger.h"
#include "feedback_store.h"
#include "net/executor.h"
#include "observe/logger.h"
#include "observe/metrics_registry.h"
#include "observe/observer_hub.h"
#include "registry.h"
#include "request.h"
#include "resilience/policies.h"
#include "resilience/resilience_state.h"

namespace prsm {

// --- RequestHandle ------------------------------------------------------------------------

RequestHandle::RequestHandle(std::shared_ptr<detail::RequestControl> control)
    : control_(std::move(control)) {}

std::uint64_t RequestHandle::id() const noexcept { return control_ ? control_->id() : 0; }

bool RequestHandle::Cancel() const { return control_ && control_->Cancel(); }

bool RequestHandle::done() const noexcept { return control_ && control_->done(); }

// --- Impl ---------------------------------------------------------------------------------

class MultiLLMOrchestrator::Impl final : public internal::RequestHost {
 public:
  explicit Impl(OrchestratorOptions options)
      : options_(std::move(options)),
        budget_(options_.budget),
        feedback_(options_.feedback_window),
        resilience_(options_, [this](CircuitEvent event) { OnCircuitChange(std::move(event)); }),
        logger_(options_.log_sink, options_.structured_log_sink, options_.min_log_level,
                options_.redact) {}

  ~Impl() {
    if (!executor_) return;  // Init() failed: nothing ever ran
    // Cancel everything still in flight (their callbacks run now, with kCancelled), then let
    // the loop drain and join it. Requests must go before the executor they reference.
    executor_->Post([this] {
      shutting_down_ = true;
      Error why(ErrorCode::kCancelled, "the orchestrator is being destroyed");
      for (auto& [id, request] : requests_) request->Cancel(why);
    });
    executor_->Stop();
    requests_.clear();
    executor_.reset();
    // Last: delivers every event still queued (the cancelled requests' included), then joins.
    observer_hub_.reset();
  }

  Result<void> Init() {
    if (!options_.routing) options_.routing = MakeSingleModelRouting();
    if (!options_.consensus) options_.consensus = MakeFirstSuccessRule();
    if (options_.max_in_flight == 0) {
      return Error(ErrorCode::kInvalidArgument, "max_in_flight must be at least 1");
    }
    if (options_.request_timeout.count() <= 0 || options_.attempt_timeout.count() <= 0 ||
        options_.connect_timeout.count() <= 0 || options_.first_token_timeout.count() <= 0 ||
        options_.stream_idle_timeout.count() <= 0) {
      return Error(ErrorCode::kInvalidArgument,
                   "request_timeout, attempt_timeout, connect_timeout, first_token_timeout and "
                   "stream_idle_timeout must be positive");
    }
    if (options_.max_response_bytes == 0) {
      return Error(ErrorCode::kInvalidArgument, "max_response_bytes must be positive");
    }
    if (const auto& usd = options_.budget.usd; usd && !(*usd >= 0.0 && *usd < 1e300)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("budget.usd must be a finite amount >= 0, not {}", *usd));
    }
    if (options_.budget.window.count() <= 0) {
      return Error(ErrorCode::kInvalidArgument, "budget.window must be positive");
    }
    if (auto valid = ValidateResilience(); !valid) return valid;
    for (const auto& observer : options_.observers) {
      if (!observer)
        return Error(ErrorCode::kInvalidArgument,
                     "OrchestratorOptions::observers holds a null observer");
    }
    if (options_.observer_queue_capacity == 0) {
      return Error(ErrorCode::kInvalidArgument, "observer_queue_capacity must be at least 1");
    }
    net::ExecutorOptions executor_options;
    executor_options.backend = options_.executor;
    executor_options.max_connections_per_host = options_.max_connections_per_host;
    executor_options.transfer.http2 = options_.http2;
    executor_options.transfer.ca_bundle_path = options_.ca_bundle_path;
    executor_options.transfer.connect_timeout = options_.connect_timeout;
    if (logger_.Enabled(LogLevel::kError)) {
      // Every line goes through the logger: level filter, redaction, both sinks.
      executor_options.log = [this](LogLevel level, std::string_view message) {
        logger_.Log(level, std::string(message));
      };
    }
    auto executor = net::Executor::Create(std::move(executor_options));
    if (!executor) return std::move(executor).error();
    executor_ = std::move(*executor);
    if (!options_.observers.empty()) {
      // An observer's exception is logged on the loop, where the sinks expect to be called.
      observer_hub_ = std::make_unique<internal::ObserverHub>(
          options_.observers, options_.observer_queue_capacity,
          [this, queue = executor_->queue()](const std::string& message) {
            (void)queue->Post([this, message] { executor_->Log(LogLevel::kError, message); });
          });
    }
    return {};
  }

  RequestHandle Submit(Query query, ResponseCallback on_done, StreamEventCallback on_event = {}) {
    const std::uint64_t id = next_id_.fetch_add(1, std::memory_order_relaxed);
    if (!on_done) on_done = [](const Result<Response>&) {};
    auto control = std::make_shared<detail::RequestControl>(
        id, executor_->queue(), [this](std::uint64_t request_id) { CancelRequest(request_id); });
    {
      std::lock_guard<std::mutex> lock(totals_mutex_);
      ++totals_.submitted;
    }
    std::optional<Error> rejection;
    if (in_flight_.fetch_add(1, std::memory_order_acq_rel) >= options_.max_in_flight) {
      in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      rejection = Error(ErrorCode::kResourceExhausted,
                        fmt::format("admission limit reached: {} requests already in flight "
                                    "(OrchestratorOptions::max_in_flight)",
                                    options_.max_in_flight));
    }
    auto task = [this, id, query = std::move(query), on_done, on_event = std::move(on_event),
                 control, registry = registry_.snapshot(), rejection]() mutable {
      if (rejection) {
        CompleteRejected(*rejection, control, on_done);
        return;
      }
      Admit(id, std::move(query), std::move(on_done), std::move(on_event), std::move(control),
            std::move(registry));
    };
    if (!executor_->Post(std::move(task))) {
      // Only reachable when Submit races the destructor, which the contract forbids; exactly
      // once beats never inline, so report it here.
      if (!rejection) in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      control->MarkDone();
      on_done(Error(ErrorCode::kCancelled, "the orchestrator is being destroyed"));
    }
    return RequestHandle(std::move(control));
  }

  Result<Response> ProcessAndWait(Query query) {
    if (executor_->InLoopThread()) {
      return Error(ErrorCode::kFailedPrecondition,
                   "ProcessAndWait() was called from a prsm callback, where waiting would "
                   "deadlock the event loop; use Submit() there");
    }
    auto promise = std::make_shared<std::promise<Result<Response>>>();
    auto future = promise->get_future();
    Submit(std::move(query),
           [promise](Result<Response> outcome) { promise->set_value(std::move(outcome)); });
    return future.get();
  }

  OrchestratorStats stats() const {
    OrchestratorStats copy;
    {
      std::lock_guard<std::mutex> lock(totals_mutex_);
      copy = totals_;
    }
    copy.in_flight = in_flight_.load(std::memory_order_acquire);
    if (executor_) {
      copy.open_transfers = executor_->open_transfers();
      copy.pending_timers = executor_->pending_timers();
    }
    if (observer_hub_) copy.observer_events_dropped = observer_hub_->dropped();
    std::lock_guard<std::mutex> lock(budget_mutex_);
    copy.budget_window_spent_usd = budget_.WindowSpent(net::Clock::now());
    return copy;
  }

  Result<void> Feedback(std::uint64_t request_id, double score) {
    if (!(score >= 0.0 && score <= 1.0)) {
      return Error(ErrorCode::kInvalidArgument,
                   fmt::format("a feedback score must be in [0, 1], not {}", score));
    }
    auto entry = feedback_.Find(request_id);
    if (!entry) {
      return Error(ErrorCode::kNotFound,
                   fmt::format("request {} is not among the last {} that finished with an answer "
                               "(OrchestratorOptions::feedback_window)",
                               request_id, feedback_.capacity()));
    }
    const bool posted = executor_->Post([this, entry = std::move(entry), score] {
      if (shutting_down_) return;
      try {
        options_.routing->Feedback(entry->query, entry->response, score);
      } catch (...) {
        executor_->Log(LogLevel::kError, fmt::format("routing strategy '{}' Feedback threw",
                                                     options_.routing->name()));
      }
    });
    if (!posted) return Error(ErrorCode::kCancelled, "the orchestrator is being destroyed");
    return {};
  }

  // Runs `fn` on the loop thread and waits for its result.
  template <typename T, typename F>
  Result<T> RunOnLoop(const char* what, F fn) {
    if (executor_->InLoopThread()) {
      return Error(ErrorCode::kFailedPrecondition,
                   fmt::format("{}() was called from a prsm callback, where waiting would "
                               "deadlock the event loop",
                               what));
    }
    auto promise = std::make_shared<std::promise<Result<T>>>();
    auto future = promise->get_future();
    const bool posted = executor_->Post([promise, fn = std::move(fn)]() mutable {
      try {
        promise->set_value(fn());
      } catch (const std::exception& e) {
        promise->set_value(Error(ErrorCode::kInternal, e.what()));
      } catch (...) {
        promise->set_value(Error(ErrorCode::kInternal, "a non-standard exception"));
      }
    });
    if (!posted) return Error(ErrorCode::kCancelled, "the orchestrator is being destroyed");
    return future.get();
  }

  Result<std::string> SaveRoutingState() {
    return RunOnLoop<std::string>("SaveRoutingState",
                                  [this] { return options_.routing->SaveState(); });
  }

  Result<void> LoadRoutingState(std::string state) {
    return RunOnLoop<void>("LoadRoutingState", [this, state = std::move(state)] {
      return options_.routing->LoadState(state);
    });
  }

  MetricsSnapshot metrics() const {
    const OrchestratorStats totals = stats();
    MetricsSnapshot snapshot;
    snapshot.models = metrics_.Snapshot();
    // Attempt counts, tokens and cost are kept once, in the totals (RecordAttemptEnded).
    for (auto& [model, metrics] : snapshot.models) {
      const auto it = totals.by_model.find(model);
      if (it == totals.by_model.end()) continue;
      metrics.attempts_succeeded = it->second.succeeded;
      metrics.attempts_failed = it->second.failed;
      metrics.attempts_cancelled = it->second.cancelled;
      metrics.tokens = it->second.usage;
      metrics.cost_usd = it->second.cost_usd;
    }
    snapshot.requests_succeeded = totals.succeeded;
    snapshot.requests_failed = totals.failed;
    snapshot.in_flight = totals.in_flight;
    snapshot.attempts = totals.attempts;
    snapshot.cost_usd = totals.cost_usd;
    snapshot.retries = totals.retries;
    snapshot.retries_refused = totals.retries_refused;
    snapshot.hedges = totals.hedges;
    snapshot.circuit_rejections = totals.circuit_rejections;
    snapshot.rate_limited = totals.rate_limited;
    snapshot.budget_refusals = totals.budget_refusals;
    snapshot.escalations = totals.escalated;
    snapshot.observer_events_dropped = totals.observer_events_dropped;
    snapshot.circuits = circuits();
    return snapshot;
  }

  internal::Registry& registry() { return registry_; }

  std::vector<CircuitStatus> circuits() const { return resilience_.Circuits(net::Clock::now()); }

  // --- RequestHost (loop thread) ---
  net::Executor& executor() override { return *executor_; }
  const OrchestratorOptions& options() const override { return options_; }
  const std::map<std::string, ModelStats>& model_stats() const override { return model_stats_; }

  void RecordAttemptStarted(const std::string& model) override {
    ++model_stats_[model].attempts;
    std::lock_guard<std::mutex> lock(totals_mutex_);
    ++totals_.attempts;
    ++totals_.by_model[model].attempts;
  }

  void RecordAttemptEnded(const Attempt& record) override {
    {
      std::lock_guard<std::mutex> lock(totals_mutex_);
      ModelTotals& totals = totals_.by_model[record.model];
      switch (record.outcome) {
        case Attempt::Outcome::kSucceeded:
          ++totals.succeeded;
          break;
        case Attempt::Outcome::kFailed:
          ++totals.failed;
          break;
        case Attempt::Outcome::kCancelled:
          ++totals.cancelled;
          break;
      }
      totals.usage += record.usage;
      totals.cost_usd += record.cost_usd;
    }
    metrics_.RecordAttemptEnded(record);
    ModelStats& stats = model_stats_[record.model];
    if (record.outcome == Attempt::Outcome::kFailed) ++stats.failures;
    if (record.outcome != Attempt::Outcome::kSucceeded) return;  // a cancelled one says nothing
    ++stats.successes;
    constexpr double kWeight = 0.2;  // recent answers count most; ~10 samples of memory
    const double ms = static_cast<double>(record.latency.count()) / 1000.0;
    stats.latency_ewma_ms =
        stats.successes == 1 ? ms : (1.0 - kWeight) * stats.latency_ewma_ms + kWeight * ms;
  }

  bool TryReserveBudget(double usd) override {
    std::lock_guard<std::mutex> lock(budget_mutex_);
    return budget_.TryReserve(usd, net::Clock::now());
  }

  void SettleBudget(double reserved_usd, double actual_usd) override {
    std::lock_guard<std::mutex> lock(budget_mutex_);
    budget_.Settle(reserved_usd, actual_usd, net::Clock::now());
  }

  void RecordBudgetRefusal() override {
    std::lock_guard<std::mutex> lock(totals_mutex_);
    ++totals_.budget_refusals;
  }

  void RecordEscalation() override {
    std::lock_guard<std::mutex> lock(totals_mutex_);
    ++totals_.escalated;
  }

  internal::ResilienceState& resilience() override { return resilience_; }

  std::size_t requests_in_flight() const override {
    return in_flight_.load(std::memory_order_acquire);
  }

  void RecordResilience(ResilienceEvent event) override {
    std::lock_guard<std::mutex> lock(totals_mutex_);
    switch (event) {
      case ResilienceEvent::kRetry:
        ++totals_.retries;
        break;
      case ResilienceEvent::kRetryRefused:
        ++totals_.retries_refused;
        break;
      case ResilienceEvent::kHedge:
        ++totals_.hedges;
        break;
      case ResilienceEvent::kCircuitRejection:
        ++totals_.circuit_rejections;
        break;
      case ResilienceEvent::kRateLimited:
        ++totals_.rate_limited;
        break;
    }
  }

  bool observing() const noexcept override { return observer_hub_ != nullptr; }

  void Publish(ObserverEvent event) override {
    if (observer_hub_) observer_hub_->Publish(std::move(event));
  }

  void RecordFirstToken(const Attempt& record, std::chrono::microseconds elapsed) override {
    metrics_.RecordFirstToken(record.model, record.provider, elapsed);
  }

  void RecordModelRequest(const Attempt& first_attempt) override {
    metrics_.RecordModelRequest(first_attempt.model, first_attempt.provider);
  }

  const internal::Logger& logger() const override { return logger_; }

  EscalationReply MakeEscalationReply(std::uint64_t id) override {
    // The queue refuses posts once the loop is gone, so a late reply never reaches a destroyed
    // orchestrator; the flag makes every call after the first a no-op.
    auto replied = std::make_shared<std::atomic<bool>>(false);
    return [this, id, queue = executor_->queue(), replied](Result<Completion> reply) {
      if (replied->exchange(true)) return;
      (void)queue->Post([this, id, reply = std::move(reply)]() mutable {
        if (auto it = requests_.find(id); it != requests_.end()) {
          it->second->OnEscalationReply(std::move(reply));
        }
      });
    };
  }

  void PostAttemptResult(std::uint64_t id, std::size_t attempt,
                         Result<Completion> result) override {
    // From any thread; dropped if the loop is gone, ignored if the request finished.
    executor_->Post([this, id, attempt, result = std::move(result)]() mutable {
      if (auto it = requests_.find(id); it != requests_.end()) {
        it->second->OnAttemptResult(attempt, std::move(result));
      }
    });
  }

  void OnRequestFinished(std::uint64_t id, const Query& query, const Result<Response>& outcome,
                         double cost_usd) override {
    in_flight_.fetch_sub(1, std::memory_order_acq_rel);
    {
      std::lock_guard<std::mutex> lock(totals_mutex_);
      ++(outcome ? totals_.succeeded : totals_.failed);
      totals_.cost_usd += cost_usd;
    }
    if (outcome && feedback_.capacity() > 0) {
      feedback_.Add(id, std::make_shared<internal::FeedbackStore::Entry>(
                            internal::FeedbackStore::Entry{query, *outcome}));
    }
    if (!shutting_down_) {
      try {
        options_.routing->Observe(query, outcome);
      } catch (...) {
        executor_->Log(LogLevel::kError, fmt::format("routing strategy '{}' Observe threw",
                                                     options_.routing->name()));
      }
    }
    // Destroyed on the next turn of the loop, after its callback has returned.
    executor_->Post([this, id] { requests_.erase(id); });
  }

 private:
  Result<void> ValidateResilience() const {
    if (auto valid = ValidateRetryPolicy(options_.retry, "OrchestratorOptions::retry"); !valid) {
      return valid;
    }
    if (auto valid = internal::ValidateRetryBudget(options_.retry_budget); !valid) return valid;
    if (auto valid = internal::ValidateBreakerPolicy(options_.breaker); !valid) return valid;
    if (auto valid = internal::ValidateHedgePolicy(options_.hedge); !valid) return valid;
    for (const auto& [provider, limit] : options_.provider_rate_limits) {
      const std::string where =
          fmt::format("OrchestratorOptions::provider_rate_limits['{}']", provider);
      if (auto valid = ValidateRateLimit(limit, where); !valid) return valid;
    }
    return {};
  }

  void OnCircuitChange(CircuitEvent event) {
    const LogLevel level = event.to == CircuitState::kClosed ? LogLevel::kInfo : LogLevel::kWarning;
    if (logger_.Enabled(level)) {
      logger_.Log(level,
                  fmt::format("circuit '{}': {} -> {}: {}", event.name, ToString(event.from),
                              ToString(event.to), event.reason),
                  {{"circuit", event.name},
                   {"from", std::string(ToString(event.from))},
                   {"to", std::string(ToString(event.to))}});
    }
    if (observer_hub_) {
      ObserverEvent observed;
      observed.kind = EventKind::kCircuitChanged;
      observed.time = std::chrono::system_clock::now();
      observed.model = event.name;
      observed.circuit = event;
      observer_hub_->Publish(std::move(observed));
    }
    if (!options_.on_circuit_change) return;
    try {
      options_.on_circuit_change(event);
    } catch (...) {
      executor_->Log(LogLevel::kError, "OrchestratorOptions::on_circuit_change threw; ignored");
    }
  }

  void Admit(std::uint64_t id, Query query, ResponseCallback on_done, StreamEventCallback on_event,
             std::shared_ptr<detail::RequestControl> control,
             std::shared_ptr<const internal::RegistrySnapshot> registry) {
    if (shutting_down_) {
      in_flight_.fetch_sub(1, std::memory_order_acq_rel);
      CompleteRejected(Error(ErrorCode::kCancelled, "the orchestrator is being destroyed"), control,
                       on_done);
      return;
    }
    auto request = std::make_unique<internal::Request>(
        *this, id, std::move(query), std::move(on_done), std::move(on_event), std::move(control),
        std::move(registry), options_.routing, options_.consensus);
    internal::Request& started = *request;
    requests_.emplace(id, std::move(request));
    started.Start();
  }

  void CompleteRejected(const Error& error, const std::shared_ptr<detail::RequestControl>& control,
                        ResponseCallback& on_done) {
    {
      std::lock_guard<std::mutex> lock(totals_mutex_);
      ++totals_.failed;
    }
    if (observer_hub_) {
      ObserverEvent finished;
      finished.kind = EventKind::kRequestFinished;
      finished.time = std::chrono::system_clock::now();
      finished.request_id = control->id();
      finished.error = error;
      observer_hub_->Publish(std::move(finished));
    }
    control->MarkDone();
    try {
      on_done(error);
    } catch (...) {
      executor_->Log(LogLevel::kError, "a request callback threw; ignored");
    }
  }

  void CancelRequest(std::uint64_t id) {
    if (auto it = requests_.find(id); it != requests_.end()) {
      it->second->Cancel(Error(ErrorCode::kCancelled, "cancelled by the host"));
    }
  }

  OrchestratorOptions options_;
  internal::Registry registry_;
  mutable std::mutex budget_mutex_;  // the loop reserves and settles; stats() reads
  mutable internal::BudgetLedger budget_;
  internal::FeedbackStore feedback_;
  internal::ResilienceState resilience_;
  internal::Logger logger_;  // before executor_, whose log lines it receives
  internal::MetricsRegistry metrics_;
  std::unique_ptr<net::Executor> executor_;
  // Destroyed explicitly after the executor (see ~Impl); null without observers.
  std::unique_ptr<internal::ObserverHub> observer_hub_;

  // Loop-thread state.
  std::unordered_map<std::uint64_t, std::unique_ptr<internal::Request>> requests_;
  std::map<std::string, ModelStats> model_stats_;
  bool shutting_down_ = false;

  // Any thread.
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::size_t> in_flight_{0};
  mutable std::mutex totals_mutex_;
  OrchestratorStats totals_;
};

// --- MultiLLMOrchestrator -----------------------------------------------------------------

MultiLLMOrchestrator::MultiLLMOrchestrator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

MultiLLMOrchestrator::~MultiLLMOrchestrator() = default;

Result<std::unique_ptr<MultiLLMOrchestrator>> MultiLLMOrchestrator::Create(
    OrchestratorOptions options) {
  auto impl = std::make_unique<Impl>(std::move(options));
  if (auto started = impl->Init(); !started) return std::move(started).error();
  return std::unique_ptr<MultiLLMOrchestrator>(new MultiLLMOrchestrator(std::move(impl)));
}

Result<void> MultiLLMOrchestrator::AddProvider(std::shared_ptr<const Provider> provider) {
  if (!provider) return Error(ErrorCode::kInvalidArgument, "provider is null");
  const std::string id(provider->id());
  return impl_->registry().AddProvider(id, {std::move(provider), nullptr});
}

Result<void> MultiLLMOrchestrator::AddProvider(std::shared_ptr<InProcessProvider> provider) {
  if (!provider) return Error(ErrorCode::kInvalidArgument, "provider is null");
  const std::string id(provider->id());
  return impl_->registry().AddProvider(id, {nullptr, std::move(provider)});
}

Result<void> MultiLLMOrchestrator::AddModel(ModelSpec spec) {
  return impl_->registry().AddModel(std::move(spec));
}

ModelCatalog MultiLLMOrchestrator::models() const { return impl_->registry().snapshot()->models; }

RequestHandle MultiLLMOrchestrator::Submit(Query query, ResponseCallback on_done) {
  return impl_->Submit(std::move(query), std::move(on_done));
}

RequestHandle MultiLLMOrchestrator::Stream(Query query, StreamEventCallback on_event,
                                           ResponseCallback on_done) {
  if (!on_event) on_event = [](const StreamEvent&) {};
  return impl_->Submit(std::move(query), std::move(on_done), std::move(on_event));
}

std::future<Result<Response>> MultiLLMOrchestrator::Process(Query query) {
  auto promise = std::make_shared<std::promise<Result<Response>>>();
  auto future = promise->get_future();
  impl_->Submit(std::move(query),
                [promise](Result<Response> outcome) { promise->set_value(std::move(outcome)); });
  return future;
}

Result<Response> MultiLLMOrchestrator::ProcessAndWait(Query query) {
  return impl_->ProcessAndWait(std::move(query));
}

OrchestratorStats MultiLLMOrchestrator::stats() const { return impl_->stats(); }

std::vector<CircuitStatus> MultiLLMOrchestrator::circuits() const { return impl_->circuits(); }

MetricsSnapshot MultiLLMOrchestrator::metrics() const { return impl_->metrics(); }

Result<void> MultiLLMOrchestrator::Feedback(std::uint64_t request_id, double score) {
  return impl_->Feedback(request_id, score);
}

Result<std::string> MultiLLMOrchestrator::SaveRoutingState() { return impl_->SaveRoutingState(); }

Result<void> MultiLLMOrchestrator::LoadRoutingState(std::string state) {
  return impl_->LoadRoutingState(std::move(state));
}

}  // namespace prsm
