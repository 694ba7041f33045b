// Resilience through the public API, over loopback HTTP against the fake provider server:
// retries (backoff, Retry-After, budgets, overrides), circuit breakers (fallback around a down
// provider, half-open recovery, fail-fast when every model is open), hedged requests, rate
// limits and stage deadlines. No sleeps: waits are on callbacks; time is read from the
// attempts' own records.
#include <atomic>
#include <chrono>
#include <future>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "test_servers.h"

namespace prsm {
namespace {

using namespace std::chrono_literals;
using testing::FakeOrchestrator;
using testing::FakeProviderServer;
using testing::Model;
using testing::Models;
using testing::ModelScript;
using testing::Says;
using testing::StartFake;

ModelScript Failing(int status, std::string retry_after = "") {
  ModelScript script;
  script.status = status;
  script.retry_after = std::move(retry_after);
  script.error_message = "scripted failure";
  return script;
}

// Retries that do not slow the tests down.
RetryPolicy QuickRetries(int max_retries) {
  RetryPolicy policy;
  policy.max_retries = max_retries;
  policy.initial_backoff = 1ms;
  policy.max_backoff = 5ms;
  return policy;
}

Query Text(std::string text, std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
  Query query = Query::FromText(std::move(text));
  query.context.timeout = timeout;
  return query;
}

TEST_CASE("retry: a 503 then an answer is answered by the retry, both attempts reported",
          "[resilience][retry]") {
  auto server = StartFake();
  server->SetScriptSequence("m", {Failing(503), Says("second time lucky")});
  OrchestratorOptions options;
  options.retry = QuickRetries(2);
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);

  auto response = orchestrator->ProcessAndWait(Text("hi"));
  REQUIRE(response);
  CHECK(response->answer == "second time lucky");
  REQUIRE(response->attempts.size() == 2);
  CHECK(response->attempts[0].outcome == Attempt::Outcome::kFailed);
  CHECK(response->attempts[0].error->http_status() == 503);
  CHECK(response->attempts[1].outcome == Attempt::Outcome::kSucceeded);
  CHECK(server->RequestCount("m") == 2);
  CHECK(orchestrator->stats().retries == 1);
}

TEST_CASE(
    "retry: gives up after max_retries with the last error; non-retryable codes are not "
    "retried",
    "[resilience][retry]") {
  auto server = StartFake();
  server->SetScript("down", Failing(502));
  server->SetScript("bad", Failing(400));
  OrchestratorOptions options;
  options.retry = QuickRetries(3);
  options.breaker.enabled = false;
  auto orchestrator = FakeOrchestrator(*server, Models({"down", "bad"}), options);

  Query query = Text("hi");
  query.context.models = {"down"};
  auto down = orchestrator->ProcessAndWait(query);
  REQUIRE_FALSE(down);
  CHECK(down.error().code() == ErrorCode::kUnavailable);
  CHECK(down.error().http_status() == 502);
  CHECK(server->RequestCount("down") == 4);  // the try and three retries

  query.context.models = {"bad"};
  auto bad = orchestrator->ProcessAndWait(query);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  CHECK(server->RequestCount("bad") == 1);
}

TEST_CASE("retry: a model's policy and a query's policy override the orchestrator's",
          "[resilience][retry]") {
  auto server = StartFake();
  server->SetScript("m", Failing(503));
  OrchestratorOptions options;
  options.retry = QuickRetries(2);
  options.breaker.enabled = false;
  ModelSpec spec = Model("m");
  spec.resilience.retry = QuickRetries(0);
  auto orchestrator = FakeOrchestrator(*server, {spec}, options);

  REQUIRE_FALSE(orchestrator->ProcessAndWait(Text("hi")));
  CHECK(server->RequestCount("m") == 1);  // the model's policy: no retry

  Query query = Text("hi");
  query.context.retry = QuickRetries(1);
  REQUIRE_FALSE(orchestrator->ProcessAndWait(query));
  CHECK(server->RequestCount("m") == 3);  // the query's: one retry

  query.context.retry->max_retries = -1;
  auto invalid = orchestrator->ProcessAndWait(query);
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(invalid.error().message(), Catch::Contains("QueryContext::retry"));
  CHECK(server->RequestCount("m") == 3);
}

TEST_CASE("retry: Retry-After is honoured: the retry starts no earlier than the server asked",
          "[resilience][retry]") {
  auto server = StartFake();
  server->SetScriptSequence("m", {Failing(429, "1"), Says("after the wait")});
  OrchestratorOptions options;
  options.retry = QuickRetries(1);
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);

