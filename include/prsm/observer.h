// prsm/observer.h — watching what the orchestrator does, one event at a time.
//
// A host registers observers in OrchestratorOptions::observers. The orchestrator then reports
// every step of every request as an `ObserverEvent`: the route, each attempt's start and end,
// retries, hedges, circuit changes, the consensus, escalations, budget refusals and the end of
// the request. Without observers no event is even built.
//
// Threading: events are made on the loop thread and queued (bounded by
// OrchestratorOptions::observer_queue_capacity); a dedicated observer thread, started only when
// there are observers, hands them to each observer in registration order. Observers are
// therefore NEVER called on the loop thread, and a slow observer never delays a request: when
// the queue is full, new events are dropped and counted (OrchestratorStats::
// observer_events_dropped, the metric prsm_observer_events_dropped_total). Events of one request
// arrive in the order they happened; kRequestFinished is its last. OnEvent is called from one
// thread at a time, so an observer needs no locking for its own state, but the host reading that
// state from other threads does.
//
// Lifetime: observers are shared and kept until the orchestrator is destroyed. Destruction
// delivers every event still queued (the kRequestFinished of the requests it cancels included)
// before it returns; observers must not destroy the orchestrator.
//
// Errors: an observer that throws has the exception swallowed (and logged); the others still
// get the event.
//
// **Example**: examples/observability.cpp; docs/OBSERVABILITY.md.
#ifndef PRSM_OBSERVER_H_
#define PRSM_OBSERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "prsm/export.h"
#include "prsm/resilience.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm {

/// What happened. The fields of ObserverEvent each kind fills are listed with it.
enum class EventKind : std::uint8_t {
  /// The routing strategy planned the query: `route` (strategy, stages, explanation).
  kRouteDecided,
  /// An attempt was made (it may still wait for a rate limit, or be refused by a breaker or a
  /// budget, which its kAttemptFinished tells): model, provider, stage, attempt_index, span_id,
  /// `retry` (0 = first try), `hedge`.
  kAttemptStarted,
  /// An attempt ended: the kAttemptStarted fields plus outcome, error (failed or cancelled),
  /// usage, cost_usd, latency.
  kAttemptFinished,
  /// A failed attempt will be retried after `delay`: model, provider, stage, attempt_index
  /// (the failed attempt), error (why), retry (the number of the coming retry).
  kRetryScheduled,
  /// A hedge of a slow attempt is being sent: model, provider, stage, attempt_index (the
  /// hedge's index; its own kAttemptStarted follows).
  kHedgeStarted,
  /// A circuit breaker changed state: `circuit`; model = the breaker's name; request_id 0.
  kCircuitChanged,
  /// The request has an answer: `consensus`, model (the chosen answer's), stage.
  kConsensusReached,
  /// No rule accepted an answer and the request went to the EscalationHandler: stage, error
  /// (kNoConsensus, saying why).
  kEscalated,
  /// An attempt was not sent because it did not fit a budget: model, provider, attempt_index,
  /// error (kBudgetExceeded; the message says which budget).
  kBudgetExhausted,
  /// The request completed; its last event: error (when it failed), model (the answer's),
  /// usage, cost_usd (every attempt), latency (from Submit), attempt_index = attempts made.
  kRequestFinished,
};

/// "route_decided", "attempt_started", ... (the enumerator's name in snake case).
PRSM_EXPORT std::string_view ToString(EventKind kind) noexcept;

/// One event. Fields a kind does not use keep their defaults (see EventKind).
struct ObserverEvent {
  /// What happened; it says which of the fields below are set.
  EventKind kind = EventKind::kRequestFinished;
  /// When it happened (wall clock).
  std::chrono::system_clock::time_point time;
  /// The request (as in Response::request_id); 0 for kCircuitChanged.
  std::uint64_t request_id = 0;
  /// The request's trace id (QueryContext::trace_id, or the one generated); 32 hex digits.
  std::string trace_id;
  /// The attempt's span id (Attempt::span_id), for attempt events; 16 hex digits.
  std::string span_id;
  /// The registered model name (attempt, retry, hedge and budget events; the answering
  /// model for kRequestFinished and kConsensusReached).
  std::string model;
  /// The provider id of `model`.
  std::string provider;
  /// The plan stage the attempt belongs to (PlanStage index).
  std::size_t stage = 0;
  /// Index of the attempt in Response::attempts (their start order).
  std::size_t attempt_index = 0;
  /// Attempt events: 0 for a first try, n for the n-th retry.
  int retry = 0;
  /// Attempt events: the attempt is a hedge.
  bool hedge = false;
  /// kAttemptFinished.
  std::optional<Attempt::Outcome> outcome;
  /// kAttemptFinished (failed or cancelled), kBudgetExhausted, kEscalated (kNoConsensus and
  /// why), kRequestFinished on failure.
  std::optional<Error> error;
  /// kAttemptFinished: the attempt's tokens; kRequestFinished: the request's.
  Usage usage;
  /// kAttemptFinished: the attempt's cost; kRequestFinished: the request's.
  double cost_usd = 0.0;
  /// kAttemptFinished: the attempt's latency; kRequestFinished: the request's.
  std::chrono::microseconds latency{0};
  /// kRetryScheduled: the backoff before the retry.
  std::chrono::milliseconds delay{0};
  /// kRouteDecided: the plan and why.
  std::optional<RouteReport> route;
  /// kConsensusReached: how the answers agreed.
  std::optional<ConsensusReport> consensus;
  /// kCircuitChanged: which breaker, from and to which state, and why.
  std::optional<CircuitEvent> circuit;
};

/// Receives events on the observer thread (see the file comment). Implement OnEvent.
class PRSM_EXPORT Observer {
 public:
  virtual ~Observer();
  /// Called once per event, in order, never on the loop thread. May block (only the observer
  /// thread waits, and events beyond the queue's capacity are dropped), may not destroy the
  /// orchestrator.
  virtual void OnEvent(const ObserverEvent& event) = 0;
};

}  // namespace prsm

#endif  // PRSM_OBSERVER_H_
