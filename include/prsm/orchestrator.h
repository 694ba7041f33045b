// prsm/orchestrator.h — the entry point: MultiLLMOrchestrator.
//
// An orchestrator owns one event-loop thread. That thread owns every libcurl handle, the timers
// and every request's state; it plans each query with the `RoutingStrategy`, sends the attempts
// concurrently through the providers, feeds the answers to the `ConsensusRule`, and completes
// the request with a fully accounted `Response`.
//
// Threading contract:
// - Every public method may be called from any thread. Submit(), Cancel() and the registration
//   methods only enqueue work and wake the loop; they never wait for the network.
// - Completion callbacks run exactly once, on the loop thread, and never inside the call that
//   started them, not even for immediate failures (bad query, admission limit). They must not
//   block: a blocking callback stalls every request of this orchestrator. They may call
//   Submit() and Cancel(). The blocking `ProcessAndWait()` detects the loop thread and returns
//   kFailedPrecondition instead of deadlocking.
// - Destruction stops admission, completes every request still in flight with kCancelled (their
//   callbacks run before the destructor returns), and joins the loop thread. Do not destroy an
//   orchestrator from one of its own callbacks.
//
// Lifetime: providers, strategies and rules are shared (std::shared_ptr) and kept until the
// orchestrator is destroyed. A `RequestHandle` may outlive the orchestrator; it then does nothing.
//
// Errors (in callbacks and results): kInvalidArgument (empty query, unknown model in the query,
// a provider could not encode it), kResourceExhausted (admission limit, or a provider's 429),
// kDeadlineExceeded, kCancelled, kNoConsensus, and every provider error of the last stage's
// attempts (kUnavailable, kUnauthenticated, kDataLoss, ...), with provider, model and HTTP
// status attached.
//
// **Example**: examples/quickstart.cpp, and the comment of prsm/prsm.h.
#ifndef PRSM_ORCHESTRATOR_H_
#define PRSM_ORCHESTRATOR_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/consensus.h"
#include "prsm/export.h"
#include "prsm/log.h"
#include "prsm/metrics.h"
#include "prsm/model.h"
#include "prsm/observer.h"
#include "prsm/provider.h"
#include "prsm/resilience.h"
#include "prsm/routing.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// Which event-loop implementation runs the transfers.
enum class ExecutorBackend : std::uint8_t {
  kDefault,  ///< $PRSM_EXECUTOR ("epoll" or "poll") if set, else kEpoll.
  kEpoll,    ///< curl_multi_socket_action + epoll + eventfd + timer heap (Linux).
  kPoll,     ///< curl_multi_poll + curl_multi_wakeup (portable).
};

// LogLevel and LogSink: prsm/log.h.

/// A spending cap over a sliding window of time, for one orchestrator.
struct Budget {
  /// USD that may be spent in any `window`; unset = no cap.
  std::optional<double> usd;
  /// The sliding window `usd` applies to (default: one hour).
  std::chrono::seconds window{std::chrono::hours(1)};
};

