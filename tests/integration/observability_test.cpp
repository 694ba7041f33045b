// Observability through the public API, over loopback HTTP against the fake provider: the
// observer's events (their order, their thread, what each carries), a blocked observer that
// does not delay requests, metrics and their Prometheus text (checked by promtool), the
// structured log, and W3C trace ids sent as `traceparent`. No sleeps: waits are on callbacks,
// promises and conditions.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "promtool_check.h"
#include "test_servers.h"

namespace prsm {
namespace {

using namespace std::chrono_literals;
using testing::FakeOrchestrator;
using testing::Model;
using testing::Models;
using testing::ModelScript;
using testing::Says;
using testing::StartFake;

// Keeps every event, and on which thread it came.
class Recorder : public Observer {
 public:
  void OnEvent(const ObserverEvent& event) override {
    std::lock_guard<std::mutex> lock(mutex_);
    events_.push_back(event);
    threads_.insert(std::this_thread::get_id());
    changed_.notify_all();
  }
  // Waits until `count` kRequestFinished events have arrived.
  bool WaitFinished(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] {
      return static_cast<std::size_t>(
                 std::count_if(events_.begin(), events_.end(), [](const ObserverEvent& e) {
                   return e.kind == EventKind::kRequestFinished;
                 })) >= count;
    });
  }
  std::vector<ObserverEvent> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  std::vector<EventKind> kinds(std::uint64_t request_id) {
    std::vector<EventKind> out;
    for (const ObserverEvent& e : events()) {
      if (e.request_id == request_id) out.push_back(e.kind);
    }
    return out;
  }
  std::set<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<ObserverEvent> events_;
  std::set<std::thread::id> threads_;
};

ModelScript Failing(int status) {
  ModelScript script;
  script.status = status;
  return script;
}

