// prsm/coro.h end to end: co_await Process() and StreamAsync() against the fake provider over
// loopback, Task chaining, SyncWait, cancellation by dropping a stream, an orchestrator
// destroyed under suspended coroutines, and both orders of the completion/suspension
// handshake made deterministic. Compiled as C++20; every case runs once per executor backend.
#include "prsm/coro.h"

#include <algorithm>
#include <coroutine>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "fake_provider_server.h"
#include "prsm/prsm.h"
#include "test_servers.h"

using prsm::ErrorCode;
using prsm::MultiLLMOrchestrator;
using prsm::Query;
using prsm::Response;
using prsm::Result;
using prsm::StreamEvent;
using prsm::Task;
using prsm::testing::FakeOrchestrator;
using prsm::testing::Models;
using prsm::testing::Says;
using prsm::testing::StartFake;
using prsm::testing::WaitUntil;

namespace {

Task<Result<Response>> Ask(MultiLLMOrchestrator& orchestrator, Query query) {
  co_return co_await prsm::Process(orchestrator, std::move(query));
}

// The awaiting thread, before and after the await: tells which way the handshake went.
struct Resumed {
  Result<Response> result;
  std::thread::id before;
  std::thread::id after;
};

Task<Resumed> AskAndWatch(MultiLLMOrchestrator& orchestrator, Query query) {
  const std::thread::id before = std::this_thread::get_id();
  Result<Response> result = co_await prsm::Process(orchestrator, std::move(query));
  co_return Resumed{std::move(result), before, std::this_thread::get_id()};
}

// A coroutine that only records that it ran: a handle for the Rendezvous cases.
struct Probe {
  struct promise_type {
    Probe get_return_object() {
      return Probe{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

Probe MarkRan(bool& ran) {
  ran = true;
  co_return;
}

}  // namespace

TEST_CASE("co_await Process resumes with the fake provider's answer, fully accounted", "[coro]") {
  auto server = StartFake();
  server->SetScript("gpt-4", Says("Hedge about two thirds."));
  auto orchestrator = FakeOrchestrator(*server, Models({"gpt-4"}));

  Query query = Query::FromText("Should we hedge?");
  query.context.attributes = {{"domain", "finance"}};
  Resumed resumed = prsm::SyncWait(AskAndWatch(*orchestrator, std::move(query)));

  REQUIRE(resumed.result);
  CHECK(resumed.result->answer == "Hedge about two thirds.");
  CHECK(resumed.result->model == "gpt-4");
  CHECK(resumed.result->usage.input_tokens == prsm::testing::kSaysPromptTokens);
  CHECK(resumed.result->cost_usd > 0.0);
  CHECK(server->RequestCount("gpt-4") == 1);
}

TEST_CASE("co_await Process reports errors as values", "[coro]") {
  auto server = StartFake();
  auto orchestrator = FakeOrchestrator(*server, Models({"gpt-4"}));

  SECTION("an empty query") {
    Result<Response> result = prsm::SyncWait(Ask(*orchestrator, Query{}));
    REQUIRE_FALSE(result);
    CHECK(result.error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("an HTTP failure of the only model") {
    prsm::testing::ModelScript failing;
    failing.status = 401;
    server->SetScript("gpt-4", failing);
    Result<Response> result = prsm::SyncWait(Ask(*orchestrator, Query::FromText("hi")));
    REQUIRE_FALSE(result);
    CHECK(result.error().code() == ErrorCode::kUnauthenticated);
    CHECK(result.error().model() == "gpt-4");
  }
}

namespace {

Task<int> CountWords(MultiLLMOrchestrator& orchestrator, std::string question) {
  Result<Response> result = co_await Ask(orchestrator, Query::FromText(std::move(question)));
  if (!result) co_return - 1;
  int words = 1;
  for (char c : result->answer) words += c == ' ' ? 1 : 0;
  co_return words;
}

Task<> AskTwice(MultiLLMOrchestrator& orchestrator, std::vector<int>& counts) {
  counts.push_back(co_await CountWords(orchestrator, "first"));
  Task<int> second = CountWords(orchestrator, "second");  // lazy: nothing sent yet
  counts.push_back(co_await second);
}

}  // namespace

TEST_CASE("Tasks chain: a Task awaits Tasks that await requests, in order", "[coro]") {
  auto server = StartFake();
  server->SetScript("gpt-4", Says("one two three"));
  auto orchestrator = FakeOrchestrator(*server, Models({"gpt-4"}));

  std::vector<int> counts;
  Task<> task = AskTwice(*orchestrator, counts);
  CHECK(server->RequestCount("gpt-4") == 0);  // a Task starts only when awaited
  prsm::SyncWait(std::move(task));
  CHECK(counts == std::vector<int>{3, 3});
  CHECK(server->RequestCount("gpt-4") == 2);
}

namespace {

struct StreamRead {
  std::vector<StreamEvent> events;
  std::optional<Result<Response>> result;
};

Task<StreamRead> ReadStream(MultiLLMOrchestrator& orchestrator, Query query) {
  StreamRead read;
  prsm::ResponseStream stream = prsm::StreamAsync(orchestrator, std::move(query));
  while (std::optional<StreamEvent> event = co_await stream.Next()) {
    read.events.push_back(std::move(*event));
  }
  read.result.emplace(co_await stream.Result());
  co_return read;
}

std::string TextOf(const std::vector<StreamEvent>& events) {
  std::string text;
  for (const StreamEvent& event : events) {
    if (event.kind == StreamEvent::Kind::kTextDelta) text += event.text;
  }
  return text;
}

}  // namespace

TEST_CASE("StreamAsync yields every event in order, then the full Response", "[coro]") {
  auto server = StartFake();
  prsm::testing::ModelScript script = Says("Hedge most of it with forwards, layered by month.");
  script.chunks = 5;
  server->SetScript("claude-3", script);
  auto orchestrator = FakeOrchestrator(*server, Models({"claude-3"}));

  StreamRead read = prsm::SyncWait(ReadStream(*orchestrator, Query::FromText("Hedge?")));

  REQUIRE(read.result.has_value());
  REQUIRE(*read.result);
  const Response& response = **read.result;
  CHECK(response.answer == "Hedge most of it with forwards, layered by month.");
  CHECK(TextOf(read.events) == response.answer);
  std::size_t deltas = 0;
  for (const StreamEvent& event : read.events) {
    deltas += event.kind == StreamEvent::Kind::kTextDelta ? 1 : 0;
    CHECK(event.model == "claude-3");
  }
  CHECK(deltas == 5);
  const auto finish = std::find_if(read.events.begin(), read.events.end(), [](const auto& e) {
    return e.kind == StreamEvent::Kind::kFinish;
  });
  REQUIRE(finish != read.events.end());
  CHECK(finish->finish_reason == prsm::FinishReason::kStop);
  CHECK(response.cost_usd > 0.0);
}

TEST_CASE("StreamAsync of a failing query ends at once with the error", "[coro]") {
  auto server = StartFake();
  auto orchestrator = FakeOrchestrator(*server, Models({"claude-3"}));
  StreamRead read = prsm::SyncWait(ReadStream(*orchestrator, Query{}));
  CHECK(read.events.empty());
  REQUIRE(read.result.has_value());
  REQUIRE_FALSE(*read.result);
  CHECK(read.result->error().code() == ErrorCode::kInvalidArgument);
}

namespace {

// Reads the first event, then drops the stream.
Task<std::optional<StreamEvent>> FirstEventOnly(MultiLLMOrchestrator& orchestrator) {
  prsm::ResponseStream stream = prsm::StreamAsync(orchestrator, Query::FromText("slow"));
  co_return co_await stream.Next();
}

}  // namespace

TEST_CASE("Dropping a ResponseStream cancels its request", "[coro]") {
  auto server = StartFake();
  prsm::testing::ModelScript slow = Says("first and then nothing for a long time");
  slow.chunks = 2;
  slow.stall_after_first_token = std::chrono::minutes(10);
  server->SetScript("llama-2", slow);
  auto orchestrator = FakeOrchestrator(*server, Models({"llama-2"}));

  std::optional<StreamEvent> first = prsm::SyncWait(FirstEventOnly(*orchestrator));
  REQUIRE(first.has_value());
  // The request completes (cancelled) without its ten-minute stall, and the server sees the
  // client hang up.
  CHECK(WaitUntil([&] { return orchestrator->stats().in_flight == 0; }));
  CHECK(orchestrator->stats().failed == 1);
  CHECK(WaitUntil([&] { return server->pending_timers() == 0; }));
}

TEST_CASE("Destroying the orchestrator resumes suspended coroutines with kCancelled", "[coro]") {
  auto server = StartFake();
  prsm::testing::ModelScript slow = Says("too late");
  slow.latency = std::chrono::minutes(10);
  server->SetScript("gpt-4", slow);
  auto orchestrator = FakeOrchestrator(*server, Models({"gpt-4"}));

  constexpr int kWaiting = 3;
  std::vector<std::optional<Result<Response>>> results(kWaiting);
  std::vector<std::thread> threads;
  for (int i = 0; i < kWaiting; ++i) {
    threads.emplace_back([&, i] {
      results[i].emplace(prsm::SyncWait(Ask(*orchestrator, Query::FromText("hello"))));
    });
  }
  REQUIRE(WaitUntil([&] { return server->RequestCount("gpt-4") == kWaiting; }));
  orchestrator.reset();
  for (std::thread& thread : threads) thread.join();
  for (const auto& result : results) {
    REQUIRE(result.has_value());
    REQUIRE_FALSE(*result);
    CHECK(result->error().code() == ErrorCode::kCancelled);
  }
}

TEST_CASE("The handshake: a completion before the park does not suspend", "[coro]") {
  prsm::coro_detail::Rendezvous rendezvous;
  rendezvous.Complete(prsm::Error(ErrorCode::kInvalidArgument, "empty query"));
  bool ran = false;
  Probe probe = MarkRan(ran);
  CHECK_FALSE(rendezvous.Park(probe.handle));  // await_suspend returns false: go on at once
  CHECK_FALSE(ran);                            // and the completion resumed nothing
  Result<Response> result = rendezvous.Take();
  REQUIRE_FALSE(result);
  CHECK(result.error().code() == ErrorCode::kInvalidArgument);
  probe.handle.destroy();
}

TEST_CASE("The handshake: a park before the completion is resumed by it", "[coro]") {
  prsm::coro_detail::Rendezvous rendezvous;
  bool ran = false;
  Probe probe = MarkRan(ran);
  CHECK(rendezvous.Park(probe.handle));
  CHECK_FALSE(ran);
  rendezvous.Complete(prsm::Error(ErrorCode::kCancelled, "stopped"));
  CHECK(ran);  // the completion resumed the parked coroutine
  CHECK(probe.handle.done());
  CHECK(rendezvous.Take().error().code() == ErrorCode::kCancelled);
  probe.handle.destroy();
}