  auto response = orchestrator->ProcessAndWait(Text("hi", 10s));
  REQUIRE(response);
  REQUIRE(response->attempts.size() == 2);
  CHECK(response->attempts[0].error->code() == ErrorCode::kResourceExhausted);
  CHECK(response->attempts[0].error->retry_after() == 1s);
  // The library's own clock: the retry was sent at least a second after the 429 arrived.
  const auto first_end = response->attempts[0].started_after + response->attempts[0].latency;
  CHECK(response->attempts[1].started_after - first_end >= 1s);
}

TEST_CASE(
    "retry: a 429 storm with Retry-After 30 s: no request reaches the server before then; "
    "requests with a shorter deadline fail fast with kResourceExhausted and the wait",
    "[resilience][retry]") {
  auto server = StartFake();
  server->SetScript("m", Failing(429, "30"));
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}));  // default policies

  auto first = orchestrator->ProcessAndWait(Text("hi", 2s));
  REQUIRE_FALSE(first);
  CHECK(first.error().code() == ErrorCode::kResourceExhausted);
  REQUIRE(first.error().retry_after());
  CHECK(*first.error().retry_after() == 30s);
  CHECK(server->RequestCount("m") == 1);

  std::vector<std::future<Result<Response>>> storm;
  for (int i = 0; i < 20; ++i) storm.push_back(orchestrator->Process(Text("hi", 2s)));
  for (auto& pending : storm) {
    auto outcome = pending.get();
    REQUIRE_FALSE(outcome);
    // Failed at once (not at the 2 s deadline, which would be kDeadlineExceeded).
    CHECK(outcome.error().code() == ErrorCode::kResourceExhausted);
    REQUIRE(outcome.error().retry_after());
    CHECK(*outcome.error().retry_after() > 20s);
    CHECK(*outcome.error().retry_after() <= 30s);
    CHECK_THAT(outcome.error().message(), Catch::Contains("Retry-After"));
  }
  CHECK(server->RequestCount("m") == 1);
  CHECK(orchestrator->stats().retries == 0);
}

TEST_CASE("retry: no retry starts that cannot finish before the deadline", "[resilience][retry]") {
  auto server = StartFake();
  server->SetScript("m", Failing(503, "2"));
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}));
  auto outcome = orchestrator->ProcessAndWait(Text("hi", 500ms));
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kUnavailable);  // the real cause, not a timeout
  CHECK(outcome.error().retry_after() == 2s);
  CHECK(server->RequestCount("m") == 1);
}

TEST_CASE("retry: the retry budget caps retries orchestrator-wide", "[resilience][retry]") {
  auto server = StartFake();
  server->SetScript("m", Failing(503));
  OrchestratorOptions options;
  options.retry = QuickRetries(2);
  options.retry_budget.ratio = 0.0;
  options.retry_budget.min_concurrent = 0;
  options.breaker.enabled = false;
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);
  REQUIRE_FALSE(orchestrator->ProcessAndWait(Text("hi")));
  CHECK(server->RequestCount("m") == 1);
  CHECK(orchestrator->stats().retries == 0);
  CHECK(orchestrator->stats().retries_refused == 1);
}