// The value of header `name` (case-insensitive) in a recorded request, or "".
std::string HeaderOf(const testing::RecordedRequest& request, const std::string& name) {
  for (const auto& [key, value] : request.headers) {
    if (key.size() == name.size() &&
        std::equal(key.begin(), key.end(), name.begin(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return "";
}

TEST_CASE("observer: a request's events in order, on the observer thread, fully filled",
          "[observe]") {
  auto server = StartFake();
  server->SetScript("m", Says("hello"));
  auto recorder = std::make_shared<Recorder>();
  OrchestratorOptions options;
  options.observers = {recorder};
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);

  std::promise<std::thread::id> loop_thread;
  std::promise<Result<Response>> done;
  orchestrator->Submit(Query::FromText("hi"), [&](Result<Response> response) {
    loop_thread.set_value(std::this_thread::get_id());
    done.set_value(std::move(response));
  });
  auto response = done.get_future().get();
  REQUIRE(response);
  REQUIRE(recorder->WaitFinished(1));

  const std::uint64_t id = response->request_id;
  CHECK(recorder->kinds(id) ==
        std::vector<EventKind>{EventKind::kRouteDecided, EventKind::kAttemptStarted,
                               EventKind::kAttemptFinished, EventKind::kConsensusReached,
                               EventKind::kRequestFinished});
  const auto threads = recorder->threads();
  CHECK(threads.size() == 1);
  CHECK(threads.count(loop_thread.get_future().get()) == 0);  // never the loop
  CHECK(threads.count(std::this_thread::get_id()) == 0);

  const auto events = recorder->events();
  for (const ObserverEvent& e : events) CHECK(e.trace_id == response->trace_id);
  const ObserverEvent& route = events[0];
  REQUIRE(route.route);
  CHECK(route.route->stages == std::vector<std::vector<std::string>>{{"m"}});
  const ObserverEvent& finished_attempt = events[2];
  CHECK(finished_attempt.model == "m");
  CHECK(finished_attempt.provider == "fake");
  CHECK(finished_attempt.span_id == response->attempts[0].span_id);
  CHECK(finished_attempt.outcome == Attempt::Outcome::kSucceeded);
  CHECK(finished_attempt.usage.input_tokens == testing::kSaysPromptTokens);
  CHECK(finished_attempt.cost_usd == Approx(response->attempts[0].cost_usd));
  CHECK(finished_attempt.latency == response->attempts[0].latency);
  const ObserverEvent& consensus = events[3];
  REQUIRE(consensus.consensus);
  CHECK(consensus.consensus->rule == response->consensus.rule);
  CHECK(consensus.model == "m");
  const ObserverEvent& last = events[4];
  CHECK_FALSE(last.error);
  CHECK(last.cost_usd == Approx(response->cost_usd));
  CHECK(last.attempt_index == 1);
}

TEST_CASE("observer: a retry, a fallback's budget refusal and a failed request are reported",
          "[observe]") {
  auto server = StartFake();
  server->SetScriptSequence("m", {Failing(503), Says("after a retry")});
  server->SetScript("down", Failing(500));
  auto recorder = std::make_shared<Recorder>();
  OrchestratorOptions options;
  options.observers = {recorder};
  options.retry.max_retries = 1;
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 2ms;
  auto orchestrator = FakeOrchestrator(*server, Models({"m", "down"}), options);

  auto retried = orchestrator->ProcessAndWait(Query::FromText("hi"));
  REQUIRE(retried);
  CHECK(retried->answer == "after a retry");

  Query poor = Query::FromText("hi");
  poor.context.max_cost_usd = 1e-12;  // nothing fits
  auto refused = orchestrator->ProcessAndWait(std::move(poor));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kBudgetExceeded);
  REQUIRE(recorder->WaitFinished(2));

  const auto events = recorder->events();
  auto find = [&](EventKind kind) {
    return std::find_if(events.begin(), events.end(),
                        [kind](const ObserverEvent& e) { return e.kind == kind; });
  };
  const auto retry = find(EventKind::kRetryScheduled);
  REQUIRE(retry != events.end());
  CHECK(retry->model == "m");
  CHECK(retry->retry == 1);
  REQUIRE(retry->error);
  CHECK(retry->error->http_status() == 503);
  CHECK(retry->delay <= 2ms);
  // The retry's own attempt says it is one.
  const auto retry_started = std::find_if(events.begin(), events.end(), [](const auto& e) {
    return e.kind == EventKind::kAttemptStarted && e.retry == 1;
  });
  CHECK(retry_started != events.end());

  const auto budget = find(EventKind::kBudgetExhausted);
  REQUIRE(budget != events.end());
  CHECK(budget->request_id != retried->request_id);
  REQUIRE(budget->error);
  CHECK(budget->error->code() == ErrorCode::kBudgetExceeded);
  const auto failed = std::find_if(events.begin(), events.end(), [&](const auto& e) {
    return e.kind == EventKind::kRequestFinished && e.request_id == budget->request_id;
  });
  REQUIRE(failed != events.end());
  REQUIRE(failed->error);
  CHECK(failed->error->code() == ErrorCode::kBudgetExceeded);
}

TEST_CASE("observer: a circuit opening is an event", "[observe]") {
  auto server = StartFake();
  server->SetScript("down", Failing(503));
  auto recorder = std::make_shared<Recorder>();
  OrchestratorOptions options;
  options.observers = {recorder};
  options.retry.max_retries = 0;
  options.breaker.consecutive_failures = 2;
  auto orchestrator = FakeOrchestrator(*server, Models({"down"}), options);
  for (int i = 0; i < 2; ++i) CHECK_FALSE(orchestrator->ProcessAndWait(Query::FromText("hi")));
  REQUIRE(recorder->WaitFinished(2));
  const auto events = recorder->events();
  const auto opened = std::find_if(events.begin(), events.end(), [](const ObserverEvent& e) {
    return e.kind == EventKind::kCircuitChanged && e.circuit &&
           e.circuit->to == CircuitState::kOpen;
  });
  REQUIRE(opened != events.end());
  CHECK(opened->request_id == 0);
  CHECK(opened->model == opened->circuit->name);
  const std::string text = FormatPrometheus(orchestrator->metrics());
  CHECK(text.find("state=\"open\"} 1") != std::string::npos);
}

// Blocks in OnEvent until released; counts what it got.
class BlockedObserver : public Observer {
 public:
  explicit BlockedObserver(std::shared_future<void> gate) : gate_(std::move(gate)) {}
  void OnEvent(const ObserverEvent&) override {
    gate_.wait();
    received.fetch_add(1);
  }
  std::atomic<std::uint64_t> received{0};

 private:
  std::shared_future<void> gate_;
};

TEST_CASE(
    "observer: a blocked observer does not delay requests; every event is delivered or "
    "counted as dropped",
    "[observe]") {
  auto server = StartFake();
  server->SetScript("m", Says("quick"));
  std::promise<void> release;
  auto observer = std::make_shared<BlockedObserver>(release.get_future().share());
  OrchestratorOptions options;
  options.observers = {observer};
  options.observer_queue_capacity = 16;
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);

  constexpr int kRequests = 40;
  constexpr std::uint64_t kEventsPerRequest = 5;  // route, attempt x2, consensus, finished
  std::mutex mutex;
  std::condition_variable all_done;
  int succeeded = 0;
  int completed = 0;
  for (int i = 0; i < kRequests; ++i) {
    orchestrator->Submit(Query::FromText("hi"), [&](Result<Response> response) {
      std::lock_guard<std::mutex> lock(mutex);
      succeeded += response ? 1 : 0;
      ++completed;
      all_done.notify_all();
    });
  }
  {
    // Every request completes while the observer is still blocked on its first event.
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(all_done.wait_for(lock, 30s, [&] { return completed == kRequests; }));
  }
  CHECK(succeeded == kRequests);
  CHECK(observer->received.load() == 0);
  const std::uint64_t dropped = orchestrator->stats().observer_events_dropped;
  CHECK(dropped > 0);
  CHECK(orchestrator->metrics().observer_events_dropped == dropped);
  release.set_value();
  orchestrator.reset();  // delivers what is still queued
  CHECK(observer->received.load() + dropped == kRequests * kEventsPerRequest);
}

TEST_CASE("metrics: per model counters, tokens, cost and latency; Prometheus text valid",
          "[observe][metrics]") {
  auto server = StartFake();
  server->SetScript("good", Says("fine"));
  server->SetScript("bad", Failing(500));
  OrchestratorOptions options;
  options.retry.max_retries = 0;
  auto orchestrator = FakeOrchestrator(*server, Models({"good", "bad"}), options);
  for (int i = 0; i < 3; ++i) REQUIRE(orchestrator->ProcessAndWait(Query::FromText("hi")));
  Query to_bad = Query::FromText("hi");
  to_bad.context.models = {"bad"};
  auto failed = orchestrator->ProcessAndWait(std::move(to_bad));
  REQUIRE_FALSE(failed);

  const MetricsSnapshot metrics = orchestrator->metrics();
  CHECK(metrics.requests_succeeded == 3);
  CHECK(metrics.requests_failed == 1);
  CHECK(metrics.in_flight == 0);
  REQUIRE(metrics.models.count("good") == 1);
  const ModelMetrics& good = metrics.models.at("good");
  CHECK(good.provider == "fake");
  CHECK(good.requests == 3);
  CHECK(good.attempts_succeeded == 3);
  CHECK(good.attempts_failed == 0);
  CHECK(good.tokens.input_tokens == 3 * testing::kSaysPromptTokens);
  CHECK(good.tokens.output_tokens == 3 * testing::kSaysCompletionTokens);
  const double one =
      (testing::kSaysPromptTokens * 1.0 + testing::kSaysCompletionTokens * 2.0) / 1e6;
  CHECK(good.cost_usd == Approx(3 * one));
  CHECK(good.latency.count == 3);
  CHECK(good.latency.sum > 0.0);
  CHECK(good.time_to_first_token.count == 0);  // nothing was streamed
  const ModelMetrics& bad = metrics.models.at("bad");
  CHECK(bad.requests == 1);
  CHECK(bad.attempts_failed == 1);
  CHECK(bad.errors.at(ErrorCode::kUnavailable) == 1);

  const std::string text = FormatPrometheus(metrics);
  CHECK(text.find("prsm_model_attempts_total{model=\"good\",provider=\"fake\",outcome="
                  "\"succeeded\"} 3\n") != std::string::npos);
  CHECK(text.find("prsm_model_attempt_duration_seconds_count{model=\"good\",provider=\"fake\"} "
                  "3\n") != std::string::npos);
  const auto checked = testing::PromtoolCheckMetrics(text);
  INFO(checked.output);
  CHECK(checked.status == 0);
}

TEST_CASE("metrics: a stream's time to first token", "[observe][metrics]") {
  auto server = StartFake();
  ModelScript script = Says("one two three");
  server->SetScript("m", script);
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}));
  std::promise<Result<Response>> done;
  orchestrator->Stream(
      Query::FromText("hi"), [](const StreamEvent&) {},
      [&](Result<Response> response) { done.set_value(std::move(response)); });
  REQUIRE(done.get_future().get());
  const auto metrics = orchestrator->metrics();
  CHECK(metrics.models.at("m").time_to_first_token.count == 1);
}

