// Tests of the Ollama native /api/chat codec: request bodies against golden JSON (the examples
// of Ollama's OpenAPI description, compared as DOMs), responses, error bodies and NDJSON streams
// from golden files (streams split at every byte offset), OLLAMA_HOST in every form the ollama
// CLI accepts, and that the API key never leaks into an error.
#include "providers/ollama_codec.h"

#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "codec_test_util.h"
#include "json/json.h"
#include "json/json_read.h"
#include "prsm/providers/ollama.h"

namespace prsm {
namespace {

using namespace std::string_literals;

constexpr std::string_view kCanaryKey = "ollama-canary-3c9e71f2a04b4d8e9d15";

using test::Built;
using test::Decoded;
using test::ErrorOf;
using test::FindHeader;
using test::RequireSameJson;
using test::ScopedEnv;
using test::UserRequest;

std::string ReadGolden(const std::string& name) { return test::ReadGolden("ollama", name); }

// A configuration that reads nothing from the real OLLAMA_* variables.
OllamaConfig IsolatedConfig() {
  OllamaConfig config;
  config.base_url_env = "PRSM_TEST_OLLAMA_HOST";
  config.api_key_env = "PRSM_TEST_OLLAMA_API_KEY";
  // These tests build URLs to hosts on a LAN; the cleartext rule has its own tests
  // (provider_config_test.cpp).
  config.allow_insecure_http = true;
  return config;
}

std::shared_ptr<const Provider> MakeProvider(OllamaConfig config) {
  return test::RequireProvider(MakeOllamaProvider(std::move(config)));
}

std::shared_ptr<const Provider> LocalProvider() {
  OllamaConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:11434";
  return MakeProvider(config);
}

std::shared_ptr<const Provider> CanaryProvider() {
  OllamaConfig config = IsolatedConfig();
  config.base_url = "https://ollama.com";
  config.api_key = std::string(kCanaryKey);
  return MakeProvider(config);
}

std::string Body(const CompletionRequest& request) { return Built(LocalProvider(), request).body; }

Error BuildError(const CompletionRequest& request) {
  return ErrorOf(LocalProvider()->BuildRequest(request));
}

Completion ParseBody(std::string body) {
  return test::ParsedBody(LocalProvider(), std::move(body));
}

Completion ParseGolden(const std::string& name) { return ParseBody(ReadGolden(name)); }

Error ParseBodyError(std::string body,
                     const std::shared_ptr<const Provider>& provider = LocalProvider()) {
  return test::ParseFailure(provider, std::move(body));
}

ToolDefinition WeatherTool() {
  ToolDefinition tool;
  tool.name = "get_current_weather";
  tool.description = "Get the current weather for a location";
  tool.parameters_json_schema = R"json({
    "type": "object",
    "properties": {
      "location": {"type": "string",
                   "description": "The location to get the weather for, e.g. San Francisco, CA"},
      "format": {"type": "string",
                 "description": "The format to return the weather in, e.g. 'celsius' or 'fahrenheit'",
                 "enum": ["celsius", "fahrenheit"]}
    },
    "required": ["location", "format"]
  })json";
  return tool;
}

// --- streams ---------------------------------------------------------------------------------

Decoded Decode(const std::vector<std::string_view>& pieces,
               const std::shared_ptr<const Provider>& provider = LocalProvider()) {
  return test::Decode(provider, pieces);
}

Decoded RequireSplitInvariant(const std::string& stream) {
  return test::RequireSplitInvariant(LocalProvider(), stream);
}

// --- request bodies --------------------------------------------------------------------------

TEST_CASE("Ollama request: the spec's non-streaming example", "[codec][ollama]") {
  RequireSameJson(Body(UserRequest("gemma4", "why is the sky blue?")),
                  ReadGolden("request_plain.json"));
}

TEST_CASE("Ollama request: stream is always sent", "[codec][ollama]") {
  CompletionRequest request = UserRequest("gemma4", "why is the sky blue?");
  request.stream = true;
  const HttpRequest http = Built(LocalProvider(), request);
  RequireSameJson(http.body, ReadGolden("request_stream.json"));
  CHECK(http.url == "http://127.0.0.1:11434/api/chat");  // same endpoint either way
  CHECK(*FindHeader(http, "Accept") == "application/x-ndjson");
  request.stream = false;
  CHECK(*FindHeader(Built(LocalProvider(), request), "Accept") == "application/json");
}

TEST_CASE("Ollama request: the spec's structured-output example", "[codec][ollama]") {
  CompletionRequest request =
      UserRequest("gemma4", "What are the populations of the United States and Canada?");
  request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
  request.response_format.json_schema = R"({
    "type": "object",
    "properties": {
      "countries": {
        "type": "array",
        "items": {
          "type": "object",
          "properties": {"country": {"type": "string"}, "population": {"type": "integer"}},
          "required": ["country", "population"]
        }
      }
    },
    "required": ["countries"]
  })";
  RequireSameJson(Body(request), ReadGolden("request_json_schema.json"));
}

