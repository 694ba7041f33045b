// Tests of the OpenAI Chat Completions codec: request bodies against golden JSON (compared as
// DOMs), responses and error bodies from golden files, configuration and the environment, and
// that the API key never leaks into an error.
#include "providers/openai_codec.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "codec_test_util.h"
#include "json/json.h"
#include "json/json_read.h"
#include "providers/error_text.h"
#include "prsm/providers/openai.h"

namespace prsm {
namespace {

using namespace std::string_literals;

constexpr std::string_view kCanaryKey = "sk-canary-7f3a9c1e5b2d4806a1b3c5d7e9f10234";

using test::Built;
using test::ErrorOf;
using test::FindHeader;
using test::RequireSameJson;
using test::ScopedEnv;
using test::UserRequest;

std::string ReadGolden(const std::string& name) { return test::ReadGolden("openai", name); }

// A configuration that reads nothing from the real OPENAI_* variables.
OpenAIConfig IsolatedConfig() {
  OpenAIConfig config;
  config.base_url_env = "PRSM_TEST_CODEC_BASE_URL";
  config.api_key_env = "PRSM_TEST_CODEC_API_KEY";
  // These tests build URLs to hosts on a LAN; the cleartext rule has its own tests
  // (provider_config_test.cpp).
  config.allow_insecure_http = true;
  return config;
}

std::shared_ptr<const Provider> MakeProvider(OpenAIConfig config) {
  return test::RequireProvider(MakeOpenAIProvider(std::move(config)));
}

// A provider for a local server without a key, sending max_completion_tokens like OpenAI.
std::shared_ptr<const Provider> LocalProvider() {
  OpenAIConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:8000/v1";
  config.use_max_completion_tokens = true;
  return MakeProvider(config);
}

// The provider for the canary-key tests: talks to OpenAI with kCanaryKey.
std::shared_ptr<const Provider> CanaryProvider() {
  OpenAIConfig config = IsolatedConfig();
  config.api_key = std::string(kCanaryKey);
  return MakeProvider(config);
}

std::string Body(const CompletionRequest& request) { return Built(LocalProvider(), request).body; }

Error BuildError(const CompletionRequest& request) {
  return ErrorOf(LocalProvider()->BuildRequest(request));
}

Completion ParseGolden(const std::string& name) {
  return test::ParsedBody(LocalProvider(), ReadGolden(name));
}

Error ParseBodyError(std::string body, int status = 200) {
  return test::ParseFailure(LocalProvider(), std::move(body), status);
}

ToolDefinition WeatherTool() {
  ToolDefinition tool;
  tool.name = "get_current_weather";
  tool.description = "Get the current weather in a given location";
  tool.parameters_json_schema = R"({
    "type": "object",
    "properties": {
      "location": {"type": "string", "description": "The city and state, e.g. San Francisco, CA"},
      "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}
    },
    "required": ["location"]
  })";
  return tool;
}

// --- request bodies --------------------------------------------------------------------------

TEST_CASE("Request: a plain chat", "[codec]") {
  RequireSameJson(Body(UserRequest("gpt-4o-mini", "Hello!")), ReadGolden("request_plain.json"));
}

TEST_CASE("Request: a system message", "[codec]") {
  CompletionRequest request;
  request.model = "gpt-5.4";
  request.messages = {Message::System("You are a helpful assistant."), Message::User("Hello!")};
  RequireSameJson(Body(request), ReadGolden("request_system.json"));
}

TEST_CASE("Request: tools with tool_choice auto", "[codec]") {
  CompletionRequest request = UserRequest("gpt-5.4", "What is the weather like in Boston today?");
  request.tools.push_back(WeatherTool());
  RequireSameJson(Body(request), ReadGolden("request_tools.json"));
}

TEST_CASE("Request: tool_choice naming a function", "[codec]") {
  CompletionRequest request = UserRequest("gpt-5.4", "What is the weather like in Boston today?");
  ToolDefinition tool;
  tool.name = "get_current_weather";
  tool.parameters_json_schema =
      R"({"type":"object","properties":{"location":{"type":"string"}},"required":["location"]})";
  request.tools.push_back(tool);
  request.tool_choice = {ToolChoice::Mode::kNamed, "get_current_weather"};
  RequireSameJson(Body(request), ReadGolden("request_tool_choice_named.json"));
}

TEST_CASE("Request: tool_choice none and required are strings", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.tools.push_back(WeatherTool());
  request.tool_choice.mode = ToolChoice::Mode::kNone;
  CHECK_THAT(Body(request), Catch::EndsWith(R"("tool_choice":"none"})"));
  request.tool_choice.mode = ToolChoice::Mode::kRequired;
  CHECK_THAT(Body(request), Catch::EndsWith(R"("tool_choice":"required"})"));
}

TEST_CASE("Request: a tool without description or parameters omits them", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  ToolDefinition tool;
  tool.name = "now";
  tool.parameters_json_schema.clear();
  request.tools.push_back(tool);
  RequireSameJson(Body(request),
                  R"({"model":"m","messages":[{"role":"user","content":"hi"}],
                      "tools":[{"type":"function","function":{"name":"now"}}],
                      "tool_choice":"auto"})");
}

TEST_CASE("Request: a JSON-schema response format embeds the schema as JSON", "[codec]") {
  CompletionRequest request;
  request.model = "gpt-4o-2024-08-06";
  request.messages = {
      Message::System(
          "You are a helpful math tutor. Guide the user through the solution step by step."),
      Message::User("how can I solve 8x + 7 = -23")};
  request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
  request.response_format.name = "math_reasoning";
  request.response_format.json_schema = R"({
    "type": "object",
    "properties": {
      "steps": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {"explanation": {"type": "string"}, "output": {"type": "string"}},
          "required": ["explanation", "output"],
          "additionalProperties": false
        }
      },
      "final_answer": {"type": "string"}
    },
    "required": ["steps", "final_answer"],
    "additionalProperties": false
  })";
  const std::string body = Body(request);
  RequireSameJson(body, ReadGolden("request_json_schema.json"));
  CHECK(body.find('\n') == std::string::npos);  // compact: the schema's layout is not copied
}

TEST_CASE("Request: strict false is sent", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
  request.response_format.json_schema = R"({"type":"object"})";
  request.response_format.strict = false;
  CHECK_THAT(Body(request),
             Catch::Contains(R"("response_format":{"type":"json_schema","json_schema":)"
                             R"({"name":"response","schema":{"type":"object"},"strict":false}})"));
}

TEST_CASE("Request: logprobs with top_logprobs", "[codec]") {
  CompletionRequest request = UserRequest("gpt-4o-mini", "Hello!");
  request.logprobs = true;
  request.top_logprobs = 2;
  RequireSameJson(Body(request), ReadGolden("request_logprobs.json"));
}

TEST_CASE("Request: top_logprobs implies logprobs", "[codec]") {
  CompletionRequest request = UserRequest("gpt-4o-mini", "Hello!");
  request.top_logprobs = 2;
  RequireSameJson(Body(request), ReadGolden("request_logprobs.json"));
}

