// The official `openai` and `@anthropic-ai/sdk` Node clients against prsm's fake provider
// server: proof that the fake speaks the real protocols, plain and streamed, tool calls and
// errors included. Each case scripts the fake, runs one SDK call (sdk_*.mjs checks what the
// SDK made of the answer against the scripted values) and checks that the fake saw exactly
// that one request on the vendor's path.
#include <map>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

#include "child_process.h"
#include "conformance_env.h"
#include "fake_provider_server.h"

namespace prsm::conformance {
namespace {

using prsm::testing::FakeProviderServer;
using prsm::testing::ModelScript;

constexpr int kPromptTokens = 21;
constexpr int kCompletionTokens = 9;
constexpr int kCachedTokens = 4;
constexpr int kStreamChunks = 7;
constexpr const char* kPlainText = "Conformance reply from {model}: all good.";
constexpr const char* kStreamText = "One two three four five six seven, streamed by {model}.";
constexpr const char* kToolArguments = R"({"city":"Paris","unit":"celsius"})";

std::string Usage() {
  return R"("prompt_tokens":)" + std::to_string(kPromptTokens) + R"(,"completion_tokens":)" +
         std::to_string(kCompletionTokens) + R"(,"cached_tokens":)" + std::to_string(kCachedTokens);
}

// Every model the cases use, as a script file (the loader's format, so the fake's newer
// script fields are read by name at run time).
std::string Scripts() {
  return std::string(R"({"models":{)") +                                                   //
         R"("sdk-plain":{"text":)" + JsonQuote(kPlainText) + "," + Usage() + "}," +        //
         R"("sdk-stream":{"text":)" + JsonQuote(kStreamText) + "," + Usage() +             //
         R"(,"chunks":)" + std::to_string(kStreamChunks) + R"(,"chunk_latency_ms":2},)" +  //
         R"("sdk-tools":{"text":"","tool_calls":[{"name":"get_weather","arguments":)" +
         kToolArguments + R"(}],"finish_reason":"tool_calls",)" + Usage() + "}," +
         R"("sdk-openai-429":{"status":429,"retry_after":"7","error_type":"requests",)"
         R"("error_code":"rate_limit_exceeded","error_message":"Rate limit reached for {model}"},)"
         R"("sdk-openai-500":{"status":500,"error_type":"server_error",)"
         R"("error_message":"The server had an error while processing your request."},)"
         R"("sdk-anthropic-429":{"status":429,"retry_after":"3","error_type":"rate_limit_error",)"
         R"("error_message":"Number of requests has exceeded your rate limit"},)"
         R"("sdk-anthropic-529":{"status":529,"error_type":"overloaded_error",)"
         R"("error_message":"Overloaded"}}})";
}

std::string Substitute(std::string text, const std::string& model) {
  const std::string placeholder = "{model}";
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + model.size())) {
    text.replace(at, placeholder.size(), model);
  }
  return text;
}

std::string ExpectedText(const char* text, const std::string& model) {
  return R"({"text":)" + JsonQuote(Substitute(text, model)) + "," + Usage() + R"(,"min_chunks":)" +
         std::to_string(kStreamChunks) + "}";
}

std::string ExpectedTool() {
  return std::string(R"({"tool_name":"get_weather","tool_arguments":)") + kToolArguments + "}";
}

enum class Sdk { kOpenAI, kAnthropic };

struct SdkCall {
  Sdk sdk;
  std::string case_name;
  std::string model;
  std::string expected_json;
  bool streamed = false;
};