TEST_CASE("Ollama request: the spec's tool-calling example", "[codec][ollama]") {
  CompletionRequest request = UserRequest("qwen3", "What is the weather today in Paris?");
  request.tools.push_back(WeatherTool());
  RequireSameJson(Body(request), ReadGolden("request_tools.json"));
}

TEST_CASE("Ollama request: a conversation with tool calls and every option", "[codec][ollama]") {
  CompletionRequest request;
  request.model = "qwen3";
  Message call = Message::Assistant("");
  call.tool_calls = {{"call_0", "get_current_weather",
                      "{\n  \"format\": \"celsius\",\n  \"location\": \"Paris, FR\"\n}", ""}};
  Message humidity = Message::ToolResult("", R"({"humidity": 0.4})");
  humidity.name = "get_humidity";
  Message user = Message::User("Thanks!");
  user.name = "alice";  // Ollama has no participant names
  request.messages = {Message::System("You are a weather bot."),
                      Message::User("What is the weather today in Paris?"),
                      call,
                      Message::ToolResult("call_0", "22 degrees celsius"),
                      humidity,
                      Message::Assistant("It is 22 \xC2\xB0"
                                         "C in Paris \xE2\x80\x94 \"sunny\".\n"),
                      user};
  request.temperature = 0.7;
  request.top_p = 0.9;
  request.max_tokens = 256;
  request.stop = {"\n\n", "END"};
  request.seed = -9007199254740993;  // not representable as a double: must stay an integer
  request.response_format.kind = ResponseFormat::Kind::kJsonObject;
  request.top_logprobs = 3;  // implies logprobs
  OllamaConfig config = IsolatedConfig();
  config.base_url = "localhost";
  config.keep_alive = "10m";
  RequireSameJson(Built(MakeProvider(config), request).body,
                  ReadGolden("request_conversation.json"));
}

TEST_CASE("Ollama request: tool choice", "[codec][ollama]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.tools.push_back(WeatherTool());
  SECTION("kNone leaves the tools out") {
    request.tool_choice.mode = ToolChoice::Mode::kNone;
    CHECK(Body(request) ==
          R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":false})");
  }
  SECTION("kRequired cannot be honoured") {
    request.tool_choice.mode = ToolChoice::Mode::kRequired;
    const Error error = BuildError(request);
    CHECK(error.code() == ErrorCode::kUnimplemented);
    CHECK(error.provider() == "ollama");
    CHECK(error.message() ==
          "tool_choice: Ollama cannot force a tool call (kRequired); use kAuto, or kNone to "
          "offer no tools");
  }
  SECTION("kNamed cannot be honoured") {
    request.tool_choice = {ToolChoice::Mode::kNamed, "get_current_weather"};
    const Error error = BuildError(request);
    CHECK(error.code() == ErrorCode::kUnimplemented);
    CHECK_THAT(error.message(), Catch::Contains("(kNamed 'get_current_weather')"));
  }
}

TEST_CASE("Ollama request: a tool without parameters gets an empty object schema",
          "[codec][ollama]") {
  CompletionRequest request = UserRequest("m", "hi");
  ToolDefinition tool;
  tool.name = "now";
  tool.parameters_json_schema.clear();
  request.tools.push_back(tool);
  CHECK_THAT(Body(request),
             Catch::EndsWith(R"("tools":[{"type":"function","function":{"name":"now",)"
                             R"("parameters":{"type":"object","properties":{}}}}]})"));
}

TEST_CASE("Ollama request: logprobs alone, keep_alive as seconds", "[codec][ollama]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.logprobs = true;
  OllamaConfig config = IsolatedConfig();
  config.keep_alive = "-1";
  const std::string body = Built(MakeProvider(config), request).body;
  CHECK_THAT(body, Catch::EndsWith(R"("logprobs":true,"keep_alive":-1})"));
  CHECK(body.find("top_logprobs") == std::string::npos);
  config.keep_alive = " 300 ";
  CHECK_THAT(Built(MakeProvider(config), request).body, Catch::EndsWith(R"("keep_alive":300})"));
  config.keep_alive = "1h30m";
  CHECK_THAT(Built(MakeProvider(config), request).body,
             Catch::EndsWith(R"("keep_alive":"1h30m"})"));
}

TEST_CASE("Ollama request: unset optionals are omitted; text is escaped", "[codec][ollama]") {
  CHECK(Body(UserRequest("m", "hi")) ==
        R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":false})");
  const std::string text = "quote \" backslash \\ control \x01 nul \0 emoji \xF0\x9F\x98\x80"s;
  json::Document doc;
  REQUIRE(json::ParseJson(Body(UserRequest("m", text)), doc).has_value());
  CHECK(json::StringView(doc["messages"][0]["content"]) == text);
}

