// Tests of the Gemini codec: request bodies against golden JSON (compared as DOMs), responses,
// error bodies and streams from golden files (streams split at every byte offset), the
// configuration and the environment, and that the API key never leaks into a URL or an error.
#include "providers/gemini_codec.h"

#include <chrono>
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
#include "prsm/providers/gemini.h"

namespace prsm {
namespace {

using namespace std::string_literals;

constexpr std::string_view kCanaryKey = "AIzaSy-canary-5e1f0c9a7b3d4e2f8a6c";

using test::Built;
using test::Decoded;
using test::ErrorOf;
using test::FindHeader;
using test::RequireSameJson;
using test::ScopedEnv;
using test::UserRequest;

std::string ReadGolden(const std::string& name) { return test::ReadGolden("gemini", name); }

// A configuration that reads nothing from the real GEMINI_* / GOOGLE_* variables.
GeminiConfig IsolatedConfig() {
  GeminiConfig config;
  config.base_url_env = "PRSM_TEST_GEMINI_BASE_URL";
  config.api_key_env = "PRSM_TEST_GEMINI_API_KEY";
  config.fallback_api_key_env = "PRSM_TEST_GOOGLE_API_KEY";
  // These tests build URLs to hosts on a LAN; the cleartext rule has its own tests
  // (provider_config_test.cpp).
  config.allow_insecure_http = true;
  return config;
}

std::shared_ptr<const Provider> MakeProvider(GeminiConfig config) {
  return test::RequireProvider(MakeGeminiProvider(std::move(config)));
}

// A provider for a local proxy without a key.
std::shared_ptr<const Provider> LocalProvider() {
  GeminiConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:8080";
  return MakeProvider(config);
}

// Talks to Google with kCanaryKey.
std::shared_ptr<const Provider> CanaryProvider() {
  GeminiConfig config = IsolatedConfig();
  config.api_key = std::string(kCanaryKey);
  return MakeProvider(config);
}

std::string Body(const CompletionRequest& request) { return Built(LocalProvider(), request).body; }

Error BuildError(const CompletionRequest& request) {
  return ErrorOf(LocalProvider()->BuildRequest(request));
}

Completion ParseBody(std::string body, const std::shared_ptr<const Provider>& provider) {
  return test::ParsedBody(provider, std::move(body));
}

Completion ParseGolden(const std::string& name) {
  return test::ParsedBody(LocalProvider(), ReadGolden(name));
}

Error ParseBodyError(std::string body,
                     const std::shared_ptr<const Provider>& provider = LocalProvider()) {
  return test::ParseFailure(provider, std::move(body));
}

ToolDefinition MeetingTool() {
  ToolDefinition tool;
  tool.name = "schedule_meeting";
  tool.description = "Schedules a meeting with specified attendees at a given time and date.";
  tool.parameters_json_schema = R"json({
    "type": "object",
    "properties": {
      "attendees": {"type": "array", "items": {"type": "string"},
                    "description": "List of people attending the meeting."},
      "date": {"type": "string", "description": "Date of the meeting (e.g., '2024-07-29')"},
      "time": {"type": "string", "description": "Time of the meeting (e.g., '15:00')"},
      "topic": {"type": "string", "description": "The subject or topic of the meeting."}
    },
    "required": ["attendees", "date", "time", "topic"]
  })json";
  return tool;
}

// --- streams ---------------------------------------------------------------------------------

// Feeds `pieces` in order, then finishes. A Feed error ends the stream there.
Decoded Decode(const std::vector<std::string_view>& pieces) {
  return test::Decode(LocalProvider(), pieces);
}

Decoded RequireSplitInvariant(const std::string& stream) {
  return test::RequireSplitInvariant(LocalProvider(), stream);
}

// --- request bodies --------------------------------------------------------------------------

TEST_CASE("Gemini request: a plain prompt", "[codec][gemini]") {
  RequireSameJson(Body(UserRequest("gemini-2.0-flash", "Explain how AI works in a few words")),
                  ReadGolden("request_plain.json"));
}

TEST_CASE("Gemini request: a system message is the systemInstruction", "[codec][gemini]") {
  CompletionRequest request;
  request.model = "gemini-2.0-flash";
  request.messages = {Message::System("You are a cat. Your name is Neko."),
                      Message::User("Hello there")};
  RequireSameJson(Body(request), ReadGolden("request_system.json"));
}

TEST_CASE("Gemini request: tools as function declarations with JSON Schema parameters",
          "[codec][gemini]") {
  CompletionRequest request = UserRequest(
      "gemini-2.5-flash",
      "Schedule a meeting with Bob and Alice for 03/27/2025 at 10:00 AM about the Q3 planning.");
  request.tools.push_back(MeetingTool());
  RequireSameJson(Body(request), ReadGolden("request_tools.json"));
}

TEST_CASE("Gemini request: a named tool choice is ANY limited to that function",
          "[codec][gemini]") {
  CompletionRequest request =
      UserRequest("gemini-2.5-flash", "Turn the lights down to a romantic level");
  ToolDefinition enable{"enable_lights", "Turn on the lighting system.", ""};
  ToolDefinition color{"set_light_color",
                       "Set the light color. Lights must be enabled for this to work.",
                       R"({"type":"object","properties":{"rgb_hex":{"type":"string",
                          "description":"The light color as a 6-digit hex string, e.g. ff0000 )"
                       R"(for red."}},"required":["rgb_hex"]})"};
  ToolDefinition stop{"stop_lights", "Turn off the lighting system.", ""};
  request.tools = {enable, color, stop};
  request.tool_choice = {ToolChoice::Mode::kNamed, "set_light_color"};
  RequireSameJson(Body(request), ReadGolden("request_tool_choice_named.json"));
}

TEST_CASE("Gemini request: tool choice modes", "[codec][gemini]") {
  CompletionRequest request = UserRequest("m", "hi");
  request.tools.push_back(MeetingTool());
  request.tool_choice.mode = ToolChoice::Mode::kNone;
  CHECK_THAT(Body(request),
             Catch::EndsWith(R"("toolConfig":{"functionCallingConfig":{"mode":"NONE"}}})"));
  request.tool_choice.mode = ToolChoice::Mode::kRequired;
  CHECK_THAT(Body(request),
             Catch::EndsWith(R"("toolConfig":{"functionCallingConfig":{"mode":"ANY"}}})"));
  request.tools.clear();
  request.tool_choice.mode = ToolChoice::Mode::kNone;  // nothing to refuse: nothing is sent
  CHECK(Body(request) == R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})");
}

