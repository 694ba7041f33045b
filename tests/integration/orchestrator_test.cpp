// The public API end to end, linked like a host links it (prsm::prsm), against the fake
// provider over loopback. Every case runs once per executor backend (see tests/CMakeLists.txt).
// Each asynchronous case asserts the exact ErrorCode and that the callback ran exactly once.
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "fake_provider_server.h"
#include "prsm/prsm.h"
#include "test_servers.h"

using namespace std::chrono_literals;
using prsm::Attempt;
using prsm::ErrorCode;
using prsm::ModelSpec;
using prsm::MultiLLMOrchestrator;
using prsm::OrchestratorOptions;
using prsm::Query;
using prsm::Response;
using prsm::Result;
using prsm::testing::BodyMode;
using prsm::testing::FakeOpenAI;
using prsm::testing::FakeOrchestrator;
using prsm::testing::FakeProviderServer;
using prsm::testing::Model;
using prsm::testing::Models;
using prsm::testing::ModelScript;
using prsm::testing::StartFake;

namespace {

// Records every callback: how many times it ran, on which thread, with what.
class Outcomes {
 public:
  prsm::ResponseCallback Callback(int key) {
    return [this, key](Result<Response> outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++calls_[key];
      threads_.insert(std::this_thread::get_id());
      outcomes_.emplace(key, std::move(outcome));
      changed_.notify_all();
    };
  }
  bool WaitFor(std::size_t count, std::chrono::seconds limit = 30s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return outcomes_.size() >= count; });
  }
  const Result<Response>& Get(int key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return outcomes_.at(key);
  }
  int CallsOf(int key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_[key];
  }
  bool RanOn(std::thread::id thread) {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_.count(thread) > 0;
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return outcomes_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int, Result<Response>> outcomes_;
  std::map<int, int> calls_;
  std::set<std::thread::id> threads_;
};

// An orchestrator with the fake server's OpenAI endpoint and the given models registered.
std::unique_ptr<MultiLLMOrchestrator> Orchestrator(const FakeProviderServer& server,
                                                   const std::vector<std::string>& models,
                                                   OrchestratorOptions options = {}) {
  return FakeOrchestrator(server, Models(models), std::move(options));
}

ModelScript Script(std::chrono::milliseconds latency, std::string text = "answer from {model}") {
  ModelScript script;
  script.latency = latency;
  script.text = std::move(text);
  script.prompt_tokens = 1000;
  script.completion_tokens = 500;
  return script;
}

// Submits one query and waits for its one callback.
Result<Response> SubmitAndWait(MultiLLMOrchestrator& orchestrator, Query query) {
  Outcomes outcomes;
  orchestrator.Submit(std::move(query), outcomes.Callback(0));
  REQUIRE(outcomes.WaitFor(1));
  CHECK(outcomes.CallsOf(0) == 1);
  CHECK_FALSE(outcomes.RanOn(std::this_thread::get_id()));
  return outcomes.Get(0);
}

}  // namespace

TEST_CASE("one model answers, with a full account", "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("alpha", Script(10ms));
  auto orchestrator = Orchestrator(*server, {"alpha"});

  Query query = Query::FromText("What is 2+2?");
  query.context.attributes["domain"] = "math";
  auto response = SubmitAndWait(*orchestrator, query);
  REQUIRE(response);
  CHECK(response->answer == "answer from alpha");
  CHECK(response->model == "alpha");
  CHECK(response->request_id != 0);
  REQUIRE(response->attempts.size() == 1);
  const Attempt& attempt = response->attempts[0];
  CHECK(attempt.model == "alpha");
  CHECK(attempt.provider == "fake");
  CHECK(attempt.outcome == Attempt::Outcome::kSucceeded);
  CHECK(attempt.usage.input_tokens == 1000);
  CHECK(attempt.usage.output_tokens == 500);
  CHECK(attempt.latency >= 10ms);
  // 1000 input tokens at $1/M plus 500 output tokens at $2/M.
  CHECK(attempt.cost_usd == Approx(0.002));
  CHECK(response->cost_usd == Approx(0.002));
  CHECK(response->completion.cost_usd == Approx(0.002));
  CHECK(response->usage.total_tokens() == 1500);
  CHECK(response->latency >= attempt.latency);
  CHECK(response->route.strategy == "single");
  CHECK(response->route.stages == std::vector<std::vector<std::string>>{{"alpha"}});
  CHECK(response->consensus.rule == "first-success");
  CHECK(response->consensus.agreeing_models == std::vector<std::string>{"alpha"});

  // What went over the wire: the vendor id, the messages, and the key as a bearer token.
  auto recorded = server->recorded_requests();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].model == "alpha");
  CHECK(recorded[0].body.find("What is 2+2?") != std::string::npos);
  std::map<std::string, std::string> headers;
  for (const auto& [name, value] : recorded[0].headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers[lower] = value;
  }
  CHECK(headers["authorization"] == "Bearer sk-test-key");
  CHECK(headers["user-agent"] == "prsm/" PRSM_VERSION_STRING);
  CHECK(headers["content-type"] == "application/json");
  CHECK(headers.count("expect") == 0);
}

