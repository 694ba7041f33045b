// MultiLLMOrchestrator::Stream end to end: events in order, the commit point, first-token and
// idle deadlines, failures before and after the commit, cancellation. Against the fake
// provider over loopback (every protocol it speaks) and in-process providers. Every case runs
// once per executor backend.
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "fake_provider_server.h"
#include "prsm/prsm.h"
#include "test_servers.h"

using namespace std::chrono_literals;
using prsm::ErrorCode;
using prsm::MultiLLMOrchestrator;
using prsm::OrchestratorOptions;
using prsm::Query;
using prsm::Response;
using prsm::Result;
using prsm::StreamEvent;
using prsm::testing::FakeOrchestrator;
using prsm::testing::Model;
using prsm::testing::Models;
using prsm::testing::StartFake;

namespace {

// Collects one stream: its events and its single on_done.
class Collected {
 public:
  prsm::StreamEventCallback OnEvent() {
    return [this](const StreamEvent& event) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (done_calls_ > 0) ++events_after_done_;
      events_.push_back(event);
    };
  }
  prsm::ResponseCallback OnDone() {
    return [this](Result<Response> outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++done_calls_;
      outcome_.emplace(std::move(outcome));
      changed_.notify_all();
    };
  }
  bool Wait(std::chrono::seconds limit = 30s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return outcome_.has_value(); });
  }
  std::vector<StreamEvent> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  const Result<Response>& outcome() {
    std::lock_guard<std::mutex> lock(mutex_);
    return *outcome_;
  }
  int done_calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_calls_;
  }
  int events_after_done() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_after_done_;
  }
  std::string Text() {
    std::string text;
    for (const StreamEvent& event : events()) {
      if (event.kind == StreamEvent::Kind::kTextDelta) text += event.text;
    }
    return text;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<StreamEvent> events_;
  std::optional<Result<Response>> outcome_;
  int done_calls_ = 0;
  int events_after_done_ = 0;
};

// Answers whole, from the calling thread.
class LocalModel final : public prsm::InProcessProvider {
 public:
  std::string_view id() const noexcept override { return "local"; }
  void Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) override {
    prsm::Completion completion;
    completion.text = "local answer to " + request.messages.back().content;
    completion.finish_reason = prsm::FinishReason::kStop;
    completion.usage.input_tokens = 10;
    completion.usage.output_tokens = 4;
    done(completion);
  }
};

// An HTTP codec that cannot stream (the default NewStreamDecoder).
class PlainOnlyProvider final : public prsm::Provider {
 public:
  std::string_view id() const noexcept override { return "plain-only"; }
  Result<prsm::HttpRequest> BuildRequest(const prsm::CompletionRequest&) const override {
    prsm::HttpRequest request;
    request.url = "http://127.0.0.1:1/never";
    return request;
  }
  Result<prsm::Completion> ParseResponse(const prsm::HttpResponse&) const override {
    return prsm::Error(ErrorCode::kInternal, "never called");
  }
};

}  // namespace

TEST_CASE("an in-process answer streams as one set of events, then on_done", "[stream]") {
  auto created = MultiLLMOrchestrator::Create();
  REQUIRE(created);
  auto& orchestrator = **created;
  REQUIRE(orchestrator.AddProvider(std::make_shared<LocalModel>()));
  REQUIRE(orchestrator.AddModel(Model("local-model", 1.0, 2.0, "local")));
  Collected collected;
  orchestrator.Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
  REQUIRE(collected.Wait());
  CHECK(collected.done_calls() == 1);
  CHECK(collected.events_after_done() == 0);
  REQUIRE(collected.outcome());
  CHECK(collected.outcome()->answer == "local answer to hi");
  CHECK(collected.Text() == "local answer to hi");
  const auto events = collected.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == StreamEvent::Kind::kTextDelta);
  CHECK(events[0].model == "local-model");
  CHECK(events[1].kind == StreamEvent::Kind::kUsage);
  CHECK(events[1].usage.total_tokens() == 14);
  CHECK(events[2].kind == StreamEvent::Kind::kFinish);
  CHECK(collected.outcome()->cost_usd == Approx(18.0 / 1e6));
}

