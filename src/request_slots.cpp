// The resilient half of Request: a stage's slots (one per planned model), retries with
// backoff on the loop's timers, hedged attempts, stage deadlines, and planning around open
// circuits. See prsm/resilience.h for the contract and request.h for the state machine.
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "request.h"
#include "resilience/policies.h"

namespace prsm::internal {

using std::chrono::milliseconds;

const RetryPolicy& Request::RetryPolicyFor(const ModelSpec& spec) const {
  if (query_.context.retry) return *query_.context.retry;
  if (spec.resilience.retry) return *spec.resilience.retry;
  return host_.options().retry;
}

void Request::NoteAttemptEnd(AttemptState& attempt) {
  ResilienceState& resilience = host_.resilience();
  const auto now = net::Clock::now();
  const Attempt& record = attempt.record;
  if (attempt.launched) {
    const ModelSpec& spec = *attempt.spec;
    resilience.OnAttemptEnded(spec, attempt.pass, record, now);
    const bool answered = record.outcome == Attempt::Outcome::kSucceeded;
    resilience.SettleTokens(spec, attempt.tokens_taken,
                            answered ? static_cast<double>(record.usage.total_tokens()) : 0.0, now);
    attempt.tokens_taken = 0.0;
    if (answered && !streaming()) resilience.RecordLatency(spec.name, false, record.latency);
    const bool throttled = record.error && (record.error->code() == ErrorCode::kResourceExhausted ||
                                            record.error->code() == ErrorCode::kUnavailable);
    if (record.outcome == Attempt::Outcome::kFailed && throttled && record.error->retry_after()) {
      // The server said when to come back: no attempt of this model, from any request, goes
      // before then (within reason: max_retry_after).
      const milliseconds after =
          std::min(*record.error->retry_after(), RetryPolicyFor(spec).max_retry_after);
      resilience.NoteRetryAfter(spec, now + after);
    }
  }
  if (attempt.holds_retry_budget) {
    resilience.EndRetry();
    attempt.holds_retry_budget = false;
  }
}

void Request::OnSlotAttemptEnded(std::size_t index, Result<Completion> result) {
  const AttemptState& attempt = attempts_[index];
  const std::size_t slot = attempt.role.slot;
  if (slot >= slots_.size() || slots_[slot].resolved) return;
  if (result) {
    ResolveSlot(slot, index, std::move(result));
    return;
  }
  // A hedge of the same model still runs: it may yet answer for the slot.
  if (SlotRunning(slot)) return;
  if (ScheduleRetry(slot, attempt, result.error())) return;
  ResolveSlot(slot, index, std::move(result));
}

void Request::ResolveSlot(std::size_t slot, std::size_t index, Result<Completion> result) {
  Slot& resolved = slots_[slot];
  resolved.resolved = true;
  CancelSlotTimers(resolved);
  const Error lost(
      ErrorCode::kCancelled,
      fmt::format("not needed: another attempt of '{}' answered first (a hedge)", resolved.model));
  for (std::size_t i = stage_first_attempt_; i < attempts_.size(); ++i) {
    if (i != index && attempts_[i].role.slot == slot) StopAttempt(attempts_[i], lost);
  }
  candidates_.push_back(MakeCandidate(attempts_[index], std::move(result)));
  candidate_attempt_.push_back(index);
  Evaluate();
}

bool Request::SlotRunning(std::size_t slot) const {
  return std::any_of(
      attempts_.begin() + static_cast<std::ptrdiff_t>(stage_first_attempt_), attempts_.end(),
      [slot](const AttemptState& attempt) { return attempt.running && attempt.role.slot == slot; });
}

bool Request::FallbackWouldRun(std::size_t slot) const {
  const bool later_on_failure = std::any_of(
      plan_.stages.begin() + static_cast<std::ptrdiff_t>(stage_) + 1, plan_.stages.end(),
      [](const PlanStage& stage) { return stage.trigger != StageTrigger::kOnRejection; });
  if (!later_on_failure) return false;
  // The stage fails only if no other slot has answered or can still answer.
  const bool any_success = std::any_of(candidates_.begin(), candidates_.end(),
                                       [](const Candidate& c) { return c.result.has_value(); });
  if (any_success) return false;
  for (std::size_t other = 0; other < slots_.size(); ++other) {
    if (other != slot && !slots_[other].resolved) return false;
  }
  return true;
}

bool Request::AnyRetryPending() const {
  return std::any_of(slots_.begin(), slots_.end(),
                     [](const Slot& slot) { return slot.retry_timer != 0; });
}

bool Request::ScheduleRetry(std::size_t slot, const AttemptState& attempt, const Error& error) {
  if (attempt.no_retry || finished_ || (streaming() && committed_)) return false;
  const ModelSpec& spec = *attempt.spec;
  const RetryPolicy& policy = RetryPolicyFor(spec);
  Slot& pending = slots_[slot];
  if (pending.retries >= policy.max_retries || !IsRetryable(policy, error)) return false;
  ResilienceState& resilience = host_.resilience();
  if (!policy.retry_before_fallback && FallbackWouldRun(slot)) return false;
  // This failure may have opened the circuit: a retry would only be refused.
  if (resilience.IsOpen(spec, net::Clock::now())) return false;
  milliseconds delay = FullJitterBackoff(policy, pending.retries + 1, resilience.random());
  if (const auto& after = error.retry_after()) {
    if (*after > policy.max_retry_after) return false;  // not worth waiting for
    delay = std::max(delay, *after);
  }
  // No retry that cannot finish: it must start with time left for a typical answer.
  milliseconds expected = spec.typical_latency;
  if (auto it = host_.model_stats().find(spec.name);
      it != host_.model_stats().end() && it->second.latency_ewma_ms > 0) {
    expected = std::max(expected, milliseconds(static_cast<long long>(it->second.latency_ewma_ms)));
  }
  const auto now = net::Clock::now();
  if (now + delay + expected >= deadline_) return false;
  if (!resilience.TryBeginRetry(host_.requests_in_flight())) {
    host_.RecordResilience(RequestHost::ResilienceEvent::kRetryRefused);
    host_.executor().Log(LogLevel::kWarning,
                         fmt::format("request {}: no retry of '{}' after {}: the retry budget "
                                     "(OrchestratorOptions::retry_budget) is spent",
                                     id_, spec.name, ToString(error.code())));
    return false;
  }
  host_.RecordResilience(RequestHost::ResilienceEvent::kRetry);
  ++pending.retries;
  pending.retry_budget = true;
  const int number = pending.retries;
  if (host_.logger().Enabled(LogLevel::kInfo)) {
    host_.logger().Log(
        LogLevel::kInfo,
        fmt::format("request {}: retry {} of {} of '{}' in {} ms after {}", id_, number,
                    policy.max_retries, spec.name, delay.count(), ToString(error.code())),
        {{"request_id", std::to_string(id_)},
         {"trace_id", trace_id_},
         {"model", spec.name},
         {"provider", spec.provider},
         {"retry", std::to_string(number)},
         {"delay_ms", std::to_string(delay.count())},
         {"error_code", std::string(ToString(error.code()))}});
  }
  if (host_.observing()) {
    ObserverEvent event = AttemptEvent(EventKind::kRetryScheduled, attempt);
    event.retry = number;
    event.hedge = false;
    event.delay = delay;
    event.error = error;
    host_.Publish(std::move(event));
  }
  pending.retry_timer = host_.executor().AddTimer(now + delay, [this, slot, number] {
    Slot& due = slots_[slot];
    due.retry_timer = 0;
    due.retry_budget = false;  // handed over to the retry attempt
    StartAttempt(due.model, false, AttemptRole{slot, number, false});
  });
  return true;
}

void Request::ScheduleHedge(std::size_t slot, const AttemptState& attempt) {
  const auto delay = host_.resilience().HedgeDelay(attempt.spec->name, streaming());
  if (!delay) return;
  Slot& hedged = slots_[slot];
  if (hedged.hedge_timer != 0) host_.executor().CancelTimer(hedged.hedge_timer);
  hedged.hedge_timer = host_.executor().AddTimer(net::Clock::now() + *delay, [this, slot] {
    Slot& due = slots_[slot];
    due.hedge_timer = 0;
    // Only while the first try is still the slot's one hope.
    if (finished_ || due.resolved || committed_ || pending_ || due.retry_timer != 0 ||
        !SlotRunning(slot)) {
      return;
    }
    if (!host_.resilience().TryTakeHedge()) return;  // the hedge share is spent
    host_.RecordResilience(RequestHost::ResilienceEvent::kHedge);
    if (host_.observing()) {
      ObserverEvent event = NewEvent(EventKind::kHedgeStarted);
      const ModelSpec& spec = *eligible_->Find(due.model);
      event.model = spec.name;
      event.provider = spec.provider;
      event.attempt_index = attempts_.size();  // the hedge's own index
      event.hedge = true;
      host_.Publish(std::move(event));
    }
    StartAttempt(due.model, false, AttemptRole{slot, 0, true});
  });
}

void Request::CancelSlotTimers(Slot& slot) {
  for (net::TimerId* timer : {&slot.retry_timer, &slot.hedge_timer}) {
    if (*timer != 0) host_.executor().CancelTimer(*timer);
    *timer = 0;
  }
  if (slot.retry_budget) {
    host_.resilience().EndRetry();
    slot.retry_budget = false;
  }
}

void Request::CancelStageTimers() {
  for (net::TimerId* timer : {&stagger_timer_, &stage_timer_}) {
    if (*timer != 0) host_.executor().CancelTimer(*timer);
    *timer = 0;
  }
  for (Slot& slot : slots_) CancelSlotTimers(slot);
}

void Request::OnStageTimeout() {
  if (finished_ || pending_) return;
  const PlanStage& plan = plan_.stages[stage_];
  const Error timeout(ErrorCode::kDeadlineExceeded,
                      fmt::format("stage {} did not decide within its timeout of {} ms", stage_,
                                  plan.timeout.count()));
  stage_started_ = plan.models.size();  // no staggered attempt starts any more
  if (stagger_timer_ != 0) host_.executor().CancelTimer(stagger_timer_);
  stagger_timer_ = 0;
  for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
    Slot& late = slots_[slot];
    if (late.resolved) continue;
    late.resolved = true;
    CancelSlotTimers(late);
    for (std::size_t i = stage_first_attempt_; i < attempts_.size(); ++i) {
      if (attempts_[i].role.slot == slot) StopAttempt(attempts_[i], timeout);
    }
    const ModelSpec& spec = *eligible_->Find(late.model);
    Error error = timeout;
    error.WithModel(spec.name).WithProvider(spec.provider);
    candidates_.push_back(Candidate{spec.name, std::move(error), features_.domain,
                                    PriorQuality(spec, features_), std::nullopt});
    candidate_attempt_.push_back(kNoSlot);  // a failure is never chosen
  }
  Evaluate();
}