TEST_CASE("Ollama request: invalid requests are kInvalidArgument naming the field",
          "[codec][ollama]") {
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
  SECTION("zero max_tokens") {
    request.max_tokens = 0;
    expected = "max_tokens: must be at least 1";
  }
  SECTION("negative top_logprobs") {
    request.top_logprobs = -1;
    expected = "top_logprobs: must be in 0..20, got -1";
  }
  SECTION("a schema that is not JSON") {
    request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    request.response_format.json_schema = "{";
    expected = "response_format.json_schema: invalid JSON at byte";
  }
  SECTION("tool parameters that are not an object") {
    request.tools.push_back({"lookup", "", "\"string\""});
    expected = "tools[0] 'lookup': parameters: expected a JSON object, got string";
  }
  SECTION("tool call arguments that are not JSON") {
    Message call = Message::Assistant("");
    call.tool_calls = {{"call_1", "f", "{location: Paris}", ""}};
    request.messages.push_back(call);
    expected = "messages[1].tool_calls[0].arguments: invalid JSON at byte 1";
  }
  SECTION("a tool call without a name") {
    Message call = Message::Assistant("");
    call.tool_calls = {{"call_1", "", "{}", ""}};
    request.messages.push_back(call);
    expected = "messages[1].tool_calls[0].name: empty";
  }
  SECTION("tool calls in a tool message") {
    Message result = Message::ToolResult("call_1", "42");
    result.tool_calls = {{"call_2", "f", "{}", ""}};
    request.messages.push_back(result);
    expected = "messages[1].tool_calls: only assistant messages make tool calls";
  }
  SECTION("tool_call_id in an assistant message") {
    Message answer = Message::Assistant("ok");
    answer.tool_call_id = "call_1";
    request.messages.push_back(answer);
    expected = "messages[1].tool_call_id: only tool messages answer a call";
  }
  SECTION("content that is not UTF-8") {
    request.messages.push_back(Message::User("caf\xE9"));
    expected = "messages[1].content: not valid UTF-8";
  }
  const Error error = BuildError(request);
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK(error.provider() == "ollama");
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
}

// --- configuration ---------------------------------------------------------------------------

TEST_CASE("Ollama config: OLLAMA_HOST in every form the CLI accepts", "[codec][ollama]") {
  const auto url_for = [](const std::string& host) {
    const ScopedEnv env("PRSM_TEST_OLLAMA_HOST", host);
    return Built(MakeProvider(IsolatedConfig()), UserRequest("m", "hi")).url;
  };
  CHECK(url_for("0.0.0.0") == "http://0.0.0.0:11434/api/chat");
  CHECK(url_for("gpu-box:8080") == "http://gpu-box:8080/api/chat");
  CHECK(url_for("gpu-box") == "http://gpu-box:11434/api/chat");
  CHECK(url_for(":11435") == "http://127.0.0.1:11435/api/chat");
  CHECK(url_for("http://gpu-box") == "http://gpu-box:80/api/chat");
  CHECK(url_for("https://gpu-box") == "https://gpu-box:443/api/chat");
  CHECK(url_for("HTTPS://gpu-box:8443/ollama/") == "https://gpu-box:8443/ollama/api/chat");
  CHECK(url_for("[::1]:9000") == "http://[::1]:9000/api/chat");
  CHECK(url_for("::1") == "http://[::1]:11434/api/chat");
  CHECK(url_for("https://[fe80::1]") == "https://[fe80::1]:443/api/chat");
  CHECK(url_for(" \"gpu-box:8080\" ") == "http://gpu-box:8080/api/chat");  // quotes, as the CLI
  CHECK(url_for("http://user:pw@gpu-box:8080") == "http://user:pw@gpu-box:8080/api/chat");
  {
    const ScopedEnv key("PRSM_TEST_OLLAMA_API_KEY", "key-1");
    CHECK(url_for("ollama.com") == "https://ollama.com:443/api/chat");
  }
}

TEST_CASE("Ollama config: the default is 127.0.0.1:11434 without a key", "[codec][ollama]") {
  const ScopedEnv host("PRSM_TEST_OLLAMA_HOST", std::nullopt);
  const ScopedEnv key("PRSM_TEST_OLLAMA_API_KEY", std::nullopt);
  const HttpRequest http = Built(MakeProvider(IsolatedConfig()), UserRequest("m", "hi"));
  CHECK(http.url == "http://127.0.0.1:11434/api/chat");
  CHECK(FindHeader(http, "Authorization") == nullptr);
  CHECK(*FindHeader(http, "Content-Type") == "application/json");
}