TEST_CASE("Gemini request: a JSON-schema format is responseJsonSchema", "[codec][gemini]") {
  CompletionRequest request =
      UserRequest("gemini-2.5-flash",
                  "List a few popular cookie recipes, and include the amounts of ingredients.");
  request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
  request.response_format.name = "recipes";  // no Gemini form
  request.response_format.json_schema = R"({
    "type": "array",
    "items": {
      "type": "object",
      "properties": {
        "recipeName": {"type": "string"},
        "ingredients": {"type": "array", "items": {"type": "string"}}
      },
      "required": ["recipeName", "ingredients"],
      "additionalProperties": false
    }
  })";
  const std::string body = Body(request);
  RequireSameJson(body, ReadGolden("request_json_schema.json"));
  CHECK(body.find('\n') == std::string::npos);
  CHECK(body.find("responseSchema") == std::string::npos);
}

TEST_CASE("Gemini request: a conversation with tool calls, results and every option",
          "[codec][gemini]") {
  CompletionRequest request;
  request.model = "gemini-2.5-flash";
  Message call = Message::Assistant("Let me check both.");
  call.tool_calls = {{"call_0", "get_current_weather", R"({"location": "Boston, MA"})", ""},
                     {"call_1", "get_current_weather",
                      "{\n  \"location\": \"Paris, France\",\n  \"unit\": \"celsius\"\n}", ""}};
  request.messages = {Message::System("You are a weather bot."),
                      Message::User("What is the weather like in Boston and in Paris today?"),
                      call,
                      Message::ToolResult("call_0", R"({"temperature": 22, "unit": "celsius"})"),
                      Message::ToolResult("call_1", "sunny, 18 degrees"),
                      Message::System("Answer in one sentence."),
                      Message::Assistant("It is 22 \xC2\xB0"
                                         "C in Boston \xE2\x80\x94 and \"sunny\" in Paris.\n"),
                      Message::User("Thanks!")};
  request.temperature = 0.7;
  request.top_p = 0.9;
  request.max_tokens = 256;
  request.stop = {"\n\n", "END"};
  request.seed = std::numeric_limits<std::int32_t>::min();
  request.response_format.kind = ResponseFormat::Kind::kJsonObject;
  request.logprobs = true;
  request.top_logprobs = 3;
  RequireSameJson(Body(request), ReadGolden("request_conversation.json"));
}

TEST_CASE("Gemini request: a tool result's function name comes from its call", "[codec][gemini]") {
  CompletionRequest request = UserRequest("m", "hi");
  SECTION("the latest call with a repeated synthesised id wins") {
    Message first = Message::Assistant("");
    first.tool_calls = {{"call_0", "get_time", "{}", ""}};
    Message second = Message::Assistant("");
    second.tool_calls = {{"call_0", "get_date", "", ""}};  // empty arguments are {}
    request.messages.push_back(first);
    request.messages.push_back(Message::ToolResult("call_0", "12:00"));
    request.messages.push_back(second);
    request.messages.push_back(Message::ToolResult("call_0", "2025-03-27"));
    const std::string body = Body(request);
    CHECK_THAT(body,
               Catch::Contains(R"({"functionCall":{"name":"get_date","args":{},"id":"call_0"}})"));
    CHECK_THAT(body, Catch::Contains(R"({"functionResponse":{"name":"get_time",)"
                                     R"("response":{"result":"12:00"},"id":"call_0"}})"));
    CHECK_THAT(body, Catch::Contains(R"({"functionResponse":{"name":"get_date",)"
                                     R"("response":{"result":"2025-03-27"},"id":"call_0"}})"));
  }
  SECTION("Message::name when no call has the id") {
    Message result = Message::ToolResult("", "[1, 2]");
    result.name = "list_numbers";
    request.messages.push_back(result);
    CHECK_THAT(Body(request),
               Catch::EndsWith(R"({"role":"user","parts":[{"functionResponse":{"name":)"
                               R"("list_numbers","response":{"result":"[1, 2]"}}}]}]})"));
  }
}

TEST_CASE("Gemini request: an assistant turn of tool calls only has no text part",
          "[codec][gemini]") {
  CompletionRequest request = UserRequest("m", "hi");
  Message call = Message::Assistant("");
  call.tool_calls = {{"", "now", "", ""}};
  request.messages.push_back(call);
  CHECK_THAT(Body(request),
             Catch::EndsWith(R"({"role":"model","parts":[{"functionCall":{"name":"now",)"
                             R"("args":{}}}]}]})"));
}

TEST_CASE("Gemini request: unset optionals are omitted, the model is not in the body",
          "[codec][gemini]") {
  CHECK(Body(UserRequest("m", "hi")) ==
        R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})");
}

TEST_CASE("Gemini request: numbers and text are written exactly", "[codec][gemini]") {
  const std::string text =
      "quote \" backslash \\ newline \n control \x01 nul \0 emoji \xF0\x9F\x98\x80"s;
  CompletionRequest request = UserRequest("m", text);
  request.temperature = 0.0;
  request.top_p = 1.0;
  request.seed = std::numeric_limits<std::int32_t>::max();
  const std::string body = Body(request);
  CHECK_THAT(body, Catch::Contains(R"("temperature":0.0,"topP":1.0)"));
  CHECK_THAT(body, Catch::Contains(R"("seed":2147483647)"));
  json::Document doc;
  REQUIRE(json::ParseJson(body, doc).has_value());
  CHECK(json::StringView(doc["contents"][0]["parts"][0]["text"]) == text);
}

