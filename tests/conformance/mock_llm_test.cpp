// prsm's OpenAI codec, through the whole public API, against @dwmkerr/mock-llm: a scriptable
// OpenAI-compatible server someone else wrote. Its rules (written here, loaded at start) echo
// the last message, answer 429 or 500 when the message asks for it, and 401 for a wrong key;
// with `stream: true` it sends the echo as SSE chunks (and an error rule as an in-band error).
// Plain calls go through ProcessAndWait(), streamed ones through Stream().
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "conformance_env.h"
#include "peer_server.h"
#include "prsm/prsm.h"

namespace prsm::conformance {
namespace {

constexpr const char* kGoodKey = "sk-conformance-mock-llm";
constexpr int kPromptTokens = 11;
constexpr int kCompletionTokens = 5;
constexpr std::size_t kChunkSize = 4;  // mock-llm's streaming.chunkSize

// mock-llm takes YAML, and JSON is YAML. The last matching rule wins. The echo template is
// complete enough for OpenAI's schema (created, index, refusal, logprobs, usage).
std::string Rules() {
  const std::string chat = R"("path":"/v1/chat/completions","method":"POST")";
  return std::string(R"({"streaming":{"chunkSize":)" + std::to_string(kChunkSize) +
                     R"(,"chunkIntervalMs":2},"rules":[)") +  //
         "{" +
         chat + R"(,"match":"@","response":{"status":200,"content":)" +
         JsonQuote(R"({"id":"chatcmpl-{{timestamp}}","object":"chat.completion",)"
                   R"("created":1700000000,"model":"{{jmes request body.model}}",)"
                   R"("choices":[{"index":0,"message":{"role":"assistant",)"
                   R"("content":"{{jmes request body.messages[-1].content}}","refusal":null},)"
                   R"("logprobs":null,"finish_reason":"stop"}],)"
                   R"("usage":{"prompt_tokens":)" +
                   std::to_string(kPromptTokens) + R"(,"completion_tokens":)" +
                   std::to_string(kCompletionTokens) + R"(,"total_tokens":)" +
                   std::to_string(kPromptTokens + kCompletionTokens) + "}}") +
         "}}," +  //
         "{" + chat + R"js(,"match":"contains(body.messages[-1].content, 'error-429')",)js" +
         R"("response":{"status":429,"content":)" +
         JsonQuote(R"({"error":{"message":"Rate limit reached for requests","type":"requests",)"
                   R"("param":null,"code":"rate_limit_exceeded"}})") +
         "}}," +  //
         "{" + chat + R"js(,"match":"contains(body.messages[-1].content, 'error-500')",)js" +
         R"("response":{"status":500,"content":)" +
         JsonQuote(R"({"error":{"message":"The server had an error","type":"server_error",)"
                   R"("param":null,"code":null}})") +
         "}}," +  //
         "{" + chat + R"(,"match":"headers.authorization != 'Bearer )" + kGoodKey + R"('",)" +
         R"("response":{"status":401,"content":)" +
         JsonQuote(R"({"error":{"message":"Incorrect API key provided.",)"
                   R"("type":"invalid_request_error","param":null,"code":"invalid_api_key"}})") +
         "}}]}";
}

// mock-llm on 127.0.0.1 (it binds 0.0.0.0 unless HOST says otherwise), once per process.
PeerServer* MockLlm() {
  static std::unique_ptr<PeerServer> server = [] {
    // One file per process (ctest may run two at once), read by mock-llm at start only.
    const std::string config = LogDir() + "/mock-llm-rules-" + std::to_string(getpid()) + ".json";
    std::ofstream(config) << Rules();
    PeerOptions options;
    options.name = "mock-llm";
    options.argv = {NodeBin("mock-llm"), "--config", config};
    options.env = {"HOST=127.0.0.1", "PORT={port}"};
    options.ready_line = "server running on 127.0.0.1:{port}";
    options.ready_limit = std::chrono::seconds(30);
    auto started = std::make_unique<PeerServer>(std::move(options));
    std::remove(config.c_str());
    return started;
  }();
  return server.get();
}

struct Outcome {
  Result<Response> result;
  std::vector<StreamEvent> events;  ///< Streamed calls only.
  std::vector<std::string> log_lines;
};

// An orchestrator whose one model is served by prsm's OpenAI codec pointed at mock-llm.
std::unique_ptr<MultiLLMOrchestrator> OrchestratorFor(
    const std::string& key, const std::shared_ptr<std::vector<std::string>>& lines,
    const std::shared_ptr<std::mutex>& mutex) {
  PeerServer* mock = MockLlm();
  INFO(mock->error());
  REQUIRE(mock->ok());
  OpenAIConfig config;
  config.base_url = mock->base_url() + "/v1";
  config.api_key = key;
  auto provider = MakeOpenAIProvider(std::move(config));
  REQUIRE(provider.has_value());

  OrchestratorOptions options;
  options.attempt_timeout = std::chrono::seconds(20);
  options.log_sink = [lines, mutex](LogLevel, std::string_view line) {
    std::lock_guard<std::mutex> lock(*mutex);
    lines->emplace_back(line);
  };
  auto orchestrator = MultiLLMOrchestrator::Create(std::move(options));
  REQUIRE(orchestrator.has_value());
  REQUIRE((*orchestrator)->AddProvider(*provider).has_value());
  ModelSpec model;
  model.name = "mock";
  model.provider = "openai";
  model.provider_model = "gpt-4o-mini";
  REQUIRE((*orchestrator)->AddModel(model).has_value());
  return std::move(orchestrator).value();
}

Outcome Ask(const std::string& key, const std::string& text) {
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  auto orchestrator = OrchestratorFor(key, lines, mutex);
  Result<Response> result = orchestrator->ProcessAndWait(Query::FromText(text));
  orchestrator.reset();  // joins the loop: no more log lines
  return {std::move(result), {}, *lines};
}

Outcome AskStreamed(const std::string& key, const std::string& text) {
  auto lines = std::make_shared<std::vector<std::string>>();
  auto mutex = std::make_shared<std::mutex>();
  auto orchestrator = OrchestratorFor(key, lines, mutex);
  auto events = std::make_shared<std::vector<StreamEvent>>();
  auto done = std::make_shared<std::promise<Result<Response>>>();
  std::future<Result<Response>> finished = done->get_future();
  orchestrator->Stream(
      Query::FromText(text),
      [events, mutex](const StreamEvent& event) {
        std::lock_guard<std::mutex> lock(*mutex);
        events->push_back(event);
      },
      [done](Result<Response> result) { done->set_value(std::move(result)); });
  REQUIRE(finished.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  Result<Response> result = finished.get();
  orchestrator.reset();  // joins the loop: no more events or log lines
  return {std::move(result), *events, *lines};
}

void CheckNoKey(const Outcome& outcome, const std::string& key) {
  if (!outcome.result) CHECK(outcome.result.error().ToString().find(key) == std::string::npos);
  for (const std::string& line : outcome.log_lines) CHECK(line.find(key) == std::string::npos);
}

std::string StreamedText(const std::vector<StreamEvent>& events) {
  std::string text;
  for (const StreamEvent& event : events) {
    if (event.kind == StreamEvent::Kind::kTextDelta) text += event.text;
  }
  return text;
}

std::size_t CountOf(const std::vector<StreamEvent>& events, StreamEvent::Kind kind) {
  std::size_t count = 0;
  for (const StreamEvent& event : events) count += event.kind == kind ? 1 : 0;
  return count;
}

TEST_CASE("mock-llm: prsm's OpenAI codec completes a plain call", "[conformance][mock-llm]") {
  if (!Prerequisites({})) return;
  const std::string text = "Conformance echo 4711";
  const Outcome outcome = Ask(kGoodKey, text);
  INFO((outcome.result ? std::string() : outcome.result.error().ToString()));
  REQUIRE(outcome.result.has_value());
  const Response& response = *outcome.result;
  CHECK(response.answer == text);  // mock-llm echoes the last message
  CHECK(response.completion.model == "gpt-4o-mini");
  CHECK(response.completion.finish_reason == FinishReason::kStop);
  CHECK(response.completion.usage.input_tokens == kPromptTokens);
  CHECK(response.completion.usage.output_tokens == kCompletionTokens);
  CHECK_FALSE(response.completion.id.empty());
  REQUIRE(response.attempts.size() == 1);
  CHECK(response.attempts[0].outcome == Attempt::Outcome::kSucceeded);
}

TEST_CASE("mock-llm: prsm streams a call, delta by delta", "[conformance][mock-llm][stream]") {
  if (!Prerequisites({})) return;
  const std::string text = "Streamed conformance echo 4711";
  const Outcome outcome = AskStreamed(kGoodKey, text);
  INFO((outcome.result ? std::string() : outcome.result.error().ToString()));
  REQUIRE(outcome.result.has_value());
  // mock-llm cuts the content into kChunkSize-character pieces, one SSE chunk each.
  CHECK(StreamedText(outcome.events) == text);
  CHECK(CountOf(outcome.events, StreamEvent::Kind::kTextDelta) ==
        (text.size() + kChunkSize - 1) / kChunkSize);
  REQUIRE(CountOf(outcome.events, StreamEvent::Kind::kFinish) == 1);
  CHECK(CountOf(outcome.events, StreamEvent::Kind::kError) == 0);
  const auto finish =
      std::find_if(outcome.events.begin(), outcome.events.end(),
                   [](const StreamEvent& e) { return e.kind == StreamEvent::Kind::kFinish; });
  CHECK(finish->finish_reason == FinishReason::kStop);
  CHECK(std::none_of(finish, outcome.events.end(),
                     [](const StreamEvent& e) { return e.is_content(); }));
  for (const StreamEvent& event : outcome.events) CHECK(event.model == "mock");
  CHECK(outcome.result->answer == text);
  CHECK(outcome.result->completion.model == "gpt-4o-mini");
  CHECK(outcome.result->completion.finish_reason == FinishReason::kStop);
}

TEST_CASE("mock-llm: an error sent inside a 200 stream fails the streamed call",
          "[conformance][mock-llm][stream]") {
  if (!Prerequisites({})) return;
  // mock-llm streams an error rule as HTTP 200 with one `data: {"error":...}` event, as
  // OpenAI does for errors after the stream started.
  const Outcome outcome = AskStreamed(kGoodKey, "please answer error-429");
  REQUIRE_FALSE(outcome.result.has_value());
  const Error& error = outcome.result.error();
  INFO(error.ToString());
  CHECK(error.code() == ErrorCode::kResourceExhausted);  // the body's code: rate_limit_exceeded
  CHECK(error.provider() == "openai");
  CHECK(error.message().find("Rate limit reached for requests") != std::string::npos);
  CHECK(StreamedText(outcome.events).empty());
}

TEST_CASE("mock-llm: a 429 is kResourceExhausted with the vendor's message",
          "[conformance][mock-llm]") {
  if (!Prerequisites({})) return;
  const Outcome outcome = Ask(kGoodKey, "please answer error-429");
  REQUIRE_FALSE(outcome.result.has_value());
  const Error& error = outcome.result.error();
  INFO(error.ToString());
  CHECK(error.code() == ErrorCode::kResourceExhausted);
  CHECK(error.http_status() == 429);
  CHECK(error.provider() == "openai");
  CHECK(error.message().find("Rate limit reached for requests") != std::string::npos);
}

TEST_CASE("mock-llm: a 500 is kUnavailable with the vendor's message", "[conformance][mock-llm]") {
  if (!Prerequisites({})) return;
  const Outcome outcome = Ask(kGoodKey, "please answer error-500");
  REQUIRE_FALSE(outcome.result.has_value());
  const Error& error = outcome.result.error();
  INFO(error.ToString());
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.http_status() == 500);
  CHECK(error.message().find("The server had an error") != std::string::npos);
}

TEST_CASE("mock-llm: a 401 for a wrong key is kUnauthenticated and never shows the key",
          "[conformance][mock-llm]") {
  if (!Prerequisites({})) return;
  const Outcome outcome = Ask(kCanaryKey, "Hello");
  REQUIRE_FALSE(outcome.result.has_value());
  const Error& error = outcome.result.error();
  INFO(error.ToString());
  CHECK(error.code() == ErrorCode::kUnauthenticated);
  CHECK(error.http_status() == 401);
  CHECK(error.message().find("Incorrect API key provided") != std::string::npos);
  CheckNoKey(outcome, kCanaryKey);
}

}  // namespace
}  // namespace prsm::conformance