TEST_CASE("fan-out takes the first success and cancels the rest", "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("fast", Script(20ms));
  server->SetScript("slow", Script(10s));
  server->SetScript("slower", Script(20s));
  OrchestratorOptions options;
  options.routing = prsm::MakeFanOutRouting(3);
  auto orchestrator = Orchestrator(*server, {"slow", "fast", "slower"}, options);

  auto response = SubmitAndWait(*orchestrator, Query::FromText("hello"));
  REQUIRE(response);
  CHECK(response->model == "fast");
  CHECK(response->answer == "answer from fast");
  REQUIRE(response->attempts.size() == 3);
  int succeeded = 0;
  int cancelled = 0;
  for (const Attempt& attempt : response->attempts) {
    if (attempt.outcome == Attempt::Outcome::kSucceeded) ++succeeded;
    if (attempt.outcome == Attempt::Outcome::kCancelled) {
      ++cancelled;
      REQUIRE(attempt.error);
      CHECK(attempt.error->code() == ErrorCode::kCancelled);
      CHECK(attempt.cost_usd == 0.0);
    }
  }
  CHECK(succeeded == 1);
  CHECK(cancelled == 2);
  CHECK(response->cost_usd == Approx(0.002));  // only the winner was paid for
  CHECK(server->RequestCount("slow") == 1);
  CHECK(server->RequestCount("slower") == 1);
  // The losers' connections are closed: their transfers were aborted, not left to finish.
  CHECK(prsm::testing::WaitUntil([&] { return server->open_connections() <= 1; }));
  CHECK(response->latency < 10s);
}

TEST_CASE("fallback routing moves on when a model fails", "[orchestrator]") {
  auto server = StartFake();
  ModelScript down = Script(0ms);
  down.status = 503;
  server->SetScript("primary", down);
  server->SetScript("backup", Script(0ms));
  OrchestratorOptions options;
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
  auto orchestrator = Orchestrator(*server, {"primary", "backup"}, options);

  auto response = SubmitAndWait(*orchestrator, Query::FromText("hi"));
  REQUIRE(response);
  CHECK(response->model == "backup");
  REQUIRE(response->attempts.size() == 2);
  CHECK(response->attempts[0].outcome == Attempt::Outcome::kFailed);
  CHECK(response->attempts[0].error->code() == ErrorCode::kUnavailable);
  CHECK(response->attempts[0].error->http_status() == 503);
  CHECK(response->attempts[1].stage == 1);
}