TEST_CASE("Request: logprobs alone", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.logprobs = true;
  const std::string body = Body(request);
  CHECK_THAT(body, Catch::EndsWith(R"("logprobs":true})"));
  CHECK(body.find("top_logprobs") == std::string::npos);
}

TEST_CASE("Request: a conversation with every option", "[codec]") {
  CompletionRequest request;
  request.model = "gpt-4o-mini";
  Message system = Message::System("You are a weather bot.");
  system.name = "ops";
  Message user = Message::User("What is the weather like in Boston today?");
  user.name = "alice";
  Message call = Message::Assistant("");
  call.tool_calls.push_back(
      {"call_abc123", "get_current_weather", "{\n\"location\": \"Boston, MA\"\n}", ""});
  request.messages = {
      system, user, call,
      Message::ToolResult("call_abc123", R"({"temperature": 22, "unit": "celsius"})"),
      Message::Assistant("It is 22 \xC2\xB0"
                         "C in Boston \xE2\x80\x94 \"sunny\".\n")};
  request.temperature = 0.7;
  request.top_p = 0.9;
  request.max_tokens = 256;
  request.stop = {"\n\n", "END"};
  request.seed = -9007199254740993;  // not representable as a double: must stay an integer
  request.response_format.kind = ResponseFormat::Kind::kJsonObject;
  RequireSameJson(Body(request), ReadGolden("request_conversation.json"));
}

TEST_CASE("Request: an assistant message with text and tool calls keeps its text", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  Message call = Message::Assistant("Let me check.");
  call.tool_calls.push_back({"call_1", "f", "{}", ""});
  request.messages.push_back(call);
  CHECK_THAT(Body(request), Catch::Contains(R"({"role":"assistant","content":"Let me check.",)"));
}

TEST_CASE("Request: unset optionals are omitted", "[codec]") {
  const std::string body = Body(UserRequest("m", "hi"));
  CHECK(body == R"({"model":"m","messages":[{"role":"user","content":"hi"}]})");
}

TEST_CASE("Request: the token limit field follows use_max_completion_tokens", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.max_tokens = 100;

  OpenAIConfig config = IsolatedConfig();
  config.base_url = "http://localhost:8000/v1";
  SECTION("default for a compatible server: max_tokens") {
    const std::string body = Built(MakeProvider(config), request).body;
    CHECK_THAT(body, Catch::Contains(R"("max_tokens":100)"));
    CHECK(body.find("max_completion_tokens") == std::string::npos);
  }
  SECTION("default for api.openai.com: max_completion_tokens") {
    config.base_url = "https://API.OpenAI.com/v1/";
    config.api_key = "sk-test";
    CHECK_THAT(Built(MakeProvider(config), request).body,
               Catch::Contains(R"("max_completion_tokens":100)"));
  }
  SECTION("forced either way") {
    config.use_max_completion_tokens = true;
    CHECK_THAT(Built(MakeProvider(config), request).body,
               Catch::Contains(R"("max_completion_tokens":100)"));
    config.base_url = "https://api.openai.com/v1";
    config.api_key = "sk-test";
    config.use_max_completion_tokens = false;
    CHECK_THAT(Built(MakeProvider(config), request).body, Catch::Contains(R"("max_tokens":100)"));
  }
}

TEST_CASE("Request: numbers are written exactly", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.temperature = 0.0;
  request.top_p = 1.0;
  request.seed = std::numeric_limits<std::int64_t>::max();
  const std::string body = Body(request);
  CHECK_THAT(body, Catch::Contains(R"("temperature":0.0,"top_p":1.0)"));
  CHECK_THAT(body, Catch::Contains(R"("seed":9223372036854775807)"));
}

TEST_CASE("Request: text is escaped", "[codec]") {
  const std::string text =
      "quote \" backslash \\ newline \n tab \t control \x01 nul \0 emoji \xF0\x9F\x98\x80"s;
  const std::string body = Body(UserRequest("m", text));
  json::Document doc;
  REQUIRE(json::ParseJson(body, doc).has_value());
  CHECK(json::StringView(doc["messages"][0]["content"]) == text);
}

TEST_CASE("Request: invalid requests are kInvalidArgument naming the field", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  std::string expected;
  SECTION("empty model") {
    request.model.clear();
    expected = "model: empty";
  }
  SECTION("no messages") {
    request.messages.clear();
    expected = "messages: empty";
  }
  SECTION("NaN temperature") {
    request.temperature = std::nan("");
    expected = "temperature: must be finite";
  }
  SECTION("infinite temperature") {
    request.temperature = std::numeric_limits<double>::infinity();
    expected = "temperature: must be finite";
  }
  SECTION("infinite top_p") {
    request.top_p = -std::numeric_limits<double>::infinity();
    expected = "top_p: must be finite";
  }
  SECTION("zero max_tokens") {
    request.max_tokens = 0;
    expected = "max_tokens: must be at least 1";
  }
  SECTION("top_logprobs above 20") {
    request.top_logprobs = 21;
    expected = "top_logprobs: must be in 0..20, got 21";
  }
  SECTION("negative top_logprobs") {
    request.top_logprobs = -1;
    expected = "top_logprobs: must be in 0..20, got -1";
  }
  SECTION("a schema that is not JSON") {
    request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    request.response_format.json_schema = R"({"type": "object",)";
    expected = "response_format.json_schema: invalid JSON at byte";
  }
  SECTION("a schema that is not an object") {
    request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    request.response_format.json_schema = R"(["type"])";
    expected = "response_format.json_schema: expected a JSON object, got array";
  }
  SECTION("an empty schema") {
    request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    expected = "response_format.json_schema: invalid JSON at byte 0";
  }
  SECTION("an empty schema name") {
    request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    request.response_format.json_schema = "{}";
    request.response_format.name.clear();
    expected = "response_format.name: empty";
  }
  SECTION("tool parameters that are not JSON name the tool") {
    request.tools.push_back(WeatherTool());
    ToolDefinition broken;
    broken.name = "lookup_stock";
    broken.parameters_json_schema = R"({"type": "object", "properties": {)";
    request.tools.push_back(broken);
    expected = "tools[1] 'lookup_stock': parameters: invalid JSON at byte";
  }
  SECTION("a tool without a name") {
    request.tools.push_back(ToolDefinition{});
    expected = "tools[0].name: empty";
  }
  SECTION("tool_choice required without tools") {
    request.tool_choice.mode = ToolChoice::Mode::kRequired;
    expected = "tool_choice: requires tools";
  }
  SECTION("tool_choice naming an undefined tool") {
    request.tools.push_back(WeatherTool());
    request.tool_choice = {ToolChoice::Mode::kNamed, "get_stock"};
    expected = "tool_choice.name: no tool named 'get_stock' is defined";
  }
  SECTION("tool_choice naming nothing") {
    request.tools.push_back(WeatherTool());
    request.tool_choice = {ToolChoice::Mode::kNamed, ""};
    expected = "tool_choice.name: empty";
  }
  SECTION("a tool message without tool_call_id") {
    request.messages.push_back(Message::ToolResult("", "42"));
    expected = "messages[1].tool_call_id: empty";
  }
  SECTION("a tool message with a name") {
    Message result = Message::ToolResult("call_1", "42");
    result.name = "calculator";
    request.messages.push_back(result);
    expected = "messages[1].name: OpenAI tool messages carry no name";
  }
  SECTION("tool calls in a user message") {
    request.messages[0].tool_calls.push_back({"call_1", "f", "{}", ""});
    expected = "messages[0].tool_calls: only assistant messages make tool calls";
  }
  SECTION("tool_call_id in a user message") {
    request.messages[0].tool_call_id = "call_1";
    expected = "messages[0].tool_call_id: only tool messages answer a call";
  }
  SECTION("a tool call without an id") {
    Message call = Message::Assistant("");
    call.tool_calls.push_back({"", "f", "{}", ""});
    request.messages.push_back(call);
    expected = "messages[1].tool_calls[0].id: empty";
  }
  SECTION("content that is not UTF-8") {
    request.messages.push_back(Message::User("caf\xE9"));
    expected = "messages[1].content: not valid UTF-8";
  }
  SECTION("tool call arguments that are not UTF-8") {
    Message call = Message::Assistant("");
    call.tool_calls.push_back({"call_1", "f", "{\"city\": \"S\xE3o Paulo\"}", ""});
    request.messages.push_back(call);
    expected = "messages[1].tool_calls[0].arguments: not valid UTF-8";
  }
  SECTION("a stop sequence that is not UTF-8") {
    request.stop = {"ok", "\xFF"};
    expected = "stop[1]: not valid UTF-8";
  }
  const Error error = BuildError(request);
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
  CHECK(error.provider() == "openai");
}

