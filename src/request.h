// The state machine of one query: plan -> stages of attempts -> consensus -> one callback.
//
// A Request lives on the loop thread from Start() until its callback has run. It owns the
// attempts it started: when it finishes (accepted, failed, cancelled or out of time) it aborts
// the transfers still running, whose callbacks are then never called, so no callback can reach
// a finished request. Results that arrive from other threads (in-process providers) travel by
// request id through the loop's task queue and are dropped if the request is gone.
#ifndef PRSM_REQUEST_H_
#define PRSM_REQUEST_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/executor.h"
#include "observe/logger.h"
#include "prsm/consensus.h"
#include "prsm/observer.h"
#include "prsm/orchestrator.h"
#include "prsm/routing.h"
#include "registry.h"
#include "resilience/resilience_state.h"

namespace prsm {
namespace detail {

/// The shared part of a request that a RequestHandle holds.
class RequestControl {
 public:
  /// Posts `cancel` to the loop when Cancel() is called; `queue` refuses once the loop is gone.
  RequestControl(std::uint64_t id, std::shared_ptr<net::TaskQueue> queue,
                 std::function<void(std::uint64_t)> cancel)
      : id_(id), queue_(std::move(queue)), cancel_(std::move(cancel)) {}

  std::uint64_t id() const noexcept { return id_; }
  bool done() const noexcept { return done_.load(std::memory_order_acquire); }
  void MarkDone() noexcept { done_.store(true, std::memory_order_release); }
  bool Cancel();

 private:
  const std::uint64_t id_;
  std::shared_ptr<net::TaskQueue> queue_;
  std::function<void(std::uint64_t)> cancel_;
  std::atomic<bool> done_{false};
};

}  // namespace detail

namespace internal {

/// What a request needs from its orchestrator. Loop thread only, except PostAttemptResult.
class RequestHost {
 public:
  virtual net::Executor& executor() = 0;
  virtual const OrchestratorOptions& options() const = 0;
  virtual const std::map<std::string, ModelStats>& model_stats() const = 0;
  virtual void RecordAttemptStarted(const std::string& model) = 0;
  /// `record` is final: outcome, latency, usage and cost.
  virtual void RecordAttemptEnded(const Attempt& record) = 0;
  /// The orchestrator's budget (OrchestratorOptions::budget): reserve an attempt's worst-case
  /// cost before sending it, settle at the real cost when it ends.
  virtual bool TryReserveBudget(double usd) = 0;
  virtual void SettleBudget(double reserved_usd, double actual_usd) = 0;
  virtual void RecordBudgetRefusal() = 0;
  /// A reply function for OrchestratorOptions::escalation that reaches request `id` through the
  /// loop, once, and is harmless after the request or the orchestrator is gone.
  virtual EscalationReply MakeEscalationReply(std::uint64_t id) = 0;
  virtual void RecordEscalation() = 0;
  /// Retries, breakers, hedging and rate limits (resilience/resilience_state.h).
  virtual ResilienceState& resilience() = 0;
  virtual std::size_t requests_in_flight() const = 0;
  enum class ResilienceEvent : std::uint8_t {
    kRetry,
    kRetryRefused,
    kHedge,
    kCircuitRejection,
    kRateLimited
  };
  virtual void RecordResilience(ResilienceEvent event) = 0;
  /// Any thread: delivers an in-process attempt's result to request `id` via the loop.
  virtual void PostAttemptResult(std::uint64_t id, std::size_t attempt,
                                 Result<Completion> result) = 0;
  /// The request has decided; called once, just before its callback runs. `cost_usd` sums
  /// every attempt, whatever the outcome.
  virtual void OnRequestFinished(std::uint64_t id, const Query& query,
                                 const Result<Response>& outcome, double cost_usd) = 0;
  // Observability (src/observe; docs/OBSERVABILITY.md).
  /// True when observers are registered: only then are events built.
  virtual bool observing() const noexcept = 0;
  /// Queues `event` for the observer thread; never blocks (a full queue drops it).
  virtual void Publish(ObserverEvent event) = 0;
  /// Metrics: a streamed attempt's first content, `elapsed` after it started.
  virtual void RecordFirstToken(const Attempt& record, std::chrono::microseconds elapsed) = 0;
  /// Metrics: a finished request attempted this model (called once per model per request).
  virtual void RecordModelRequest(const Attempt& first_attempt) = 0;
  /// Structured diagnostics; check Enabled() before building a costly record.
  virtual const Logger& logger() const = 0;