TEST_CASE("Gemini request: invalid requests are kInvalidArgument naming the field",
          "[codec][gemini]") {
  CompletionRequest request = UserRequest("m", "hi");
  std::string expected;
  SECTION("empty model") {
    request.model.clear();
    expected = "model: empty";
  }
  SECTION("a model that would change the URL") {
    request.model = "gemini-2.5-flash:generateContent?key=x";
    expected = "model: 'gemini-2.5-flash:generateContent?key=x' cannot be used in a Gemini URL";
  }
  SECTION("a model that climbs the path") {
    request.model = "models/..";
    expected = "model: 'models/..' cannot be used";
  }
  SECTION("no messages") {
    request.messages.clear();
    expected = "messages: empty";
  }
  SECTION("only system messages") {
    request.messages = {Message::System("be brief")};
    expected = "messages: only system messages";
  }
  SECTION("NaN temperature") {
    request.temperature = std::nan("");
    expected = "temperature: must be finite";
  }
  SECTION("infinite top_p") {
    request.top_p = std::numeric_limits<double>::infinity();
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
  SECTION("a seed beyond int32") {
    request.seed = std::int64_t{1} << 31;
    expected = "seed: Gemini takes a 32-bit seed, got 2147483648";
  }
  SECTION("a schema that is not an object") {
    request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    request.response_format.json_schema = "[1]";
    expected = "response_format.json_schema: expected a JSON object, got array";
  }
  SECTION("tool parameters that are not JSON name the tool") {
    ToolDefinition broken{"lookup", "", R"({"type": )"};
    request.tools.push_back(broken);
    expected = "tools[0] 'lookup': parameters: invalid JSON at byte";
  }
  SECTION("tool call arguments that are not an object") {
    Message call = Message::Assistant("");
    call.tool_calls = {{"call_1", "f", "[]", ""}};
    request.messages.push_back(call);
    expected = "messages[1].tool_calls[0].arguments: expected a JSON object, got array";
  }
  SECTION("a tool call without a name") {
    Message call = Message::Assistant("");
    call.tool_calls = {{"call_1", "", "{}", ""}};
    request.messages.push_back(call);
    expected = "messages[1].tool_calls[0].name: empty";
  }
  SECTION("a tool result whose call is unknown") {
    request.messages.push_back(Message::ToolResult("call_9", "42"));
    expected =
        "messages[1]: Gemini needs the name of the function a tool result answers, and "
        "no earlier tool call has id 'call_9'";
  }
  SECTION("tool calls in a user message") {
    request.messages[0].tool_calls = {{"call_1", "f", "{}", ""}};
    expected = "messages[0].tool_calls: only assistant messages make tool calls";
  }
  SECTION("tool_call_id in a user message") {
    request.messages[0].tool_call_id = "call_1";
    expected = "messages[0].tool_call_id: only tool messages answer a call";
  }
  SECTION("tool_choice required without tools") {
    request.tool_choice.mode = ToolChoice::Mode::kRequired;
    expected = "tool_choice: requires tools";
  }
  SECTION("tool_choice naming an undefined tool") {
    request.tools.push_back(MeetingTool());
    request.tool_choice = {ToolChoice::Mode::kNamed, "cancel_meeting"};
    expected = "tool_choice.name: no tool named 'cancel_meeting' is defined";
  }
  SECTION("content that is not UTF-8") {
    request.messages.push_back(Message::User("caf\xE9"));
    expected = "messages[1].content: not valid UTF-8";
  }
  SECTION("a stop sequence that is not UTF-8") {
    request.stop = {"ok", "\xFF"};
    expected = "stop[1]: not valid UTF-8";
  }
  const Error error = BuildError(request);
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK(error.provider() == "gemini");
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
}

// --- the HTTP request ------------------------------------------------------------------------

TEST_CASE("Gemini request: URL, headers and the key in x-goog-api-key only", "[codec][gemini]") {
  const std::shared_ptr<const Provider> provider = CanaryProvider();
  CompletionRequest request = UserRequest("gemini-2.5-flash", "hi");
  const HttpRequest plain = Built(provider, request);
  CHECK(plain.method == "POST");
  CHECK(plain.url ==
        "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
  REQUIRE(FindHeader(plain, "x-goog-api-key") != nullptr);
  CHECK(*FindHeader(plain, "x-goog-api-key") == kCanaryKey);
  CHECK(*FindHeader(plain, "Content-Type") == "application/json");
  CHECK(*FindHeader(plain, "Accept") == "application/json");
  CHECK(FindHeader(plain, "Authorization") == nullptr);

  request.stream = true;
  const HttpRequest streamed = Built(provider, request);
  CHECK(streamed.url ==
        "https://generativelanguage.googleapis.com/v1beta/models/"
        "gemini-2.5-flash:streamGenerateContent?alt=sse");
  CHECK(*FindHeader(streamed, "Accept") == "text/event-stream");
  CHECK(streamed.body == plain.body);  // Gemini marks streaming in the URL, not the body
  for (const HttpRequest* http : {&plain, &streamed}) {
    CHECK(http->url.find(kCanaryKey) == std::string::npos);
    CHECK(http->body.find(kCanaryKey) == std::string::npos);
  }
}

TEST_CASE("Gemini request: model resource names and API versions", "[codec][gemini]") {
  GeminiConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:8080/gemini/";  // trailing slash dropped
  config.api_version = "v1";
  const std::shared_ptr<const Provider> provider = MakeProvider(config);
  CHECK(Built(provider, UserRequest("models/gemini-2.5-pro", "hi")).url ==
        "http://127.0.0.1:8080/gemini/v1/models/gemini-2.5-pro:generateContent");
  CHECK(Built(provider, UserRequest("tunedModels/my-model-7", "hi")).url ==
        "http://127.0.0.1:8080/gemini/v1/tunedModels/my-model-7:generateContent");

  config.api_version.clear();  // a base URL that already has it
  config.base_url = "http://proxy.internal/v1beta?team=a";
  CompletionRequest request = UserRequest("gemini-2.0-flash", "hi");
  CHECK(Built(MakeProvider(config), request).url ==
        "http://proxy.internal/v1beta/models/gemini-2.0-flash:generateContent?team=a");
  request.stream = true;
  CHECK(
      Built(MakeProvider(config), request).url ==
      "http://proxy.internal/v1beta/models/gemini-2.0-flash:streamGenerateContent?team=a&alt=sse");
}

TEST_CASE("Gemini request: extra headers are sent and replace defaults", "[codec][gemini]") {
  GeminiConfig config = IsolatedConfig();
  config.api_key = "key-1";
  config.extra_headers = {{"X-Goog-Api-Key", "key-2"}, {"x-request-tag", "t1"}};
  const HttpRequest http = Built(MakeProvider(config), UserRequest("m", "hi"));
  CHECK(FindHeader(http, "x-goog-api-key") == nullptr);
  REQUIRE(FindHeader(http, "X-Goog-Api-Key") != nullptr);
  CHECK(*FindHeader(http, "X-Goog-Api-Key") == "key-2");
  CHECK(*FindHeader(http, "x-request-tag") == "t1");
}

// --- configuration ---------------------------------------------------------------------------

TEST_CASE("Gemini config: keys from the environment, primary then fallback", "[codec][gemini]") {
  const ScopedEnv base("PRSM_TEST_GEMINI_BASE_URL", std::nullopt);
  std::optional<std::string> primary;
  std::optional<std::string> fallback;
  std::string expected;
  SECTION("the primary variable") {
    primary = "key-primary\n";  // a trailing newline from a file is dropped
    fallback = "key-fallback";
    expected = "key-primary";
  }
  SECTION("the fallback variable when the primary is unset") {
    fallback = "key-fallback";
    expected = "key-fallback";
  }
  SECTION("the fallback variable when the primary is empty") {
    primary = "";
    fallback = "key-fallback";
    expected = "key-fallback";
  }
  const ScopedEnv key("PRSM_TEST_GEMINI_API_KEY", primary);
  const ScopedEnv google("PRSM_TEST_GOOGLE_API_KEY", fallback);
  const HttpRequest http = Built(MakeProvider(IsolatedConfig()), UserRequest("m", "hi"));
  REQUIRE(FindHeader(http, "x-goog-api-key") != nullptr);
  CHECK(*FindHeader(http, "x-goog-api-key") == expected);
}

TEST_CASE("Gemini config: Google without a key is kUnauthenticated naming the variables",
          "[codec][gemini]") {
  const ScopedEnv base("PRSM_TEST_GEMINI_BASE_URL", std::nullopt);
  const ScopedEnv key("PRSM_TEST_GEMINI_API_KEY", std::nullopt);
  const ScopedEnv google("PRSM_TEST_GOOGLE_API_KEY", std::nullopt);
  const Error error = ErrorOf(MakeGeminiProvider(IsolatedConfig()));
  CHECK(error.code() == ErrorCode::kUnauthenticated);
  CHECK(error.provider() == "gemini");
  CHECK(error.message() ==
        "no API key for generativelanguage.googleapis.com: set PRSM_TEST_GEMINI_API_KEY or "
        "PRSM_TEST_GOOGLE_API_KEY (or GeminiConfig::api_key)");

  GeminiConfig no_variables = IsolatedConfig();
  no_variables.api_key_env.clear();
  no_variables.fallback_api_key_env.clear();
  CHECK(ErrorOf(MakeGeminiProvider(no_variables)).message() ==
        "no API key for generativelanguage.googleapis.com: set GeminiConfig::api_key");
}

TEST_CASE("Gemini config: base URL from the environment; explicit values win", "[codec][gemini]") {
  const ScopedEnv base("PRSM_TEST_GEMINI_BASE_URL", " http://10.0.0.7:9000 ");
  const ScopedEnv key("PRSM_TEST_GEMINI_API_KEY", "key-env");
  CHECK(Built(MakeProvider(IsolatedConfig()), UserRequest("m", "hi")).url ==
        "http://10.0.0.7:9000/v1beta/models/m:generateContent");
  GeminiConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:9";
  config.api_key = "key-explicit";
  const HttpRequest http = Built(MakeProvider(config), UserRequest("m", "hi"));
  CHECK(http.url == "http://127.0.0.1:9/v1beta/models/m:generateContent");
  CHECK(*FindHeader(http, "x-goog-api-key") == "key-explicit");
}

TEST_CASE("Gemini config: the environment is read once, at creation", "[codec][gemini]") {
  std::shared_ptr<const Provider> provider;
  {
    const ScopedEnv base("PRSM_TEST_GEMINI_BASE_URL", "http://first.example");
    provider = MakeProvider(IsolatedConfig());
  }
  const ScopedEnv base("PRSM_TEST_GEMINI_BASE_URL", "http://second.example");
  CHECK(Built(provider, UserRequest("m", "hi")).url ==
        "http://first.example/v1beta/models/m:generateContent");
}

TEST_CASE("Gemini config: the default variables are GEMINI_*, then GOOGLE_API_KEY",
          "[codec][gemini]") {
  const ScopedEnv base("GEMINI_BASE_URL", std::nullopt);
  const ScopedEnv key("GEMINI_API_KEY", std::nullopt);
  const ScopedEnv google("GOOGLE_API_KEY", std::nullopt);
  const Error missing = ErrorOf(MakeGeminiProvider());
  CHECK(missing.code() == ErrorCode::kUnauthenticated);
  CHECK_THAT(missing.message(), Catch::Contains("set GEMINI_API_KEY or GOOGLE_API_KEY"));
  {
    const ScopedEnv google_key("GOOGLE_API_KEY", "key-google");
    const HttpRequest http = Built(MakeProvider({}), UserRequest("m", "hi"));
    CHECK(*FindHeader(http, "x-goog-api-key") == "key-google");
  }
  const ScopedEnv local("GEMINI_BASE_URL", "http://127.0.0.1:1234");
  const std::shared_ptr<const Provider> provider = MakeProvider({});
  CHECK(provider->id() == "gemini");
  CHECK(Built(provider, UserRequest("m", "hi")).url ==
        "http://127.0.0.1:1234/v1beta/models/m:generateContent");
  CHECK(FindHeader(Built(provider, UserRequest("m", "hi")), "x-goog-api-key") == nullptr);
}

TEST_CASE("Gemini config: invalid configurations", "[codec][gemini]") {
  GeminiConfig config = IsolatedConfig();
  config.base_url = "http://localhost:8080";
  std::string expected;
  SECTION("empty id") {
    config.id.clear();
    expected = "GeminiConfig::id: empty";
  }
  SECTION("a base URL without http(s)") {
    config.base_url = "generativelanguage.googleapis.com";
    expected = "GeminiConfig::base_url: the base URL must start with http:// or https://";
  }
  SECTION("a base URL without a host") {
    config.base_url = "https:///v1beta";
    expected = "GeminiConfig::base_url: the base URL has no host";
  }
  SECTION("a base URL with a line break") {
    config.base_url = "http://localhost\r\nX-Injected: 1";
    expected = "GeminiConfig::base_url: the base URL contains spaces or control characters";
  }
  SECTION("an API version that is not a path segment") {
    config.api_version = "v1beta/../../admin";
    expected = "GeminiConfig::api_version: 'v1beta/../../admin' is not a URL path segment";
  }
  SECTION("a key with a line break inside") {
    config.api_key = "AIza\r\nX-Injected: 1";
    expected = "GeminiConfig::api_key: the API key contains control characters";
  }
  SECTION("an extra header with a bad name") {
    config.extra_headers = {{"Bad Name", "v"}};
    expected = "GeminiConfig::extra_headers: invalid header name 'Bad Name'";
  }
  SECTION("an extra header with a line break in its value") {
    config.extra_headers = {{"X-Secret", "a\nb"}};
    expected = "GeminiConfig::extra_headers: the value of 'X-Secret' contains control characters";
  }
  const Error error = ErrorOf(MakeGeminiProvider(config));
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
  CHECK(error.message().find("AIza") == std::string::npos);
}

// --- responses -------------------------------------------------------------------------------

TEST_CASE("Gemini response: a plain answer", "[codec][gemini]") {
  const Completion completion = ParseGolden("response_plain.json");
  CHECK(completion.text == "AI learns patterns from data to make predictions or decisions.");
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.raw_finish_reason == "STOP");
  CHECK(completion.usage.input_tokens == 8);
  CHECK(completion.usage.output_tokens == 12);
  CHECK(completion.usage.cached_input_tokens == 0);
  CHECK(completion.usage.reasoning_tokens == 0);
  CHECK(completion.model == "gemini-2.0-flash");
  CHECK(completion.id == "yXcjaPXmL7HUmNAPhLfN0Qg");
  CHECK(completion.tool_calls.empty());
  CHECK(completion.logprobs.empty());
}

TEST_CASE("Gemini response: a function call gets a stable id and compact arguments",
          "[codec][gemini]") {
  const Completion completion = ParseGolden("response_function_call.json");
  CHECK(completion.text.empty());
  CHECK(completion.finish_reason == FinishReason::kToolCalls);  // Gemini says STOP
  CHECK(completion.raw_finish_reason == "STOP");
  REQUIRE(completion.tool_calls.size() == 1);
  CHECK(completion.tool_calls[0].id == "call_0");
  CHECK(completion.tool_calls[0].name == "schedule_meeting");
  CHECK(
      completion.tool_calls[0].arguments_json ==
      R"({"attendees":["Bob","Alice"],"date":"2025-03-27","time":"10:00","topic":"Q3 planning"})");
  // output counts the thoughts too
  CHECK(completion.usage.input_tokens == 117);
  CHECK(completion.usage.output_tokens == 39 + 55);
  CHECK(completion.usage.reasoning_tokens == 55);
  CHECK(ParseGolden("response_function_call.json").tool_calls[0].id == "call_0");  // stable
}

TEST_CASE("Gemini response: the vendor's call ids are kept, missing args are {}",
          "[codec][gemini]") {
  const Completion completion = ParseBody(R"({"candidates":[{"content":{"role":"model","parts":[
      {"text":"Checking."},
      {"functionCall":{"name":"now"}},
      {"functionCall":{"id":"fc-1","name":"lookup","args":{"q":"x","n":1.5,"deep":{"a":[true,null]}}}},
      {"functionCall":{"name":"now","args":{}}}]},"finishReason":"STOP"}]})",
                                          LocalProvider());
  CHECK(completion.text == "Checking.");
  REQUIRE(completion.tool_calls.size() == 3);
  CHECK(completion.tool_calls[0].id == "call_0");
  CHECK(completion.tool_calls[0].arguments_json == "{}");
  CHECK(completion.tool_calls[1].id == "fc-1");
  CHECK(completion.tool_calls[1].arguments_json == R"({"q":"x","n":1.5,"deep":{"a":[true,null]}})");
  CHECK(completion.tool_calls[2].id == "call_2");
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
}