TEST_CASE("Request: top_logprobs at the bounds is accepted", "[codec]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.top_logprobs = 0;
  CHECK_THAT(Body(request), Catch::EndsWith(R"("logprobs":true,"top_logprobs":0})"));
  request.top_logprobs = 20;
  CHECK_THAT(Body(request), Catch::EndsWith(R"("logprobs":true,"top_logprobs":20})"));
}

// --- HttpRequest ------------------------------------------------------------------------------

TEST_CASE("HttpRequest: method, URL and headers", "[codec]") {
  OpenAIConfig config = IsolatedConfig();
  config.base_url = "https://api.openai.com/v1/";
  config.api_key = "sk-test-123";
  config.organization = "org-abc";
  config.project = "proj_xyz";
  config.extra_headers = {{"HTTP-Referer", "https://example.com"}, {"X-Title", "prsm"}};
  const Result<HttpRequest> http = MakeProvider(config)->BuildRequest(UserRequest("m", "hi"));
  REQUIRE(http.has_value());
  CHECK(http->method == "POST");
  CHECK(http->url == "https://api.openai.com/v1/chat/completions");
  std::vector<std::pair<std::string, std::string>> headers;
  for (const HttpHeader& header : http->headers) headers.emplace_back(header.name, header.value);
  CHECK(headers ==
        std::vector<std::pair<std::string, std::string>>{{"Content-Type", "application/json"},
                                                         {"Accept", "application/json"},
                                                         {"Authorization", "Bearer sk-test-123"},
                                                         {"OpenAI-Organization", "org-abc"},
                                                         {"OpenAI-Project", "proj_xyz"},
                                                         {"HTTP-Referer", "https://example.com"},
                                                         {"X-Title", "prsm"}});
}

TEST_CASE("HttpRequest: no Authorization header without a key", "[codec]") {
  const Result<HttpRequest> http = LocalProvider()->BuildRequest(UserRequest("m", "hi"));
  REQUIRE(http.has_value());
  CHECK(http->url == "http://127.0.0.1:8000/v1/chat/completions");
  CHECK(FindHeader(*http, "Authorization") == nullptr);
  CHECK(FindHeader(*http, "OpenAI-Organization") == nullptr);
  CHECK(FindHeader(*http, "OpenAI-Project") == nullptr);
  REQUIRE(FindHeader(*http, "Content-Type") != nullptr);
  CHECK(*FindHeader(*http, "Content-Type") == "application/json");
}

TEST_CASE("HttpRequest: base URL normalisation", "[codec]") {
  OpenAIConfig config = IsolatedConfig();
  const auto url_for = [&](std::string base) {
    config.base_url = std::move(base);
    return Built(MakeProvider(config), UserRequest("m", "hi")).url;
  };
  CHECK(url_for("http://localhost:11434/v1") == "http://localhost:11434/v1/chat/completions");
  CHECK(url_for("http://localhost:11434/v1//") == "http://localhost:11434/v1/chat/completions");
  CHECK(url_for("  http://localhost/v1  ") == "http://localhost/v1/chat/completions");
  CHECK(
      url_for("https://res.openai.azure.com/openai/deployments/d/?api-version=2024-10-21") ==
      "https://res.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-10-21");
}

TEST_CASE("HttpRequest: an extra header replaces the default of the same name", "[codec]") {
  OpenAIConfig config = IsolatedConfig();
  config.base_url = "https://example.openai.azure.com/openai";
  config.api_key = "sk-test";
  config.extra_headers = {{"authorization", "Custom scheme"}};
  const Result<HttpRequest> http = MakeProvider(config)->BuildRequest(UserRequest("m", "hi"));
  REQUIRE(http.has_value());
  CHECK(FindHeader(*http, "Authorization") == nullptr);
  REQUIRE(FindHeader(*http, "authorization") != nullptr);
  CHECK(*FindHeader(*http, "authorization") == "Custom scheme");
}

// --- configuration ----------------------------------------------------------------------------

TEST_CASE("Config: the environment supplies the key and base URL when the config does not",
          "[codec]") {
  const ScopedEnv base("PRSM_TEST_CODEC_BASE_URL", "http://10.0.0.7:8080/v1");
  const ScopedEnv key("PRSM_TEST_CODEC_API_KEY", "sk-from-env\n");
  const Result<HttpRequest> http =
      MakeProvider(IsolatedConfig())->BuildRequest(UserRequest("m", "hi"));
  REQUIRE(http.has_value());
  CHECK(http->url == "http://10.0.0.7:8080/v1/chat/completions");
  REQUIRE(FindHeader(*http, "Authorization") != nullptr);
  CHECK(*FindHeader(*http, "Authorization") == "Bearer sk-from-env");  // trailing newline dropped
}

TEST_CASE("Config: explicit values win over the environment", "[codec]") {
  const ScopedEnv base("PRSM_TEST_CODEC_BASE_URL", "http://10.0.0.7:8080/v1");
  const ScopedEnv key("PRSM_TEST_CODEC_API_KEY", "sk-from-env");
  OpenAIConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:9/v1";
  config.api_key = "sk-explicit";
  const Result<HttpRequest> http = MakeProvider(config)->BuildRequest(UserRequest("m", "hi"));
  REQUIRE(http.has_value());
  CHECK(http->url == "http://127.0.0.1:9/v1/chat/completions");
  CHECK(*FindHeader(*http, "Authorization") == "Bearer sk-explicit");
}

