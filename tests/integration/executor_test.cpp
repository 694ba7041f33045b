// The event loop against real servers on loopback: the fake provider, a raw socket server for
// shapes the fake cannot produce, and a TLS + HTTP/2 server (Node's http2 module). Tagged
// [loop]: ctest runs every case once per backend (PRSM_EXECUTOR=epoll and =poll).
#include "net/executor.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "fake_provider_server.h"
#include "test_servers.h"

using namespace std::chrono_literals;
using prsm::ErrorCode;
using prsm::HttpRequest;
using prsm::net::Executor;
using prsm::net::TransferOptions;
using prsm::net::TransferResult;
using prsm::testing::BodyMode;
using prsm::testing::FakeProviderServer;
using prsm::testing::ModelScript;
using prsm::testing::StartFake;

namespace {

std::unique_ptr<Executor> MakeExecutor(prsm::net::ExecutorOptions options = {}) {
  auto executor = Executor::Create(std::move(options));
  REQUIRE(executor);
  return std::move(*executor);
}

HttpRequest Chat(const std::string& base_url, const std::string& model) {
  HttpRequest request;
  request.url = base_url + "/chat/completions";
  request.headers = {{"Content-Type", "application/json"}};
  request.body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}]})";
  return request;
}

// Collects results from the loop thread and lets the test thread wait for a count.
class Results {
 public:
  void Add(std::size_t key, TransferResult result, bool on_loop_thread) {
    std::lock_guard<std::mutex> lock(mutex_);
    ++calls_[key];
    if (!on_loop_thread) ++off_loop_;
    results_.emplace(key, std::move(result));
    changed_.notify_all();
  }
  bool WaitFor(std::size_t count, std::chrono::seconds limit = 30s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return results_.size() >= count; });
  }
  const TransferResult& Get(std::size_t key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return results_.find(key)->second;
  }
  int CallsOf(std::size_t key) {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_[key];
  }
  int off_loop() {
    std::lock_guard<std::mutex> lock(mutex_);
    return off_loop_;
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lock(mutex_);
    return results_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::multimap<std::size_t, TransferResult> results_;
  std::map<std::size_t, int> calls_;
  int off_loop_ = 0;
};

// Starts `request` from the loop thread and records its result under `key`.
void StartOnLoop(Executor& executor, Results& results, std::size_t key, HttpRequest request,
                 TransferOptions options = {}) {
  REQUIRE(executor.Post([&executor, &results, key, request = std::move(request), options] {
    executor.StartTransfer(request, options, [&executor, &results, key](TransferResult result) {
      results.Add(key, std::move(result), executor.InLoopThread());
    });
  }));
}

TransferResult RunOne(Executor& executor, HttpRequest request, TransferOptions options = {}) {
  Results results;
  StartOnLoop(executor, results, 0, std::move(request), options);
  REQUIRE(results.WaitFor(1));
  CHECK(results.CallsOf(0) == 1);
  return results.Get(0);
}

}  // namespace

TEST_CASE("the executor runs the backend PRSM_EXECUTOR names", "[loop][executor]") {
  auto executor = MakeExecutor();
  const char* env = std::getenv("PRSM_EXECUTOR");
  const std::string name = env != nullptr ? env : "epoll";
  CHECK(executor->backend() ==
        (name == "poll" ? prsm::ExecutorBackend::kPoll : prsm::ExecutorBackend::kEpoll));
}

TEST_CASE("hundreds of concurrent transfers each complete exactly once on the loop thread",
          "[loop][executor]") {
  auto server = StartFake();
  ModelScript script;
  script.latency = 20ms;
  server->SetDefaultScript(script);
  auto executor = MakeExecutor();
  Results results;
  constexpr std::size_t kCount = 300;
  for (std::size_t i = 0; i < kCount; ++i) {
    StartOnLoop(*executor, results, i, Chat(server->base_url(), "m" + std::to_string(i % 3)));
  }
  REQUIRE(results.WaitFor(kCount));
  for (std::size_t i = 0; i < kCount; ++i) {
    INFO("transfer " << i);
    CHECK(results.CallsOf(i) == 1);
    const TransferResult& result = results.Get(i);
    REQUIRE(result.response);
    CHECK(result.response->status == 200);
    CHECK(result.response->body.find("\"chat.completion\"") != std::string::npos);
    CHECK(result.timings.total >= result.timings.first_byte);
  }
  CHECK(results.off_loop() == 0);
  CHECK(server->total_requests() == kCount);
}

