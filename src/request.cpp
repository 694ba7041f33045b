#include "request.h"

#include <algorithm>
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "net/error_map.h"
#include "net/retry_after.h"
#include "observe/trace_id.h"

namespace prsm {

bool detail::RequestControl::Cancel() {
  if (done()) return false;
  return queue_->Post([cancel = cancel_, id = id_] { cancel(id); });
}

namespace internal {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::milliseconds;

// Names a plug-in call for error messages; formatted only if the call throws.
struct PluginCall {
  const char* kind;  // "provider", "routing strategy", "consensus rule"
  std::string_view name;
  const char* method;
};

// Runs plug-in code; an exception becomes a kInternal error naming the plug-in, never a crash.
template <typename T, typename F>
Result<T> CallPlugin(const PluginCall& call, F&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal,
                 fmt::format("{} '{}' {} threw: {}", call.kind, call.name, call.method, e.what()));
  } catch (...) {
    return Error(ErrorCode::kInternal, fmt::format("{} '{}' {} threw a non-standard exception",
                                                   call.kind, call.name, call.method));
  }
}

std::string DescribeShort(const Error& error) {
  std::string out(ToString(error.code()));
  if (error.http_status()) out += fmt::format(" (HTTP {})", *error.http_status());
  return out;
}

std::optional<milliseconds> RetryAfterOf(const HttpResponse& response) {
  // retry-after-ms (OpenAI, Azure) is the more precise of the two when both are sent.
  if (auto ms = net::ParseRetryAfterMs(response.Header("retry-after-ms"))) return ms;
  return net::ParseRetryAfter(response.Header("retry-after"), std::chrono::system_clock::now());
}

}  // namespace

Request::Request(RequestHost& host, std::uint64_t id, Query query, ResponseCallback done,
                 StreamEventCallback on_event, std::shared_ptr<detail::RequestControl> control,
                 std::shared_ptr<const RegistrySnapshot> registry,
                 std::shared_ptr<RoutingStrategy> routing,
                 std::shared_ptr<const ConsensusRule> consensus)
    : host_(host),
      id_(id),
      query_(std::move(query)),
      done_(std::move(done)),
      on_event_(std::move(on_event)),
      control_(std::move(control)),
      registry_(std::move(registry)),
      routing_(std::move(routing)),
      consensus_(std::move(consensus)),
      started_(net::Clock::now()) {}

std::chrono::microseconds Request::Elapsed() const {
  return duration_cast<microseconds>(net::Clock::now() - started_);
}

void Request::Start() {
  if (query_.context.trace_id.empty()) {
    trace_id_ = NewTraceId();
  } else if (IsValidTraceId(query_.context.trace_id)) {
    trace_id_ = query_.context.trace_id;
  } else {
    trace_id_ = NewTraceId();  // the events of this failed request still need one
    Finish(Error(ErrorCode::kInvalidArgument,
                 fmt::format("QueryContext::trace_id must be 32 lowercase hex digits, not all "
                             "zero (a W3C trace id); got '{}'",
                             query_.context.trace_id.substr(0, 64))));
    return;
  }
  const milliseconds timeout = query_.context.timeout.value_or(host_.options().request_timeout);
  if (timeout.count() <= 0) {
    Finish(Error(ErrorCode::kInvalidArgument,
                 fmt::format("the request timeout must be positive, not {} ms", timeout.count())));
    return;
  }
  deadline_ = started_ + timeout;
  if (streaming()) {
    query_.request.stream = true;
    // A stream cannot wait for a vote: the first attempt to produce content wins.
    static const std::shared_ptr<const ConsensusRule> kFirstContentWins = MakeFirstSuccessRule();
    consensus_ = kFirstContentWins;
  }
  if (const auto& retry = query_.context.retry) {
    if (auto valid = ValidateRetryPolicy(*retry, "QueryContext::retry"); !valid) {
      Finish(std::move(valid).error());
      return;
    }
  }
  deadline_timer_ = host_.executor().AddTimer(deadline_, [this] { OnDeadline(); });
  Route();
}

void Request::Route() {
  route_again_at_.reset();
  if (auto routed = PrepareRoute(); !routed) {
    if (route_again_at_) {
      // Every model's circuit is open and the host asked to wait for the first half-open.
      route_timer_ = host_.executor().AddTimer(*route_again_at_, [this] {
        route_timer_ = 0;
        Route();
      });
      return;
    }
    Finish(std::move(routed).error());
    return;
  }
  if (host_.observing()) {
    ObserverEvent event = NewEvent(EventKind::kRouteDecided);
    RouteReport route;
    route.strategy = std::string(routing_->name());
    route.explanation = plan_.explanation;
    for (const PlanStage& stage : plan_.stages) route.stages.push_back(stage.models);
    event.route = std::move(route);
    host_.Publish(std::move(event));
  }
  StartStage(0);
}