// Three providers on three servers, one model each; `down` fails in the way `make_down` sets up.
struct ThreeProviders {
  std::unique_ptr<FakeProviderServer> a = StartFake();
  std::unique_ptr<FakeProviderServer> b = StartFake();
  std::unique_ptr<FakeProviderServer> c = StartFake();
  std::unique_ptr<MultiLLMOrchestrator> orchestrator;
  std::mutex mutex;
  std::vector<CircuitEvent> events;

  explicit ThreeProviders(const std::string& a_url, BreakerPolicy breaker = {}) {
    OrchestratorOptions options;
    options.routing = MakeSingleModelRouting(/*fallback=*/true);
    options.retry = QuickRetries(1);
    options.breaker = breaker;
    options.on_circuit_change = [this](const CircuitEvent& event) {
      std::lock_guard<std::mutex> lock(mutex);
      events.push_back(event);
    };
    auto created = MultiLLMOrchestrator::Create(options);
    REQUIRE(created);
    orchestrator = std::move(*created);
    REQUIRE(orchestrator->AddProvider(testing::FakeOpenAI(a_url, "pa")));
    REQUIRE(orchestrator->AddProvider(testing::FakeOpenAI(b->base_url(), "pb")));
    REQUIRE(orchestrator->AddProvider(testing::FakeOpenAI(c->base_url(), "pc")));
    REQUIRE(orchestrator->AddModel(Model("ma", 1, 2, "pa")));
    REQUIRE(orchestrator->AddModel(Model("mb", 1, 2, "pb")));
    REQUIRE(orchestrator->AddModel(Model("mc", 1, 2, "pc")));
  }

  std::vector<CircuitEvent> Events() {
    std::lock_guard<std::mutex> lock(mutex);
    return events;
  }
};

BreakerPolicy LongOpenBreaker() {
  BreakerPolicy breaker;
  breaker.consecutive_failures = 3;
  breaker.open_for = std::chrono::minutes(10);
  return breaker;
}

TEST_CASE(
    "breaker: with one of three providers answering 503, every query is answered by the "
    "fallback and the down provider sees no more than the breaker's threshold",
    "[resilience][breaker]") {
  auto down = StartFake();
  down->SetScript("ma", Failing(503));
  ThreeProviders three(down->base_url(), LongOpenBreaker());

  constexpr int kQueries = 60;
  for (int i = 0; i < kQueries; ++i) {
    auto response = three.orchestrator->ProcessAndWait(Text("q" + std::to_string(i)));
    REQUIRE(response);
    CHECK(response->model == "mb");
  }
  // Then a concurrent burst: the open circuit keeps it away from the down provider too.
  std::vector<std::future<Result<Response>>> burst;
  for (int i = 0; i < 40; ++i) burst.push_back(three.orchestrator->Process(Text("burst")));
  for (auto& pending : burst) {
    auto response = pending.get();
    REQUIRE(response);
    CHECK(response->model == "mb");
  }
  // Tried by the first three queries (each moved on to the fallback at once, without a retry:
  // RetryPolicy::retry_before_fallback is false), then never again.
  CHECK(down->RequestCount("ma") == 3);
  CHECK(three.b->RequestCount("mb") == kQueries + 40);

  const auto circuits = three.orchestrator->circuits();
  bool ma_open = false;
  for (const CircuitStatus& status : circuits) {
    if (status.name == "ma") {
      ma_open = status.state == CircuitState::kOpen;
      CHECK(status.times_opened == 1);
      CHECK(status.reopens_in > 9min);
    }
    if (status.name == "provider:pa") CHECK(status.state == CircuitState::kClosed);  // it answered
  }
  CHECK(ma_open);
  const auto events = three.Events();
  REQUIRE(events.size() == 1);
  CHECK(events[0].name == "ma");
  CHECK(events[0].to == CircuitState::kOpen);
  CHECK_THAT(events[0].reason, Catch::Contains("HTTP 503"));
}