TEST_CASE("Ollama config: the key from the environment is a bearer token", "[codec][ollama]") {
  const ScopedEnv host("PRSM_TEST_OLLAMA_HOST", "https://ollama.com");
  {
    const ScopedEnv key("PRSM_TEST_OLLAMA_API_KEY", "key-env\n");
    const HttpRequest http = Built(MakeProvider(IsolatedConfig()), UserRequest("m", "hi"));
    CHECK(http.url == "https://ollama.com:443/api/chat");
    CHECK(*FindHeader(http, "Authorization") == "Bearer key-env");
  }
  const ScopedEnv key("PRSM_TEST_OLLAMA_API_KEY", std::nullopt);
  const Error error = ErrorOf(MakeOllamaProvider(IsolatedConfig()));
  CHECK(error.code() == ErrorCode::kUnauthenticated);
  CHECK(error.message() ==
        "no API key for ollama.com: set PRSM_TEST_OLLAMA_API_KEY (or OllamaConfig::api_key)");
}

TEST_CASE("Ollama config: explicit values win; the environment is read once", "[codec][ollama]") {
  std::shared_ptr<const Provider> provider;
  {
    const ScopedEnv host("PRSM_TEST_OLLAMA_HOST", "first:1");
    provider = MakeProvider(IsolatedConfig());
    OllamaConfig config = IsolatedConfig();
    config.base_url = "second:2";
    config.api_key = "key-explicit";
    const HttpRequest http = Built(MakeProvider(config), UserRequest("m", "hi"));
    CHECK(http.url == "http://second:2/api/chat");
    CHECK(*FindHeader(http, "Authorization") == "Bearer key-explicit");
  }
  const ScopedEnv host("PRSM_TEST_OLLAMA_HOST", "third:3");
  CHECK(Built(provider, UserRequest("m", "hi")).url == "http://first:1/api/chat");
}

TEST_CASE("Ollama config: the default variables are OLLAMA_HOST and OLLAMA_API_KEY",
          "[codec][ollama]") {
  const ScopedEnv host("OLLAMA_HOST", "10.1.2.3:4567");
  const ScopedEnv key("OLLAMA_API_KEY", "key-default");
  OllamaConfig config;  // the default variables, and a server on the LAN
  config.allow_insecure_http = true;
  const std::shared_ptr<const Provider> provider = MakeProvider(config);
  CHECK(provider->id() == "ollama");
  const HttpRequest http = Built(provider, UserRequest("m", "hi"));
  CHECK(http.url == "http://10.1.2.3:4567/api/chat");
  CHECK(*FindHeader(http, "Authorization") == "Bearer key-default");
}

TEST_CASE("Ollama config: extra headers are sent and replace defaults", "[codec][ollama]") {
  OllamaConfig config = IsolatedConfig();
  config.base_url = "localhost";
  config.api_key = "key-1";
  config.extra_headers = {{"authorization", "Basic dTpw"}, {"X-Team", "a"}};
  const HttpRequest http = Built(MakeProvider(config), UserRequest("m", "hi"));
  CHECK(FindHeader(http, "Authorization") == nullptr);
  CHECK(*FindHeader(http, "authorization") == "Basic dTpw");
  CHECK(*FindHeader(http, "X-Team") == "a");
}

TEST_CASE("Ollama config: invalid configurations", "[codec][ollama]") {
  OllamaConfig config = IsolatedConfig();
  config.base_url = "localhost";
  std::string expected;
  SECTION("empty id") {
    config.id.clear();
    expected = "OllamaConfig::id: empty";
  }
  SECTION("a scheme other than http(s)") {
    config.base_url = "ftp://gpu-box";
    expected = "OllamaConfig::base_url: the base URL must start with http:// or https://";
  }
  SECTION("a port out of range") {
    config.base_url = "gpu-box:99999";
    expected = "OllamaConfig::base_url: the base URL's port is not a number in 1..65535";
  }
  SECTION("a port that is not a number") {
    config.base_url = "http://gpu-box:http/";
    expected = "OllamaConfig::base_url: the base URL's port is not a number";
  }
  SECTION("a query string") {
    config.base_url = "http://gpu-box/?x=1";
    expected = "OllamaConfig::base_url: the base URL has a query or fragment";
  }
  SECTION("a line break") {
    config.base_url = "gpu-box\r\nX-Injected: 1";
    expected = "OllamaConfig::base_url: the base URL contains spaces or control characters";
  }
  SECTION("an unclosed IPv6 bracket") {
    config.base_url = "[::1:11434";
    expected = "OllamaConfig::base_url: the base URL has an unclosed '['";
  }
  SECTION("a key with a line break") {
    config.api_key = "abc\r\nX-Injected: 1";
    expected = "OllamaConfig::api_key: the API key contains control characters";
  }
  SECTION("a keep_alive with a line break") {
    config.keep_alive = "5m\n6m";
    expected = "OllamaConfig::keep_alive: contains control characters";
  }
  SECTION("an extra header with a bad name") {
    config.extra_headers = {{"Bad Name", "v"}};
    expected = "OllamaConfig::extra_headers: invalid header name 'Bad Name'";
  }
  const Error error = ErrorOf(MakeOllamaProvider(config));
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
}