TEST_CASE("Config: the environment is read once, at creation", "[codec]") {
  std::shared_ptr<const Provider> provider;
  {
    const ScopedEnv base("PRSM_TEST_CODEC_BASE_URL", "http://first.example/v1");
    provider = MakeProvider(IsolatedConfig());
  }
  const ScopedEnv base("PRSM_TEST_CODEC_BASE_URL", "http://second.example/v1");
  CHECK(Built(provider, UserRequest("m", "hi")).url == "http://first.example/v1/chat/completions");
}

TEST_CASE("Config: without any base URL the default is OpenAI, which needs a key", "[codec]") {
  const ScopedEnv base("PRSM_TEST_CODEC_BASE_URL", std::nullopt);
  SECTION("with a key from the environment") {
    const ScopedEnv key("PRSM_TEST_CODEC_API_KEY", "sk-env");
    const Result<HttpRequest> http =
        MakeProvider(IsolatedConfig())->BuildRequest(UserRequest("m", "hi"));
    REQUIRE(http.has_value());
    CHECK(http->url == "https://api.openai.com/v1/chat/completions");
    CHECK_THAT(http->body, Catch::Contains("\"model\""));
  }
  SECTION("without a key") {
    const ScopedEnv key("PRSM_TEST_CODEC_API_KEY", std::nullopt);
    const Result<std::shared_ptr<const Provider>> provider = MakeOpenAIProvider(IsolatedConfig());
    REQUIRE_FALSE(provider.has_value());
    CHECK(provider.error().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(provider.error().message(), Catch::Contains("set PRSM_TEST_CODEC_API_KEY"));
  }
  SECTION("with an empty key variable") {
    const ScopedEnv key("PRSM_TEST_CODEC_API_KEY", "");
    const Result<std::shared_ptr<const Provider>> provider = MakeOpenAIProvider(IsolatedConfig());
    REQUIRE_FALSE(provider.has_value());
    CHECK(provider.error().code() == ErrorCode::kUnauthenticated);
  }
}

TEST_CASE("Config: the default variables are OPENAI_API_KEY and OPENAI_BASE_URL", "[codec]") {
  const ScopedEnv base("OPENAI_BASE_URL", std::nullopt);
  const ScopedEnv key("OPENAI_API_KEY", std::nullopt);
  const Result<std::shared_ptr<const Provider>> missing = MakeOpenAIProvider();
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code() == ErrorCode::kUnauthenticated);
  CHECK_THAT(missing.error().message(), Catch::Contains("set OPENAI_API_KEY"));

  const ScopedEnv local("OPENAI_BASE_URL", "http://127.0.0.1:1234/v1");
  const Result<std::shared_ptr<const Provider>> provider = MakeOpenAIProvider();
  REQUIRE(provider.has_value());
  CHECK((*provider)->id() == "openai");
  CHECK(Built(*provider, UserRequest("m", "hi")).url ==
        "http://127.0.0.1:1234/v1/chat/completions");
}

TEST_CASE("Config: empty variable names read nothing", "[codec]") {
  const ScopedEnv key("OPENAI_API_KEY", "sk-should-not-be-read");
  OpenAIConfig config;
  config.api_key_env.clear();
  config.base_url_env.clear();
  const Result<std::shared_ptr<const Provider>> provider = MakeOpenAIProvider(config);
  REQUIRE_FALSE(provider.has_value());
  CHECK(provider.error().code() == ErrorCode::kUnauthenticated);
  CHECK_THAT(provider.error().message(), Catch::Contains("OpenAIConfig::api_key"));
}

TEST_CASE("Config: invalid configurations", "[codec]") {
  OpenAIConfig config = IsolatedConfig();
  config.base_url = "http://localhost/v1";
  ErrorCode code = ErrorCode::kInvalidArgument;
  std::string expected;
  SECTION("empty id") {
    config.id.clear();
    expected = "OpenAIConfig::id: empty";
  }
  SECTION("a base URL without http(s)") {
    config.base_url = "ftp://example.com/v1";
    expected = "OpenAIConfig::base_url: the base URL must start with http:// or https://";
  }
  SECTION("a base URL without a scheme") {
    config.base_url = "localhost:8000/v1";
    expected = "OpenAIConfig::base_url: the base URL must start with http:// or https://";
  }
  SECTION("a base URL without a host") {
    config.base_url = "https:///v1";
    expected = "OpenAIConfig::base_url: the base URL has no host";
  }
  SECTION("a base URL with a line break") {
    config.base_url = "http://localhost/v1\r\nX-Injected: 1";
    expected = "OpenAIConfig::base_url: the base URL contains spaces or control characters";
  }
  SECTION("a key with a line break inside") {
    config.api_key = "sk-abc\r\nX-Injected: 1";
    expected = "OpenAIConfig::api_key: the API key contains control characters";
  }
  SECTION("an extra header with a bad name") {
    config.extra_headers = {{"Bad Name", "v"}};
    expected = "OpenAIConfig::extra_headers: invalid header name 'Bad Name'";
  }
  SECTION("an extra header with a line break in its value") {
    config.extra_headers = {{"X-Secret", "a\nb"}};
    expected = "OpenAIConfig::extra_headers: the value of 'X-Secret' contains control characters";
  }
  SECTION("an organization with a line break") {
    config.organization = "org\n";
    expected = "OpenAIConfig::organization: contains control characters";
  }
  SECTION("api.openai.com without a key") {
    config.base_url = "https://user@api.openai.com:443/v1";
    code = ErrorCode::kUnauthenticated;
    expected = "no API key for api.openai.com: set PRSM_TEST_CODEC_API_KEY";
  }
  const Result<std::shared_ptr<const Provider>> provider = MakeOpenAIProvider(config);
  REQUIRE_FALSE(provider.has_value());
  CHECK(provider.error().code() == code);
  CHECK_THAT(provider.error().message(), Catch::StartsWith(expected));
}

TEST_CASE("Config: a base URL from the environment is checked too", "[codec]") {
  const ScopedEnv base("PRSM_TEST_CODEC_BASE_URL", "api.example.com/v1");
  const Error error = ErrorOf(MakeOpenAIProvider(IsolatedConfig()));
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK(error.message() ==
        "$PRSM_TEST_CODEC_BASE_URL: the base URL must start with http:// or https://");
}

TEST_CASE("Config: a custom id is reported by the provider and its errors", "[codec]") {
  OpenAIConfig config = IsolatedConfig();
  config.id = "local-vllm";
  config.base_url = "http://localhost:8000/v1";
  const std::shared_ptr<const Provider> provider = MakeProvider(config);
  CHECK(provider->id() == "local-vllm");
  CompletionRequest request;
  const Result<HttpRequest> http = provider->BuildRequest(request);
  REQUIRE_FALSE(http.has_value());
  CHECK(http.error().provider() == "local-vllm");
}