TEST_CASE("provider failures arrive as exact error codes", "[orchestrator]") {
  auto server = StartFake();
  auto orchestrator = Orchestrator(*server, {"m"});
  ModelScript script = Script(0ms);

  SECTION("a 4xx: 401 is kUnauthenticated, with the vendor's message") {
    script.status = 401;
    script.error_type = "invalid_request_error";
    script.error_message = "Incorrect API key provided";
    script.error_code = "invalid_api_key";
    server->SetScript("m", script);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kUnauthenticated);
    CHECK(outcome.error().http_status() == 401);
    CHECK(outcome.error().provider() == "fake");
    CHECK(outcome.error().model() == "m");
    CHECK(outcome.error().message().find("Incorrect API key provided") != std::string::npos);
    CHECK(outcome.error().message().find("sk-test-key") == std::string::npos);
  }
  SECTION("a 5xx: 500 is kUnavailable") {
    script.status = 500;
    server->SetScript("m", script);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kUnavailable);
    CHECK(outcome.error().http_status() == 500);
  }
  SECTION("a 429 carries Retry-After") {
    script.status = 429;
    script.retry_after = "7";
    script.error_type = "requests";
    script.error_code = "rate_limit_exceeded";
    server->SetScript("m", script);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kResourceExhausted);
    CHECK(outcome.error().retry_after() == std::chrono::milliseconds(7000));
    CHECK(outcome.error().retryable());
  }
  SECTION("a malformed body is kDataLoss") {
    script.body = BodyMode::kMalformed;
    server->SetScript("m", script);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kDataLoss);
    CHECK(outcome.error().provider() == "fake");
  }
  SECTION("a reset connection is kUnavailable") {
    script.body = BodyMode::kReset;
    server->SetScript("m", script);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kUnavailable);
  }
}

TEST_CASE("an oversized body is kDataLoss", "[orchestrator]") {
  auto server = StartFake();
  ModelScript huge = Script(0ms);
  huge.body = BodyMode::kHuge;
  huge.huge_bytes = 4 << 20;
  server->SetScript("m", huge);
  OrchestratorOptions options;
  options.max_response_bytes = 1 << 20;
  auto orchestrator = Orchestrator(*server, {"m"}, options);
  auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kDataLoss);
  CHECK(outcome.error().message().find("max_response_bytes") != std::string::npos);
}

TEST_CASE("a refused connection is kUnavailable", "[orchestrator]") {
  auto created = MultiLLMOrchestrator::Create();
  REQUIRE(created);
  auto& orchestrator = **created;
  const auto port = prsm::testing::UnusedLoopbackPort();
  REQUIRE(orchestrator.AddProvider(
      FakeOpenAI("http://127.0.0.1:" + std::to_string(port) + "/v1", "nowhere")));
  REQUIRE(orchestrator.AddModel(Model("m", 1, 1, "nowhere")));
  auto outcome = SubmitAndWait(orchestrator, Query::FromText("hi"));
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kUnavailable);
  CHECK(outcome.error().provider() == "nowhere");
}

TEST_CASE("cancelling through the handle completes the request with kCancelled", "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("slow", Script(10s));
  auto orchestrator = Orchestrator(*server, {"slow"});
  Outcomes outcomes;
  prsm::RequestHandle handle = orchestrator->Submit(Query::FromText("hi"), outcomes.Callback(0));
  CHECK(handle.id() != 0);
  REQUIRE(prsm::testing::WaitUntil([&] { return server->RequestCount("slow") == 1; }));
  CHECK_FALSE(handle.done());
  CHECK(handle.Cancel());
  REQUIRE(outcomes.WaitFor(1));
  CHECK(outcomes.CallsOf(0) == 1);
  REQUIRE_FALSE(outcomes.Get(0));
  CHECK(outcomes.Get(0).error().code() == ErrorCode::kCancelled);
  CHECK(handle.done());
  CHECK_FALSE(handle.Cancel());  // already finished
  CHECK(prsm::testing::WaitUntil([&] { return server->open_connections() == 0; }));
  CHECK(outcomes.CallsOf(0) == 1);
}

TEST_CASE("stats count open transfers and pending timers that return to 0 when requests end",
          "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("slow", Script(10s));
  auto orchestrator = Orchestrator(*server, {"slow"});
  CHECK(orchestrator->stats().open_transfers == 0);
  CHECK(orchestrator->stats().pending_timers == 0);
  Outcomes outcomes;
  prsm::RequestHandle handle = orchestrator->Submit(Query::FromText("hi"), outcomes.Callback(0));
  REQUIRE(prsm::testing::WaitUntil([&] { return server->RequestCount("slow") == 1; }));
  // The transfer is running and the request's deadline is a timer on the loop.
  CHECK(prsm::testing::WaitUntil([&] {
    const auto stats = orchestrator->stats();
    return stats.open_transfers == 1 && stats.pending_timers >= 1;
  }));
  CHECK(handle.Cancel());
  REQUIRE(outcomes.WaitFor(1));
  CHECK(prsm::testing::WaitUntil([&] {
    const auto stats = orchestrator->stats();
    return stats.in_flight == 0 && stats.open_transfers == 0 && stats.pending_timers == 0;
  }));
}