 protected:
  ~RequestHost() = default;
};

class Request {
 public:
  /// A streaming request when `on_event` is set (see MultiLLMOrchestrator::Stream).
  Request(RequestHost& host, std::uint64_t id, Query query, ResponseCallback done,
          StreamEventCallback on_event, std::shared_ptr<detail::RequestControl> control,
          std::shared_ptr<const RegistrySnapshot> registry,
          std::shared_ptr<RoutingStrategy> routing, std::shared_ptr<const ConsensusRule> consensus);
  Request(const Request&) = delete;
  Request& operator=(const Request&) = delete;

  /// Plans the query and starts the first stage.
  void Start();
  /// Finishes now with `reason` (host cancellation, shutdown), unless already finished.
  void Cancel(Error reason);
  /// An in-process attempt's result, delivered through the loop.
  void OnAttemptResult(std::size_t index, Result<Completion> result);
  /// The human's answer to an escalation, delivered through the loop.
  void OnEscalationReply(Result<Completion> reply);
  bool finished() const noexcept { return finished_; }

 private:
  static constexpr std::size_t kNoSlot = static_cast<std::size_t>(-1);

  // Why an attempt is made: for which slot of the stage (one per planned model; the slot's
  // first success or final failure is its candidate), as which retry, or as a hedge.
  struct AttemptRole {
    std::size_t slot = kNoSlot;  // kNoSlot: a verifier
    int retry = 0;               // 0: the slot's first try
    bool hedge = false;
  };

  // One planned model of the current stage: its attempts (first try, retries, a hedge) answer
  // as one candidate.
  struct Slot {
    std::string model;
    int retries = 0;
    bool resolved = false;
    bool retry_budget = false;  // the pending retry holds a RetryBudget place
    net::TimerId retry_timer = 0;
    net::TimerId hedge_timer = 0;
  };

  struct AttemptState {
    const ModelSpec* spec = nullptr;
    const ProviderEntry* provider = nullptr;
    net::Clock::time_point started;
    net::TransferId transfer = 0;    // while an HTTP exchange runs
    net::TimerId timeout_timer = 0;  // in-process attempts only; HTTP ones use libcurl's
    bool running = false;
    bool verifier = false;      // a cross-validation check, not a candidate answer
    double reserved_usd = 0.0;  // worst-case cost held against the budgets while it runs
    AttemptRole role;
    bool launched = false;            // sent, after any rate-limit wait
    bool no_retry = false;            // refused by prsm itself (circuit open, rate limit)
    bool holds_retry_budget = false;  // a retry: holds a RetryBudget place until it ends
    net::TimerId wait_timer = 0;      // waiting for rate-limit capacity
    bool rate_limited = false;        // counted once in OrchestratorStats::rate_limited
    ResilienceState::Pass pass;       // how the breakers let it through
    double tokens_taken = 0.0;        // estimated tokens taken from the rate-limit buckets
    Attempt record;
    // Streaming only.
    std::unique_ptr<StreamDecoder> decoder;
    net::TimerId first_token_timer = 0;
    net::TimerId idle_timer = 0;
    std::vector<StreamEvent> held;  // events before the commit point, delivered if it wins
  };

  // Plans (again, after waiting for a half-open circuit) and starts the first stage.
  void Route();
  Result<void> PrepareRoute();
  bool FailsFastOnLimit(const ModelSpec& spec) const;
  void StartStage(std::size_t stage);
  void StartNextAttemptOfStage();
  void StartAttempt(const std::string& model, bool verifier, AttemptRole role);
  // Sends attempt `index` once the rate limits, the breakers and the budgets allow it.
  void Launch(std::size_t index);
  void NoteAttemptEnd(AttemptState& attempt);
  // Slots, retries, hedges and stage deadlines (request_slots.cpp).
  void OnSlotAttemptEnded(std::size_t index, Result<Completion> result);
  void ResolveSlot(std::size_t slot, std::size_t index, Result<Completion> result);
  bool SlotRunning(std::size_t slot) const;
  bool ScheduleRetry(std::size_t slot, const AttemptState& attempt, const Error& error);
  void ScheduleHedge(std::size_t slot, const AttemptState& attempt);
  void CancelSlotTimers(Slot& slot);
  void CancelStageTimers();
  bool AnyRetryPending() const;
  bool FallbackWouldRun(std::size_t slot) const;
  void OnStageTimeout();
  const RetryPolicy& RetryPolicyFor(const ModelSpec& spec) const;
  Result<void> SkipOpenCircuits();
  const Query& QueryFor(const AttemptState& attempt) const;
  std::optional<Error> ReserveBudget(AttemptState& attempt);
  Error BudgetRefused(const AttemptState& attempt, Error error);
  void SettleBudget(AttemptState& attempt, double actual_usd);
  const ConsensusRule& StageRule() const;
  Candidate MakeCandidate(const AttemptState& attempt, Result<Completion> result) const;
  void StartHttpAttempt(std::size_t index, std::chrono::milliseconds timeout);
  void StartInProcessAttempt(std::size_t index, std::chrono::milliseconds timeout);
  void OnTransferDone(std::size_t index, net::TransferResult result);
  Result<Completion> DecodeResponse(const AttemptState& attempt, const HttpResponse& response);
  void Evaluate();
  void StageEnded(bool any_success);
  void Accept(Decision decision);
  // Cross-validation and escalation (request_review.cpp).
  void StartVerification(Decision decision);
  void OnVerifierResult(const Result<Completion>& result);
  void Escalate(std::string why);
  void StopAttempt(AttemptState& attempt, const Error& why);
  void StopRunningAttempts(const Error& why);
  void OnDeadline();
  void Finish(Result<Response> outcome);
  Response BuildResponse(std::size_t chosen_attempt, Decision&& decision);
  // Observer events; call only when host_.observing().
  ObserverEvent NewEvent(EventKind kind) const;
  ObserverEvent AttemptEvent(EventKind kind, const AttemptState& attempt) const;
  std::size_t IndexOf(const AttemptState& attempt) const;
  void NoteAttemptFinished(const AttemptState& attempt);
  void PublishFinished(const Result<Response>& outcome, const Usage& usage, double cost_usd);
  Error AllFailedError() const;
  std::chrono::microseconds Elapsed() const;
  void CancelAttemptTimers(AttemptState& attempt);