TEST_CASE(
    "breaker: with one of three providers refusing connections, every query is answered "
    "and the provider's endpoint circuit opens",
    "[resilience][breaker]") {
  std::string refused_url;
  {
    auto gone = StartFake();
    refused_url = gone->base_url();
  }  // stopped: its port now refuses connections
  ThreeProviders three(refused_url, LongOpenBreaker());
  constexpr int kQueries = 40;
  for (int i = 0; i < kQueries; ++i) {
    auto response = three.orchestrator->ProcessAndWait(Text("q"));
    REQUIRE(response);
    CHECK(response->model == "mb");
  }
  const auto stats = three.orchestrator->stats();
  // Every attempt of ma that was actually sent failed; no more than the threshold were.
  CHECK(stats.by_model.at("ma").attempts == 3);
  bool endpoint_open = false;
  for (const CircuitStatus& status : three.orchestrator->circuits()) {
    if (status.name == "provider:pa") endpoint_open = status.state == CircuitState::kOpen;
  }
  CHECK(endpoint_open);
}

TEST_CASE(
    "breaker: when every model's circuit is open the query fails fast naming them, or "
    "waits for the half-open probe when asked, and a good probe closes the circuit",
    "[resilience][breaker]") {
  auto server = StartFake();
  server->SetScript("m", Failing(503));
  OrchestratorOptions options;
  options.retry = QuickRetries(0);
  options.breaker.consecutive_failures = 2;
  options.breaker.open_for = 300ms;

  SECTION("fail fast") {
    auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);
    REQUIRE_FALSE(orchestrator->ProcessAndWait(Text("1")));
    REQUIRE_FALSE(orchestrator->ProcessAndWait(Text("2")));
    auto refused = orchestrator->ProcessAndWait(Text("3"));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == ErrorCode::kUnavailable);
    CHECK_THAT(refused.error().message(),
               Catch::Contains("open circuit") && Catch::Contains("'m'"));
    REQUIRE(refused.error().retry_after());
    CHECK(*refused.error().retry_after() <= 300ms);
    CHECK(server->RequestCount("m") == 2);
  }
  SECTION("wait for half-open, then the probe succeeds and closes the circuit") {
    options.breaker.wait_for_half_open = true;
    auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);
    REQUIRE_FALSE(orchestrator->ProcessAndWait(Text("1")));
    REQUIRE_FALSE(orchestrator->ProcessAndWait(Text("2")));
    server->SetScript("m", Says("recovered"));
    auto response = orchestrator->ProcessAndWait(Text("3", 10s));
    REQUIRE(response);
    CHECK(response->answer == "recovered");
    CHECK(server->RequestCount("m") == 3);
    const auto circuits = orchestrator->circuits();
    for (const CircuitStatus& status : circuits) {
      if (status.name == "m") CHECK(status.state == CircuitState::kClosed);
    }
  }
}

TEST_CASE(
    "hedge: a first try slower than the hedge delay is hedged; the first answer wins and "
    "the loser is cancelled",
    "[resilience][hedge]") {
  auto server = StartFake();
  ModelScript slow = Says("slow");
  slow.latency = 10s;
  server->SetScriptSequence("m", {slow, Says("fast")});
  OrchestratorOptions options;
  options.hedge.enabled = true;
  options.hedge.delay = 30ms;
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);

  auto response = orchestrator->ProcessAndWait(Text("hi"));
  REQUIRE(response);
  CHECK(response->answer == "fast");
  REQUIRE(response->attempts.size() == 2);
  CHECK(response->attempts[0].outcome == Attempt::Outcome::kCancelled);
  CHECK(response->attempts[1].outcome == Attempt::Outcome::kSucceeded);
  CHECK(response->attempts[1].started_after >= 30ms);
  CHECK(response->latency < 5s);
  CHECK(orchestrator->stats().hedges == 1);
  // The loser's connection is closed: its transfer was aborted.
  CHECK(testing::WaitUntil([&] { return server->open_connections() <= 1; }));
}