TEST_CASE("the request deadline ends a slow request with kDeadlineExceeded", "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("slow", Script(10s));
  auto orchestrator = Orchestrator(*server, {"slow"});
  Query query = Query::FromText("hi");
  query.context.timeout = 150ms;
  const auto start = std::chrono::steady_clock::now();
  auto outcome = SubmitAndWait(*orchestrator, query);
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kDeadlineExceeded);
  CHECK(std::chrono::steady_clock::now() - start >= 150ms);
}

TEST_CASE("the attempt timeout bounds one attempt", "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("slow", Script(10s));
  OrchestratorOptions options;
  options.attempt_timeout = 100ms;
  auto orchestrator = Orchestrator(*server, {"slow"}, options);
  auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
  REQUIRE_FALSE(outcome);
  CHECK(outcome.error().code() == ErrorCode::kDeadlineExceeded);
  CHECK(outcome.error().model() == "slow");
}

TEST_CASE("the admission limit rejects with kResourceExhausted, off the caller's thread",
          "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("slow", Script(10s));
  OrchestratorOptions options;
  options.max_in_flight = 2;
  Outcomes outcomes;  // declared first: it must outlive the orchestrator's last callback
  auto orchestrator = Orchestrator(*server, {"slow"}, options);
  auto first = orchestrator->Submit(Query::FromText("1"), outcomes.Callback(1));
  auto second = orchestrator->Submit(Query::FromText("2"), outcomes.Callback(2));
  orchestrator->Submit(Query::FromText("3"), outcomes.Callback(3));
  REQUIRE(outcomes.WaitFor(1));
  REQUIRE_FALSE(outcomes.Get(3));
  CHECK(outcomes.Get(3).error().code() == ErrorCode::kResourceExhausted);
  CHECK(outcomes.CallsOf(3) == 1);
  CHECK_FALSE(outcomes.RanOn(std::this_thread::get_id()));
  CHECK(orchestrator->stats().in_flight == 2);
  // Freeing a slot admits the next request.
  first.Cancel();
  REQUIRE(outcomes.WaitFor(2));
  server->SetScript("fast", Script(0ms));
  REQUIRE(orchestrator->AddModel(Model("fast")));
  Query fast = Query::FromText("4");
  fast.context.models = {"fast"};
  auto admitted = SubmitAndWait(*orchestrator, fast);
  CHECK(admitted);
  second.Cancel();
  REQUIRE(outcomes.WaitFor(3));
  CHECK(outcomes.Get(2).error().code() == ErrorCode::kCancelled);
}

TEST_CASE("destroying the orchestrator completes everything in flight with kCancelled",
          "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("slow", Script(10s));
  Outcomes outcomes;
  {
    auto orchestrator = Orchestrator(*server, {"slow"});
    for (int i = 0; i < 10; ++i) orchestrator->Submit(Query::FromText("hi"), outcomes.Callback(i));
    REQUIRE(prsm::testing::WaitUntil([&] { return server->RequestCount("slow") == 10; }));
  }
  // Every callback has run before the destructor returned.
  REQUIRE(outcomes.size() == 10);
  for (int i = 0; i < 10; ++i) {
    CHECK(outcomes.CallsOf(i) == 1);
    REQUIRE_FALSE(outcomes.Get(i));
    CHECK(outcomes.Get(i).error().code() == ErrorCode::kCancelled);
  }
}

TEST_CASE("many threads submitting: every callback exactly once", "[orchestrator]") {
  auto server = StartFake();
  server->SetDefaultScript(Script(1ms));
  OrchestratorOptions options;
  options.routing = prsm::MakeFanOutRouting(2);
  auto orchestrator = Orchestrator(*server, {"a", "b"}, options);
  Outcomes outcomes;
  constexpr int kThreads = 4;
  constexpr int kPerThread = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        orchestrator->Submit(Query::FromText("q"), outcomes.Callback(t * kPerThread + i));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(outcomes.WaitFor(kThreads * kPerThread, 60s));
  for (int key = 0; key < kThreads * kPerThread; ++key) {
    REQUIRE(outcomes.CallsOf(key) == 1);
    CHECK(outcomes.Get(key));
  }
  auto stats = orchestrator->stats();
  CHECK(stats.submitted == kThreads * kPerThread);
  CHECK(stats.succeeded == kThreads * kPerThread);
  CHECK(stats.in_flight == 0);
}