TEST_CASE("concurrent transfers to one cleartext host all go out at once", "[loop][executor]") {
  // Regression: with PIPEWAIT on a cleartext HTTP/1.1 host, libcurl held every transfer until
  // the first response, serialising a fan-out behind the slowest first answer.
  auto server = StartFake();
  server->SetDefaultScript([] {
    ModelScript script;
    script.latency = 10s;
    return script;
  }());
  Results results;  // outlives the executor, whose Stop() still calls back
  auto executor = MakeExecutor();
  for (std::size_t i = 0; i < 5; ++i)
    StartOnLoop(*executor, results, i, Chat(server->base_url(), "m"));
  // All five reach the server before it can have answered any of them.
  CHECK(prsm::testing::WaitUntil([&] { return server->RequestCount("m") == 5; }, 8s));
  CHECK(results.size() == 0);
}

TEST_CASE("a transfer callback is never called inside StartTransfer", "[loop][executor]") {
  auto executor = MakeExecutor();
  std::promise<std::pair<bool, ErrorCode>> seen;
  REQUIRE(executor->Post([&] {
    auto called = std::make_shared<bool>(false);
    auto inside = std::make_shared<bool>(true);
    HttpRequest bad;  // no URL: fails before any I/O
    executor->StartTransfer(bad, {}, [&, called, inside](TransferResult result) {
      *called = true;
      seen.set_value({*inside, result.response.error().code()});
    });
    *inside = false;
    CHECK_FALSE(*called);
  }));
  auto future = seen.get_future();
  REQUIRE(future.wait_for(10s) == std::future_status::ready);
  auto [was_inside, code] = future.get();
  CHECK_FALSE(was_inside);
  CHECK(code == ErrorCode::kInvalidArgument);
}

TEST_CASE("transport failures map to their codes", "[loop][executor]") {
  auto executor = MakeExecutor();

  SECTION("connection refused is kUnavailable") {
    const std::uint16_t port = prsm::testing::UnusedLoopbackPort();
    auto result = RunOne(*executor, Chat("http://127.0.0.1:" + std::to_string(port) + "/v1", "m"));
    REQUIRE_FALSE(result.response);
    CHECK(result.response.error().code() == ErrorCode::kUnavailable);
  }

  auto server = StartFake();
  ModelScript script;
  SECTION("a reset before the headers is kUnavailable") {
    script.body = BodyMode::kReset;
    server->SetScript("m", script);
    auto result = RunOne(*executor, Chat(server->base_url(), "m"));
    REQUIRE_FALSE(result.response);
    CHECK(result.response.error().code() == ErrorCode::kUnavailable);
  }
  SECTION("a truncated body is kUnavailable") {
    script.body = BodyMode::kTruncated;
    server->SetScript("m", script);
    auto result = RunOne(*executor, Chat(server->base_url(), "m"));
    REQUIRE_FALSE(result.response);
    CHECK(result.response.error().code() == ErrorCode::kUnavailable);
  }
  SECTION("HTTP errors are responses, with their headers") {
    script.status = 429;
    script.retry_after = "7";
    server->SetScript("m", script);
    auto result = RunOne(*executor, Chat(server->base_url(), "m"));
    REQUIRE(result.response);
    CHECK(result.response->status == 429);
    CHECK(result.response->Header("retry-after") == "7");
    CHECK(result.response->Header("Retry-After") == "7");
  }
  SECTION("an attempt timeout is kDeadlineExceeded") {
    script.latency = 5s;
    server->SetScript("slow", script);
    TransferOptions options;
    options.timeout = 100ms;
    const auto start = std::chrono::steady_clock::now();
    auto result = RunOne(*executor, Chat(server->base_url(), "slow"), options);
    REQUIRE_FALSE(result.response);
    CHECK(result.response.error().code() == ErrorCode::kDeadlineExceeded);
    CHECK(std::chrono::steady_clock::now() - start >= 100ms);
  }
}