Result<void> Request::PrepareRoute() {
  if (query_.request.messages.empty()) {
    return Error(ErrorCode::kInvalidArgument, "the query has no messages");
  }
  if (registry_->models.empty()) {
    return Error(ErrorCode::kFailedPrecondition,
                 "no models are registered; call AddModel() before submitting queries");
  }
  eligible_ = &registry_->models;
  if (!query_.context.models.empty()) {
    // The query's own order is its preference order.
    filtered_models_.emplace();
    for (const std::string& name : query_.context.models) {
      const ModelSpec* spec = registry_->models.Find(name);
      if (spec == nullptr) {
        return Error(ErrorCode::kNotFound,
                     fmt::format("QueryContext::models names '{}', which is not registered", name))
            .WithModel(name);
      }
      if (filtered_models_->Find(name) == nullptr) (void)filtered_models_->Add(*spec);
    }
    eligible_ = &*filtered_models_;
  }
  if (auto healthy = SkipOpenCircuits(); !healthy) return healthy;

  features_ = AnalyzeQuery(query_);
  const RoutingContext context{*eligible_, host_.model_stats(), features_};
  auto plan = CallPlugin<RoutePlan>({"routing strategy", routing_->name(), "Plan"},
                                    [&] { return routing_->Plan(query_, context); });
  if (!plan) return std::move(plan).error();
  plan_ = std::move(*plan);
  std::size_t planned_attempts = 0;
  for (const PlanStage& stage : plan_.stages) {
    planned_attempts += stage.models.size() + stage.verifiers.size();
  }
  attempts_.reserve(planned_attempts * 2);  // room for a retry or hedge each, usually
  if (plan_.stages.empty()) {
    return Error(ErrorCode::kInternal,
                 fmt::format("routing strategy '{}' returned an empty plan", routing_->name()));
  }
  for (std::size_t s = 0; s < plan_.stages.size(); ++s) {
    if (plan_.stages[s].models.empty()) {
      return Error(ErrorCode::kInternal, fmt::format("routing strategy '{}' planned stage {} "
                                                     "with no models",
                                                     routing_->name(), s));
    }
    if (plan_.stages[s].stagger.count() < 0) {
      return Error(
          ErrorCode::kInternal,
          fmt::format("routing strategy '{}' planned a negative stagger", routing_->name()));
    }
    const PlanStage& stage = plan_.stages[s];
    if (!(stage.verify_threshold >= 0.0 && stage.verify_threshold <= 1.0)) {
      return Error(ErrorCode::kInternal,
                   fmt::format("routing strategy '{}' planned stage {} with verify_threshold {}, "
                               "outside [0, 1]",
                               routing_->name(), s, stage.verify_threshold));
    }
    std::vector<std::string> names = stage.models;
    names.insert(names.end(), stage.verifiers.begin(), stage.verifiers.end());
    for (const std::string& name : names) {
      if (eligible_->Find(name) == nullptr) {
        return Error(ErrorCode::kInternal,
                     fmt::format("routing strategy '{}' planned model '{}', which this query may "
                                 "not use",
                                 routing_->name(), name))
            .WithModel(name);
      }
    }
  }
  return {};
}

void Request::StartStage(std::size_t stage) {
  stage_ = stage;
  stage_first_attempt_ = attempts_.size();
  stage_started_ = 0;
  candidates_.clear();
  candidate_attempt_.clear();
  const PlanStage& plan = plan_.stages[stage];
  candidates_.reserve(plan.models.size());
  candidate_attempt_.reserve(plan.models.size());
  slots_.clear();
  for (const std::string& model : plan.models) slots_.push_back(Slot{model, 0, false, false, 0, 0});
  if (plan.timeout.count() > 0) {
    stage_timer_ = host_.executor().AddTimer(net::Clock::now() + plan.timeout, [this] {
      stage_timer_ = 0;
      OnStageTimeout();
    });
  }
  if (plan.stagger.count() == 0) {
    for (std::size_t i = 0; i < plan.models.size() && !finished_; ++i) StartNextAttemptOfStage();
    return;
  }
  StartNextAttemptOfStage();
}