Result<void> Request::SkipOpenCircuits() {
  if (!host_.options().breaker.enabled) return {};
  const ResilienceState& resilience = host_.resilience();
  const auto now = net::Clock::now();
  std::vector<const ModelSpec*> healthy;
  std::vector<const ModelSpec*> open;
  for (const ModelSpec& spec : eligible_->models()) {
    (resilience.IsOpen(spec, now) ? open : healthy).push_back(&spec);
  }
  if (open.empty()) return {};
  if (healthy.empty()) {
    auto earliest = net::Clock::time_point::max();
    std::string names;
    for (const ModelSpec* spec : open) {
      const auto at = resilience.ReopensAt(*spec);
      earliest = std::min(earliest, at);
      names += fmt::format("{}'{}' (half-open in {} ms)", names.empty() ? "" : ", ", spec->name,
                           std::chrono::ceil<milliseconds>(at - now).count());
    }
    if (host_.options().breaker.wait_for_half_open && earliest < deadline_) {
      route_again_at_ = earliest;
      return Error(ErrorCode::kUnavailable, "waiting for a half-open circuit");
    }
    return Error(ErrorCode::kUnavailable,
                 fmt::format("every model this query may use has an open circuit: {}", names))
        .WithRetryAfter(std::chrono::ceil<milliseconds>(
            std::max(earliest - now, net::Clock::duration::zero())));
  }
  // Copies first: the specs may live in the catalog being replaced.
  ModelCatalog catalog;
  for (const ModelSpec* spec : healthy) (void)catalog.Add(*spec);
  filtered_models_ = std::move(catalog);
  eligible_ = &*filtered_models_;
  return {};
}

}  // namespace prsm::internal