/// Everything fixed when the orchestrator is created.
struct OrchestratorOptions {
  /// Default: MakeSingleModelRouting().
  std::shared_ptr<RoutingStrategy> routing;
  /// Default: MakeFirstSuccessRule().
  std::shared_ptr<const ConsensusRule> consensus;
  /// Requests admitted but not yet completed; one more fails with kResourceExhausted.
  std::size_t max_in_flight = 4096;
  /// Deadline of a whole request, unless its QueryContext sets one.
  std::chrono::milliseconds request_timeout{std::chrono::minutes(2)};
  /// Deadline of one attempt (one HTTP exchange), capped by what is left of the request's.
  std::chrono::milliseconds attempt_timeout{std::chrono::seconds(60)};
  /// Deadline for establishing a connection (TCP + TLS).
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  /// Streaming: an attempt that has produced no content this long after it started is
  /// abandoned (kDeadlineExceeded) and the plan moves on, as for any failure before the commit
  /// point. Catches "hangs before the first token".
  std::chrono::milliseconds first_token_timeout{std::chrono::seconds(30)};
  /// Streaming: an attempt that receives no bytes for this long fails (kDeadlineExceeded).
  std::chrono::milliseconds stream_idle_timeout{std::chrono::seconds(30)};
  /// Which event-loop implementation runs the transfers.
  ExecutorBackend executor = ExecutorBackend::kDefault;
  /// Connections open at once to one host; more transfers wait for a free one (0 = no cap).
  long max_connections_per_host = 64;
  /// Negotiate HTTP/2 over TLS and multiplex requests on one connection (with PIPEWAIT).
  bool http2 = true;
  /// Largest response body accepted; a larger one fails the attempt with kDataLoss.
  std::size_t max_response_bytes = std::size_t{16} << 20;
  /// A PEM file of CA certificates to trust instead of the system's. TLS verification cannot
  /// be turned off. A path that is not a readable file fails Create() with kInvalidArgument.
  std::string ca_bundle_path;
  /// Diagnostics; default: discarded.
  LogSink log_sink;

  // Observability (prsm/observer.h, prsm/log.h, prsm/metrics.h; docs/OBSERVABILITY.md).
  /// Structured diagnostics (the same records as log_sink, with fields); default: none. See
  /// MakeJsonLinesLogSink.
  StructuredLogSink structured_log_sink;
  /// Records below this level reach neither sink (and most are not even formatted).
  LogLevel min_log_level = LogLevel::kDebug;
  /// Secret values (API keys...) replaced by "[REDACTED]" wherever they appear in a log record.
  std::vector<std::string> redact;
  /// Receive every request's events on a dedicated thread, in this order (prsm/observer.h).
  /// Null entries fail Create() with kInvalidArgument.
  std::vector<std::shared_ptr<Observer>> observers;
  /// Events queued for the observers at most; more are dropped and counted (must be >= 1).
  std::size_t observer_queue_capacity = 65536;
  /// Send a W3C `traceparent: 00-<trace id>-<span id>-01` header with each HTTP attempt (the
  /// request's trace id, a new span id per attempt: Attempt::span_id).
  bool trace_header = true;
  /// Receives requests no consensus rule could accept (human in the loop); default: none, and
  /// such requests fail with kNoConsensus.
  std::shared_ptr<EscalationHandler> escalation;
  /// The orchestrator's spending cap. Before each attempt prsm reserves its worst-case cost
  /// (WorstCaseCostUsd) against this budget and against the query's QueryContext::max_cost_usd,
  /// and settles on the real cost when it ends; an attempt that does not fit is not sent
  /// (kBudgetExceeded), and the plan moves on as after any failure.
  Budget budget;
  /// How many finished requests Feedback() can still reach (the oldest are forgotten).
  std::size_t feedback_window = 10000;

  // Resilience (prsm/resilience.h; docs/RESILIENCE.md).
  /// Retries of failed attempts; a model's ModelResilience::retry and a query's
  /// QueryContext::retry override it.
  RetryPolicy retry;
  /// The orchestrator-wide cap on retries in progress.
  RetryBudget retry_budget;
  /// Circuit breakers per model and per provider endpoint.
  BreakerPolicy breaker;
  /// Hedged requests (off by default).
  HedgePolicy hedge;
  /// Rate limits per provider id (an API key is usually one provider), in addition to each
  /// model's ModelResilience::rate_limit.
  std::map<std::string, RateLimit> provider_rate_limits;
  /// Called on the loop thread when a breaker changes state; must not block. Also logged.
  std::function<void(const CircuitEvent&)> on_circuit_change;
};

/// The callback of `Submit()` and `Stream()`.
using ResponseCallback = std::function<void(Result<Response>)>;

/// Receives a streamed answer's events, in order, on the loop thread. Must not block.
using StreamEventCallback = std::function<void(const StreamEvent&)>;

namespace detail {
class RequestControl;
}  // namespace detail

struct OrchestratorConfig;  // prsm/config.h