TEST_CASE("trace: every attempt sends traceparent with the request's trace id and its own span",
          "[observe][trace]") {
  auto server = StartFake();
  server->SetScriptSequence("m", {Failing(503), Says("ok")});
  OrchestratorOptions options;
  options.retry.max_retries = 1;
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 2ms;
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);

  SECTION("generated") {
    auto response = orchestrator->ProcessAndWait(Query::FromText("hi"));
    REQUIRE(response);
    REQUIRE(response->trace_id.size() == 32);
    REQUIRE(response->attempts.size() == 2);
    const auto requests = server->recorded_requests();
    REQUIRE(requests.size() == 2);
    std::set<std::string> spans;
    for (std::size_t i = 0; i < 2; ++i) {
      const std::string& span = response->attempts[i].span_id;
      CHECK(span.size() == 16);
      spans.insert(span);
      CHECK(HeaderOf(requests[i], "traceparent") ==
            "00-" + response->trace_id + "-" + span + "-01");
    }
    CHECK(spans.size() == 2);  // a span per attempt
  }
  SECTION("given by the host") {
    Query query = Query::FromText("hi");
    query.context.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    auto response = orchestrator->ProcessAndWait(std::move(query));
    REQUIRE(response);
    CHECK(response->trace_id == "4bf92f3577b34da6a3ce929d0e0e4736");
    for (const auto& request : server->recorded_requests()) {
      CHECK(HeaderOf(request, "traceparent").rfind("00-4bf92f3577b34da6a3ce929d0e0e4736-", 0) == 0);
    }
  }
  SECTION("invalid: refused before anything is sent") {
    for (std::string bad : {"4BF92F3577B34DA6A3CE929D0E0E4736", "00000000000000000000000000000000",
                            "xyz", "4bf92f3577b34da6a3ce929d0e0e4736-"}) {
      Query query = Query::FromText("hi");
      query.context.trace_id = bad;
      auto response = orchestrator->ProcessAndWait(std::move(query));
      REQUIRE_FALSE(response);
      CHECK(response.error().code() == ErrorCode::kInvalidArgument);
    }
    CHECK(server->total_requests() == 0);
  }
}