TEST_CASE("a header that would smuggle in another is refused before sending", "[loop][executor]") {
  auto server = StartFake();
  auto executor = MakeExecutor();
  HttpRequest request = Chat(server->base_url(), "m");
  request.headers.push_back({"X-Note", "fine\r\nX-Injected: yes"});
  auto result = RunOne(*executor, request);
  REQUIRE_FALSE(result.response);
  CHECK(result.response.error().code() == ErrorCode::kInvalidArgument);
  CHECK(server->total_requests() == 0);
}

TEST_CASE("a recycled handle carries nothing over from its previous request", "[loop][executor]") {
  auto server = StartFake();
  auto executor = MakeExecutor();
  // Sequential requests reuse one easy handle: method, headers and body must all follow the
  // new request, not the old one.
  HttpRequest post = Chat(server->base_url(), "first");
  post.headers.push_back({"X-Trace", "one"});
  REQUIRE(RunOne(*executor, post).response->status == 200);
  HttpRequest get;
  get.method = "GET";
  get.url = server->base_url() + "/chat/completions";
  auto got = RunOne(*executor, get);
  REQUIRE(got.response);
  CHECK(got.response->status == 405);  // the fake only accepts POST here
  HttpRequest second = Chat(server->base_url(), "second");
  REQUIRE(RunOne(*executor, second).response->status == 200);
  auto recorded = server->recorded_requests();
  REQUIRE(recorded.size() == 3);
  CHECK(recorded[1].method == "GET");
  CHECK(recorded[1].body.empty());
  CHECK(recorded[2].method == "POST");
  CHECK(recorded[2].model == "second");
  for (const auto& [name, value] : recorded[2].headers) CHECK(name != "X-Trace");
  bool traced = false;
  for (const auto& [name, value] : recorded[0].headers) traced = traced || name == "X-Trace";
  CHECK(traced);
}

TEST_CASE("a body over the size cap is kDataLoss, not memory growth", "[loop][executor]") {
  auto executor = MakeExecutor();
  TransferOptions options;
  options.max_response_bytes = 1 << 20;

  SECTION("announced by Content-Length") {
    auto server = StartFake();
    ModelScript script;
    script.body = BodyMode::kHuge;
    script.huge_bytes = 8 << 20;
    server->SetScript("huge", script);
    auto result = RunOne(*executor, Chat(server->base_url(), "huge"), options);
    REQUIRE_FALSE(result.response);
    CHECK(result.response.error().code() == ErrorCode::kDataLoss);
    CHECK(result.response.error().message().find("limit") != std::string::npos);
  }
  SECTION("streamed without a length") {
    // Only the write callback can stop a body whose size is not announced.
    prsm::testing::RawHttpServer raw(prsm::testing::RawHttpServer::kEndlessBodyNoLength);
    auto result = RunOne(*executor, Chat(raw.base_url(), "m"), options);
    REQUIRE_FALSE(result.response);
    CHECK(result.response.error().code() == ErrorCode::kDataLoss);
  }
  SECTION("a body just under the cap arrives whole") {
    auto server = StartFake();
    ModelScript script;
    script.body = BodyMode::kHuge;
    script.huge_bytes = (1 << 20) - 16;
    server->SetScript("big", script);
    auto result = RunOne(*executor, Chat(server->base_url(), "big"), options);
    REQUIRE(result.response);
    CHECK(result.response->body.size() == (1u << 20) - 16);
  }
}