/// Refers to one submitted request. Copyable; every method is thread-safe and may be called
/// after the request finished or the orchestrator was destroyed.
class PRSM_EXPORT RequestHandle {
 public:
  RequestHandle() = default;

  /// The request's id (as in `Response::request_id`); 0 for an empty handle.
  std::uint64_t id() const noexcept;

  /// Asks the request to stop: its attempts are aborted and its callback runs with kCancelled,
  /// unless it completed first. Returns false when it had already completed (or the handle is
  /// empty). Idempotent.
  bool Cancel() const;

  /// True once the request's callback has been called (or is being called).
  bool done() const noexcept;

 private:
  friend class MultiLLMOrchestrator;
  explicit RequestHandle(std::shared_ptr<detail::RequestControl> control);
  std::shared_ptr<detail::RequestControl> control_;
};

/// Running totals of one model.
struct ModelTotals {
  /// Attempts started.
  std::uint64_t attempts = 0;
  /// Attempts that answered.
  std::uint64_t succeeded = 0;
  /// Attempts that failed.
  std::uint64_t failed = 0;
  /// Attempts prsm stopped.
  std::uint64_t cancelled = 0;
  /// Tokens of every attempt.
  Usage usage;
  /// USD spent on its attempts.
  double cost_usd = 0.0;
};

/// Running totals since creation: the aggregate cost report.
struct OrchestratorStats {
  /// Requests submitted (Submit, Stream, Process).
  std::uint64_t submitted = 0;
  /// Requests that completed with an answer.
  std::uint64_t succeeded = 0;
  std::uint64_t failed = 0;  ///< Including cancelled and rejected by admission.
  /// Requests admitted and not yet completed.
  std::size_t in_flight = 0;
  /// Attempts started, every model.
  std::uint64_t attempts = 0;
  /// USD spent, every model.
  double cost_usd = 0.0;
  std::uint64_t escalated = 0;        ///< Requests handed to the EscalationHandler.
  std::uint64_t budget_refusals = 0;  ///< Attempts not sent for lack of budget.
  /// Spent in the current Budget window (0 without a budget).
  double budget_window_spent_usd = 0.0;
  std::uint64_t retries = 0;             ///< Retry attempts started.
  std::uint64_t retries_refused = 0;     ///< Retries not made: over the RetryBudget.
  std::uint64_t hedges = 0;              ///< Hedge attempts started.
  std::uint64_t circuit_rejections = 0;  ///< Attempts not sent because a circuit was open.
  std::uint64_t rate_limited = 0;        ///< Attempts that waited for, or failed on, a rate limit.
  /// HTTP transfers running and loop timers pending (deadlines, retry backoffs, hedge delays,
  /// rate-limit waits), as the loop saw them at the end of its last pass (a moment behind).
  /// Both return to 0 once every request has completed: a leak check (bench/soak.cpp).
  std::size_t open_transfers = 0;
  /// Loop timers pending (see `open_transfers`).
  std::size_t pending_timers = 0;
  /// Observer events dropped because the observer queue was full (prsm/observer.h).
  std::uint64_t observer_events_dropped = 0;
  /// Totals by registered model name.
  std::map<std::string, ModelTotals> by_model;
};

/// The orchestrator. See the file comment for the threading, lifetime and error contracts.
class PRSM_EXPORT MultiLLMOrchestrator {
 public:
  /// Starts the loop thread. Errors: kInvalidArgument for bad options, kInternal when libcurl
  /// or the OS cannot provide an event loop, kFailedPrecondition for a libcurl too old.
  static Result<std::unique_ptr<MultiLLMOrchestrator>> Create(OrchestratorOptions options = {});
  /// Creates the orchestrator a configuration describes (prsm/config.h, LoadConfigFile): with
  /// `config.options`, then adds every provider and every model, in the file's order. Errors:
  /// those of Create(options), and of AddProvider/AddModel with the message naming the
  /// provider or model and `config.source`. (With two overloads, `Create({})` is ambiguous:
  /// write `Create()` for the defaults.)
  static Result<std::unique_ptr<MultiLLMOrchestrator>> Create(OrchestratorConfig config);