TEST_CASE("Ollama config: a bad OLLAMA_HOST names the variable", "[codec][ollama]") {
  const ScopedEnv host("PRSM_TEST_OLLAMA_HOST", "unix:///var/run/ollama.sock");
  const Error error = ErrorOf(MakeOllamaProvider(IsolatedConfig()));
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(error.message(), Catch::StartsWith("$PRSM_TEST_OLLAMA_HOST: the base URL must "
                                                "start with http:// or https://"));
}

// --- responses -------------------------------------------------------------------------------

TEST_CASE("Ollama response: the spec's example", "[codec][ollama]") {
  const Completion completion = ParseGolden("response_plain.json");
  CHECK(completion.text == "Hello! How can I help you today?");
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.raw_finish_reason == "stop");
  CHECK(completion.usage.input_tokens == 11);
  CHECK(completion.usage.output_tokens == 18);
  CHECK(completion.usage.cached_input_tokens == 0);
  CHECK(completion.model == "gemma4");
  CHECK(completion.id.empty());
  CHECK(completion.tool_calls.empty());
}

TEST_CASE("Ollama response: tool calls with stable ids and compact arguments", "[codec][ollama]") {
  const Completion completion = ParseGolden("response_tool_calls.json");
  CHECK(completion.text.empty());  // the thinking is not the answer
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
  CHECK(completion.raw_finish_reason == "stop");
  REQUIRE(completion.tool_calls.size() == 2);
  CHECK(completion.tool_calls[0].id == "call_0");
  CHECK(completion.tool_calls[0].name == "get_current_weather");
  CHECK(completion.tool_calls[0].arguments_json ==
        R"({"format":"celsius","location":"Paris, FR"})");
  CHECK(completion.tool_calls[1].id == "call_ab12cd34");  // the server's own id is kept
  CHECK(completion.tool_calls[1].arguments_json == R"({"format":"celsius","location":"Lyon, FR"})");
  CHECK(completion.usage.input_tokens == 223);
  CHECK(completion.usage.output_tokens == 68);
}

TEST_CASE("Ollama response: arguments as a JSON string, or missing", "[codec][ollama]") {
  const Completion completion = ParseBody(R"({"model":"m","done":true,"message":{"role":
      "assistant","content":"","tool_calls":[{"function":{"name":"f","arguments":"{\"a\":1}"}},
      {"function":{"name":"g"}}]}})");
  REQUIRE(completion.tool_calls.size() == 2);
  CHECK(completion.tool_calls[0].arguments_json == R"({"a":1})");
  CHECK(completion.tool_calls[1].arguments_json == "{}");
  CHECK(completion.tool_calls[1].id == "call_1");
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
  CHECK(completion.raw_finish_reason.empty());
}

TEST_CASE("Ollama response: logprobs", "[codec][ollama]") {
  const Completion completion = ParseGolden("response_logprobs.json");
  CHECK(completion.finish_reason == FinishReason::kLength);
  REQUIRE(completion.logprobs.size() == 2);
  CHECK(completion.logprobs[0].token == "Hi");
  CHECK(completion.logprobs[0].logprob == Approx(-0.3154));
  REQUIRE(completion.logprobs[0].top.size() == 2);
  CHECK(completion.logprobs[0].top[1].token == "Hello");
  CHECK(completion.logprobs[1].top[1].logprob == Approx(-3.5801));
  CHECK(completion.logprobs[0].token + completion.logprobs[1].token == completion.text);
}

TEST_CASE("Ollama response: done reasons", "[codec][ollama]") {
  const auto parse = [](std::string_view reason) {
    return ParseBody(R"({"message":{"content":"x"},"done":true,"done_reason":")" +
                     std::string(reason) + R"("})");
  };
  CHECK(parse("stop").finish_reason == FinishReason::kStop);
  CHECK(parse("length").finish_reason == FinishReason::kLength);
  const Completion odd = parse("unload");
  CHECK(odd.finish_reason == FinishReason::kUnknown);
  CHECK(odd.raw_finish_reason == "unload");
}

TEST_CASE("Ollama response: an error in a 200 is the vendor's error", "[codec][ollama]") {
  const Error error = ParseBodyError(ReadGolden("response_200_error.json"));
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.provider() == "ollama");
  CHECK(error.message() ==
        "error object in a successful response: an error was encountered while running the "
        "model");
}

