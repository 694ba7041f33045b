// The orchestrator's spending cap over a sliding window (OrchestratorOptions::budget).
//
// Before an attempt is sent its worst-case cost is reserved; when it ends the reservation is
// settled at the real cost. An attempt fits when what was spent in the window, plus what is
// reserved by attempts still running, plus its own worst case stays within the cap: so
// concurrent attempts can never overspend together, whatever they turn out to cost.
//
// Thread safety: none; the orchestrator's loop thread owns it. Errors: none (TryReserve says
// no).
#ifndef PRSM_COST_BUDGET_LEDGER_H_
#define PRSM_COST_BUDGET_LEDGER_H_

#include <chrono>
#include <deque>
#include <utility>

#include "prsm/orchestrator.h"

namespace prsm::internal {

class BudgetLedger {
 public:
  using Clock = std::chrono::steady_clock;

  explicit BudgetLedger(Budget budget) : budget_(budget) {}

  /// False when the orchestrator has no cap (every reservation then succeeds).
  bool enabled() const noexcept { return budget_.usd.has_value(); }
  double cap_usd() const noexcept { return budget_.usd.value_or(0.0); }

  /// Reserves `usd` if it fits under the cap; true when reserved (always without a cap).
  bool TryReserve(double usd, Clock::time_point now);
  /// Ends a reservation of `reserved` USD that really cost `actual` USD.
  void Settle(double reserved, double actual, Clock::time_point now);

  /// Spent within the window ending `now` (not counting reservations).
  double WindowSpent(Clock::time_point now);
  /// Reserved by attempts still running.
  double reserved_usd() const noexcept { return reserved_; }

 private:
  void Forget(Clock::time_point now);

  Budget budget_;
  std::deque<std::pair<Clock::time_point, double>> spent_;  // oldest first
  double window_sum_ = 0.0;
  double reserved_ = 0.0;
};

}  // namespace prsm::internal

#endif  // PRSM_COST_BUDGET_LEDGER_H_