TEST_CASE("Process returns a future and ProcessAndWait blocks", "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("m", Script(0ms));
  auto orchestrator = Orchestrator(*server, {"m"});
  auto future = orchestrator->Process(Query::FromText("hi"));
  auto response = future.get();
  REQUIRE(response);
  CHECK(response->answer == "answer from m");
  auto waited = orchestrator->ProcessAndWait(Query::FromText("hi"));
  REQUIRE(waited);
  CHECK(waited->request_id != response->request_id);
}

TEST_CASE("ProcessAndWait from a callback fails instead of deadlocking", "[orchestrator]") {
  auto server = StartFake();
  server->SetScript("m", Script(0ms));
  auto orchestrator = Orchestrator(*server, {"m"});
  std::promise<ErrorCode> nested;
  orchestrator->Submit(Query::FromText("hi"), [&](Result<Response>) {
    auto inner = orchestrator->ProcessAndWait(Query::FromText("again"));
    nested.set_value(inner ? ErrorCode::kOk : inner.error().code());
  });
  auto future = nested.get_future();
  REQUIRE(future.wait_for(30s) == std::future_status::ready);
  CHECK(future.get() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("bad queries and registrations are rejected with clear errors", "[orchestrator]") {
  auto server = StartFake();
  auto orchestrator = Orchestrator(*server, {"m"});

  SECTION("a query without messages") {
    auto outcome = SubmitAndWait(*orchestrator, Query{});
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("a query naming an unknown model") {
    Query query = Query::FromText("hi");
    query.context.models = {"nope"};
    auto outcome = SubmitAndWait(*orchestrator, query);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kNotFound);
    CHECK(outcome.error().message().find("nope") != std::string::npos);
  }
  SECTION("a non-positive timeout") {
    Query query = Query::FromText("hi");
    query.context.timeout = 0ms;
    auto outcome = SubmitAndWait(*orchestrator, query);
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("registration errors") {
    CHECK(orchestrator->AddModel(Model("x", 1, 1, "no-such-provider")).error().code() ==
          ErrorCode::kNotFound);
    CHECK(orchestrator->AddModel(Model("m")).error().code() == ErrorCode::kAlreadyExists);
    CHECK(orchestrator->AddProvider(FakeOpenAI(server->base_url())).error().code() ==
          ErrorCode::kAlreadyExists);
    CHECK(orchestrator->AddProvider(std::shared_ptr<const prsm::Provider>()).error().code() ==
          ErrorCode::kInvalidArgument);
    CHECK(orchestrator->models().size() == 1);
  }
  SECTION("no models at all") {
    auto empty = MultiLLMOrchestrator::Create();
    REQUIRE(empty);
    auto outcome = SubmitAndWait(**empty, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kFailedPrecondition);
  }
  SECTION("bad options") {
    OrchestratorOptions options;
    options.max_in_flight = 0;
    CHECK(MultiLLMOrchestrator::Create(options).error().code() == ErrorCode::kInvalidArgument);
  }
}

namespace {

// Answers from another thread, like an in-process model would.
class ThreadedProvider final : public prsm::InProcessProvider {
 public:
  enum class Mode { kAnswer, kAnswerTwice, kThrow, kNever };
  explicit ThreadedProvider(Mode mode) : mode_(mode) {}
  ~ThreadedProvider() override {
    for (auto& thread : threads_) thread.join();
  }
  std::string_view id() const noexcept override { return "local"; }
  void Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) override {
    if (mode_ == Mode::kThrow) throw std::runtime_error("model crashed");
    if (mode_ == Mode::kNever) return;
    const std::string model = request.model;
    threads_.emplace_back([done, model, twice = mode_ == Mode::kAnswerTwice] {
      prsm::Completion completion;
      completion.text = "local answer from " + model;
      completion.usage.input_tokens = 10;
      completion.usage.output_tokens = 5;
      done(completion);
      if (twice) done(completion);
    });
  }

 private:
  Mode mode_;
  std::vector<std::thread> threads_;
};

std::unique_ptr<MultiLLMOrchestrator> LocalOrchestrator(ThreadedProvider::Mode mode,
                                                        OrchestratorOptions options = {}) {
  auto created = MultiLLMOrchestrator::Create(std::move(options));
  REQUIRE(created);
  auto orchestrator = std::move(*created);
  REQUIRE(orchestrator->AddProvider(std::make_shared<ThreadedProvider>(mode)));
  REQUIRE(orchestrator->AddModel(Model("local-model", 1, 1, "local")));
  return orchestrator;
}

}  // namespace

TEST_CASE("in-process providers are driven like HTTP ones", "[orchestrator]") {
  SECTION("an answer from another thread is accounted for") {
    auto orchestrator = LocalOrchestrator(ThreadedProvider::Mode::kAnswer);
    auto response = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE(response);
    CHECK(response->answer == "local answer from local-model");
    CHECK(response->cost_usd == Approx(15.0 / 1e6));
  }
  SECTION("a second answer to the same call is ignored") {
    auto orchestrator = LocalOrchestrator(ThreadedProvider::Mode::kAnswerTwice);
    auto response = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE(response);
    CHECK(response->attempts.size() == 1);
  }
  SECTION("a provider that throws fails the attempt with kInternal") {
    auto orchestrator = LocalOrchestrator(ThreadedProvider::Mode::kThrow);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kInternal);
    CHECK(outcome.error().message().find("model crashed") != std::string::npos);
  }
  SECTION("a provider that never answers hits the attempt timeout") {
    OrchestratorOptions options;
    options.attempt_timeout = 50ms;
    auto orchestrator = LocalOrchestrator(ThreadedProvider::Mode::kNever, options);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kDeadlineExceeded);
  }
}