void Request::StartNextAttemptOfStage() {
  const PlanStage& plan = plan_.stages[stage_];
  if (finished_ || stage_started_ >= plan.models.size()) return;
  const std::size_t slot = stage_started_++;
  const std::string& model = plan.models[slot];
  if (plan.stagger.count() > 0 && stage_started_ < plan.models.size()) {
    // Hedging: the next attempt starts after `stagger` unless the stage decides first.
    host_.executor().CancelTimer(stagger_timer_);
    stagger_timer_ = host_.executor().AddTimer(net::Clock::now() + plan.stagger, [this] {
      stagger_timer_ = 0;
      StartNextAttemptOfStage();
    });
  }
  StartAttempt(model, false, AttemptRole{slot, 0, false});
}

void Request::StartAttempt(const std::string& model, bool verifier, AttemptRole role) {
  const std::size_t index = attempts_.size();
  AttemptState& attempt = attempts_.emplace_back();
  attempt.verifier = verifier;
  attempt.role = role;
  attempt.holds_retry_budget = role.retry > 0;
  attempt.spec = eligible_->Find(model);
  attempt.provider = registry_->ProviderFor(*attempt.spec);
  attempt.started = net::Clock::now();
  attempt.running = true;
  attempt.record.model = attempt.spec->name;
  attempt.record.provider = attempt.spec->provider;
  attempt.record.stage = stage_;
  attempt.record.started_after = Elapsed();
  attempt.record.span_id = NewSpanId();
  host_.RecordAttemptStarted(attempt.spec->name);
  if (host_.observing()) host_.Publish(AttemptEvent(EventKind::kAttemptStarted, attempt));
  Launch(index);
}

void Request::Launch(std::size_t index) {
  AttemptState& attempt = attempts_[index];
  const ModelSpec& spec = *attempt.spec;
  const auto now = net::Clock::now();
  // Rounded up: a timeout cut to the millisecond below could end the attempt, and with it the
  // request, a fraction of a millisecond before the request's own deadline.
  const auto left = std::chrono::ceil<milliseconds>(deadline_ - now);
  const milliseconds timeout = std::min(host_.options().attempt_timeout, left);
  if (timeout.count() <= 0) {
    // No time left to try: the deadline timer is due and will finish the request.
    host_.PostAttemptResult(id_, index,
                            Error(ErrorCode::kDeadlineExceeded,
                                  "no time left in the request deadline to start this attempt"));
    return;
  }
  ResilienceState& resilience = host_.resilience();
  std::string why;
  // Estimated only where a tokens-per-minute limit will count them: this runs for every attempt.
  const double tokens =
      resilience.LimitsTokens(spec) ? EstimateRequestTokens(QueryFor(attempt).request) : 0.0;
  if (const auto wait = resilience.Acquire(spec, tokens, now, &why); wait.count() > 0) {
    const auto wait_ms = std::chrono::ceil<milliseconds>(wait);
    if (!attempt.rate_limited) {
      attempt.rate_limited = true;
      host_.RecordResilience(RequestHost::ResilienceEvent::kRateLimited);
    }
    if (FailsFastOnLimit(spec) || now + wait >= deadline_) {
      attempt.no_retry = true;
      host_.PostAttemptResult(
          id_, index,
          Error(ErrorCode::kResourceExhausted,
                fmt::format("not sent: {}; {}", why,
                            FailsFastOnLimit(spec)
                                ? "the limit is set to fail rather than wait"
                                : fmt::format("waiting {} ms would pass the request's deadline",
                                              wait_ms.count())))
              .WithRetryAfter(wait_ms)
              .WithModel(spec.name)
              .WithProvider(spec.provider));
      return;
    }
    attempt.wait_timer = host_.executor().AddTimer(now + wait, [this, index] {
      attempts_[index].wait_timer = 0;
      Launch(index);
    });
    return;
  }
  attempt.tokens_taken = tokens;
  auto pass = resilience.Admit(spec, now);
  if (!pass) {
    resilience.SettleTokens(spec, attempt.tokens_taken, 0.0, now);
    attempt.tokens_taken = 0.0;
    attempt.no_retry = true;
    host_.RecordResilience(RequestHost::ResilienceEvent::kCircuitRejection);
    host_.PostAttemptResult(id_, index, std::move(pass).error());
    return;
  }
  attempt.pass = *pass;
  attempt.launched = true;
  attempt.started = now;
  // From the same instant as `started`, so started_after + latency is exactly when it ended.
  attempt.record.started_after = duration_cast<microseconds>(now - started_);
  if (auto refused = ReserveBudget(attempt)) {
    host_.PostAttemptResult(id_, index, std::move(*refused));
    return;
  }
  if (attempt.role.slot != kNoSlot && attempt.role.retry == 0 && !attempt.role.hedge) {
    resilience.EarnHedge();
    ScheduleHedge(attempt.role.slot, attempt);
  }
  // One CompletionRequest serves every attempt (one more every verifier): only the model id
  // differs.
  Query& query = attempt.verifier ? verify_query_ : query_;
  query.request.model = spec.wire_model();
  if (attempt.provider->http) {
    StartHttpAttempt(index, timeout);
  } else {
    StartInProcessAttempt(index, timeout);
  }
}