// --- responses ---------------------------------------------------------------------------------

TEST_CASE("Response: a plain answer", "[codec]") {
  const Completion completion = ParseGolden("response_plain.json");
  CHECK(completion.text == "Hello! How can I assist you today?");
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.raw_finish_reason == "stop");
  CHECK(completion.id == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT");
  CHECK(completion.model == "gpt-5.4");
  CHECK(completion.usage.input_tokens == 19);
  CHECK(completion.usage.output_tokens == 10);
  CHECK(completion.usage.cached_input_tokens == 0);
  CHECK(completion.usage.reasoning_tokens == 0);
  CHECK(completion.tool_calls.empty());
  CHECK(completion.logprobs.empty());
}

TEST_CASE("Response: tool calls with null content", "[codec]") {
  const Completion completion = ParseGolden("response_tool_calls.json");
  CHECK(completion.text.empty());
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
  CHECK(completion.raw_finish_reason == "tool_calls");
  REQUIRE(completion.tool_calls.size() == 1);
  CHECK(completion.tool_calls[0].id == "call_abc123");
  CHECK(completion.tool_calls[0].name == "get_current_weather");
  CHECK(completion.tool_calls[0].arguments_json == "{\n\"location\": \"Boston, MA\"\n}");
  CHECK(completion.usage.input_tokens == 82);
  CHECK(completion.usage.output_tokens == 17);
  CHECK(completion.model == "gpt-4o-mini");
}

TEST_CASE("Response: logprobs with top alternatives", "[codec]") {
  const Completion completion = ParseGolden("response_logprobs.json");
  CHECK(completion.text == "Hello! How can I assist you today?");
  REQUIRE(completion.logprobs.size() == 9);
  CHECK(completion.logprobs[0].token == "Hello");
  CHECK(completion.logprobs[0].logprob == Approx(-0.31725305));
  REQUIRE(completion.logprobs[0].top.size() == 2);
  CHECK(completion.logprobs[0].top[1].token == "Hi");
  CHECK(completion.logprobs[0].top[1].logprob == Approx(-1.3190403));
  CHECK(completion.logprobs[2].top[1].token == "<|end|>");  // "bytes": null is fine
  CHECK(completion.logprobs[4].logprob == Approx(-3.7697225e-6));
  CHECK(completion.logprobs[8].token == "?");
  CHECK(completion.logprobs[8].top[1].token == "?\n");
  std::string joined;
  for (const TokenLogprob& token : completion.logprobs) joined += token.token;
  CHECK(joined == completion.text);
}

TEST_CASE("Response: usage with cached, cache-write and reasoning tokens", "[codec]") {
  const Completion completion = ParseGolden("response_usage_details.json");
  CHECK(completion.usage.input_tokens == 2048);
  CHECK(completion.usage.cached_input_tokens == 1920);
  CHECK(completion.usage.cache_write_tokens == 64);
  CHECK(completion.usage.output_tokens == 900);
  CHECK(completion.usage.reasoning_tokens == 832);
  CHECK(completion.usage.total_tokens() == 2948);
  CHECK(completion.model == "o3-2025-04-16");
}

TEST_CASE("Response: a refusal is the text, with finish reason content_filter", "[codec]") {
  const Completion completion = ParseGolden("response_refusal.json");
  CHECK(completion.text == "I'm sorry, I cannot assist with that request.");
  CHECK(completion.finish_reason == FinishReason::kContentFilter);
  CHECK(completion.raw_finish_reason == "stop");
  CHECK(completion.usage.input_tokens == 27);
}

TEST_CASE("Response: refusal logprobs come from logprobs.refusal", "[codec]") {
  HttpResponse response;
  response.status = 200;
  response.body = R"({"choices":[{"message":{"content":null,"refusal":"No."},
      "logprobs":{"content":null,"refusal":[{"token":"No","logprob":-0.5,"top_logprobs":[]},
                                            {"token":".","logprob":-0.1,"top_logprobs":[]}]},
      "finish_reason":"stop"}]})";
  const Result<Completion> completion = LocalProvider()->ParseResponse(response);
  REQUIRE(completion.has_value());
  CHECK(completion->text == "No.");
  REQUIRE(completion->logprobs.size() == 2);
  CHECK(completion->logprobs[0].token == "No");
}

TEST_CASE("Response: content wins over a refusal when both are present", "[codec]") {
  HttpResponse response;
  response.status = 200;
  response.body = R"({"choices":[{"message":{"content":"Partly.","refusal":"No."},
                      "finish_reason":"stop"}]})";
  const Result<Completion> completion = LocalProvider()->ParseResponse(response);
  REQUIRE(completion.has_value());
  CHECK(completion->text == "Partly.");
  CHECK(completion->finish_reason == FinishReason::kStop);
}

TEST_CASE("Response: JSON-schema content is returned as text", "[codec]") {
  const Completion completion = ParseGolden("response_json_schema.json");
  json::Document answer;
  REQUIRE(json::ParseJson(completion.text, answer).has_value());
  CHECK(json::StringView(answer["final_answer"]) == "x = -15/4");
  CHECK(completion.usage.input_tokens == 81);
  CHECK(completion.usage.cached_input_tokens == 0);  // prompt_tokens_details: null
}

TEST_CASE("Response: finish reasons", "[codec]") {
  const auto parse = [](std::string_view reason) {
    HttpResponse response;
    response.status = 200;
    response.body =
        R"({"choices":[{"message":{"content":"x"},"finish_reason":)" + std::string(reason) + "}]}";
    Result<Completion> completion = LocalProvider()->ParseResponse(response);
    REQUIRE(completion.has_value());
    return std::move(*completion);
  };
  CHECK(parse(R"("stop")").finish_reason == FinishReason::kStop);
  CHECK(parse(R"("length")").finish_reason == FinishReason::kLength);
  CHECK(parse(R"("tool_calls")").finish_reason == FinishReason::kToolCalls);
  CHECK(parse(R"("function_call")").finish_reason == FinishReason::kToolCalls);
  CHECK(parse(R"("content_filter")").finish_reason == FinishReason::kContentFilter);
  const Completion odd = parse(R"("eos_token")");
  CHECK(odd.finish_reason == FinishReason::kUnknown);
  CHECK(odd.raw_finish_reason == "eos_token");
  const Completion none = parse("null");
  CHECK(none.finish_reason == FinishReason::kUnknown);
  CHECK(none.raw_finish_reason.empty());
}

TEST_CASE("Response: the deprecated function_call becomes a tool call", "[codec]") {
  HttpResponse response;
  response.status = 200;
  response.body = R"({"choices":[{"message":{"content":null,
      "function_call":{"name":"get_current_weather","arguments":"{\"location\":\"Paris\"}"}},
      "finish_reason":"function_call"}]})";
  const Result<Completion> completion = LocalProvider()->ParseResponse(response);
  REQUIRE(completion.has_value());
  REQUIRE(completion->tool_calls.size() == 1);
  CHECK(completion->tool_calls[0].id.empty());
  CHECK(completion->tool_calls[0].name == "get_current_weather");
  CHECK(completion->tool_calls[0].arguments_json == R"({"location":"Paris"})");
  CHECK(completion->finish_reason == FinishReason::kToolCalls);
}

