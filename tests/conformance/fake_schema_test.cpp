// Every kind of body prsm's fake provider sends for OpenAI (completions, stream chunks, errors)
// checked with ajv against the schemas of OpenAI's own spec (validate_bodies.mjs), and likewise
// for Anthropic against the Messages spec. The fake is what prsm's other tests trust to behave
// like the vendors; this is where that trust is earned.
#include <iostream>
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

constexpr const char* kOpenAISpec = "openai-openapi.prism.json";
constexpr const char* kAnthropicSpec = "anthropic-openapi-v195.json";

constexpr const char* kScripts = R"({"models":{
  "schema-plain": {"text": "A plain answer from {model}."},
  "schema-usage": {"text": "Cached and reasoning tokens.", "prompt_tokens": 1200,
                   "cached_tokens": 1024, "completion_tokens": 300, "reasoning_tokens": 256},
  "schema-length": {"text": "Cut short", "finish_reason": "length"},
  "schema-tools": {"text": "", "finish_reason": "tool_calls", "tool_calls": [
      {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}},
      {"name": "get_time", "arguments": {"city": "Paris"}}]},
  "schema-429": {"status": 429, "retry_after": "2", "error_type": "requests",
                 "error_code": "rate_limit_exceeded", "error_message": "Rate limit reached"},
  "schema-500": {"status": 500, "error_type": "server_error", "error_message": "Boom"},
  "schema-503": {"status": 503, "body": "error", "error_type": "server_error",
                 "error_message": "The engine is currently overloaded"},
  "schema-anthropic-429": {"status": 429, "retry_after": "2", "error_type": "rate_limit_error",
                           "error_message": "Number of requests has exceeded your rate limit"},
  "schema-anthropic-529": {"status": 529, "error_message": "Overloaded"}
}})";

std::string Request(const std::string& model, const std::string& extra = "") {
  return R"({"model":")" + model +
         R"(","messages":[{"role":"system","content":"Be brief."},)"
         R"({"role":"user","content":"Hello"}])" +
         extra + "}";
}

std::string AnthropicRequest(const std::string& model, const std::string& extra = "") {
  return R"({"model":")" + model +
         R"(","max_tokens":256,"system":"Be brief.","messages":[{"role":"user",)"
         R"("content":"Hello"}])" +
         extra + "}";
}

std::string Case(const std::string& name, const std::string& path, const std::string& body,
                 const std::string& expect, int status) {
  return R"({"name":)" + JsonQuote(name) + R"(,"path":)" + JsonQuote(path) + R"(,"body":)" + body +
         R"(,"expect":")" + expect + R"(","status":)" + std::to_string(status) + "}";
}

// Starts a scripted fake, runs the validator over `cases` (a JSON array) and checks it passed.
void Validate(const std::string& vendor, const std::string& spec, const std::string& what,
              const std::string& cases) {
  if (!Prerequisites({spec})) return;
  std::string error;
  std::unique_ptr<FakeProviderServer> server = FakeProviderServer::Start({}, &error);
  INFO(error);
  REQUIRE(server);
  ModelScript default_script;
  std::map<std::string, ModelScript> models;
  REQUIRE(prsm::testing::LoadScriptFile(kScripts, &default_script, &models, &error));
  for (auto& [model, script] : models) server->SetScript(model, std::move(script));

  const std::string origin = "http://127.0.0.1:" + std::to_string(server->port());
  const ProgramRun run = RunProgram(
      {"node", ConformanceDir() + "/validate_bodies.mjs", vendor, SpecPath(spec), origin, cases},
      {}, kScriptLimit);
  INFO("cases: " << cases << "\n" << run.Describe());
  CHECK(run.succeeded());
  CHECK(server->total_requests() > 0);
  std::cout << "ajv, " << spec << ", fake server " << what << ": "
            << run.output.substr(run.output.rfind('\n', run.output.size() - 2) + 1);
}