TEST_CASE("a streaming transfer hands over its body as it arrives, on the loop thread",
          "[loop][executor]") {
  // The raw server sends 64 KiB pieces without end until the client hangs up: the sink sees
  // several runs, then cancels the transfer from inside itself, which must stop it at once.
  prsm::testing::RawHttpServer raw(prsm::testing::RawHttpServer::kEndlessBodyNoLength);
  auto executor = MakeExecutor();
  struct State {
    std::mutex mutex;
    std::size_t bytes = 0;
    int runs = 0;
    int off_loop = 0;
    bool completed = false;
    bool cancelled = false;
  };
  auto state = std::make_shared<State>();
  std::promise<void> stopped;
  REQUIRE(executor->Post([&, state] {
    TransferOptions options;
    options.max_response_bytes = std::size_t{1} << 30;
    auto id = std::make_shared<prsm::net::TransferId>(0);
    options.on_data = [&, state, id](std::string_view bytes) {
      std::lock_guard<std::mutex> lock(state->mutex);
      if (!executor->InLoopThread()) ++state->off_loop;
      state->bytes += bytes.size();
      ++state->runs;
      if (state->bytes >= (std::size_t{4} << 20) && !state->cancelled) {
        state->cancelled = executor->CancelTransfer(*id);
        stopped.set_value();
      }
    };
    *id = executor->StartTransfer(Chat(raw.base_url(), "m"), options, [state](TransferResult) {
      std::lock_guard<std::mutex> lock(state->mutex);
      state->completed = true;
    });
  }));
  REQUIRE(stopped.get_future().wait_for(30s) == std::future_status::ready);
  executor->Stop();
  std::lock_guard<std::mutex> lock(state->mutex);
  CHECK(state->cancelled);
  CHECK(state->runs > 1);
  CHECK(state->bytes >= (std::size_t{4} << 20));
  CHECK(state->off_loop == 0);
  CHECK_FALSE(state->completed);  // cancelled: the completion callback never runs
}

TEST_CASE("an error response to a streaming transfer is collected whole", "[loop][executor]") {
  auto server = StartFake();
  ModelScript script;
  script.status = 503;
  server->SetScript("m", script);
  Results results;  // outlives the executor
  std::atomic<int> runs{0};
  auto executor = MakeExecutor();
  REQUIRE(executor->Post([&] {
    TransferOptions options;
    options.on_data = [&](std::string_view) { ++runs; };
    executor->StartTransfer(Chat(server->base_url(), "m"), options, [&](TransferResult result) {
      results.Add(0, std::move(result), true);
    });
  }));
  REQUIRE(results.WaitFor(1));
  REQUIRE(results.Get(0).response);
  CHECK(results.Get(0).response->status == 503);
  CHECK(results.Get(0).response->body.find("scripted failure") != std::string::npos);
  CHECK(runs == 0);
  executor->Stop();
}

TEST_CASE("CancelTransfer aborts the exchange and never calls back", "[loop][executor]") {
  auto server = StartFake();
  ModelScript script;
  script.latency = 10s;
  server->SetScript("slow", script);
  auto executor = MakeExecutor();
  std::atomic<int> calls{0};
  std::promise<bool> cancelled;
  std::promise<prsm::net::TransferId> started;
  REQUIRE(executor->Post([&] {
    started.set_value(executor->StartTransfer(Chat(server->base_url(), "slow"), {},
                                              [&](TransferResult) { ++calls; }));
  }));
  const auto id = started.get_future().get();
  REQUIRE(prsm::testing::WaitUntil([&] { return server->RequestCount("slow") == 1; }));
  REQUIRE(executor->Post([&] { cancelled.set_value(executor->CancelTransfer(id)); }));
  CHECK(cancelled.get_future().get());
  // The server sees the connection go away long before its 10 s latency.
  CHECK(prsm::testing::WaitUntil([&] { return server->open_connections() == 0; }));
  std::promise<bool> again;
  REQUIRE(executor->Post([&] { again.set_value(executor->CancelTransfer(id)); }));
  CHECK_FALSE(again.get_future().get());
  executor->Stop();
  CHECK(calls == 0);
}

TEST_CASE("Stop completes running transfers with kCancelled, exactly once", "[loop][executor]") {
  auto server = StartFake();
  ModelScript script;
  script.latency = 10s;
  server->SetScript("slow", script);
  auto executor = MakeExecutor();
  Results results;
  for (std::size_t i = 0; i < 5; ++i)
    StartOnLoop(*executor, results, i, Chat(server->base_url(), "slow"));
  REQUIRE(prsm::testing::WaitUntil([&] { return server->RequestCount("slow") == 5; }));
  executor->Stop();
  REQUIRE(results.size() == 5);
  for (std::size_t i = 0; i < 5; ++i) {
    CHECK(results.CallsOf(i) == 1);
    REQUIRE_FALSE(results.Get(i).response);
    CHECK(results.Get(i).response.error().code() == ErrorCode::kCancelled);
  }
  CHECK_FALSE(executor->Post([] {}));  // a stopped loop refuses work
}

