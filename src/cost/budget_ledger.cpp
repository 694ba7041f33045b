#include "cost/budget_ledger.h"

#include <algorithm>

namespace prsm::internal {

bool BudgetLedger::TryReserve(double usd, Clock::time_point now) {
  if (!enabled()) return true;
  // A hair of tolerance so that a budget of exactly n calls' worst case admits n calls despite
  // rounding in the sums.
  constexpr double kTolerance = 1e-12;
  if (WindowSpent(now) + reserved_ + usd > *budget_.usd + kTolerance) return false;
  reserved_ += usd;
  return true;
}

void BudgetLedger::Settle(double reserved, double actual, Clock::time_point now) {
  if (!enabled()) return;
  reserved_ = std::max(0.0, reserved_ - reserved);
  if (actual > 0.0) {
    spent_.emplace_back(now, actual);
    window_sum_ += actual;
  }
  Forget(now);
}

double BudgetLedger::WindowSpent(Clock::time_point now) {
  Forget(now);
  return window_sum_;
}

void BudgetLedger::Forget(Clock::time_point now) {
  while (!spent_.empty() && spent_.front().first + budget_.window <= now) {
    window_sum_ -= spent_.front().second;
    spent_.pop_front();
  }
  // Subtracting what was added can leave a rounding residue; an empty window spent nothing.
  window_sum_ = spent_.empty() ? 0.0 : std::max(0.0, window_sum_);
}

}  // namespace prsm::internal