TEST_CASE("fake server: OpenAI completions and errors validate against OpenAI's schemas",
          "[conformance][schema][openai]") {
  const std::string chat = "/v1/chat/completions";
  const std::string cases =
      "[" + Case("plain completion", chat, Request("schema-plain"), "completion", 200) + "," +
      Case("plain completion on /chat/completions", "/chat/completions", Request("schema-plain"),
           "completion", 200) +
      "," + Case("cached and reasoning usage", chat, Request("schema-usage"), "completion", 200) +
      "," + Case("finish_reason length", chat, Request("schema-length"), "completion", 200) + "," +
      Case("logprobs", chat, Request("schema-plain", R"(,"logprobs":true)"), "completion", 200) +
      "," +
      Case("logprobs with top_logprobs", chat,
           Request("schema-plain", R"(,"logprobs":true,"top_logprobs":3)"), "completion", 200) +
      "," + Case("tool calls", chat, Request("schema-tools"), "completion", 200) + "," +
      Case("Azure deployment path",
           "/openai/deployments/schema-plain/chat/completions?api-version=2024-10-21",
           R"({"messages":[{"role":"user","content":"Hello"}]})", "completion", 200) +
      "," + Case("scripted 429", chat, Request("schema-429"), "error", 429) + "," +
      Case("scripted 500", chat, Request("schema-500"), "error", 500) + "," +
      Case("scripted 503 error body", chat, Request("schema-503"), "error", 503) + "," +
      Case("the fake's own 400: no messages", chat, R"({"model":"schema-plain"})", "error", 400) +
      "," +
      Case("the fake's own 400: top_logprobs without logprobs", chat,
           Request("schema-plain", R"(,"top_logprobs":2)"), "error", 400) +
      "," +
      Case("the fake's own 404: unknown path", "/v1/nothing", Request("schema-plain"), "error",
           404) +
      "]";
  Validate("openai", kOpenAISpec, "completions and errors", cases);
}

TEST_CASE("fake server: OpenAI stream chunks validate against OpenAI's schemas",
          "[conformance][schema][openai]") {
  const std::string chat = "/v1/chat/completions";
  const std::string stream = R"(,"stream":true)";
  const std::string with_usage = R"(,"stream":true,"stream_options":{"include_usage":true})";
  const std::string cases =
      "[" + Case("stream", chat, Request("schema-plain", stream), "stream", 200) + "," +
      Case("stream with usage", chat, Request("schema-usage", with_usage), "stream", 200) + "," +
      Case("stream, finish_reason length", chat, Request("schema-length", with_usage), "stream",
           200) +
      "," +
      Case("stream with logprobs", chat,
           Request("schema-plain", R"(,"stream":true,"logprobs":true,"top_logprobs":2)"), "stream",
           200) +
      "," + Case("streamed tool calls", chat, Request("schema-tools", with_usage), "stream", 200) +
      "]";
  Validate("openai", kOpenAISpec, "stream chunks", cases);
}

TEST_CASE(
    "fake server: Anthropic messages, stream events and errors validate against the "
    "Messages spec",
    "[conformance][schema][anthropic]") {
  const std::string messages = "/v1/messages";
  const std::string stream = R"(,"stream":true)";
  const std::string cases =
      "[" + Case("message", messages, AnthropicRequest("schema-plain"), "completion", 200) + "," +
      Case("cached usage", messages, AnthropicRequest("schema-usage"), "completion", 200) + "," +
      Case("stop_reason max_tokens", messages, AnthropicRequest("schema-length"), "completion",
           200) +
      "," + Case("tool use", messages, AnthropicRequest("schema-tools"), "completion", 200) + "," +
      Case("stream", messages, AnthropicRequest("schema-plain", stream), "stream", 200) + "," +
      Case("stream with cached usage", messages, AnthropicRequest("schema-usage", stream), "stream",
           200) +
      "," +
      Case("streamed tool use", messages, AnthropicRequest("schema-tools", stream), "stream", 200) +
      "," + Case("scripted 429", messages, AnthropicRequest("schema-anthropic-429"), "error", 429) +
      "," +
      Case("scripted 529 overloaded", messages, AnthropicRequest("schema-anthropic-529"), "error",
           529) +
      "," + Case("scripted 500", messages, AnthropicRequest("schema-500"), "error", 500) + "," +
      Case("the fake's own 400: no max_tokens", messages,
           R"({"model":"schema-plain","messages":[{"role":"user","content":"Hello"}]})", "error",
           400) +
      "]";
  Validate("anthropic", kAnthropicSpec, "messages, stream events and errors", cases);
}

}  // namespace
}  // namespace prsm::conformance