TEST_CASE("Gemini response: thoughts are skipped; cached, tool-use and thinking tokens",
          "[codec][gemini]") {
  const Completion completion = ParseGolden("response_thinking.json");
  CHECK(completion.text == "6 \xC3\x97 7 = 42.");
  CHECK(completion.usage.input_tokens == 1200 + 15);
  CHECK(completion.usage.cached_input_tokens == 1024);
  CHECK(completion.usage.output_tokens == 9 + 310);
  CHECK(completion.usage.reasoning_tokens == 310);
  CHECK(completion.usage.total_tokens() == 1534);  // Gemini's totalTokenCount
  CHECK(completion.model == "gemini-2.5-pro");
}

TEST_CASE("Gemini response: logprobs with top candidates", "[codec][gemini]") {
  const Completion completion = ParseGolden("response_logprobs.json");
  CHECK(completion.text == "Hello there!");
  REQUIRE(completion.logprobs.size() == 3);
  CHECK(completion.logprobs[0].token == "Hello");
  CHECK(completion.logprobs[0].logprob == Approx(-0.0123));
  REQUIRE(completion.logprobs[0].top.size() == 2);
  CHECK(completion.logprobs[0].top[1].token == "Hi");
  CHECK(completion.logprobs[0].top[1].logprob == Approx(-4.4501));
  CHECK(completion.logprobs[2].token == "!");
  CHECK(completion.logprobs[2].logprob == 0.0);  // omitted at its default, as protobuf does
  CHECK(completion.logprobs[2].top[1].logprob == Approx(-9.5));
  std::string joined;
  for (const TokenLogprob& token : completion.logprobs) joined += token.token;
  CHECK(joined == completion.text);
}