TEST_CASE("Response: a minimal compatible-server body parses with zero usage", "[codec]") {
  HttpResponse response;
  response.status = 200;
  response.body = R"({"choices":[{"message":{"role":"assistant","content":"hi"}}]})";
  const Result<Completion> completion = LocalProvider()->ParseResponse(response);
  REQUIRE(completion.has_value());
  CHECK(completion->text == "hi");
  CHECK(completion->usage.input_tokens == 0);
  CHECK(completion->usage.output_tokens == 0);
  CHECK(completion->id.empty());
  CHECK(completion->model.empty());
}

TEST_CASE("Response: malformed bodies are kDataLoss naming what was wrong", "[codec]") {
  std::string body;
  std::string expected;
  SECTION("choices not an array") {
    body = R"({"choices": {"message": {}}})";
    expected = "choices: expected an array, got object";
  }
  SECTION("choices missing") {
    body = R"({"id": "x"})";
    expected = "choices: missing";
  }
  SECTION("empty choices") {
    body = R"({"choices": []})";
    expected = "choices: empty";
  }
  SECTION("a choice that is not an object") {
    body = R"({"choices": ["hi"]})";
    expected = "choices[0]: expected an object, got string";
  }
  SECTION("message missing") {
    body = R"({"choices": [{"finish_reason": "stop"}]})";
    expected = "choices[0].message: missing";
  }
  SECTION("message not an object") {
    body = R"({"choices": [{"message": "hi"}]})";
    expected = "choices[0].message: expected an object, got string";
  }
  SECTION("content not a string") {
    body = R"({"choices": [{"message": {"content": 42}}]})";
    expected = "choices[0].message.content: expected a string, got number";
  }
  SECTION("usage.prompt_tokens a string") {
    body = R"({"choices": [{"message": {"content": "x"}}], "usage": {"prompt_tokens": "12"}})";
    expected = "usage.prompt_tokens: expected an integer, got string";
  }
  SECTION("usage.completion_tokens fractional") {
    body = R"({"choices": [{"message": {"content": "x"}}], "usage": {"completion_tokens": 1.5}})";
    expected = "usage.completion_tokens: expected an integer, got 1.5";
  }
  SECTION("a negative token count") {
    body = R"({"choices": [{"message": {"content": "x"}}],
               "usage": {"prompt_tokens_details": {"cached_tokens": -1}}})";
    expected = "usage.prompt_tokens_details.cached_tokens: negative token count -1";
  }
  SECTION("usage not an object") {
    body = R"({"choices": [{"message": {"content": "x"}}], "usage": [1]})";
    expected = "usage: expected an object, got array";
  }
  SECTION("reasoning tokens a string") {
    body = R"({"choices": [{"message": {"content": "x"}}],
               "usage": {"completion_tokens_details": {"reasoning_tokens": "7"}}})";
    expected = "usage.completion_tokens_details.reasoning_tokens: expected an integer, got string";
  }
  SECTION("a tool call without a function") {
    body = R"({"choices": [{"message": {"tool_calls": [{"id": "c", "type": "function"}]}}]})";
    expected = "choices[0].message.tool_calls[0].function: missing";
  }
  SECTION("a tool call of another type") {
    body = R"({"choices": [{"message": {"tool_calls": [{"id": "c", "type": "custom",
               "custom": {"name": "x", "input": "y"}}]}}]})";
    expected = "choices[0].message.tool_calls[0].type: unsupported tool call type 'custom'";
  }
  SECTION("a tool call name that is not a string") {
    body = R"({"choices": [{"message": {"tool_calls": [{"id": "c", "type": "function",
               "function": {"name": 1, "arguments": "{}"}}]}}]})";
    expected = "choices[0].message.tool_calls[0].function.name: expected a string, got number";
  }
  SECTION("a logprob that is not a number") {
    body = R"({"choices": [{"message": {"content": "x"},
               "logprobs": {"content": [{"token": "x", "logprob": "low", "top_logprobs": []}]}}]})";
    expected = "choices[0].logprobs.content[0].logprob: expected a number, got string";
  }
  SECTION("a top logprob without a token") {
    body = R"({"choices": [{"message": {"content": "x"},
               "logprobs": {"content": [{"token": "x", "logprob": -1,
                                         "top_logprobs": [{"logprob": -1}]}]}}]})";
    expected = "choices[0].logprobs.content[0].top_logprobs[0].token: missing";
  }
  SECTION("model not a string") {
    body = R"({"choices": [{"message": {"content": "x"}}], "model": 4})";
    expected = "model: expected a string, got number";
  }
  SECTION("a body that is not an object") {
    body = R"([{"message": {"content": "x"}}])";
    expected = "(root): expected an object, got array";
  }
  SECTION("truncated JSON") {
    body = ReadGolden("response_plain.json");
    body.resize(body.size() / 2);
    expected = "invalid JSON at byte";
  }
  SECTION("trailing garbage") {
    body = ReadGolden("response_plain.json") + "\n<html>oops</html>";
    expected = "invalid JSON at byte";
  }
  SECTION("not UTF-8") {
    body = "{\"choices\": [{\"message\": {\"content\": \"caf\xE9\"}}]}";
    expected = "invalid UTF-8 at byte 41";
  }
  SECTION("an empty body") { expected = "invalid JSON at byte 0: The document is empty."; }
  const Error error = ParseBodyError(body);
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK_THAT(error.message(), Catch::StartsWith("malformed chat completion: " + expected));
  CHECK(error.provider() == "openai");
  CHECK(error.http_status() == std::optional<int>(200));
}

TEST_CASE("Response: a 2xx body that is not JSON shows how it starts", "[codec]") {
  const Error error = ParseBodyError("<!DOCTYPE html>\n<html><title>Sign in to the Wi-Fi</title>" +
                                     std::string(300, 'x') + "</html>");
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK_THAT(error.message(),
             Catch::StartsWith("malformed chat completion: invalid JSON at byte 0: Invalid value. "
                               "(body starts: <!DOCTYPE html> <html><title>Sign in to the Wi-Fi"));
  CHECK_THAT(error.message(), Catch::EndsWith("xxx...)"));
  CHECK(error.message().size() < 200);
}