TEST_CASE("trace: trace_header = false sends no traceparent", "[observe][trace]") {
  auto server = StartFake();
  OrchestratorOptions options;
  options.trace_header = false;
  auto orchestrator = FakeOrchestrator(*server, Models({"m"}), options);
  auto response = orchestrator->ProcessAndWait(Query::FromText("hi"));
  REQUIRE(response);
  CHECK(response->trace_id.size() == 32);
  const auto requests = server->recorded_requests();
  REQUIRE(requests.size() == 1);
  CHECK(HeaderOf(requests[0], "traceparent").empty());
}

TEST_CASE("structured log: JSON lines with fields, the minimum level, secrets redacted",
          "[observe][log]") {
  auto server = StartFake();
  server->SetScriptSequence("m", {Failing(503), Says("ok")});
  std::mutex mutex;
  std::vector<std::string> lines;
  std::vector<std::string> plain;
  OrchestratorOptions options;
  options.retry.max_retries = 1;
  options.retry.initial_backoff = 1ms;
  options.retry.max_backoff = 2ms;
  options.min_log_level = LogLevel::kInfo;
  options.redact = {"the-model-name-is-secret"};
  options.structured_log_sink = MakeJsonLinesLogSink([&](std::string_view line) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.emplace_back(line);
  });
  options.log_sink = [&](LogLevel, std::string_view line) {
    std::lock_guard<std::mutex> lock(mutex);
    plain.emplace_back(line);
  };
  server->SetScriptSequence("the-model-name-is-secret", {Failing(503), Says("ok")});
  auto orchestrator = FakeOrchestrator(*server, Models({"the-model-name-is-secret"}), options);
  auto response = orchestrator->ProcessAndWait(Query::FromText("hi"));
  REQUIRE(response);
  orchestrator.reset();  // the loop is joined: no more lines

  const std::string* retry = nullptr;
  for (const std::string& line : lines) {
    CHECK(line.find("the-model-name-is-secret") == std::string::npos);
    CHECK(line.find("\"level\":\"debug\"") == std::string::npos);  // below min_log_level
    if (line.find("retry 1 of 1") != std::string::npos) retry = &line;
  }
  REQUIRE(retry != nullptr);
  CHECK(retry->find("\"level\":\"info\"") != std::string::npos);
  CHECK(retry->find("\"trace_id\":\"" + response->trace_id + "\"") != std::string::npos);
  CHECK(retry->find("\"model\":\"[REDACTED]\"") != std::string::npos);
  CHECK(retry->find("\"error_code\":\"Unavailable\"") != std::string::npos);
  CHECK(plain.size() == lines.size());
  for (const std::string& line : plain) {
    CHECK(line.find("the-model-name-is-secret") == std::string::npos);
  }
}

TEST_CASE("options: a null observer or a zero queue capacity is refused", "[observe]") {
  OrchestratorOptions null_observer;
  null_observer.observers = {nullptr};
  auto refused = MultiLLMOrchestrator::Create(null_observer);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  OrchestratorOptions zero;
  zero.observers = {std::make_shared<Recorder>()};
  zero.observer_queue_capacity = 0;
  auto refused_too = MultiLLMOrchestrator::Create(zero);
  REQUIRE_FALSE(refused_too);
  CHECK(refused_too.error().code() == ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace prsm