bool Request::FailsFastOnLimit(const ModelSpec& spec) const {
  if (spec.resilience.rate_limit.on_limit == RateLimit::OnLimit::kFail) return true;
  const auto& providers = host_.options().provider_rate_limits;
  const auto it = providers.find(spec.provider);
  return it != providers.end() && it->second.on_limit == RateLimit::OnLimit::kFail;
}

void Request::StartHttpAttempt(std::size_t index, milliseconds timeout) {
  AttemptState& attempt = attempts_[index];
  const Provider& provider = *attempt.provider->http;
  auto http = CallPlugin<HttpRequest>({"provider", provider.id(), "BuildRequest"}, [&] {
    return provider.BuildRequest(QueryFor(attempt).request);
  });
  if (!http) {
    // Reported through the loop, never from inside the stage's start-up.
    host_.PostAttemptResult(id_, index, std::move(http).error());
    return;
  }
  if (host_.options().trace_header) {
    http->headers.push_back({"traceparent", Traceparent(trace_id_, attempt.record.span_id)});
  }
  net::TransferOptions options;
  options.timeout = timeout;
  options.max_response_bytes = host_.options().max_response_bytes;
  if (streaming()) {
    auto decoder = CallPlugin<std::unique_ptr<StreamDecoder>>(
        {"provider", provider.id(), "NewStreamDecoder"},
        [&]() -> Result<std::unique_ptr<StreamDecoder>> { return provider.NewStreamDecoder(); });
    if (!decoder || !*decoder) {
      host_.PostAttemptResult(id_, index,
                              decoder
                                  ? Error(ErrorCode::kUnimplemented,
                                          fmt::format("provider '{}' cannot stream", provider.id()))
                                  : std::move(decoder).error());
      return;
    }
    attempt.decoder = std::move(*decoder);
    options.on_data = [this, index](std::string_view bytes) { OnStreamBytes(index, bytes); };
    StartStreamTimers(index);
  }
  // `this` outlives the transfer: a finishing request cancels its transfers, and a cancelled
  // transfer's callback never runs.
  attempt.transfer = host_.executor().StartTransfer(
      std::move(*http), options,
      [this, index](net::TransferResult result) { OnTransferDone(index, std::move(result)); });
}

void Request::StartInProcessAttempt(std::size_t index, milliseconds timeout) {
  AttemptState& attempt = attempts_[index];
  InProcessProvider& provider = *attempt.provider->in_process;
  attempt.timeout_timer =
      host_.executor().AddTimer(attempt.started + timeout, [this, index, timeout] {
        attempts_[index].timeout_timer = 0;
        OnAttemptResult(index, Error(ErrorCode::kDeadlineExceeded,
                                     fmt::format("no answer within the attempt timeout of {} ms",
                                                 timeout.count())));
      });
  if (streaming()) StartStreamTimers(index);  // an in-process answer must come in time too
  RequestHost* host = &host_;
  const std::uint64_t id = id_;
  auto called = CallPlugin<bool>({"provider", provider.id(), "Call"}, [&] {
    provider.Call(QueryFor(attempt).request, [host, id, index](Result<Completion> result) {
      host->PostAttemptResult(id, index, std::move(result));
    });
    return true;
  });
  if (!called) host_.PostAttemptResult(id_, index, std::move(called).error());
}

void Request::OnTransferDone(std::size_t index, net::TransferResult result) {
  AttemptState& attempt = attempts_[index];
  attempt.transfer = 0;
  if (!result.response) {
    OnAttemptResult(index, std::move(result.response).error());
    return;
  }
  const bool ok = net::ErrorCodeForHttpStatus(result.response->status) == ErrorCode::kOk;
  OnAttemptResult(
      index, streaming() && ok ? FinishStream(index) : DecodeResponse(attempt, *result.response));
}