TEST_CASE("Gemini response: finish reasons", "[codec][gemini]") {
  const auto parse = [](std::string_view reason) {
    return ParseBody(R"({"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":")" +
                         std::string(reason) + R"("}]})",
                     LocalProvider());
  };
  CHECK(parse("STOP").finish_reason == FinishReason::kStop);
  CHECK(parse("MAX_TOKENS").finish_reason == FinishReason::kLength);
  for (const char* filtered :
       {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY"}) {
    INFO(filtered);
    CHECK(parse(filtered).finish_reason == FinishReason::kContentFilter);
  }
  const Completion odd = parse("MALFORMED_FUNCTION_CALL");
  CHECK(odd.finish_reason == FinishReason::kUnknown);
  CHECK(odd.raw_finish_reason == "MALFORMED_FUNCTION_CALL");
  const Completion none =
      ParseBody(R"({"candidates":[{"content":{"parts":[{"text":"x"}]}}]})", LocalProvider());
  CHECK(none.finish_reason == FinishReason::kUnknown);
  CHECK(none.raw_finish_reason.empty());
}

TEST_CASE("Gemini response: a candidate stopped by the safety filter", "[codec][gemini]") {
  const Completion completion = ParseGolden("response_safety.json");
  CHECK(completion.text.empty());
  CHECK(completion.finish_reason == FinishReason::kContentFilter);
  CHECK(completion.raw_finish_reason == "SAFETY");
  CHECK(completion.usage.input_tokens == 14);
}

TEST_CASE("Gemini response: a blocked prompt is kInvalidArgument naming the reason",
          "[codec][gemini]") {
  const Error error = ParseBodyError(ReadGolden("response_blocked.json"));
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK(error.message() == "prompt blocked by Gemini (blockReason=SAFETY)");
  CHECK(error.provider() == "gemini");
  CHECK(error.http_status() == 200);
}

TEST_CASE("Gemini response: an error object in a 200 is the vendor's error", "[codec][gemini]") {
  const Error error = ParseBodyError(ReadGolden("response_200_error.json"));
  CHECK(error.code() == ErrorCode::kResourceExhausted);
  CHECK(error.message() ==
        "error object in a successful response: Resource has been exhausted (e.g. check "
        "quota). (code=429, status=RESOURCE_EXHAUSTED)");
  CHECK(error.provider() == "gemini");
}