TEST_CASE("Response: a 200 carrying an error object is that error", "[codec]") {
  SECTION("a rate limit") {
    const Error error = ParseBodyError(ReadGolden("response_200_error.json"));
    CHECK(error.code() == ErrorCode::kResourceExhausted);
    CHECK_THAT(error.message(), Catch::StartsWith("error object in a successful response: Rate "
                                                  "limit reached for gpt-4o-mini"));
    CHECK_THAT(error.message(), Catch::EndsWith("(type=tokens, code=rate_limit_exceeded)"));
    CHECK(error.provider() == "openai");
  }
  const auto code_of = [](std::string body) { return ParseBodyError(std::move(body)).code(); };
  SECTION("codes and types") {
    CHECK(code_of(R"({"error": {"message": "m", "type": "invalid_request_error"}})") ==
          ErrorCode::kInvalidArgument);
    CHECK(code_of(ReadGolden("error_401.json")) == ErrorCode::kUnauthenticated);  // code wins
    CHECK(code_of(R"({"error": {"message": "m", "type": "server_error"}})") ==
          ErrorCode::kUnavailable);
    CHECK(code_of(R"({"error": {"message": "m", "type": "invalid_request_error",
                                "code": "model_not_found"}})") == ErrorCode::kNotFound);
    CHECK(code_of(R"({"error": {"message": "m", "type": "something_new"}})") ==
          ErrorCode::kUnknown);
  }
  SECTION("an HTTP status as the code (OpenRouter)") {
    CHECK(code_of(R"({"error": {"message": "Provider returned error", "code": 502}})") ==
          ErrorCode::kUnavailable);
    CHECK(code_of(R"({"error": {"message": "Rate limited", "code": 429}})") ==
          ErrorCode::kResourceExhausted);
  }
  SECTION("a string error") {
    const Error error = ParseBodyError(R"({"error": "model is loading"})");
    CHECK(error.code() == ErrorCode::kUnknown);
    CHECK(error.message() == "error object in a successful response: model is loading");
  }
  SECTION("an error of another type is malformed") {
    const Error error = ParseBodyError(R"({"error": 42})");
    CHECK(error.code() == ErrorCode::kDataLoss);
    CHECK_THAT(error.message(), Catch::Contains("error: expected an object or a string"));
  }
  SECTION("an error beside choices still wins") {
    CHECK(code_of(R"({"choices": [{"message": {"content": "x"}}],
                      "error": {"message": "m", "type": "server_error"}})") ==
          ErrorCode::kUnavailable);
  }
}

TEST_CASE("Response: a null error member is ignored", "[codec]") {
  HttpResponse response;
  response.status = 200;
  response.body = R"({"error": null, "choices": [{"message": {"content": "fine"}}]})";
  const Result<Completion> completion = LocalProvider()->ParseResponse(response);
  REQUIRE(completion.has_value());
  CHECK(completion->text == "fine");
}

TEST_CASE("ErrorCodeForErrorObject maps types and codes", "[codec]") {
  using openai::ErrorCodeForErrorObject;
  CHECK(ErrorCodeForErrorObject("insufficient_quota", "insufficient_quota") ==
        ErrorCode::kResourceExhausted);
  CHECK(ErrorCodeForErrorObject("requests", "") == ErrorCode::kResourceExhausted);
  CHECK(ErrorCodeForErrorObject("authentication_error", "") == ErrorCode::kUnauthenticated);
  CHECK(ErrorCodeForErrorObject("permission_error", "") == ErrorCode::kPermissionDenied);
  CHECK(ErrorCodeForErrorObject("not_found_error", "") == ErrorCode::kNotFound);
  CHECK(ErrorCodeForErrorObject("api_error", "") == ErrorCode::kUnavailable);
  CHECK(ErrorCodeForErrorObject("invalid_request_error", "rate_limit_exceeded") ==
        ErrorCode::kResourceExhausted);
  CHECK(ErrorCodeForErrorObject("", "503") == ErrorCode::kUnavailable);
  CHECK(ErrorCodeForErrorObject("", "404") == ErrorCode::kNotFound);
  CHECK(ErrorCodeForErrorObject("", "200") == ErrorCode::kUnknown);
  CHECK(ErrorCodeForErrorObject("", "") == ErrorCode::kUnknown);
}

// --- ParseError ----------------------------------------------------------------------------------

Error Mapped(ErrorCode code, int status) {
  return Error(code, "HTTP " + std::to_string(status)).WithHttpStatus(status);
}

Error Refine(const std::string& golden_or_body, ErrorCode code, int status, bool golden = true) {
  return test::Refined(LocalProvider(), status,
                       golden ? ReadGolden(golden_or_body) : golden_or_body, Mapped(code, status));
}

TEST_CASE("ParseError: 400 keeps the code and adds message, type and param", "[codec]") {
  const Error error = Refine("error_400.json", ErrorCode::kInvalidArgument, 400);
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK(error.message() ==
        "HTTP 400: 'messages' must contain the word 'json' in some form, to use 'response_format' "
        "of type 'json_object'. (type=invalid_request_error, param=messages)");
  CHECK(error.http_status() == std::optional<int>(400));
  CHECK(error.provider() == "openai");
}

TEST_CASE("ParseError: 401", "[codec]") {
  const Error error = Refine("error_401.json", ErrorCode::kUnauthenticated, 401);
  CHECK(error.code() == ErrorCode::kUnauthenticated);
  CHECK_THAT(error.message(), Catch::StartsWith("HTTP 401: Incorrect API key provided"));
  CHECK_THAT(error.message(),
             Catch::EndsWith("(type=invalid_request_error, code=invalid_api_key)"));
}

TEST_CASE("ParseError: 429 rate limit keeps code and Retry-After", "[codec]") {
  HttpResponse response;
  response.status = 429;
  response.body = ReadGolden("error_429_rate_limit.json");
  const Error mapped = Mapped(ErrorCode::kResourceExhausted, 429)
                           .WithRetryAfter(std::chrono::milliseconds(120))
                           .WithModel("fast");
  const Error error = LocalProvider()->ParseError(response, mapped);
  CHECK(error.code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(error.message(),
             Catch::StartsWith("HTTP 429: Rate limit reached for gpt-4o in organization"));
  CHECK_THAT(error.message(), Catch::EndsWith("(type=requests, code=rate_limit_exceeded)"));
  CHECK(error.retry_after() == std::optional<std::chrono::milliseconds>(120));
  CHECK(error.model() == "fast");
  CHECK(error.http_status() == std::optional<int>(429));
  CHECK(error.message().find("quota") == std::string::npos);
}

TEST_CASE("ParseError: insufficient_quota says the quota is exhausted", "[codec]") {
  const Error error = Refine("error_429_quota.json", ErrorCode::kResourceExhausted, 429);
  CHECK(error.code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(error.message(), Catch::StartsWith("HTTP 429: quota exhausted: You exceeded your "
                                                "current quota"));
  CHECK_THAT(error.message(),
             Catch::EndsWith("(type=insufficient_quota, code=insufficient_quota)"));
  // Whatever status it came with, an exhausted quota is kResourceExhausted.
  const Error odd = Refine("error_429_quota.json", ErrorCode::kPermissionDenied, 403);
  CHECK(odd.code() == ErrorCode::kResourceExhausted);
  CHECK(odd.http_status() == std::optional<int>(403));
}

TEST_CASE("ParseError: 500", "[codec]") {
  const Error error = Refine("error_500.json", ErrorCode::kUnavailable, 500);
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.message() ==
        "HTTP 500: The server had an error while processing your request. Sorry about that! "
        "(type=server_error)");
}

TEST_CASE("ParseError: compatible servers' error shapes", "[codec]") {
  CHECK(Refine(R"({"error": "model 'llama3' not found"})", ErrorCode::kNotFound, 404, false)
            .message() == "HTTP 404: model 'llama3' not found");
  CHECK(Refine(R"({"object": "error", "message": "max_tokens is too large",
                   "type": "BadRequestError", "param": null, "code": 400})",
               ErrorCode::kInvalidArgument, 400, false)
            .message() == "HTTP 400: max_tokens is too large (type=BadRequestError, code=400)");
  CHECK(Refine(R"({"detail": "Not Found"})", ErrorCode::kNotFound, 404, false).message() ==
        "HTTP 404: Not Found");
}

