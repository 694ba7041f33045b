#include "prsm/observer.h"

namespace prsm {

Observer::~Observer() = default;

std::string_view ToString(EventKind kind) noexcept {
  switch (kind) {
    case EventKind::kRouteDecided:
      return "route_decided";
    case EventKind::kAttemptStarted:
      return "attempt_started";
    case EventKind::kAttemptFinished:
      return "attempt_finished";
    case EventKind::kRetryScheduled:
      return "retry_scheduled";
    case EventKind::kHedgeStarted:
      return "hedge_started";
    case EventKind::kCircuitChanged:
      return "circuit_changed";
    case EventKind::kConsensusReached:
      return "consensus_reached";
    case EventKind::kEscalated:
      return "escalated";
    case EventKind::kBudgetExhausted:
      return "budget_exhausted";
    case EventKind::kRequestFinished:
      return "request_finished";
  }
  return "unknown";
}

}  // namespace prsm