Result<Completion> Request::DecodeResponse(const AttemptState& attempt,
                                           const HttpResponse& response) {
  const Provider& provider = *attempt.provider->http;
  const ErrorCode code = net::ErrorCodeForHttpStatus(response.status);
  if (code == ErrorCode::kOk) {
    return CallPlugin<Completion>({"provider", provider.id(), "ParseResponse"},
                                  [&] { return provider.ParseResponse(response); });
  }
  Error mapped =
      Error(code, fmt::format("HTTP {}", response.status)).WithHttpStatus(response.status);
  if (auto delay = RetryAfterOf(response)) mapped.WithRetryAfter(*delay);
  // Result<Error> cannot exist, so wrap the refined error as a failed Result<Completion>.
  return CallPlugin<Completion>(
      {"provider", provider.id(), "ParseError"},
      [&]() -> Result<Completion> { return provider.ParseError(response, mapped); });
}

void Request::OnAttemptResult(std::size_t index, Result<Completion> result) {
  if (finished_ || index >= attempts_.size()) return;
  AttemptState& attempt = attempts_[index];
  if (!attempt.running) return;  // a late or duplicate answer: the attempt already ended
  attempt.running = false;
  CancelAttemptTimers(attempt);
  const auto latency = duration_cast<microseconds>(net::Clock::now() - attempt.started);
  Attempt& record = attempt.record;
  record.latency = latency;
  if (result) {
    Completion& completion = *result;
    completion.latency = latency;
    completion.cost_usd = attempt.spec->CostUsd(completion.usage);
    record.outcome = Attempt::Outcome::kSucceeded;
    record.text = completion.text;
    record.usage = completion.usage;
    record.cost_usd = completion.cost_usd;
    SettleBudget(attempt, completion.cost_usd);
  } else {
    SettleBudget(attempt, 0.0);  // a failed exchange is not billed
    Error error = std::move(result).error();
    if (error.provider().empty()) error.WithProvider(attempt.spec->provider);
    if (error.model().empty()) error.WithModel(attempt.spec->name);
    record.outcome = Attempt::Outcome::kFailed;
    record.error = error;
    result = std::move(error);
  }
  NoteAttemptEnd(attempt);
  host_.RecordAttemptEnded(record);
  NoteAttemptFinished(attempt);
  if (attempt.verifier) {
    OnVerifierResult(result);
    return;
  }
  if (streaming()) {
    if (committed_ == index && !result) {
      // After the commit point a failure is reported, never hidden by switching models.
      Finish(std::move(result).error());
      return;
    }
    if (result && !committed_) {
      Commit(index);  // an answer without content (empty, say) wins the stream as it ends
    }
    if (result && attempts_[index].decoder == nullptr) EmitWhole(index, *result);
  }
  if (attempt.role.slot == kNoSlot) {
    host_.executor().Log(LogLevel::kError, "prsm bug: an answer without a slot; ignored");
    return;
  }
  OnSlotAttemptEnded(index, std::move(result));
}

Candidate Request::MakeCandidate(const AttemptState& attempt, Result<Completion> result) const {
  std::optional<double> confidence;
  if (result) confidence = LogprobConfidence(*result);
  return Candidate{attempt.spec->name, std::move(result), features_.domain,
                   PriorQuality(*attempt.spec, features_), confidence};
}

const ConsensusRule& Request::StageRule() const {
  // A stream cannot wait for a vote (see Start); otherwise the stage's own test, if it has one.
  if (streaming() || !plan_.stages[stage_].rule) return *consensus_;
  return *plan_.stages[stage_].rule;
}

const Query& Request::QueryFor(const AttemptState& attempt) const {
  return attempt.verifier ? verify_query_ : query_;
}

std::optional<Error> Request::ReserveBudget(AttemptState& attempt) {
  const double worst = WorstCaseCostUsd(*attempt.spec, QueryFor(attempt));
  const std::string& model = attempt.spec->name;
  if (const auto& cap = query_.context.max_cost_usd) {
    // The query's budget: what its attempts cost so far plus what running ones hold.
    double spent_usd = 0.0;
    double reserved_usd = 0.0;
    for (const AttemptState& other : attempts_) {
      spent_usd += other.record.cost_usd;
      reserved_usd += other.reserved_usd;
    }
    if (spent_usd + reserved_usd + worst > *cap + 1e-12) {
      host_.RecordBudgetRefusal();
      return BudgetRefused(
          attempt,
          Error(ErrorCode::kBudgetExceeded,
                fmt::format("not sent: its worst-case cost ${:.6f} does not fit the query's "
                            "max_cost_usd ${:.6f} (${:.6f} spent, ${:.6f} held by running "
                            "attempts)",
                            worst, *cap, spent_usd, reserved_usd))
              .WithModel(model)
              .WithProvider(attempt.spec->provider));
    }
  }
  if (!host_.TryReserveBudget(worst)) {
    host_.RecordBudgetRefusal();
    return BudgetRefused(
        attempt,
        Error(ErrorCode::kBudgetExceeded,
              fmt::format("not sent: its worst-case cost ${:.6f} does not fit what is "
                          "left of the orchestrator's budget (OrchestratorOptions::budget)",
                          worst))
            .WithModel(model)
            .WithProvider(attempt.spec->provider));
  }
  attempt.reserved_usd = worst;
  return std::nullopt;
}