namespace {

class BrokenStrategy final : public prsm::RoutingStrategy {
 public:
  explicit BrokenStrategy(bool throws) : throws_(throws) {}
  std::string_view name() const noexcept override { return "broken"; }
  Result<prsm::RoutePlan> Plan(const Query&, const prsm::RoutingContext&) override {
    if (throws_) throw std::logic_error("bug in strategy");
    prsm::RoutePlan plan;
    prsm::PlanStage stage;
    stage.models = {"ghost"};
    plan.stages.push_back(stage);
    return plan;
  }

 private:
  bool throws_;
};

class RejectAll final : public prsm::ConsensusRule {
 public:
  std::string_view name() const noexcept override { return "reject-all"; }
  bool IsDecided(const std::vector<prsm::Candidate>&, std::size_t) const override { return false; }
  prsm::Decision Decide(const std::vector<prsm::Candidate>&) const override {
    prsm::Decision decision;
    decision.explanation = "the answers disagree";
    return decision;
  }
};

}  // namespace

TEST_CASE("plug-in misbehaviour becomes an error, never a crash", "[orchestrator]") {
  auto server = StartFake();
  server->SetDefaultScript(Script(0ms));
  OrchestratorOptions options;

  SECTION("a strategy that throws") {
    options.routing = std::make_shared<BrokenStrategy>(true);
    auto orchestrator = Orchestrator(*server, {"m"}, options);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kInternal);
    CHECK(outcome.error().message().find("bug in strategy") != std::string::npos);
  }
  SECTION("a strategy that plans an unknown model") {
    options.routing = std::make_shared<BrokenStrategy>(false);
    auto orchestrator = Orchestrator(*server, {"m"}, options);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kInternal);
    CHECK(outcome.error().message().find("ghost") != std::string::npos);
  }
  SECTION("a rule that accepts nothing gives kNoConsensus and still accounts the cost") {
    options.routing = prsm::MakeFanOutRouting(2);
    options.consensus = std::make_shared<RejectAll>();
    auto orchestrator = Orchestrator(*server, {"a", "b"}, options);
    auto outcome = SubmitAndWait(*orchestrator, Query::FromText("hi"));
    REQUIRE_FALSE(outcome);
    CHECK(outcome.error().code() == ErrorCode::kNoConsensus);
    CHECK(outcome.error().message().find("the answers disagree") != std::string::npos);
    CHECK(orchestrator->stats().cost_usd > 0.0);
  }
}