TEST_CASE("ParseError: a body that is not JSON gives a sanitised excerpt", "[codec]") {
  const std::string html =
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\x01\x7f\xff" +
      std::string(400, 'x') + "</body></html>";
  const Error error = Refine(html, ErrorCode::kUnavailable, 502, false);
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK_THAT(error.message(),
             Catch::StartsWith("HTTP 502: <html> <head><title>502 Bad Gateway</title></head> "
                               "<body> ?xxx"));
  CHECK_THAT(error.message(), Catch::EndsWith("x..."));
  CHECK(error.message().size() <= std::string("HTTP 502: ").size() + 200 + 3);
  for (const char c : error.message()) {
    CHECK(static_cast<unsigned char>(c) >= 0x20);
    CHECK(static_cast<unsigned char>(c) < 0x7F);
  }
}

TEST_CASE("ParseError: JSON that is not an error object gives an excerpt", "[codec]") {
  CHECK(Refine(R"([1, 2, 3])", ErrorCode::kUnavailable, 503, false).message() ==
        "HTTP 503: [1, 2, 3]");
}

TEST_CASE("ParseError: an empty body keeps the mapped message", "[codec]") {
  const Error error = Refine("", ErrorCode::kUnavailable, 503, false);
  CHECK(error.message() == "HTTP 503");
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.provider() == "openai");
}

TEST_CASE("ParseError: a mapped error without a message gets one from the status", "[codec]") {
  HttpResponse response;
  response.status = 500;
  response.body = ReadGolden("error_500.json");
  const Error error = LocalProvider()->ParseError(response, Error(ErrorCode::kUnavailable, ""));
  CHECK_THAT(error.message(), Catch::StartsWith("HTTP 500: The server had an error"));
  CHECK(error.http_status() == std::optional<int>(500));
}

TEST_CASE("SanitizeForMessage keeps UTF-8, drops control characters and cuts cleanly", "[codec]") {
  using providers::SanitizeForMessage;
  CHECK(SanitizeForMessage("  caf\xC3\xA9\n\n\tok  ", 100) == "caf\xC3\xA9 ok");
  CHECK(SanitizeForMessage("bad \xC3 byte", 100) == "bad ? byte");
  CHECK(SanitizeForMessage("abcdef", 3) == "abc...");
  CHECK(SanitizeForMessage("ab\xE2\x82\xAC", 4) == "ab...");  // never half a character
}

// --- the key never leaks ------------------------------------------------------------------------

TEST_CASE("The API key never appears in an error message", "[codec]") {
  const std::shared_ptr<const Provider> provider = CanaryProvider();
  std::vector<Error> errors;

  // Request errors.
  CompletionRequest request;
  errors.push_back(ErrorOf(provider->BuildRequest(request)));
  request = UserRequest("m", "hi");
  request.temperature = std::nan("");
  errors.push_back(ErrorOf(provider->BuildRequest(request)));

  // A server that echoes the key back, in every place a message is built from.
  const std::string key(kCanaryKey);
  const std::vector<std::pair<int, std::string>> echoes = {
      {401, R"({"error": {"message": "Incorrect API key provided: )" + key +
                R"(", "type": "invalid_request_error", "param": ")" + key +
                R"(", "code": "invalid_api_key"}})"},
      {401, R"({"error": "bad key )" + key + R"("})"},
      {502, "<html>Authorization: Bearer " + key + "</html>"},
      {502, std::string(170, 'x') + " Bearer " + key},  // straddles the excerpt's cut
      {200, R"({"error": {"message": "key )" + key + R"( was revoked", "type": "server_error"}})"},
      {200, "<html>Your key " + key + " is not welcome here</html>"},
  };
  for (const auto& [status, body] : echoes) {
    HttpResponse response;
    response.status = status;
    response.body = body;
    if (status == 200) {
      errors.push_back(ErrorOf(provider->ParseResponse(response)));
    } else {
      errors.push_back(provider->ParseError(response, Mapped(ErrorCode::kUnauthenticated, status)));
    }
  }
  HttpResponse malformed;
  malformed.status = 200;
  malformed.body = R"({"choices": "sk-canary"})";
  errors.push_back(ErrorOf(provider->ParseResponse(malformed)));

  // Configuration errors with the key present.
  OpenAIConfig config = IsolatedConfig();
  config.api_key = key + "\n\x01";
  errors.push_back(ErrorOf(MakeOpenAIProvider(config)));
  config.api_key = key;
  config.base_url = "ftp://nowhere";
  errors.push_back(ErrorOf(MakeOpenAIProvider(config)));

  REQUIRE(errors.size() == 11);
  test::CheckKeyNeverShown(errors, key);  // nor a prefix of it
  CHECK_THAT(errors[2].message(), Catch::Contains("[REDACTED]"));
}

TEST_CASE("The API key is sent only in the Authorization header", "[codec]") {
  const Result<HttpRequest> http = CanaryProvider()->BuildRequest(UserRequest("m", "hi"));
  REQUIRE(http.has_value());
  const std::string key(kCanaryKey);
  CHECK(http->url.find(key) == std::string::npos);
  CHECK(http->body.find(key) == std::string::npos);
  int found = 0;
  for (const HttpHeader& header : http->headers) {
    if (header.value.find(key) == std::string::npos) continue;
    ++found;
    CHECK(header.name == "Authorization");
    CHECK(header.value == "Bearer " + key);
  }
  CHECK(found == 1);
}

TEST_CASE("A provider is usable from many threads at once", "[codec]") {
  // Immutable after creation: concurrent calls need no synchronisation. Run under TSan to prove
  // it; here it at least must give every thread the same answer.
  const std::shared_ptr<const Provider> provider = LocalProvider();
  const std::string expected = Body(UserRequest("m", "hi"));
  std::vector<std::string> bodies(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < bodies.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        Result<HttpRequest> http = provider->BuildRequest(UserRequest("m", "hi"));
        bodies[t] = http ? http->body : http.error().message();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const std::string& body : bodies) CHECK(body == expected);
}

}  // namespace
}  // namespace prsm