void Request::SettleBudget(AttemptState& attempt, double actual_usd) {
  host_.SettleBudget(attempt.reserved_usd, actual_usd);
  attempt.reserved_usd = 0.0;
}

void Request::Evaluate() {
  if (pending_) return;  // the rule has decided; the verifiers are at work
  const ConsensusRule& rule = StageRule();
  const std::size_t expected = plan_.stages[stage_].models.size();
  const bool all_arrived = candidates_.size() == expected;
  auto decided = CallPlugin<bool>({"consensus rule", rule.name(), "IsDecided"},
                                  [&] { return rule.IsDecided(candidates_, expected); });
  if (!decided) {
    Finish(std::move(decided).error());
    return;
  }
  if (!*decided && !all_arrived) {
    // A hedged stage whose running attempts all failed starts its next attempt now rather than
    // waiting out the stagger.
    const bool any_running =
        std::any_of(attempts_.begin() + static_cast<std::ptrdiff_t>(stage_first_attempt_),
                    attempts_.end(), [](const AttemptState& a) { return a.running; });
    if (!any_running && !AnyRetryPending()) StartNextAttemptOfStage();
    return;
  }
  auto decision = CallPlugin<Decision>({"consensus rule", rule.name(), "Decide"},
                                       [&] { return rule.Decide(candidates_); });
  if (!decision) {
    Finish(std::move(decision).error());
    return;
  }
  if (decision->accepted) {
    if (decision->chosen >= candidates_.size() || !candidates_[decision->chosen].result) {
      Finish(Error(ErrorCode::kInternal,
                   fmt::format("consensus rule '{}' accepted candidate {}, which is not a "
                               "successful answer",
                               rule.name(), decision->chosen)));
      return;
    }
    StopRunningAttempts(
        Error(ErrorCode::kCancelled,
              fmt::format("not needed: consensus rule '{}' decided without it", rule.name())));
    if (!plan_.stages[stage_].verifiers.empty() && !streaming()) {
      StartVerification(std::move(*decision));
      return;
    }
    Accept(std::move(*decision));
    return;
  }
  last_decision_ = std::move(*decision);
  const bool any_success = std::any_of(candidates_.begin(), candidates_.end(),
                                       [](const Candidate& c) { return c.result.has_value(); });
  StageEnded(any_success);
}

void Request::Accept(Decision decision) {
  const std::size_t chosen_attempt = candidate_attempt_[decision.chosen];
  Finish(BuildResponse(chosen_attempt, std::move(decision)));
}

void Request::StageEnded(bool any_success) {
  CancelStageTimers();
  StopRunningAttempts(
      Error(ErrorCode::kCancelled, fmt::format("not needed: stage {} ended without it", stage_)));
  for (std::size_t next = stage_ + 1; next < plan_.stages.size(); ++next) {
    const StageTrigger trigger = plan_.stages[next].trigger;
    const bool runs = trigger == StageTrigger::kOnFailureOrRejection ||
                      (trigger == StageTrigger::kOnFailure && !any_success) ||
                      (trigger == StageTrigger::kOnRejection && any_success);
    if (runs) {
      StartStage(next);
      return;
    }
  }
  if (any_success) {
    std::string message =
        fmt::format("consensus rule '{}' accepted none of the {} answers of stage {}",
                    StageRule().name(), candidates_.size(), stage_);
    if (!last_decision_.explanation.empty()) message += ": " + last_decision_.explanation;
    if (host_.options().escalation && !streaming()) {
      Escalate(std::move(message));
      return;
    }
    Finish(Error(ErrorCode::kNoConsensus, std::move(message)));
    return;
  }
  Finish(AllFailedError());
}