TEST_CASE("Ollama response: malformed bodies are kDataLoss naming the provider and the path",
          "[codec][ollama]") {
  std::string body;
  std::string expected;
  SECTION("not JSON") {
    body = "Ollama is running";
    expected = "malformed Ollama response: invalid JSON at byte 0";
  }
  SECTION("an NDJSON stream where one object was expected") {
    body = ReadGolden("stream_text.ndjson");
    expected = "malformed Ollama response: invalid JSON at byte";
  }
  SECTION("not UTF-8") {
    body = "{\"done\":true,\"message\":{\"content\":\"\xFF\"}}";
    expected = "malformed Ollama response: invalid UTF-8 at byte";
  }
  SECTION("another API's JSON") {
    body = R"({"choices":[{"message":{"content":"hi"}}]})";
    expected = "malformed Ollama response: done: missing";
  }
  SECTION("done that is not a boolean") {
    body = R"({"done":"true"})";
    expected = "malformed Ollama response: done: expected a bool, got string";
  }
  SECTION("a partial answer") {
    body = R"({"message":{"content":"The"},"done":false})";
    expected = "malformed Ollama response: done: false";
  }
  SECTION("content that is not a string") {
    body = R"({"message":{"content":["x"]},"done":true})";
    expected = "malformed Ollama response: message.content: expected a string, got array";
  }
  SECTION("a tool call without a function") {
    body = R"({"message":{"content":"","tool_calls":[{"name":"f"}]},"done":true})";
    expected = "malformed Ollama response: message.tool_calls[0].function: missing";
  }
  SECTION("arguments that are a number") {
    body =
        R"({"message":{"content":"","tool_calls":[{"function":{"name":"f","arguments":1}}]},"done":true})";
    expected =
        "malformed Ollama response: message.tool_calls[0].function.arguments: expected an "
        "object, got number";
  }
  SECTION("a negative count") {
    body = R"({"done":true,"eval_count":-3})";
    expected = "malformed Ollama response: eval_count: negative token count -3";
  }
  SECTION("an error that is neither a string nor has a message") {
    body = R"({"error":42})";
    expected = "malformed Ollama response: error: expected a string, got number";
  }
  const Error error = ParseBodyError(body);
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK(error.provider() == "ollama");
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
}

TEST_CASE("Ollama response: every truncation and every corrupted byte is a clean kDataLoss",
          "[codec][ollama]") {
  for (const char* golden :
       {"response_plain.json", "response_tool_calls.json", "response_logprobs.json"}) {
    const std::string whole = ReadGolden(golden);
    const std::size_t end = whole.rfind('}') + 1;  // what follows is whitespace
    for (std::size_t size = 0; size < end; ++size) {
      INFO(golden << " cut to " << size << " bytes");
      const Error error = ParseBodyError(whole.substr(0, size));
      REQUIRE(error.code() == ErrorCode::kDataLoss);
      REQUIRE(error.provider() == "ollama");
    }
    for (std::size_t at = 0; at < whole.size(); ++at) {
      std::string corrupted = whole;
      corrupted[at] = '\xFF';
      INFO(golden << " corrupted at byte " << at);
      const Error error = ParseBodyError(std::move(corrupted));
      REQUIRE(error.code() == ErrorCode::kDataLoss);
      REQUIRE_THAT(error.message(), Catch::Contains("invalid UTF-8 at byte " + std::to_string(at)));
    }
  }
}

// --- HTTP errors -----------------------------------------------------------------------------

TEST_CASE("Ollama errors: the vendor's message, the mapped code kept", "[codec][ollama]") {
  const auto refine = [](const std::string& body, int status, ErrorCode code) {
    return test::Refined(LocalProvider(), status, body,
                         Error(code, "HTTP " + std::to_string(status)).WithHttpStatus(status));
  };
  const Error missing = refine(ReadGolden("error_404.json"), 404, ErrorCode::kNotFound);
  CHECK(missing.code() == ErrorCode::kNotFound);
  CHECK(missing.message() == "HTTP 404: model 'llama3.2' not found");
  CHECK(missing.provider() == "ollama");
  CHECK(missing.http_status() == 404);
  CHECK(refine(ReadGolden("error_400.json"), 400, ErrorCode::kInvalidArgument).message() ==
        "HTTP 400: top_logprobs must be between 0 and 20");
  const Error failed = refine(ReadGolden("error_500.json"), 500, ErrorCode::kUnavailable);
  CHECK(failed.code() == ErrorCode::kUnavailable);
  CHECK(failed.message() == "HTTP 500: the model failed to generate a response");
  CHECK(refine(R"({"error":{"message":"upstream quota"}})", 429, ErrorCode::kResourceExhausted)
            .message() == "HTTP 429: upstream quota");
  CHECK(refine("404 page not found", 404, ErrorCode::kNotFound).message() ==
        "HTTP 404: 404 page not found");
  CHECK(refine("", 502, ErrorCode::kUnavailable).message() == "HTTP 502");
}

// --- the canary key --------------------------------------------------------------------------