TEST_CASE("Gemini response: status names map to prsm's codes", "[codec][gemini]") {
  CHECK(gemini::ErrorForStatus(429, "RESOURCE_EXHAUSTED") == ErrorCode::kResourceExhausted);
  CHECK(gemini::ErrorForStatus(500, "INTERNAL") == ErrorCode::kUnavailable);
  CHECK(gemini::ErrorForStatus(400, "FAILED_PRECONDITION") == ErrorCode::kInvalidArgument);
  CHECK(gemini::ErrorForStatus(std::nullopt, "PERMISSION_DENIED") == ErrorCode::kPermissionDenied);
  CHECK(gemini::ErrorForStatus(std::nullopt, "INTERNAL") == ErrorCode::kUnavailable);
  CHECK(gemini::ErrorForStatus(std::nullopt, "UNAUTHENTICATED") == ErrorCode::kUnauthenticated);
  CHECK(gemini::ErrorForStatus(std::nullopt, "SOMETHING_NEW") == ErrorCode::kUnknown);
  CHECK(gemini::ErrorForStatus(200, "") == ErrorCode::kUnknown);
}

TEST_CASE("Gemini response: malformed bodies are kDataLoss naming the provider and the path",
          "[codec][gemini]") {
  std::string body;
  std::string expected;
  SECTION("not JSON") {
    body = "<html>Bad gateway</html>";
    expected = "malformed Gemini response: invalid JSON at byte 0";
  }
  SECTION("not UTF-8") {
    body = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"caf\xE9\"}]}}]}";
    expected = "malformed Gemini response: invalid UTF-8 at byte";
  }
  SECTION("a JSON array") {
    body = "[1, 2]";
    expected = "malformed Gemini response: (root): expected an object, got array";
  }
  SECTION("candidates not an array") {
    body = R"({"candidates":{"content":{}}})";
    expected = "malformed Gemini response: candidates: expected an array, got object";
  }
  SECTION("no candidates and no block reason") {
    body = R"({"usageMetadata":{"promptTokenCount":3}})";
    expected = "malformed Gemini response: candidates: missing or empty";
  }
  SECTION("parts not an array") {
    body = R"({"candidates":[{"content":{"parts":"hi"}}]})";
    expected =
        "malformed Gemini response: candidates[0].content.parts: expected an array, got string";
  }
  SECTION("a text that is a number") {
    body = R"({"candidates":[{"content":{"parts":[{"text":42}]}}]})";
    expected = "malformed Gemini response: candidates[0].content.parts[0].text: expected a string";
  }
  SECTION("a function call without a name") {
    body = R"({"candidates":[{"content":{"parts":[{"functionCall":{"args":{}}}]}}]})";
    expected =
        "malformed Gemini response: candidates[0].content.parts[0].functionCall.name: "
        "missing";
  }
  SECTION("args that are not an object") {
    body = R"({"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":[1]}}]}}]})";
    expected =
        "malformed Gemini response: candidates[0].content.parts[0].functionCall.args: "
        "expected an object, got array";
  }
  SECTION("a negative token count") {
    body = R"({"candidates":[{"content":{"parts":[]}}],"usageMetadata":{"promptTokenCount":-1}})";
    expected = "malformed Gemini response: usageMetadata.promptTokenCount: negative token count";
  }
  SECTION("an error member that is not an object") {
    body = R"({"error":"boom"})";
    expected = "malformed Gemini response: error: expected an object, got string";
  }
  SECTION("a chosen logprob that is not an object") {
    body = R"({"candidates":[{"content":{"parts":[]},"logprobsResult":{"chosenCandidates":[1]}}]})";
    expected =
        "malformed Gemini response: candidates[0].logprobsResult.chosenCandidates[0]: "
        "expected an object, got number";
  }
  const Error error = ParseBodyError(body);
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK(error.provider() == "gemini");
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
}