Error Request::AllFailedError() const {
  // The last failure speaks for the request (its code, provider, model, status and
  // Retry-After); the message lists the others so nothing is hidden.
  const Attempt* last = nullptr;
  std::vector<const Attempt*> failed;
  for (const AttemptState& attempt : attempts_) {
    if (attempt.record.outcome == Attempt::Outcome::kFailed && attempt.record.error) {
      failed.push_back(&attempt.record);
      last = &attempt.record;
    }
  }
  if (last == nullptr) return Error(ErrorCode::kInternal, "the request ended with no attempt");
  Error error = *last->error;
  if (failed.size() > 1) {
    std::string others;
    for (const Attempt* attempt : failed) {
      if (attempt == last) continue;
      others += fmt::format("{}{}: {}", others.empty() ? "" : "; ", attempt->model,
                            DescribeShort(*attempt->error));
    }
    error =
        Error(error.code(), fmt::format("all {} attempts failed; last ({}): {}; earlier: {}",
                                        failed.size(), last->model, last->error->message(), others))
            .WithProvider(last->error->provider())
            .WithModel(last->error->model());
    if (last->error->http_status()) error.WithHttpStatus(*last->error->http_status());
    if (last->error->retry_after()) error.WithRetryAfter(*last->error->retry_after());
  }
  return error;
}

void Request::StopAttempt(AttemptState& attempt, const Error& why) {
  if (!attempt.running) return;
  attempt.running = false;
  if (attempt.transfer != 0) {
    host_.executor().CancelTransfer(attempt.transfer);
    attempt.transfer = 0;
  }
  CancelAttemptTimers(attempt);
  attempt.record.outcome = Attempt::Outcome::kCancelled;
  attempt.record.error = why;
  attempt.record.latency = duration_cast<microseconds>(net::Clock::now() - attempt.started);
  // What a cancelled exchange consumed is unknown (no usage comes back): it settles at zero.
  SettleBudget(attempt, 0.0);
  NoteAttemptEnd(attempt);
  host_.RecordAttemptEnded(attempt.record);
  NoteAttemptFinished(attempt);
}

void Request::CancelAttemptTimers(AttemptState& attempt) {
  for (net::TimerId* timer : {&attempt.timeout_timer, &attempt.first_token_timer,
                              &attempt.idle_timer, &attempt.wait_timer}) {
    if (*timer != 0) host_.executor().CancelTimer(*timer);
    *timer = 0;
  }
}

void Request::StopRunningAttempts(const Error& why) {
  for (AttemptState& attempt : attempts_) StopAttempt(attempt, why);
}

void Request::OnDeadline() {
  deadline_timer_ = 0;
  const auto timeout = duration_cast<milliseconds>(deadline_ - started_);
  Cancel(Error(ErrorCode::kDeadlineExceeded,
               fmt::format("the request deadline of {} ms expired after {} attempt(s)",
                           timeout.count(), attempts_.size())));
}

void Request::Cancel(Error reason) {
  if (finished_) return;
  StopRunningAttempts(reason);
  Finish(std::move(reason));
}

Error Request::BudgetRefused(const AttemptState& attempt, Error error) {
  if (host_.observing()) {
    ObserverEvent event = AttemptEvent(EventKind::kBudgetExhausted, attempt);
    event.error = error;
    host_.Publish(std::move(event));
  }
  return error;
}

ObserverEvent Request::NewEvent(EventKind kind) const {
  ObserverEvent event;
  event.kind = kind;
  event.time = std::chrono::system_clock::now();
  event.request_id = id_;
  event.trace_id = trace_id_;
  event.stage = stage_;
  return event;
}

std::size_t Request::IndexOf(const AttemptState& attempt) const {
  return static_cast<std::size_t>(&attempt - attempts_.data());
}

ObserverEvent Request::AttemptEvent(EventKind kind, const AttemptState& attempt) const {
  ObserverEvent event = NewEvent(kind);
  const Attempt& record = attempt.record;
  event.span_id = record.span_id;
  event.model = record.model;
  event.provider = record.provider;
  event.stage = record.stage;
  event.attempt_index = IndexOf(attempt);
  event.retry = attempt.role.retry;
  event.hedge = attempt.role.hedge;
  return event;
}

void Request::NoteAttemptFinished(const AttemptState& attempt) {
  if (!host_.observing()) return;
  ObserverEvent event = AttemptEvent(EventKind::kAttemptFinished, attempt);
  const Attempt& record = attempt.record;
  event.outcome = record.outcome;
  event.error = record.error;
  event.usage = record.usage;
  event.cost_usd = record.cost_usd;
  event.latency = record.latency;
  host_.Publish(std::move(event));
}