  // Streaming (request_stream.cpp).
  bool streaming() const noexcept { return static_cast<bool>(on_event_); }
  void StartStreamTimers(std::size_t index);
  void RearmIdleTimer(std::size_t index);
  void OnStreamBytes(std::size_t index, std::string_view bytes);
  void FailAttempt(std::size_t index, Error error);
  void Commit(std::size_t index);
  void Deliver(std::size_t index, StreamEvent event);
  void Emit(const StreamEvent& event);
  void EmitWhole(std::size_t index, const Completion& completion);
  Result<Completion> FinishStream(std::size_t index);

  RequestHost& host_;
  const std::uint64_t id_;
  Query query_;
  std::string trace_id_;  // QueryContext::trace_id, or generated by Start()
  ResponseCallback done_;
  StreamEventCallback on_event_;
  std::shared_ptr<detail::RequestControl> control_;
  std::shared_ptr<const RegistrySnapshot> registry_;
  std::shared_ptr<RoutingStrategy> routing_;
  std::shared_ptr<const ConsensusRule> consensus_;

  // The models this query may use: the registry's catalog, or a filtered copy when the query
  // restricts them (QueryContext::models).
  std::optional<ModelCatalog> filtered_models_;
  const ModelCatalog* eligible_ = nullptr;

  QueryFeatures features_;
  RoutePlan plan_;
  net::Clock::time_point started_;
  net::Clock::time_point deadline_;
  net::TimerId deadline_timer_ = 0;
  // Every model open: the time the first circuit turns half-open, when the host asked to wait
  // for it (BreakerPolicy::wait_for_half_open).
  std::optional<net::Clock::time_point> route_again_at_;
  net::TimerId route_timer_ = 0;
  std::vector<AttemptState> attempts_;

  // The stage being run.
  std::size_t stage_ = 0;
  std::size_t stage_first_attempt_ = 0;  // index into attempts_
  std::size_t stage_started_ = 0;        // attempts of this stage started so far
  net::TimerId stagger_timer_ = 0;
  net::TimerId stage_timer_ = 0;
  std::vector<Slot> slots_;
  std::vector<Candidate> candidates_;           // in arrival order
  std::vector<std::size_t> candidate_attempt_;  // candidates_[i] came from attempts_[this[i]]
  Decision last_decision_;                      // the stage rule's latest verdict

  // Cross-validation of an accepted answer (PlanStage::verifiers).
  Query verify_query_;
  std::optional<Decision> pending_;  // accepted by the rule, awaiting the verifiers
  std::size_t verifiers_pending_ = 0;
  std::size_t verifiers_yes_ = 0;
  std::size_t verifiers_no_ = 0;

  // Escalation to a human (OrchestratorOptions::escalation).
  bool escalated_ = false;

  // Streaming: the attempt that produced the first content, once one has.
  std::optional<std::size_t> committed_;
  std::vector<StreamEvent> decoded_;  // scratch for one Feed

  bool finished_ = false;
};

}  // namespace internal
}  // namespace prsm

#endif  // PRSM_REQUEST_H_