TEST_CASE("Gemini response: every truncation and every corrupted byte is a clean kDataLoss",
          "[codec][gemini]") {
  for (const char* golden :
       {"response_plain.json", "response_function_call.json", "response_thinking.json",
        "response_logprobs.json", "response_safety.json"}) {
    const std::string whole = ReadGolden(golden);
    const std::size_t end = whole.rfind('}') + 1;  // what follows is whitespace
    for (std::size_t size = 0; size < end; ++size) {
      INFO(golden << " cut to " << size << " bytes");
      const Error error = ParseBodyError(whole.substr(0, size));
      REQUIRE(error.code() == ErrorCode::kDataLoss);
      REQUIRE(error.provider() == "gemini");
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

Error Refined(const std::string& golden, int status, ErrorCode mapped_code,
              const std::shared_ptr<const Provider>& provider) {
  HttpResponse response;
  response.status = status;
  response.body = ReadGolden(golden);
  Error mapped(mapped_code, "HTTP " + std::to_string(status));
  mapped.WithHttpStatus(status);
  return provider->ParseError(response, mapped);
}

TEST_CASE("Gemini errors: the vendor's message and status, the mapped code kept",
          "[codec][gemini]") {
  const std::shared_ptr<const Provider> provider = LocalProvider();
  const Error invalid = Refined("error_400.json", 400, ErrorCode::kInvalidArgument, provider);
  CHECK(invalid.code() == ErrorCode::kInvalidArgument);
  CHECK(invalid.message() ==
        "HTTP 400: API key not valid. Please pass a valid API key. (status=INVALID_ARGUMENT)");
  CHECK(invalid.provider() == "gemini");
  CHECK(invalid.http_status() == 400);

  const Error quota = Refined("error_429.json", 429, ErrorCode::kResourceExhausted, provider);
  CHECK(quota.code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(quota.message(), Catch::StartsWith("HTTP 429: You exceeded your current quota"));
  CHECK_THAT(quota.message(), Catch::EndsWith("(status=RESOURCE_EXHAUSTED)"));
  CHECK(quota.retry_after() == std::chrono::milliseconds(41000));  // from RetryInfo

  const Error internal = Refined("error_500.json", 500, ErrorCode::kUnavailable, provider);
  CHECK(internal.code() == ErrorCode::kUnavailable);
  CHECK_THAT(internal.message(), Catch::EndsWith("(status=INTERNAL)"));

  const Error overloaded = Refined("error_503.json", 503, ErrorCode::kUnavailable, provider);
  CHECK(overloaded.message() ==
        "HTTP 503: The model is overloaded. Please try again later. (status=UNAVAILABLE)");

  const Error missing = Refined("error_404_array.json", 404, ErrorCode::kNotFound, provider);
  CHECK(missing.code() == ErrorCode::kNotFound);
  CHECK_THAT(missing.message(),
             Catch::StartsWith("HTTP 404: models/gemini-9.0-ultra is not found"));
  CHECK_THAT(missing.message(), Catch::EndsWith("(status=NOT_FOUND)"));
}

TEST_CASE("Gemini errors: a Retry-After header wins over RetryInfo", "[codec][gemini]") {
  HttpResponse response;
  response.status = 429;
  response.body = ReadGolden("error_429.json");
  Error mapped(ErrorCode::kResourceExhausted, "HTTP 429");
  mapped.WithHttpStatus(429).WithRetryAfter(std::chrono::milliseconds(2000));
  CHECK(LocalProvider()->ParseError(response, mapped).retry_after() ==
        std::chrono::milliseconds(2000));
  response.body = R"({"error":{"code":429,"message":"slow down","details":[
      {"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"0.2505s"}]}})";
  Error bare(ErrorCode::kResourceExhausted, "HTTP 429");
  CHECK(LocalProvider()->ParseError(response, bare).retry_after() ==
        std::chrono::milliseconds(251));
}

TEST_CASE("Gemini errors: bodies that are not google.rpc errors", "[codec][gemini]") {
  HttpResponse response;
  response.status = 502;
  response.body = "<html>\n<body>502 Bad Gateway</body>\n</html>";
  Error mapped(ErrorCode::kUnavailable, "HTTP 502");
  mapped.WithHttpStatus(502);
  const Error error = LocalProvider()->ParseError(response, mapped);
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.message() == "HTTP 502: <html> <body>502 Bad Gateway</body> </html>");
  response.body.clear();
  CHECK(LocalProvider()->ParseError(response, mapped).message() == "HTTP 502");
}

// --- the canary key --------------------------------------------------------------------------

TEST_CASE("Gemini: the API key never appears in an error", "[codec][gemini]") {
  const std::shared_ptr<const Provider> provider = CanaryProvider();
  const std::string key(kCanaryKey);
  std::vector<Error> errors;
  errors.push_back(test::Refined(provider, 400,
                                 R"({"error":{"code":400,"message":"API key )" + key +
                                     R"( not valid","status":"INVALID_)" + key + R"("}})",
                                 Error(ErrorCode::kInvalidArgument, "HTTP 400")));
  errors.push_back(test::Refined(provider, 400, "Forbidden: key=" + key,
                                 Error(ErrorCode::kPermissionDenied, "HTTP 403")));
  errors.push_back(ParseBodyError("not json " + key, provider));
  errors.push_back(
      ParseBodyError(R"({"error":{"code":403,"message":")" + key + R"("}})", provider));
  errors.push_back(
      ParseBodyError(R"({"promptFeedback":{"blockReason":")" + key + R"("}})", provider));
  std::unique_ptr<StreamDecoder> decoder = provider->NewStreamDecoder();
  std::vector<StreamEvent> events;
  errors.push_back(ErrorOf(decoder->Feed(
      "data: {\"error\":{\"code\":500,\"message\":\"bad " + key + "\"}}\n\n", events)));
  GeminiConfig config = IsolatedConfig();
  config.api_key = key + "\n" + key;
  errors.push_back(ErrorOf(MakeGeminiProvider(config)));
  test::CheckKeyNeverShown(errors, key, std::string_view("AIzaSy-canary").size());
  CHECK_THAT(errors[0].message(), Catch::Contains("[REDACTED]"));
}

// --- streams ---------------------------------------------------------------------------------

TEST_CASE("Gemini stream: text chunks, every split alike", "[codec][gemini]") {
  const Decoded decoded = RequireSplitInvariant(ReadGolden("stream_text.sse"));
  REQUIRE(decoded.completion.has_value());
  const Completion& completion = *decoded.completion;
  const std::string text =
      "AI learns patterns \xE2\x80\x94 from d\xC3\xA9j\xC3\xA0-vu data \xF0\x9F\x98\x80 to make "
      "predictions.";
  CHECK(completion.text == text);  // the thought is not part of it
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.raw_finish_reason == "STOP");
  CHECK(completion.usage.input_tokens == 8);
  CHECK(completion.usage.output_tokens == 14 + 29);
  CHECK(completion.usage.reasoning_tokens == 29);
  CHECK(completion.model == "gemini-2.5-flash");
  CHECK(completion.id == "b5QjaOfDBMzRz7IPm9XpwQc");

  // Three text deltas, a usage only when it changed, then the finish.
  const std::vector<StreamEvent>& events = decoded.events;
  std::vector<StreamEvent::Kind> kinds;
  std::string joined;
  for (const StreamEvent& event : events) {
    kinds.push_back(event.kind);
    if (event.kind == StreamEvent::Kind::kTextDelta) joined += event.text;
  }
  using Kind = StreamEvent::Kind;
  CHECK(kinds == std::vector<Kind>{Kind::kTextDelta, Kind::kUsage, Kind::kTextDelta,
                                   Kind::kTextDelta, Kind::kUsage, Kind::kFinish});
  CHECK(joined == text);
  CHECK(events[1].usage.input_tokens == 8);
  CHECK(events[1].usage.output_tokens == 0);
  CHECK(events[4].usage.output_tokens == 43);
  CHECK(events[5].finish_reason == FinishReason::kStop);
}

TEST_CASE("Gemini stream: function calls are whole deltas, finishing with kToolCalls",
          "[codec][gemini]") {
  const Decoded decoded = RequireSplitInvariant(ReadGolden("stream_function_call.sse"));
  REQUIRE(decoded.completion.has_value());
  std::vector<const StreamEvent*> calls;
  for (const StreamEvent& event : decoded.events) {
    if (event.kind == StreamEvent::Kind::kToolCallDelta) calls.push_back(&event);
  }
  REQUIRE(calls.size() == 2);
  CHECK(calls[0]->tool_call.index == 0);
  CHECK(calls[0]->tool_call.id == "call_0");
  CHECK(calls[0]->tool_call.name == "get_current_weather");
  CHECK(calls[0]->tool_call.arguments_delta == R"({"location":"Boston, MA"})");
  CHECK(calls[1]->tool_call.index == 1);
  CHECK(calls[1]->tool_call.id == "fc-7d1e");
  CHECK(calls[1]->tool_call.arguments_delta == R"({"location":"Paris, France","unit":"celsius"})");
  const Completion& completion = *decoded.completion;
  REQUIRE(completion.tool_calls.size() == 2);
  CHECK(completion.tool_calls[0].id == "call_0");
  CHECK(completion.tool_calls[1].id == "fc-7d1e");
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
  CHECK(completion.raw_finish_reason == "STOP");
  CHECK(decoded.events.back().kind == StreamEvent::Kind::kFinish);
  CHECK(decoded.events.back().finish_reason == FinishReason::kToolCalls);
  CHECK(completion.usage.output_tokens == 36);
}