void Request::PublishFinished(const Result<Response>& outcome, const Usage& usage,
                              double cost_usd) {
  const Logger& logger = host_.logger();
  const LogLevel level = outcome ? LogLevel::kDebug : LogLevel::kInfo;
  if (logger.Enabled(level)) {
    std::map<std::string, std::string> fields{
        {"request_id", std::to_string(id_)},
        {"trace_id", trace_id_},
        {"attempts", std::to_string(attempts_.size())},
        {"cost_usd", fmt::format("{:.6f}", cost_usd)},
        {"latency_ms", std::to_string(Elapsed().count() / 1000)}};
    if (outcome) {
      fields.emplace("model", outcome->model);
    } else {
      fields.emplace("error_code", std::string(ToString(outcome.error().code())));
    }
    logger.Log(level,
               outcome ? fmt::format("request {} answered by '{}'", id_, outcome->model)
                       : fmt::format("request {} failed: {}", id_, outcome.error().ToString()),
               std::move(fields));
  }
  if (!host_.observing()) return;
  if (outcome) {
    ObserverEvent reached = NewEvent(EventKind::kConsensusReached);
    reached.model = outcome->model;
    reached.consensus = outcome->consensus;
    host_.Publish(std::move(reached));
  }
  ObserverEvent finished = NewEvent(EventKind::kRequestFinished);
  if (outcome) {
    finished.model = outcome->model;
  } else {
    finished.error = outcome.error();
  }
  finished.usage = usage;
  finished.cost_usd = cost_usd;
  finished.latency = Elapsed();
  finished.attempt_index = attempts_.size();
  host_.Publish(std::move(finished));
}

Response Request::BuildResponse(std::size_t chosen_attempt, Decision&& decision) {
  Response response;
  response.request_id = id_;
  Candidate& winner = candidates_[decision.chosen];
  response.completion = std::move(*winner.result);
  response.answer = response.completion.text;
  response.model = attempts_[chosen_attempt].spec->name;

  response.consensus.rule = std::string(StageRule().name());
  response.consensus.agreement = decision.agreement;
  response.consensus.confidence = decision.confidence;
  response.consensus.explanation = std::move(decision.explanation);
  for (std::size_t supporter : decision.supporters) {
    if (supporter < candidates_.size()) {
      response.consensus.agreeing_models.push_back(candidates_[supporter].model);
    }
  }
  return response;
}

void Request::Finish(Result<Response> outcome) {
  if (finished_) return;
  finished_ = true;
  StopRunningAttempts(Error(ErrorCode::kCancelled, "the request finished without it"));
  if (deadline_timer_ != 0) host_.executor().CancelTimer(deadline_timer_);
  if (route_timer_ != 0) host_.executor().CancelTimer(route_timer_);
  deadline_timer_ = route_timer_ = 0;
  CancelStageTimers();
  if (streaming() && committed_ && !outcome) {
    // The stream's consumer has seen content: end it with the error, in band.
    StreamEvent event;
    event.kind = StreamEvent::Kind::kError;
    event.error = outcome.error();
    event.model = attempts_[*committed_].spec->name;
    Emit(event);
  }

  Usage usage;
  double cost_usd = 0.0;
  for (const AttemptState& attempt : attempts_) {
    usage += attempt.record.usage;
    cost_usd += attempt.record.cost_usd;
  }
  for (std::size_t i = 0; i < attempts_.size(); ++i) {
    // Metrics count a request once per model it tried.
    const Attempt& record = attempts_[i].record;
    bool seen = false;
    for (std::size_t j = 0; j < i && !seen; ++j) seen = attempts_[j].record.model == record.model;
    if (!seen) host_.RecordModelRequest(record);
  }
  if (outcome) {
    Response& response = *outcome;
    response.trace_id = trace_id_;
    response.latency = Elapsed();
    response.route.strategy = std::string(routing_->name());
    // The plan is spent: hand its names to the report instead of copying them.
    response.route.explanation = std::move(plan_.explanation);
    response.route.stages.reserve(plan_.stages.size());
    for (PlanStage& stage : plan_.stages) response.route.stages.push_back(std::move(stage.models));
    response.usage = usage;
    response.cost_usd = cost_usd;
    response.attempts.reserve(attempts_.size());
    for (AttemptState& attempt : attempts_) response.attempts.push_back(std::move(attempt.record));
  }
  PublishFinished(outcome, usage, cost_usd);
  // Failed requests cost money too (a rejected vote was paid for): the host counts it all.
  host_.OnRequestFinished(id_, query_, outcome, cost_usd);
  control_->MarkDone();
  ResponseCallback done = std::move(done_);
  try {
    done(std::move(outcome));
  } catch (...) {
    host_.executor().Log(LogLevel::kError,
                         fmt::format("the callback of request {} threw; ignored", id_));
  }
}

}  // namespace internal
}  // namespace prsm