// Runs the call against a fresh fake and checks both sides (or reports a missing prerequisite).
void Run(const SdkCall& call) {
  if (!Prerequisites({})) return;
  std::string error;
  std::unique_ptr<FakeProviderServer> server = FakeProviderServer::Start({}, &error);
  INFO(error);
  REQUIRE(server);
  ModelScript default_script;
  std::map<std::string, ModelScript> models;
  INFO("script: " << Scripts());
  REQUIRE(prsm::testing::LoadScriptFile(Scripts(), &default_script, &models, &error));
  for (auto& [model, script] : models) server->SetScript(model, std::move(script));

  const bool openai = call.sdk == Sdk::kOpenAI;
  const std::string origin = "http://127.0.0.1:" + std::to_string(server->port());
  const std::string script = ConformanceDir() + (openai ? "/sdk_openai.mjs" : "/sdk_anthropic.mjs");
  const ProgramRun run =
      RunProgram({"node", script, call.case_name, openai ? origin + "/v1" : origin, call.model,
                  call.expected_json},
                 {}, kScriptLimit);
  INFO("node " << script << " " << call.case_name << ": " << run.Describe());
  CHECK(run.succeeded());

  // The SDK really talked to the fake: one request, on the vendor's path, in the asked form.
  CHECK(server->RequestCount(call.model) == 1);
  const auto recorded = server->recorded_requests();
  REQUIRE(recorded.size() == 1);
  CHECK(recorded[0].method == "POST");
  CHECK(recorded[0].path == (openai ? "/v1/chat/completions" : "/v1/messages"));
  const bool stream_asked = recorded[0].body.find(R"("stream":true)") != std::string::npos;
  CHECK(stream_asked == call.streamed);
}

TEST_CASE("openai SDK: plain completion from the fake server", "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "plain", "sdk-plain", ExpectedText(kPlainText, "sdk-plain")});
}

TEST_CASE("openai SDK: streamed completion, chunk by chunk", "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "stream", "sdk-stream", ExpectedText(kStreamText, "sdk-stream"), true});
}

TEST_CASE("openai SDK: streamed completion through the SDK's accumulator",
          "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "stream-helper", "sdk-stream", ExpectedText(kStreamText, "sdk-stream"), true});
}

TEST_CASE("openai SDK: tool call", "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "tools", "sdk-tools", ExpectedTool()});
}

TEST_CASE("openai SDK: streamed tool call", "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "tools-stream", "sdk-tools", ExpectedTool(), true});
}

TEST_CASE("openai SDK: logprobs", "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "logprobs", "sdk-plain", ExpectedText(kPlainText, "sdk-plain")});
}

TEST_CASE("openai SDK: 429 is a RateLimitError with the body and Retry-After",
          "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "error", "sdk-openai-429",
       R"({"status":429,"message":"Rate limit reached for sdk-openai-429",)"
       R"("type":"requests","code":"rate_limit_exceeded","retry_after":"7"})"});
}

TEST_CASE("openai SDK: 500 is an InternalServerError with the body", "[conformance][sdk][openai]") {
  Run({Sdk::kOpenAI, "error", "sdk-openai-500",
       R"({"status":500,"message":"The server had an error while processing your request.",)"
       R"("type":"server_error","code":null})"});
}

TEST_CASE("anthropic SDK: plain message from the fake server", "[conformance][sdk][anthropic]") {
  Run({Sdk::kAnthropic, "plain", "sdk-plain", ExpectedText(kPlainText, "sdk-plain")});
}

TEST_CASE("anthropic SDK: streamed message, event by event", "[conformance][sdk][anthropic]") {
  Run({Sdk::kAnthropic, "stream", "sdk-stream", ExpectedText(kStreamText, "sdk-stream"), true});
}

TEST_CASE("anthropic SDK: streamed message through the SDK's accumulator",
          "[conformance][sdk][anthropic]") {
  Run({Sdk::kAnthropic, "stream-helper", "sdk-stream", ExpectedText(kStreamText, "sdk-stream"),
       true});
}

TEST_CASE("anthropic SDK: tool use", "[conformance][sdk][anthropic]") {
  Run({Sdk::kAnthropic, "tools", "sdk-tools", ExpectedTool()});
}

TEST_CASE("anthropic SDK: streamed tool use", "[conformance][sdk][anthropic]") {
  Run({Sdk::kAnthropic, "tools-stream", "sdk-tools", ExpectedTool(), true});
}

TEST_CASE("anthropic SDK: 429 is a RateLimitError with the body and Retry-After",
          "[conformance][sdk][anthropic]") {
  Run({Sdk::kAnthropic, "error", "sdk-anthropic-429",
       R"({"status":429,"type":"rate_limit_error",)"
       R"("message":"Number of requests has exceeded your rate limit","retry_after":"3"})"});
}

TEST_CASE("anthropic SDK: 529 is an overloaded_error", "[conformance][sdk][anthropic]") {
  Run({Sdk::kAnthropic, "error", "sdk-anthropic-529",
       R"({"status":529,"type":"overloaded_error","message":"Overloaded"})"});
}

}  // namespace
}  // namespace prsm::conformance