TEST_CASE("Gemini stream: an error event is the vendor's error, after the earlier events",
          "[codec][gemini]") {
  const Decoded decoded = RequireSplitInvariant(ReadGolden("stream_error.sse"));
  REQUIRE_FALSE(decoded.completion.has_value());
  const Error& error = decoded.completion.error();
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.provider() == "gemini");
  CHECK(error.message() ==
        "error event in the stream: The model is overloaded. Please try again later. "
        "(code=503, status=UNAVAILABLE)");
  REQUIRE_FALSE(decoded.events.empty());
  CHECK(decoded.events[0].text == "AI learns");
}

TEST_CASE("Gemini stream: a stream cut anywhere fails, kUnavailable between events",
          "[codec][gemini]") {
  const std::string stream = ReadGolden("stream_text.sse");
  std::size_t boundaries = 0;
  // The last byte is the final blank line's LF; its CR already completed the stream.
  for (std::size_t cut = 0; cut + 1 < stream.size(); ++cut) {
    INFO("cut at byte " << cut);
    const Decoded decoded = Decode({std::string_view(stream).substr(0, cut)});
    REQUIRE_FALSE(decoded.completion.has_value());
    const Error& error = decoded.completion.error();
    CHECK(error.provider() == "gemini");
    // The blank line's CR already ends the event (CR alone is a line end in SSE).
    const std::string_view prefix = std::string_view(stream).substr(0, cut);
    const bool between_events = cut == 0 || (cut >= 4 && prefix.substr(cut - 4) == "\r\n\r\n") ||
                                (cut >= 3 && prefix.substr(cut - 3) == "\r\n\r");
    if (between_events) {
      ++boundaries;
      CHECK(error.code() == ErrorCode::kUnavailable);
      CHECK(error.message() == "the Gemini stream ended before a chunk with a finishReason");
    } else {
      CHECK(error.code() == ErrorCode::kDataLoss);
    }
  }
  CHECK(boundaries == 7);  // at the start, and twice after each of the first three events
}

TEST_CASE("Gemini stream: bad data is kDataLoss naming the provider", "[codec][gemini]") {
  std::string data;
  std::string expected;
  SECTION("a chunk that is not JSON") {
    data = "data: {\"candidates\": [\n\n";
    expected = "malformed Gemini stream chunk: invalid JSON";
  }
  SECTION("a chunk that is not UTF-8") {
    data = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\xC3\"}]}}]}\n\n";
    expected = "malformed Gemini stream chunk: invalid UTF-8";
  }
  SECTION("a chunk of the wrong shape") {
    data = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":[]}]}}]}\n\n";
    expected =
        "malformed Gemini stream chunk: candidates[0].content.parts[0].text: expected a "
        "string, got array";
  }
  SECTION("an event type Gemini does not send") {
    data = "event: content_block_delta\ndata: {}\n\n";
    expected = "unknown Gemini stream event type 'content_block_delta'";
  }
  SECTION("an OpenAI end marker") {
    data = "data: [DONE]\n\n";
    expected = "malformed Gemini stream chunk: invalid JSON";
  }
  std::unique_ptr<StreamDecoder> decoder = LocalProvider()->NewStreamDecoder();
  std::vector<StreamEvent> events;
  const Error error = ErrorOf(decoder->Feed(data, events));
  CHECK(error.code() == ErrorCode::kDataLoss);
  CHECK(error.provider() == "gemini");
  CHECK_THAT(error.message(), Catch::StartsWith(expected));
  // After an error the decoder is done.
  CHECK(ErrorOf(decoder->Feed("data: {}\n\n", events)).code() == ErrorCode::kFailedPrecondition);
  CHECK(ErrorOf(decoder->Finish(events)).code() == ErrorCode::kFailedPrecondition);
}

TEST_CASE("Gemini stream: a blocked prompt in a stream", "[codec][gemini]") {
  const Decoded decoded =
      Decode({"data: {\"promptFeedback\": {\"blockReason\": \"PROHIBITED_CONTENT\"},"
              "\"usageMetadata\": {\"promptTokenCount\": 4}}\r\n\r\n"});
  REQUIRE_FALSE(decoded.completion.has_value());
  CHECK(decoded.completion.error().code() == ErrorCode::kInvalidArgument);
  CHECK(decoded.completion.error().message() ==
        "prompt blocked by Gemini (blockReason=PROHIBITED_CONTENT)");
}

TEST_CASE("Gemini stream: chunks after the finish still count, usage included", "[codec][gemini]") {
  const Decoded decoded =
      Decode({"data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"ok\"}]},"
              "\"finishReason\":\"MAX_TOKENS\"}]}\n\n"
              "data: {\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":1}}\n\n"});
  REQUIRE(decoded.completion.has_value());
  CHECK(decoded.completion->finish_reason == FinishReason::kLength);
  CHECK(decoded.completion->usage.input_tokens == 5);
  REQUIRE(decoded.events.size() == 3);
  CHECK(decoded.events[1].kind == StreamEvent::Kind::kFinish);
  CHECK(decoded.events[2].kind == StreamEvent::Kind::kUsage);
}

}  // namespace
TEST_CASE("Gemini: a call's thoughtSignature comes back with it and goes out again",
          "[codec][gemini]") {
  // Gemini 3 refuses a continued tool-calling turn whose calls lack their signatures.
  const Completion completion = ParseBody(R"({"candidates":[{"content":{"role":"model","parts":[
      {"functionCall":{"name":"lookup","args":{"q":"x"}},"thoughtSignature":"c2lnLTE="},
      {"functionCall":{"name":"now"}}]},"finishReason":"STOP"}]})",
                                          LocalProvider());
  REQUIRE(completion.tool_calls.size() == 2);
  CHECK(completion.tool_calls[0].signature == "c2lnLTE=");
  CHECK(completion.tool_calls[1].signature.empty());

  CompletionRequest next = UserRequest("gemini-3-pro", "look it up");
  Message assistant = Message::Assistant("");
  assistant.tool_calls = completion.tool_calls;
  next.messages.push_back(assistant);
  next.messages.push_back(Message::ToolResult(completion.tool_calls[0].id, "{\"r\":1}"));
  next.messages.push_back(Message::ToolResult(completion.tool_calls[1].id, "{\"t\":2}"));
  const std::string body = Body(next);
  CHECK(body.find(R"("thoughtSignature":"c2lnLTE=")") != std::string::npos);
  CHECK(body.find("thoughtSignature") == body.rfind("thoughtSignature"));  // only the first call
}

}  // namespace prsm