TEST_CASE("Ollama: the API key never appears in an error", "[codec][ollama]") {
  const std::shared_ptr<const Provider> provider = CanaryProvider();
  const std::string key(kCanaryKey);
  std::vector<Error> errors;
  errors.push_back(test::Refined(provider, 401, R"({"error":"invalid key )" + key + R"("})",
                                 Error(ErrorCode::kUnauthenticated, "HTTP 401")));
  errors.push_back(test::Refined(provider, 401, "unauthorized: " + key,
                                 Error(ErrorCode::kUnauthenticated, "HTTP 401")));
  errors.push_back(ParseBodyError("<html>" + key, provider));
  errors.push_back(ParseBodyError(R"({"error":")" + key + R"("})", provider));
  errors.push_back(Decode({R"({"error":"bad key )" + key + "\"}\n"}, provider).completion.error());
  OllamaConfig config = IsolatedConfig();
  config.base_url = "localhost";
  config.api_key = key + "\r\n";
  config.api_key.insert(4, "\n");
  errors.push_back(ErrorOf(MakeOllamaProvider(config)));
  test::CheckKeyNeverShown(errors, key);
  CHECK_THAT(errors[0].message(), Catch::Contains("[REDACTED]"));
  const HttpRequest http = Built(provider, UserRequest("m", "hi"));
  CHECK(http.url.find(key) == std::string::npos);
  CHECK(http.body.find(key) == std::string::npos);
  CHECK(*FindHeader(http, "Authorization") == "Bearer " + key);
}

// --- streams ---------------------------------------------------------------------------------

TEST_CASE("Ollama stream: text records, every split alike", "[codec][ollama]") {
  const Decoded decoded = RequireSplitInvariant(ReadGolden("stream_text.ndjson"));
  REQUIRE(decoded.completion.has_value());
  const Completion& completion = *decoded.completion;
  const std::string text = "The sky is blue \xE2\x80\x94 Rayleigh scattering \xF0\x9F\x8C\x8D.";
  CHECK(completion.text == text);
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.raw_finish_reason == "stop");
  CHECK(completion.usage.input_tokens == 26);
  CHECK(completion.usage.output_tokens == 282);
  CHECK(completion.model == "gemma4");
  using Kind = StreamEvent::Kind;
  std::vector<Kind> kinds;
  std::string joined;
  for (const StreamEvent& event : decoded.events) {
    kinds.push_back(event.kind);
    if (event.kind == Kind::kTextDelta) joined += event.text;
  }
  CHECK(kinds == std::vector<Kind>{Kind::kTextDelta, Kind::kTextDelta, Kind::kTextDelta,
                                   Kind::kTextDelta, Kind::kUsage, Kind::kFinish});
  CHECK(joined == text);
  CHECK(decoded.events[4].usage.output_tokens == 282);
  CHECK(decoded.events[5].finish_reason == FinishReason::kStop);
}

TEST_CASE("Ollama stream: tool calls are whole deltas (CRLF line ends)", "[codec][ollama]") {
  const Decoded decoded = RequireSplitInvariant(ReadGolden("stream_tool_calls.ndjson"));
  REQUIRE(decoded.completion.has_value());
  std::vector<const StreamEvent*> calls;
  for (const StreamEvent& event : decoded.events) {
    CHECK(event.kind != StreamEvent::Kind::kTextDelta);  // thinking and empty content: none
    if (event.kind == StreamEvent::Kind::kToolCallDelta) calls.push_back(&event);
  }
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]->tool_call.index == 0);
  CHECK(calls[0]->tool_call.id == "call_0");
  CHECK(calls[0]->tool_call.name == "get_current_weather");
  CHECK(calls[0]->tool_call.arguments_delta == R"({"format":"celsius","location":"Paris, FR"})");
  CHECK(calls[1]->tool_call.index == 1);
  CHECK(calls[1]->tool_call.id == "call_x9");
  const Completion& completion = *decoded.completion;
  REQUIRE(completion.tool_calls.size() == 2);
  CHECK(completion.tool_calls[1].arguments_json == R"({"format":"celsius","location":"Lyon, FR"})");
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
  CHECK(decoded.events.back().finish_reason == FinishReason::kToolCalls);
  CHECK(completion.usage.input_tokens == 223);
}

TEST_CASE("Ollama stream: a last record without its newline still counts", "[codec][ollama]") {
  const Decoded decoded = RequireSplitInvariant(ReadGolden("stream_no_final_newline.ndjson"));
  REQUIRE(decoded.completion.has_value());
  CHECK(decoded.completion->finish_reason == FinishReason::kStop);
  CHECK(decoded.completion->usage.output_tokens == 282);
  CHECK(decoded.completion->text == Decode({ReadGolden("stream_text.ndjson")}).completion->text);
  // Its events come out of Finish: the four text deltas, then the done record's usage and
  // finish.
  REQUIRE(decoded.events.size() == 6);
  CHECK(decoded.events[4].kind == StreamEvent::Kind::kUsage);
  CHECK(decoded.events[5].kind == StreamEvent::Kind::kFinish);
}