TEST_CASE(
    "hedge: a stream whose first try stalls before its first token is hedged; the hedge "
    "commits the stream",
    "[resilience][hedge]") {
  auto server = StartFake();
  ModelScript stalled = Says("from the stalled one");
  stalled.stall_before_first_token = 10s;
  server->SetScriptSequence("m", {stalled, Says("from the hedge")});
  OrchestratorOptions options;
  options.hedge.enabled = true;
  options.hedge.delay = 30ms;
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);

  std::promise<Result<Response>> done;
  std::string text;
  std::atomic<int> calls{0};
  orchestrator->Stream(
      Text("hi"),
      [&](const StreamEvent& event) {
        if (event.kind == StreamEvent::Kind::kTextDelta) text += event.text;
      },
      [&](Result<Response> outcome) {
        ++calls;
        done.set_value(std::move(outcome));
      });
  auto response = done.get_future().get();
  REQUIRE(response);
  CHECK(text == "from the hedge");
  CHECK(response->answer == "from the hedge");
  CHECK(calls == 1);
  REQUIRE(response->attempts.size() == 2);
  CHECK(response->attempts[0].outcome == Attempt::Outcome::kCancelled);
}

TEST_CASE("hedge: hedges are capped at their share of attempts", "[resilience][hedge]") {
  auto server = StartFake();
  ModelScript slow = Says("slow");
  slow.latency = 60ms;
  server->SetScript("m", slow);
  OrchestratorOptions options;
  options.hedge.enabled = true;
  options.hedge.delay = 1ms;
  options.hedge.max_share = 0.1;
  options.hedge.burst = 1.0;
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);
  constexpr int kQueries = 30;
  for (int i = 0; i < kQueries; ++i) REQUIRE(orchestrator->ProcessAndWait(Text("hi")));
  // One hedge saved up at the start plus 0.1 per first try: at most 1 + 3.
  const auto hedges = orchestrator->stats().hedges;
  CHECK(hedges >= 1);
  CHECK(hedges <= 4);
}

TEST_CASE(
    "rate limit: over the requests-per-minute limit a request fails fast (kFail) or, "
    "when the wait would pass its deadline, at once; within it, it waits",
    "[resilience][rate]") {
  auto server = StartFake();
  server->SetScript("m", Says("ok"));
  ModelSpec spec = Model("m");
  spec.resilience.rate_limit.requests_per_minute = 2;

  SECTION("fail") {
    spec.resilience.rate_limit.on_limit = RateLimit::OnLimit::kFail;
    auto orchestrator = FakeOrchestrator(*server, {spec});
    REQUIRE(orchestrator->ProcessAndWait(Text("1")));
    REQUIRE(orchestrator->ProcessAndWait(Text("2")));
    auto third = orchestrator->ProcessAndWait(Text("3"));
    REQUIRE_FALSE(third);
    CHECK(third.error().code() == ErrorCode::kResourceExhausted);
    CHECK_THAT(third.error().message(), Catch::Contains("requests-per-minute"));
    REQUIRE(third.error().retry_after());
    CHECK(*third.error().retry_after() > 20s);
    CHECK(server->RequestCount("m") == 2);
    CHECK(orchestrator->stats().rate_limited == 1);
  }
  SECTION("wait, but not past the deadline") {
    auto orchestrator = FakeOrchestrator(*server, {spec});
    REQUIRE(orchestrator->ProcessAndWait(Text("1")));
    REQUIRE(orchestrator->ProcessAndWait(Text("2")));
    auto third = orchestrator->ProcessAndWait(Text("3", 1s));
    REQUIRE_FALSE(third);
    CHECK(third.error().code() == ErrorCode::kResourceExhausted);
    CHECK_THAT(third.error().message(), Catch::Contains("deadline"));
    CHECK(server->RequestCount("m") == 2);
  }
}