TEST_CASE("a provider that cannot stream fails with kUnimplemented; fallback still streams",
          "[stream]") {
  OrchestratorOptions options;
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
  auto created = MultiLLMOrchestrator::Create(options);
  REQUIRE(created);
  auto& orchestrator = **created;
  REQUIRE(orchestrator.AddProvider(std::make_shared<PlainOnlyProvider>()));
  REQUIRE(orchestrator.AddProvider(std::make_shared<LocalModel>()));
  REQUIRE(orchestrator.AddModel(Model("plain", 1.0, 2.0, "plain-only")));
  REQUIRE(orchestrator.AddModel(Model("local-model", 1.0, 2.0, "local")));

  SECTION("alone") {
    Query query = Query::FromText("hi");
    query.context.models = {"plain"};
    Collected collected;
    orchestrator.Stream(query, collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE_FALSE(collected.outcome());
    CHECK(collected.outcome().error().code() == ErrorCode::kUnimplemented);
    CHECK(collected.events().empty());
  }
  SECTION("with a fallback") {
    Collected collected;
    orchestrator.Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE(collected.outcome());
    CHECK(collected.outcome()->model == "local-model");
    REQUIRE(collected.outcome()->attempts.size() == 2);
    CHECK(collected.outcome()->attempts[0].error->code() == ErrorCode::kUnimplemented);
  }
}

// --- Against the fake provider, in every protocol it speaks --------------------------------

namespace {

using prsm::testing::FakeProviderServer;
using prsm::testing::ModelScript;

enum class Protocol { kOpenAI, kAnthropic, kGemini, kOllama };

const char* Name(Protocol protocol) {
  switch (protocol) {
    case Protocol::kOpenAI:
      return "openai";
    case Protocol::kAnthropic:
      return "anthropic";
    case Protocol::kGemini:
      return "gemini";
    case Protocol::kOllama:
      return "ollama";
  }
  return "?";
}

// The codec for `protocol`, pointed at the fake server, under the id "fake".
std::shared_ptr<const prsm::Provider> FakeProvider(Protocol protocol,
                                                   const FakeProviderServer& server) {
  const std::string root = "http://127.0.0.1:" + std::to_string(server.port());
  prsm::Result<std::shared_ptr<const prsm::Provider>> provider =
      prsm::Error(ErrorCode::kInternal, "unset");
  switch (protocol) {
    case Protocol::kOpenAI: {
      prsm::OpenAIConfig config;
      config.id = "fake";
      config.base_url = server.base_url();
      config.api_key = "sk-test";
      provider = prsm::MakeOpenAIProvider(config);
      break;
    }
    case Protocol::kAnthropic: {
      prsm::AnthropicConfig config;
      config.id = "fake";
      config.base_url = root;
      config.api_key = "sk-ant-test";
      provider = prsm::MakeAnthropicProvider(config);
      break;
    }
    case Protocol::kGemini: {
      prsm::GeminiConfig config;
      config.id = "fake";
      config.base_url = root;
      config.api_key = "gemini-test";
      provider = prsm::MakeGeminiProvider(config);
      break;
    }
    case Protocol::kOllama: {
      prsm::OllamaConfig config;
      config.id = "fake";
      config.base_url = root;
      provider = prsm::MakeOllamaProvider(config);
      break;
    }
  }
  REQUIRE(provider);
  return *provider;
}

std::unique_ptr<MultiLLMOrchestrator> StreamingOrchestrator(Protocol protocol,
                                                            const FakeProviderServer& server,
                                                            std::vector<std::string> models,
                                                            OrchestratorOptions options = {}) {
  return FakeOrchestrator(FakeProvider(protocol, server), Models(models), std::move(options));
}

ModelScript Streamed(std::string text) {
  ModelScript script;
  script.text = std::move(text);
  script.prompt_tokens = 20;
  script.completion_tokens = 6;
  return script;
}

const Protocol kProtocols[] = {Protocol::kOpenAI, Protocol::kAnthropic, Protocol::kGemini,
                               Protocol::kOllama};

}  // namespace

TEST_CASE("a stream delivers deltas in order, then usage, finish and the full response",
          "[stream]") {
  for (const Protocol protocol : kProtocols) {
    INFO("protocol " << Name(protocol));
    auto server = StartFake();
    ModelScript script = Streamed("one two three four five");
    script.chunk_latency = 5ms;
    server->SetScript("m", script);
    auto orchestrator = StreamingOrchestrator(protocol, *server, {"m"});
    Collected collected;
    orchestrator->Stream(Query::FromText("count"), collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    CHECK(collected.done_calls() == 1);
    CHECK(collected.events_after_done() == 0);
    REQUIRE(collected.outcome());
    const Response& response = *collected.outcome();
    CHECK(response.answer == "one two three four five");
    CHECK(collected.Text() == response.answer);
    int deltas = 0;
    bool saw_finish = false;
    for (const StreamEvent& event : collected.events()) {
      CHECK(event.model == "m");
      CHECK(event.kind != StreamEvent::Kind::kError);
      if (event.kind == StreamEvent::Kind::kTextDelta) ++deltas;
      if (event.kind == StreamEvent::Kind::kFinish) saw_finish = true;
    }
    CHECK(deltas == 5);  // one chunk per word
    CHECK(saw_finish);
    CHECK(response.usage.output_tokens == 6);
    CHECK(response.cost_usd > 0.0);
    auto recorded = server->recorded_requests();
    REQUIRE(recorded.size() == 1);
  }
}

TEST_CASE("a stall before the first token fails over within the first-token deadline", "[stream]") {
  for (const Protocol protocol : kProtocols) {
    INFO("protocol " << Name(protocol));
    auto server = StartFake();
    ModelScript stalled = Streamed("too late");
    stalled.stall_before_first_token = 10s;
    server->SetScript("stalls", stalled);
    server->SetScript("backup", Streamed("from the backup"));
    OrchestratorOptions options;
    options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
    options.first_token_timeout = 300ms;
    auto orchestrator = StreamingOrchestrator(protocol, *server, {"stalls", "backup"}, options);
    Collected collected;
    const auto start = std::chrono::steady_clock::now();
    orchestrator->Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE(collected.outcome());
    CHECK(collected.outcome()->model == "backup");
    CHECK(collected.Text() == "from the backup");
    for (const StreamEvent& event : collected.events()) CHECK(event.model == "backup");
    REQUIRE(collected.outcome()->attempts.size() == 2);
    const prsm::Attempt& first = collected.outcome()->attempts[0];
    REQUIRE(first.error);
    CHECK(first.error->code() == ErrorCode::kDeadlineExceeded);
    CHECK(first.latency >= 300ms);
    // It moved on when the deadline expired, not when the stalled model would have answered.
    CHECK(std::chrono::steady_clock::now() - start < 10s);
    CHECK(prsm::testing::WaitUntil([&] { return server->open_connections() <= 1; }));
  }
}

TEST_CASE("a reset after the first token is an error event, never a switch", "[stream]") {
  for (const Protocol protocol : kProtocols) {
    INFO("protocol " << Name(protocol));
    auto server = StartFake();
    ModelScript broken = Streamed("alpha beta gamma delta");
    broken.reset_after_chunks = 2;
    broken.chunk_latency = 5ms;
    server->SetScript("breaks", broken);
    server->SetScript("backup", Streamed("never asked"));
    OrchestratorOptions options;
    options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
    auto orchestrator = StreamingOrchestrator(protocol, *server, {"breaks", "backup"}, options);
    Collected collected;
    orchestrator->Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE_FALSE(collected.outcome());
    CHECK(collected.outcome().error().code() == ErrorCode::kUnavailable);
    CHECK(collected.Text() == "alpha beta");
    const auto events = collected.events();
    REQUIRE_FALSE(events.empty());
    CHECK(events.back().kind == StreamEvent::Kind::kError);
    REQUIRE(events.back().error);
    CHECK(events.back().error->code() == ErrorCode::kUnavailable);
    CHECK(server->RequestCount("backup") == 0);
    CHECK(collected.done_calls() == 1);
  }
}

TEST_CASE("a stream cut short after the first token is an error event", "[stream]") {
  for (const Protocol protocol : kProtocols) {
    INFO("protocol " << Name(protocol));
    auto server = StartFake();
    ModelScript truncated = Streamed("alpha beta gamma delta");
    truncated.truncate_after_chunks = 3;
    server->SetScript("m", truncated);
    auto orchestrator = StreamingOrchestrator(protocol, *server, {"m"});
    Collected collected;
    orchestrator->Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE_FALSE(collected.outcome());
    CHECK(collected.outcome().error().code() == ErrorCode::kUnavailable);
    CHECK(collected.Text() == "alpha beta gamma");
    CHECK(collected.events().back().kind == StreamEvent::Kind::kError);
  }
}

TEST_CASE("silence after the first token hits the idle deadline", "[stream]") {
  for (const Protocol protocol : kProtocols) {
    INFO("protocol " << Name(protocol));
    auto server = StartFake();
    ModelScript idle = Streamed("alpha beta");
    idle.stall_after_first_token = 10s;
    server->SetScript("m", idle);
    OrchestratorOptions options;
    options.stream_idle_timeout = 300ms;
    auto orchestrator = StreamingOrchestrator(protocol, *server, {"m"}, options);
    Collected collected;
    orchestrator->Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE_FALSE(collected.outcome());
    CHECK(collected.outcome().error().code() == ErrorCode::kDeadlineExceeded);
    CHECK(collected.outcome().error().message().find("stream_idle_timeout") != std::string::npos);
    CHECK(collected.Text() == "alpha");
    CHECK(prsm::testing::WaitUntil([&] { return server->open_connections() == 0; }));
  }
}

TEST_CASE("racing streams: the first content commits and the others stop at once", "[stream]") {
  auto server = StartFake();
  ModelScript slow = Streamed("slow answer");
  slow.stall_before_first_token = 10s;
  server->SetScript("slow", slow);
  server->SetScript("fast", Streamed("fast answer"));
  OrchestratorOptions options;
  options.routing = prsm::MakeFanOutRouting(2);
  auto orchestrator = StreamingOrchestrator(Protocol::kOpenAI, *server, {"slow", "fast"}, options);
  Collected collected;
  orchestrator->Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
  REQUIRE(collected.Wait());
  REQUIRE(collected.outcome());
  CHECK(collected.outcome()->model == "fast");
  CHECK(collected.Text() == "fast answer");
  for (const prsm::Attempt& attempt : collected.outcome()->attempts) {
    if (attempt.model == "slow") CHECK(attempt.outcome == prsm::Attempt::Outcome::kCancelled);
  }
  CHECK(prsm::testing::WaitUntil([&] { return server->open_connections() <= 1; }));
}

TEST_CASE("cancelling a stream stops its transfer at once", "[stream]") {
  auto server = StartFake();
  ModelScript slow = Streamed("a b c d e f g h");
  slow.chunk_latency = 2s;
  server->SetScript("m", slow);
  auto orchestrator = StreamingOrchestrator(Protocol::kOpenAI, *server, {"m"});
  Collected collected;
  std::promise<void> first_token;
  std::atomic<bool> once{false};
  auto on_event = collected.OnEvent();
  prsm::RequestHandle handle = orchestrator->Stream(
      Query::FromText("hi"),
      [&](const StreamEvent& event) {
        on_event(event);
        if (event.is_content() && !once.exchange(true)) first_token.set_value();
      },
      collected.OnDone());
  REQUIRE(first_token.get_future().wait_for(30s) == std::future_status::ready);
  CHECK(handle.Cancel());
  REQUIRE(collected.Wait());
  REQUIRE_FALSE(collected.outcome());
  CHECK(collected.outcome().error().code() == ErrorCode::kCancelled);
  CHECK(collected.events().back().kind == StreamEvent::Kind::kError);
  // The connection closes long before the server's next chunk (2 s away) would be due.
  CHECK(prsm::testing::WaitUntil([&] { return server->open_connections() == 0; }, 1500ms));
}

TEST_CASE("streamed tool calls arrive as deltas and assemble in the response", "[stream]") {
  for (const Protocol protocol : kProtocols) {
    INFO("protocol " << Name(protocol));
    auto server = StartFake();
    ModelScript script = Streamed("");
    script.tool_calls.push_back({"get_weather", R"({"city":"Paris"})"});
    script.finish_reason = "tool_calls";
    server->SetScript("m", script);
    auto orchestrator = StreamingOrchestrator(protocol, *server, {"m"});
    Query query = Query::FromText("weather in Paris?");
    prsm::ToolDefinition tool;
    tool.name = "get_weather";
    tool.parameters_json_schema = R"({"type":"object","properties":{"city":{"type":"string"}}})";
    query.request.tools.push_back(tool);
    Collected collected;
    orchestrator->Stream(query, collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE(collected.outcome());
    const prsm::Completion& completion = collected.outcome()->completion;
    REQUIRE(completion.tool_calls.size() == 1);
    CHECK(completion.tool_calls[0].name == "get_weather");
    CHECK(completion.tool_calls[0].arguments_json.find("Paris") != std::string::npos);
    CHECK(completion.finish_reason == prsm::FinishReason::kToolCalls);
    bool saw_delta = false;
    for (const StreamEvent& event : collected.events()) {
      saw_delta = saw_delta || event.kind == StreamEvent::Kind::kToolCallDelta;
    }
    CHECK(saw_delta);
  }
}