  ~MultiLLMOrchestrator();
  MultiLLMOrchestrator(const MultiLLMOrchestrator&) = delete;
  MultiLLMOrchestrator& operator=(const MultiLLMOrchestrator&) = delete;

  /// Registers an HTTP provider codec under its id(). Errors: kInvalidArgument (null, empty
  /// id), kAlreadyExists.
  Result<void> AddProvider(std::shared_ptr<const Provider> provider);
  /// Registers a non-HTTP provider under its id(). Same errors.
  Result<void> AddProvider(std::shared_ptr<InProcessProvider> provider);
  /// Registers a model served by an already registered provider. Errors: kInvalidArgument
  /// (see ModelSpec::Validate), kNotFound (no such provider), kAlreadyExists.
  Result<void> AddModel(ModelSpec spec);
  /// A snapshot of the registered models, in registration order.
  ModelCatalog models() const;

  /// Submits `query`; `on_done` runs exactly once, on the loop thread, never inside this call.
  RequestHandle Submit(Query query, ResponseCallback on_done);

  /// Streams the answer to `query`. The plan runs as for Submit() (fallback stages, hedged
  /// attempts), each attempt asking its provider for a stream. **Commit point**: the first
  /// attempt to produce content (a text or tool-call delta) wins; the others are cancelled at
  /// once and from then on `on_event` receives that attempt's events only: its earlier
  /// non-content events, then every delta, the usage and the finish reason. Before the commit
  /// point a failing or silent attempt (see `first_token_timeout`, `stream_idle_timeout`) is
  /// replaced like any failed attempt; after it, a failure is never hidden by switching models:
  /// `on_event` gets one kError event and `on_done` the same error. `on_done` runs exactly
  /// once, after the last event, with the full Response (the assembled completion, every
  /// attempt, usage and cost). The consensus rule is not consulted: a stream cannot wait for a
  /// vote. Cancelling the handle stops the transfer at once. Providers without streaming fail
  /// their attempts with kUnimplemented; in-process providers answer whole, delivered as one
  /// set of events.
  RequestHandle Stream(Query query, StreamEventCallback on_event, ResponseCallback on_done);

  /// Submits `query` and returns a future of its result. The seed's `process(query, context)`.
  std::future<Result<Response>> Process(Query query);

  /// Submits `query` and waits. For simple programs; never call it from a callback (returns
  /// kFailedPrecondition there instead of deadlocking).
  Result<Response> ProcessAndWait(Query query);

  /// Running totals. Thread-safe.
  OrchestratorStats stats() const;

  /// Counters and histograms per model and for the orchestrator (prsm/metrics.h; render them
  /// with FormatPrometheus). Thread-safe; a snapshot.
  MetricsSnapshot metrics() const;

  /// Every circuit breaker that has seen an attempt: models by name, provider endpoints as
  /// "provider:<id>". Thread-safe; a snapshot.
  std::vector<CircuitStatus> circuits() const;

  /// Tells the routing strategy how good the answer of request `request_id` was (`score` in
  /// [0, 1], e.g. 1 = correct): how strategies learn. Thread-safe; returns at once.
  /// Errors: kInvalidArgument for a score outside [0, 1]; kNotFound when the request is not
  /// among the last `feedback_window` that finished with an answer.
  Result<void> Feedback(std::uint64_t request_id, double score);

  /// The routing strategy's learned state (RoutingStrategy::SaveState), read on the loop
  /// thread. Blocks until read; not from a callback (kFailedPrecondition).
  Result<std::string> SaveRoutingState();
  /// Restores a state saved earlier (RoutingStrategy::LoadState), on the loop thread. Blocks;
  /// not from a callback (kFailedPrecondition).
  Result<void> LoadRoutingState(std::string state);

 private:
  class Impl;
  explicit MultiLLMOrchestrator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;  // curl, epoll, RapidJSON and fmt live behind this
};

}  // namespace prsm

#endif  // PRSM_ORCHESTRATOR_H_