TEST_CASE("timers fire in order, cancelled ones never", "[loop][executor]") {
  auto executor = MakeExecutor();
  std::mutex mutex;
  std::string order;
  std::promise<void> done;
  REQUIRE(executor->Post([&] {
    const auto now = prsm::net::Clock::now();
    executor->AddTimer(now + 30ms, [&] {
      std::lock_guard<std::mutex> lock(mutex);
      order += 'c';
      done.set_value();
    });
    executor->AddTimer(now + 10ms, [&] {
      std::lock_guard<std::mutex> lock(mutex);
      order += 'a';
    });
    auto cancelled = executor->AddTimer(now + 20ms, [&] {
      std::lock_guard<std::mutex> lock(mutex);
      order += 'X';
    });
    executor->AddTimer(now + 20ms, [&] {
      std::lock_guard<std::mutex> lock(mutex);
      order += 'b';
    });
    CHECK(executor->CancelTimer(cancelled));
  }));
  REQUIRE(done.get_future().wait_for(10s) == std::future_status::ready);
  std::lock_guard<std::mutex> lock(mutex);
  CHECK(order == "abc");
}

TEST_CASE("tasks posted from many threads all run once, on the loop thread", "[loop][executor]") {
  auto executor = MakeExecutor();
  std::atomic<int> ran{0};
  std::atomic<int> off_loop{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2'000; ++i) {
        REQUIRE(executor->Post([&] {
          if (!executor->InLoopThread()) ++off_loop;
          ++ran;
        }));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  REQUIRE(prsm::testing::WaitUntil([&] { return ran == 8'000; }));
  CHECK(off_loop == 0);
  CHECK_FALSE(executor->InLoopThread());
}

TEST_CASE("the per-host connection cap bounds the connections opened", "[loop][executor]") {
  auto server = StartFake();
  ModelScript script;
  script.latency = 30ms;
  server->SetDefaultScript(script);
  prsm::net::ExecutorOptions options;
  options.max_connections_per_host = 2;
  auto executor = MakeExecutor(options);
  Results results;
  for (std::size_t i = 0; i < 20; ++i)
    StartOnLoop(*executor, results, i, Chat(server->base_url(), "m"));
  REQUIRE(results.WaitFor(20));
  for (std::size_t i = 0; i < 20; ++i) CHECK(results.Get(i).response);
  CHECK(server->accepted_connections() <= 2);
  CHECK(server->total_requests() == 20);
}

TEST_CASE("HTTPS: verification is on, a host CA bundle is honoured, HTTP/2 multiplexes",
          "[loop][executor][tls]") {
  prsm::testing::TlsH2Server tls;
  if (!tls.started()) {
    WARN("skipped: " << tls.why_not());
    return;
  }
  const HttpRequest request = Chat(tls.base_url(), "m");

  SECTION("an untrusted certificate fails with kFailedPrecondition") {
    auto executor = MakeExecutor();
    auto result = RunOne(*executor, request);
    REQUIRE_FALSE(result.response);
    CHECK(result.response.error().code() == ErrorCode::kFailedPrecondition);
  }
  SECTION("trusting its CA, concurrent requests share one HTTP/2 connection") {
    prsm::net::ExecutorOptions options;
    options.transfer.ca_bundle_path = tls.ca_file();
    auto executor = MakeExecutor(options);
    Results results;
    constexpr std::size_t kCount = 20;
    for (std::size_t i = 0; i < kCount; ++i) StartOnLoop(*executor, results, i, request);
    REQUIRE(results.WaitFor(kCount));
    for (std::size_t i = 0; i < kCount; ++i) {
      REQUIRE(results.Get(i).response);
      CHECK(results.Get(i).response->status == 200);
      CHECK(results.Get(i).response->Header("x-http-version") == "2.0");
      // Multiplexed: PIPEWAIT made every request wait for the first connection's ALPN answer.
      CHECK(results.Get(i).response->Header("x-session-id") == "1");
    }
  }
}