TEST_CASE("rate limit: a provider's limit makes the next request wait for capacity, then go",
          "[resilience][rate]") {
  auto server = StartFake();
  server->SetScript("m", Says("ok"));
  OrchestratorOptions options;
  options.provider_rate_limits["fake"].requests_per_minute = 30;  // one per 2 s
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);
  // The bucket starts full (30); drain it concurrently, then one more must wait.
  std::vector<std::future<Result<Response>>> drain;
  for (int i = 0; i < 30; ++i) drain.push_back(orchestrator->Process(Text("d")));
  for (auto& pending : drain) REQUIRE(pending.get());
  auto waited = orchestrator->ProcessAndWait(Text("one more", 10s));
  REQUIRE(waited);
  REQUIRE(waited->attempts.size() == 1);
  // Sent only once the bucket had a token again: some tens of ms after the request began.
  CHECK(waited->attempts[0].started_after >= 20ms);
  CHECK(orchestrator->stats().rate_limited >= 1);
}

// Plans one stage of `first` with a stage timeout, then `second` on failure.
class StageTimeoutRouting final : public RoutingStrategy {
 public:
  std::string_view name() const noexcept override { return "stage-timeout"; }
  Result<RoutePlan> Plan(const Query& /*query*/, const RoutingContext& /*context*/) override {
    RoutePlan plan;
    PlanStage first;
    first.models = {"slow"};
    first.timeout = 50ms;
    PlanStage second;
    second.models = {"fast"};
    second.trigger = StageTrigger::kOnFailure;
    plan.stages = {first, second};
    return plan;
  }
};

TEST_CASE("deadline: a stage's own timeout stops its attempts and moves to the fallback",
          "[resilience][deadline]") {
  auto server = StartFake();
  ModelScript slow = Says("too late");
  slow.latency = 10s;
  server->SetScript("slow", slow);
  server->SetScript("fast", Says("in time"));
  OrchestratorOptions options;
  options.routing = std::make_shared<StageTimeoutRouting>();
  auto orchestrator = FakeOrchestrator(*server, Models({"slow", "fast"}), options);
  auto response = orchestrator->ProcessAndWait(Text("hi"));
  REQUIRE(response);
  CHECK(response->answer == "in time");
  REQUIRE(response->attempts.size() == 2);
  CHECK(response->attempts[0].outcome == Attempt::Outcome::kCancelled);
  CHECK(response->attempts[0].error->code() == ErrorCode::kDeadlineExceeded);
  CHECK_THAT(response->attempts[0].error->message(), Catch::Contains("stage 0"));
  CHECK(response->latency < 5s);
}

TEST_CASE("resilience options with bad values are refused at creation", "[resilience]") {
  OrchestratorOptions options;
  options.retry.multiplier = 0.0;
  auto created = MultiLLMOrchestrator::Create(options);
  REQUIRE_FALSE(created);
  CHECK(created.error().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(created.error().message(), Catch::Contains("OrchestratorOptions::retry"));

  options = OrchestratorOptions{};
  options.breaker.consecutive_failures = 0;
  CHECK_FALSE(MultiLLMOrchestrator::Create(options));
  options = OrchestratorOptions{};
  options.provider_rate_limits["p"].tokens_per_minute = -5;
  created = MultiLLMOrchestrator::Create(options);
  REQUIRE_FALSE(created);
  CHECK_THAT(created.error().message(), Catch::Contains("provider_rate_limits['p']"));

  auto orchestrator = MultiLLMOrchestrator::Create();
  REQUIRE(orchestrator);
  ModelSpec spec = Model("m");
  spec.resilience.rate_limit.requests_per_minute = -1;
  auto added = (*orchestrator)->AddModel(spec);
  REQUIRE_FALSE(added);
  CHECK_THAT(added.error().message(),
             Catch::Contains("model 'm'") && Catch::Contains("rate_limit"));
}

}  // namespace
}  // namespace prsm