TEST_CASE("Ollama stream: an error record is the vendor's error, after the earlier events",
          "[codec][ollama]") {
  const Decoded decoded = RequireSplitInvariant(ReadGolden("stream_error.ndjson"));
  REQUIRE_FALSE(decoded.completion.has_value());
  const Error& error = decoded.completion.error();
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.provider() == "ollama");
  CHECK(error.message() ==
        "error record in the stream: an error was encountered while running the model");
  REQUIRE(decoded.events.size() == 2);
  CHECK(decoded.events[0].text + decoded.events[1].text == " Yes.");
}

TEST_CASE("Ollama stream: a stream cut anywhere fails, kUnavailable between records",
          "[codec][ollama]") {
  const std::string stream = ReadGolden("stream_text.ndjson");
  std::size_t boundaries = 0;
  for (std::size_t cut = 0; cut < stream.size(); ++cut) {
    INFO("cut at byte " << cut);
    const Decoded decoded = Decode({std::string_view(stream).substr(0, cut)});
    if (cut == stream.size() - 1) {  // the done record without its newline: complete
      CHECK(decoded.completion.has_value());
      continue;
    }
    REQUIRE_FALSE(decoded.completion.has_value());
    const Error& error = decoded.completion.error();
    CHECK(error.provider() == "ollama");
    // A record missing only its newline is whole: that is a cut between records too.
    if (cut == 0 || stream[cut - 1] == '\n' || stream[cut] == '\n') {
      ++boundaries;
      CHECK(error.code() == ErrorCode::kUnavailable);
      CHECK(error.message() == "the Ollama stream ended before its done record");
    } else {
      CHECK(error.code() == ErrorCode::kDataLoss);  // inside a record
    }
  }
  CHECK(boundaries == 9);  // the start, and before and after each of the first four newlines
}

TEST_CASE("Ollama stream: bad records are kDataLoss naming the provider", "[codec][ollama]") {
  std::string data;
  std::string expected;
  SECTION("a record that is not JSON") {
    data = "data: {\"done\":false}\n";
    expected = "malformed Ollama stream record: invalid JSON at byte 0";
  }
  SECTION("a record that is not UTF-8") {
    data = "{\"message\":{\"content\":\"\xC0\xAF\"},\"done\":false}\n";
    expected = "malformed Ollama stream record: invalid UTF-8";
  }
  SECTION("an unknown record shape") {
    data = "{\"status\":\"pulling manifest\"}\n";
    expected = "malformed Ollama stream record: done: missing";
  }
  SECTION("a record after the done record") {
    data = "{\"response\":\"x\",\"done\":false}\n{\"done\":true}\n{\"done\":true}\n";
    expected = "malformed Ollama stream: a record after the done record";
  }
  SECTION("a record of the wrong shape") {
    data = "{\"message\":{\"tool_calls\":{}},\"done\":false}\n";
    expected = "malformed Ollama stream record: message.tool_calls: expected an array, got object";
  }
  std::unique_ptr<StreamDecoder> decoder = LocalProvider()->NewStreamDecoder();
  std::vector<StreamEvent> events;
  const Error error = ErrorOf(decoder->Feed(data, events));
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK(error.provider() == "ollama");
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
  CHECK(ErrorOf(decoder->Feed("{\"done\":true}\n", events)).code() ==
        ErrorCode::kFailedPrecondition);
  CHECK(ErrorOf(decoder->Finish(events)).code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("Ollama stream: a truncated last record is kDataLoss at Finish", "[codec][ollama]") {
  const Decoded decoded = Decode({"{\"message\":{\"content\":\"x\"},\"done\":false}\n{\"do"});
  REQUIRE_FALSE(decoded.completion.has_value());
  CHECK(decoded.completion.error().code() == ErrorCode::kDataLoss);
  CHECK(decoded.completion.error().provider() == "ollama");
  CHECK(decoded.events.size() == 1);
}

TEST_CASE("Ollama stream: Finish hands the completion out once", "[codec][ollama]") {
  std::unique_ptr<StreamDecoder> decoder = LocalProvider()->NewStreamDecoder();
  std::vector<StreamEvent> events;
  REQUIRE(decoder->Feed("{\"message\":{\"content\":\"hi\"},\"done\":true}\n", events));
  const Result<Completion> first = decoder->Finish(events);
  REQUIRE(first.has_value());
  CHECK(first->text == "hi");
  CHECK(first->finish_reason == FinishReason::kUnknown);  // no done_reason given
  CHECK(ErrorOf(decoder->Finish(events)).code() == ErrorCode::kFailedPrecondition);
}

}  // namespace
}  // namespace prsm
