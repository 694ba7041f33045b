// Tests of the Anthropic Messages codec: request bodies against golden JSON (compared as DOMs),
// every translation rule, responses and error bodies from golden files, configuration and the
// environment, the stream decoder (every golden stream split at every byte offset), and that the
// API key never leaks into an error.
#include "providers/anthropic_codec.h"

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <fmt/format.h>

#include "codec_test_util.h"
#include "json/json.h"
#include "json/json_read.h"
#include "providers/response_util.h"
#include "prsm/providers/anthropic.h"
#include "prsm/prsm.h"

namespace prsm {
namespace {

// About as long as a real key, so that a key cut short inside a message would still show.
constexpr std::string_view kCanaryKey =
    "sk-ant-api03-canary7f3a9c1e5b2d4806a1b3c5d7e9f10234Zq8Xr2Lp6Vn4Tb1Wm9Ks3Hd7Gf5Jc0Ya8Ue2Io4"
    "Pw6Qs1Rt3Cv5Bx-AA";
constexpr std::string_view kModel = "claude-sonnet-4-5-20250929";

using test::Built;
using test::FindHeader;
using test::RequireSameJson;
using test::ScopedEnv;

std::string ReadGolden(const std::string& name) { return test::ReadGolden("anthropic", name); }

// A configuration that reads nothing from the real ANTHROPIC_* variables.
AnthropicConfig IsolatedConfig() {
  AnthropicConfig config;
  config.base_url_env = "PRSM_TEST_ANTHROPIC_BASE_URL";
  config.api_key_env = "PRSM_TEST_ANTHROPIC_API_KEY";
  return config;
}

std::shared_ptr<const Provider> MakeProvider(AnthropicConfig config) {
  return test::RequireProvider(MakeAnthropicProvider(std::move(config)));
}

// A provider for a local server without a key.
std::shared_ptr<const Provider> LocalProvider() {
  AnthropicConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:4010";
  return MakeProvider(config);
}

// The provider for the canary-key tests: talks to Anthropic with kCanaryKey.
std::shared_ptr<const Provider> CanaryProvider() {
  AnthropicConfig config = IsolatedConfig();
  config.api_key = std::string(kCanaryKey);
  return MakeProvider(config);
}

std::string Body(const CompletionRequest& request) { return Built(LocalProvider(), request).body; }

Error BuildError(const CompletionRequest& request) {
  return test::ErrorOf(LocalProvider()->BuildRequest(request));
}

// The body as a document, for tests that look at one field.
class BodyDoc {
 public:
  explicit BodyDoc(const CompletionRequest& request) : text_(Body(request)) {
    INFO(text_);
    REQUIRE(json::ParseJson(text_, doc_).has_value());
  }
  const json::Value& root() const { return doc_; }
  bool Has(std::string_view key) const { return json::FindMember(doc_, key) != nullptr; }
  const json::Value& operator[](std::string_view key) const {
    const json::Value* member = json::FindMember(doc_, key);
    INFO("member " << key << " of " << text_);
    REQUIRE(member != nullptr);
    return *member;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  json::Document doc_;
};

// Writes a JSON value compactly, for comparing parts of a body with expected JSON.
std::string Compact(const json::Value& value) { return providers::CompactJson(value); }

Completion ParseBody(std::string body, int status = 200) {
  return test::ParsedBody(LocalProvider(), std::move(body), status);
}

Completion ParseGolden(const std::string& name) { return ParseBody(ReadGolden(name)); }

Error ParseBodyError(std::string body, int status = 200) {
  return test::ParseFailure(LocalProvider(), std::move(body), status);
}

ToolDefinition WeatherTool() {
  ToolDefinition tool;
  tool.name = "get_weather";
  tool.description = "Get the current weather in a given location";
  tool.parameters_json_schema = R"({
    "type": "object",
    "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
    "required": ["location"]
  })";
  return tool;
}

CompletionRequest UserRequest(std::string text) {
  return test::UserRequest(std::string(kModel), std::move(text));
}

ToolCall Call(std::string id, std::string name, std::string arguments) {
  return ToolCall{std::move(id), std::move(name), std::move(arguments), ""};
}

constexpr std::string_view kMathSchema = R"({
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

CompletionRequest MathRequest() {
  CompletionRequest request;
  request.model = std::string(kModel);
  request.max_tokens = 1024;
  request.messages = {Message::System("You are a helpful math tutor. Guide the user through the "
                                      "solution step by step."),
                      Message::User("how can I solve 8x + 7 = -23")};
  request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
  request.response_format.name = "math_response";
  request.response_format.json_schema = std::string(kMathSchema);
  return request;
}

// --- request bodies --------------------------------------------------------------------------

TEST_CASE("Anthropic request: the spec's example", "[codec][anthropic]") {
  CompletionRequest request = UserRequest("Hello, world");
  request.max_tokens = 1024;
  RequireSameJson(Body(request), ReadGolden("request_plain.json"));
}

TEST_CASE("Anthropic request: max_tokens defaults to the configured value", "[codec][anthropic]") {
  CHECK(BodyDoc(UserRequest("Hi"))["max_tokens"].GetInt() == 4096);

  AnthropicConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:4010";
  config.default_max_tokens = 77;
  const HttpRequest http = Built(MakeProvider(config), UserRequest("Hi"));
  json::Document doc;
  REQUIRE(json::ParseJson(http.body, doc).has_value());
  CHECK(doc["max_tokens"].GetInt() == 77);

  CompletionRequest request = UserRequest("Hi");
  request.max_tokens = 5;
  CHECK(BodyDoc(request)["max_tokens"].GetInt() == 5);
}

TEST_CASE("Anthropic request: every system message joins the top-level system",
          "[codec][anthropic]") {
  CompletionRequest request;
  request.model = std::string(kModel);
  request.messages = {Message::System("Today's date is 2023-01-01."),
                      Message::User("What is a quaternion?"),
                      Message::System("Answer in one sentence.")};
  RequireSameJson(Body(request), ReadGolden("request_system.json"));

  SECTION("no system message, no system field") {
    CHECK_FALSE(BodyDoc(UserRequest("Hi")).Has("system"));
  }
  SECTION("empty system messages are skipped") {
    request.messages.insert(request.messages.begin(), Message::System(""));
    RequireSameJson(Body(request), ReadGolden("request_system.json"));
  }
}

TEST_CASE("Anthropic request: tools with tool_choice auto", "[codec][anthropic]") {
  CompletionRequest request = UserRequest("What is the weather like in San Francisco?");
  request.max_tokens = 1024;
  request.tools.push_back(WeatherTool());
  RequireSameJson(Body(request), ReadGolden("request_tools.json"));
}

TEST_CASE("Anthropic request: tool_choice forms", "[codec][anthropic]") {
  CompletionRequest request = UserRequest("What is the weather like in San Francisco?");
  request.max_tokens = 1024;
  request.tools.push_back(WeatherTool());

  SECTION("named → tool") {
    request.tool_choice = {ToolChoice::Mode::kNamed, "get_weather"};
    RequireSameJson(Body(request), ReadGolden("request_tool_choice_named.json"));
  }
  SECTION("required → any") {
    request.tool_choice.mode = ToolChoice::Mode::kRequired;
    CHECK(Compact(BodyDoc(request)["tool_choice"]) == R"({"type":"any"})");
  }
  SECTION("none → none, the tools still defined") {
    request.tool_choice.mode = ToolChoice::Mode::kNone;
    const BodyDoc body(request);
    CHECK(Compact(body["tool_choice"]) == R"({"type":"none"})");
    CHECK(body["tools"].Size() == 1);
  }
  SECTION("none without tools sends neither") {
    request.tools.clear();
    request.tool_choice.mode = ToolChoice::Mode::kNone;
    const BodyDoc body(request);
    CHECK_FALSE(body.Has("tools"));
    CHECK_FALSE(body.Has("tool_choice"));
  }
}

TEST_CASE("Anthropic request: a tool without parameters gets an empty object schema",
          "[codec][anthropic]") {
  CompletionRequest request = UserRequest("Roll a die");
  request.tools.push_back(ToolDefinition{"roll_die", "", ""});
  const BodyDoc body(request);
  CHECK(Compact(body["tools"]) ==
        R"([{"name":"roll_die","input_schema":{"type":"object","properties":{}}}])");
}

TEST_CASE("Anthropic request: a conversation is merged into alternating turns",
          "[codec][anthropic]") {
  CompletionRequest request;
  request.model = std::string(kModel);
  request.max_tokens = 300;
  request.temperature = 0.5;
  request.top_p = 0.9;
  request.stop = {"\n\nHuman:", "END"};
  request.stream = true;
  ToolDefinition tool = WeatherTool();
  tool.parameters_json_schema = R"({"type": "object", "properties": {"location":
      {"type": "string"}, "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]}},
      "required": ["location"]})";
  request.tools.push_back(tool);
  Message calls = Message::Assistant("");
  calls.tool_calls = {
      Call("toolu_01A09q90qw90lq917835lq9", "get_weather",
           R"({"location": "San Francisco, CA",   "unit": "celsius"})"),
      Call("toolu_01B7mWv3ekp1Ytu5QxVkVuQ2", "get_weather", R"({"location":"Oakland, CA"})")};
  request.messages = {
      Message::System("You are a weather assistant."),
      Message::User("What is the weather like in San Francisco?"),
      Message::User("Use celsius."),                    // merged with the user turn before
      Message::Assistant("Let me check both cities."),  // then the calls join this turn
      calls,
      Message::ToolResult("toolu_01A09q90qw90lq917835lq9", "15 degrees"),
      Message::ToolResult("toolu_01B7mWv3ekp1Ytu5QxVkVuQ2", "17 degrees"),
      Message::User("And tomorrow?"),  // after the tool results, in the same user turn
  };
  RequireSameJson(Body(request), ReadGolden("request_conversation.json"));
}

TEST_CASE("Anthropic request: tool results come before the text of their user turn",
          "[codec][anthropic]") {
  CompletionRequest request;
  request.model = std::string(kModel);
  Message calls = Message::Assistant("");
  calls.tool_calls = {Call("toolu_1", "get_weather", "")};
  request.tools.push_back(WeatherTool());
  request.messages = {Message::User("Weather?"), calls, Message::User("Quickly please."),
                      Message::ToolResult("toolu_1", "")};
  const BodyDoc body(request);
  const json::Value& messages = body["messages"];
  REQUIRE(messages.Size() == 3);
  // Empty arguments are an empty input object; an empty result has no content.
  CHECK(Compact(messages[1]["content"]) ==
        R"([{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}])");
  CHECK(Compact(messages[2]["content"]) == R"([{"type":"tool_result","tool_use_id":"toolu_1"},)"
                                           R"({"type":"text","text":"Quickly please."}])");
}

TEST_CASE("Anthropic request: structured output is a forced tool", "[codec][anthropic]") {
  CompletionRequest request = MathRequest();
  RequireSameJson(Body(request), ReadGolden("request_json_schema.json"));

  SECTION("a JSON object without schema accepts any object") {
    request.response_format = ResponseFormat{};
    request.response_format.kind = ResponseFormat::Kind::kJsonObject;
    const BodyDoc body(request);
    REQUIRE(body["tools"].Size() == 1);
    CHECK(Compact(body["tools"][0]["input_schema"]) == R"({"type":"object"})");
    CHECK(std::string(body["tools"][0]["name"].GetString()) == "prsm_respond_response");
    CHECK(Compact(body["tool_choice"]) == R"({"type":"tool","name":"prsm_respond_response"})");
  }
  SECTION("with the request's own tools and auto, any tool may be called") {
    request.tools.push_back(WeatherTool());
    const BodyDoc body(request);
    REQUIRE(body["tools"].Size() == 2);
    CHECK(std::string(body["tools"][0]["name"].GetString()) == "get_weather");
    CHECK(std::string(body["tools"][1]["name"].GetString()) == "prsm_respond_math_response");
    CHECK(Compact(body["tool_choice"]) == R"({"type":"any"})");
  }
  SECTION("with tool_choice none, the answer tool is forced") {
    request.tools.push_back(WeatherTool());
    request.tool_choice.mode = ToolChoice::Mode::kNone;
    CHECK(Compact(BodyDoc(request)["tool_choice"]) ==
          R"({"type":"tool","name":"prsm_respond_math_response"})");
  }
  SECTION("a named tool choice stays") {
    request.tools.push_back(WeatherTool());
    request.tool_choice = {ToolChoice::Mode::kNamed, "get_weather"};
    CHECK(Compact(BodyDoc(request)["tool_choice"]) == R"({"type":"tool","name":"get_weather"})");
  }
  SECTION("strict cannot be expressed and is not sent") {
    request.response_format.strict = false;
    RequireSameJson(Body(request), ReadGolden("request_json_schema.json"));
  }
}

TEST_CASE("Anthropic request: parameters Anthropic lacks are not sent", "[codec][anthropic]") {
  CompletionRequest request = UserRequest("Hello, world");
  request.max_tokens = 1024;
  request.seed = 42;
  request.logprobs = true;
  request.top_logprobs = 3;
  request.messages[0].name = "alice";
  RequireSameJson(Body(request), ReadGolden("request_plain.json"));
}

TEST_CASE("Anthropic request: text is escaped and numbers are exact", "[codec][anthropic]") {
  CompletionRequest request = UserRequest("quote \" backslash \\ newline \n tab \t é €");
  request.temperature = 0.1;
  const BodyDoc body(request);
  CHECK(std::string(body["messages"][0]["content"].GetString()) ==
        "quote \" backslash \\ newline \n tab \t é €");
  CHECK(body["temperature"].GetDouble() == 0.1);
}

TEST_CASE("Anthropic request: invalid requests are kInvalidArgument naming the field",
          "[codec][anthropic]") {
  struct Case {
    std::string name;
    CompletionRequest request;
    std::string field;
  };
  std::vector<Case> cases;
  const auto add = [&](std::string name, std::string field, auto mutate) {
    CompletionRequest request = UserRequest("Hi");
    mutate(request);
    cases.push_back({std::move(name), std::move(request), std::move(field)});
  };
  add("empty model", "model:", [](CompletionRequest& r) { r.model.clear(); });
  add("no messages", "messages:", [](CompletionRequest& r) { r.messages.clear(); });
  add("only system",
      "messages:", [](CompletionRequest& r) { r.messages = {Message::System("Be brief.")}; });
  add("temperature above 1", "temperature:", [](CompletionRequest& r) { r.temperature = 1.5; });
  add("negative top_p", "top_p:", [](CompletionRequest& r) { r.top_p = -0.1; });
  add("max_tokens 0", "max_tokens:", [](CompletionRequest& r) { r.max_tokens = 0; });
  add("empty turn",
      "messages[0].content:", [](CompletionRequest& r) { r.messages[0].content = ""; });
  add("user tool call", "messages[0].tool_calls:", [](CompletionRequest& r) {
    r.messages[0].tool_calls = {Call("toolu_1", "f", "{}")};
  });
  add("tool call id missing", "messages[1].tool_calls[0].id:", [](CompletionRequest& r) {
    Message m = Message::Assistant("");
    m.tool_calls = {Call("", "f", "{}")};
    r.messages.push_back(m);
  });
  add("tool call id with a dot", "messages[1].tool_calls[0].id:", [](CompletionRequest& r) {
    Message m = Message::Assistant("");
    m.tool_calls = {Call("call.1", "f", "{}")};
    r.messages.push_back(m);
  });
  add("tool call name missing", "messages[1].tool_calls[0].name:", [](CompletionRequest& r) {
    Message m = Message::Assistant("");
    m.tool_calls = {Call("toolu_1", "", "{}")};
    r.messages.push_back(m);
  });
  add("arguments not an object",
      "messages[1].tool_calls[0].arguments_json:", [](CompletionRequest& r) {
        Message m = Message::Assistant("");
        m.tool_calls = {Call("toolu_1", "f", "[1,2]")};
        r.messages.push_back(m);
      });
  add("arguments not JSON", "messages[1].tool_calls[0].arguments_json:", [](CompletionRequest& r) {
    Message m = Message::Assistant("");
    m.tool_calls = {Call("toolu_1", "f", "{\"a\":")};
    r.messages.push_back(m);
  });
  add("tool result without id", "messages[1].tool_call_id:", [](CompletionRequest& r) {
    r.messages.push_back(Message::ToolResult("", "42"));
  });
  add("tool_call_id on a user message", "messages[0].tool_call_id:", [](CompletionRequest& r) {
    r.messages[0].tool_call_id = "toolu_1";
  });
  add("text not UTF-8",
      "messages[0].content:", [](CompletionRequest& r) { r.messages[0].content = "caf\xC3"; });
  add("system not UTF-8", "messages[0].content:", [](CompletionRequest& r) {
    r.messages.insert(r.messages.begin(), Message::System("\xFF"));
  });
  add("stop not UTF-8", "stop[1]:", [](CompletionRequest& r) { r.stop = {"ok", "\xC0\xAF"}; });
  add("tool name with a space", "tools[0].name:", [](CompletionRequest& r) {
    r.tools.push_back(ToolDefinition{"get weather", "", ""});
  });
  add("tool name reserved", "tools[0].name:", [](CompletionRequest& r) {
    r.tools.push_back(ToolDefinition{"prsm_respond_x", "", ""});
  });
  add("tool schema not an object", "tools[0]:", [](CompletionRequest& r) {
    r.tools.push_back(ToolDefinition{"f", "", "[]"});
  });
  add("tool_choice required without tools", "tool_choice:", [](CompletionRequest& r) {
    r.tool_choice.mode = ToolChoice::Mode::kRequired;
  });
  add("tool_choice names an undefined tool", "tool_choice.name:", [](CompletionRequest& r) {
    r.tools.push_back(WeatherTool());
    r.tool_choice = {ToolChoice::Mode::kNamed, "get_time"};
  });
  add("schema name not a tool name", "response_format.name:", [](CompletionRequest& r) {
    r.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    r.response_format.name = "math response";
    r.response_format.json_schema = R"({"type":"object"})";
  });
  add("schema missing", "response_format.json_schema:", [](CompletionRequest& r) {
    r.response_format.kind = ResponseFormat::Kind::kJsonSchema;
  });
  add("schema not JSON", "response_format.json_schema:", [](CompletionRequest& r) {
    r.response_format.kind = ResponseFormat::Kind::kJsonSchema;
    r.response_format.json_schema = "{";
  });

  for (const Case& c : cases) {
    INFO(c.name);
    const Error error = BuildError(c.request);
    CHECK(error.code() == ErrorCode::kInvalidArgument);
    CHECK(error.provider() == "anthropic");
    CHECK_THAT(error.message(), Catch::StartsWith(c.field));
  }
}

// --- endpoint, headers, configuration ----------------------------------------------------------

TEST_CASE("Anthropic provider: URL and headers", "[codec][anthropic]") {
  AnthropicConfig config = IsolatedConfig();
  config.api_key = std::string(kCanaryKey);
  const HttpRequest http = Built(MakeProvider(config), UserRequest("Hi"));
  CHECK(http.method == "POST");
  CHECK(http.url == "https://api.anthropic.com/v1/messages");
  REQUIRE(FindHeader(http, "x-api-key") != nullptr);
  CHECK(*FindHeader(http, "x-api-key") == kCanaryKey);
  REQUIRE(FindHeader(http, "anthropic-version") != nullptr);
  CHECK(*FindHeader(http, "anthropic-version") == "2023-06-01");
  REQUIRE(FindHeader(http, "content-type") != nullptr);
  CHECK(*FindHeader(http, "content-type") == "application/json");
  CHECK(FindHeader(http, "anthropic-beta") == nullptr);
  CHECK(FindHeader(http, "Authorization") == nullptr);

  SECTION("betas, version and extra headers") {
    config.betas = {"prompt-caching-2024-07-31", "token-efficient-tools-2025-02-19"};
    config.anthropic_version = "2024-01-01";
    config.extra_headers = {{"x-api-key", "proxy-key"}, {"x-trace", "1"}};
    const HttpRequest custom = Built(MakeProvider(config), UserRequest("Hi"));
    REQUIRE(FindHeader(custom, "anthropic-beta") != nullptr);
    CHECK(*FindHeader(custom, "anthropic-beta") ==
          "prompt-caching-2024-07-31,token-efficient-tools-2025-02-19");
    CHECK(*FindHeader(custom, "anthropic-version") == "2024-01-01");
    CHECK(*FindHeader(custom, "x-api-key") == "proxy-key");  // the extra header replaced it
    std::size_t key_headers = 0;
    for (const HttpHeader& header : custom.headers) key_headers += header.name == "x-api-key";
    CHECK(key_headers == 1);
    REQUIRE(FindHeader(custom, "x-trace") != nullptr);
  }
  SECTION("base URLs with and without /v1, slashes and a query") {
    const auto url_for = [&](std::string base) {
      AnthropicConfig local = IsolatedConfig();
      local.base_url = std::move(base);
      return Built(MakeProvider(local), UserRequest("Hi")).url;
    };
    CHECK(url_for("http://127.0.0.1:4010") == "http://127.0.0.1:4010/v1/messages");
    CHECK(url_for("http://127.0.0.1:4010/") == "http://127.0.0.1:4010/v1/messages");
    CHECK(url_for("http://127.0.0.1:4010/v1/") == "http://127.0.0.1:4010/v1/messages");
    CHECK(url_for("https://gw.example/anthropic?tenant=a") ==
          "https://gw.example/anthropic/v1/messages?tenant=a");
  }
  SECTION("no key for a local server sends no x-api-key") {
    CHECK(FindHeader(Built(LocalProvider(), UserRequest("Hi")), "x-api-key") == nullptr);
  }
}

TEST_CASE("Anthropic provider: keys and base URLs from custom environment variables",
          "[codec][anthropic]") {
  const ScopedEnv key("PRSM_TEST_ANTHROPIC_API_KEY", "sk-ant-from-env");
  const ScopedEnv base("PRSM_TEST_ANTHROPIC_BASE_URL", "http://127.0.0.1:9999/");
  const HttpRequest http = Built(MakeProvider(IsolatedConfig()), UserRequest("Hi"));
  CHECK(http.url == "http://127.0.0.1:9999/v1/messages");
  REQUIRE(FindHeader(http, "x-api-key") != nullptr);
  CHECK(*FindHeader(http, "x-api-key") == "sk-ant-from-env");

  SECTION("the configuration wins over the environment") {
    AnthropicConfig config = IsolatedConfig();
    config.api_key = "sk-ant-from-config";
    config.base_url = "http://127.0.0.1:8888";
    const HttpRequest configured = Built(MakeProvider(config), UserRequest("Hi"));
    CHECK(configured.url == "http://127.0.0.1:8888/v1/messages");
    CHECK(*FindHeader(configured, "x-api-key") == "sk-ant-from-config");
  }
}

TEST_CASE(
    "Anthropic provider: the default variables are ANTHROPIC_API_KEY and "
    "ANTHROPIC_BASE_URL",
    "[codec][anthropic]") {
  const ScopedEnv key("ANTHROPIC_API_KEY", std::string(kCanaryKey));
  const ScopedEnv base("ANTHROPIC_BASE_URL", std::nullopt);
  Result<std::shared_ptr<const Provider>> provider = MakeAnthropicProvider();
  REQUIRE(provider.has_value());
  CHECK((*provider)->id() == "anthropic");
  const HttpRequest http = Built(*provider, UserRequest("Hi"));
  CHECK(http.url == "https://api.anthropic.com/v1/messages");
  CHECK(*FindHeader(http, "x-api-key") == kCanaryKey);
}

TEST_CASE("Anthropic provider: api.anthropic.com without a key is kUnauthenticated",
          "[codec][anthropic]") {
  const ScopedEnv key("PRSM_TEST_ANTHROPIC_API_KEY", std::nullopt);
  const ScopedEnv base("PRSM_TEST_ANTHROPIC_BASE_URL", std::nullopt);
  Result<std::shared_ptr<const Provider>> provider = MakeAnthropicProvider(IsolatedConfig());
  REQUIRE_FALSE(provider.has_value());
  CHECK(provider.error().code() == ErrorCode::kUnauthenticated);
  CHECK(provider.error().provider() == "anthropic");
  CHECK_THAT(provider.error().message(), Catch::Contains("PRSM_TEST_ANTHROPIC_API_KEY"));

  SECTION("an explicit https://API.Anthropic.com base too") {
    AnthropicConfig config = IsolatedConfig();
    config.base_url = "https://API.Anthropic.com";
    CHECK(MakeAnthropicProvider(config).error().code() == ErrorCode::kUnauthenticated);
  }
  SECTION("a blank key from the environment counts as none") {
    const ScopedEnv blank("PRSM_TEST_ANTHROPIC_API_KEY", "  \n");
    CHECK(MakeAnthropicProvider(IsolatedConfig()).error().code() == ErrorCode::kUnauthenticated);
  }
}

TEST_CASE("Anthropic provider: invalid configurations", "[codec][anthropic]") {
  const auto error_of = [](AnthropicConfig config) {
    Result<std::shared_ptr<const Provider>> provider = MakeAnthropicProvider(std::move(config));
    REQUIRE_FALSE(provider.has_value());
    return provider.error();
  };
  AnthropicConfig config = IsolatedConfig();
  config.base_url = "http://127.0.0.1:4010";

  AnthropicConfig no_id = config;
  no_id.id.clear();
  CHECK(error_of(no_id).code() == ErrorCode::kInvalidArgument);

  AnthropicConfig ftp = config;
  ftp.base_url = "ftp://example.com";
  CHECK_THAT(error_of(ftp).message(), Catch::Contains("http:// or https://"));

  AnthropicConfig zero = config;
  zero.default_max_tokens = 0;
  CHECK_THAT(error_of(zero).message(), Catch::Contains("default_max_tokens"));

  AnthropicConfig bad_key = config;
  bad_key.api_key = std::string(kCanaryKey) + "\r\nX-Evil: 1";
  const Error key_error = error_of(bad_key);
  CHECK(key_error.code() == ErrorCode::kInvalidArgument);
  CHECK(key_error.message().find(kCanaryKey) == std::string::npos);

  AnthropicConfig bad_header = config;
  bad_header.extra_headers = {{"bad header", "x"}};
  CHECK(error_of(bad_header).code() == ErrorCode::kInvalidArgument);

  AnthropicConfig bad_beta = config;
  bad_beta.betas = {"a,b"};
  CHECK_THAT(error_of(bad_beta).message(), Catch::Contains("betas[0]"));

  AnthropicConfig bad_version = config;
  bad_version.anthropic_version = "";
  CHECK_THAT(error_of(bad_version).message(), Catch::Contains("anthropic_version"));
}

TEST_CASE("Anthropic provider: the umbrella header exposes the factory", "[codec][anthropic]") {
  // prsm/prsm.h is included above; this only compiles when it declares MakeAnthropicProvider.
  Result<std::shared_ptr<const Provider>> (*factory)(AnthropicConfig) = &MakeAnthropicProvider;
  CHECK(factory != nullptr);
}

// --- responses ---------------------------------------------------------------------------------

TEST_CASE("Anthropic response: the spec's example", "[codec][anthropic]") {
  const Completion completion = ParseGolden("response_plain.json");
  CHECK(completion.text == "Hi! My name is Claude.");
  CHECK(completion.tool_calls.empty());
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.raw_finish_reason == "end_turn");
  CHECK(completion.usage.input_tokens == 2095);
  CHECK(completion.usage.output_tokens == 503);
  CHECK(completion.usage.cached_input_tokens == 0);
  CHECK(completion.usage.cache_write_tokens == 0);
  CHECK(completion.model == kModel);
  CHECK(completion.id == "msg_013Zva2CMHLNnXjNJJKqJ2EF");
  CHECK(completion.logprobs.empty());
}

TEST_CASE("Anthropic response: tool_use blocks are tool calls", "[codec][anthropic]") {
  const Completion completion = ParseGolden("response_tool_use.json");
  CHECK(completion.text == "Okay, let's check the weather for San Francisco, CA:");
  REQUIRE(completion.tool_calls.size() == 1);
  CHECK(completion.tool_calls[0].id == "toolu_01T1x1fJ34qAmk2tNTrN7Up6");
  CHECK(completion.tool_calls[0].name == "get_weather");
  CHECK(completion.tool_calls[0].arguments_json ==
        R"({"location":"San Francisco, CA","unit":"fahrenheit"})");
  CHECK(completion.finish_reason == FinishReason::kToolCalls);
  CHECK(completion.raw_finish_reason == "tool_use");
  CHECK(completion.usage.input_tokens == 472);
  CHECK(completion.usage.output_tokens == 89);
}

TEST_CASE("Anthropic response: stop reasons", "[codec][anthropic]") {
  const Completion refusal = ParseGolden("response_refusal.json");
  CHECK(refusal.finish_reason == FinishReason::kContentFilter);
  CHECK(refusal.raw_finish_reason == "refusal");
  CHECK(refusal.text.empty());

  const Completion cut = ParseGolden("response_max_tokens.json");
  CHECK(cut.finish_reason == FinishReason::kLength);
  CHECK(cut.text == "A quaternion is a four-dimensional");

  CHECK(ParseGolden("response_cache_usage.json").finish_reason == FinishReason::kStop);

  const auto with_reason = [](std::string reason) {
    return ParseBody(fmt::format(
        R"({{"type":"message","content":[{{"type":"text","text":"x"}}],"stop_reason":{}}})",
        reason));
  };
  CHECK(with_reason(R"("model_context_window_exceeded")").finish_reason == FinishReason::kLength);
  const Completion paused = with_reason(R"("pause_turn")");
  CHECK(paused.finish_reason == FinishReason::kUnknown);
  CHECK(paused.raw_finish_reason == "pause_turn");
  const Completion unset = with_reason("null");
  CHECK(unset.finish_reason == FinishReason::kUnknown);
  CHECK(unset.raw_finish_reason.empty());
}

TEST_CASE("Anthropic response: cache usage is normalised", "[codec][anthropic]") {
  const Usage usage = ParseGolden("response_cache_usage.json").usage;
  CHECK(usage.input_tokens == 21 + 188086 + 2051);
  CHECK(usage.cached_input_tokens == 2051);
  CHECK(usage.cache_write_tokens == 188086);
  CHECK(usage.output_tokens == 393);
  CHECK(usage.reasoning_tokens == 0);
}

TEST_CASE("Anthropic response: the structured-output tool is the text", "[codec][anthropic]") {
  const Completion completion = ParseGolden("response_json_schema.json");
  CHECK(completion.text ==
        R"({"steps":[{"explanation":"Subtract 7 from both sides.","output":"8x = -30"},)"
        R"({"explanation":"Divide both sides by 8.","output":"x = -3.75"}],)"
        R"("final_answer":"x = -3.75"})");
  CHECK(completion.tool_calls.empty());
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(completion.raw_finish_reason == "tool_use");

  SECTION("beside a real tool call, the finish reason is kToolCalls") {
    const Completion both = ParseBody(R"({"type":"message","content":[
      {"type":"text","text":"ignored"},
      {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"location":"Paris"}},
      {"type":"tool_use","id":"toolu_2","name":"prsm_respond_response","input":{"ok":true}}],
      "stop_reason":"tool_use"})");
    CHECK(both.text == R"({"ok":true})");
    REQUIRE(both.tool_calls.size() == 1);
    CHECK(both.tool_calls[0].name == "get_weather");
    CHECK(both.finish_reason == FinishReason::kToolCalls);
  }
}

TEST_CASE("Anthropic response: thinking blocks are not the answer", "[codec][anthropic]") {
  const Completion completion = ParseGolden("response_thinking.json");
  CHECK(completion.text == "27 * 453 = 12,231");
  CHECK(completion.finish_reason == FinishReason::kStop);
}

TEST_CASE("Anthropic response: an error object in a 200 is the vendor's error",
          "[codec][anthropic]") {
  const Error error = ParseBodyError(ReadGolden("response_200_error.json"));
  CHECK(error.code() == ErrorCode::kUnavailable);
  CHECK(error.provider() == "anthropic");
  CHECK(error.http_status() == 200);
  CHECK_THAT(error.message(), Catch::Contains("Overloaded (type=overloaded_error"));

  const auto code_of = [](std::string_view type) {
    return ParseBodyError(
               fmt::format(R"({{"type":"error","error":{{"type":"{}","message":"m"}}}})", type))
        .code();
  };
  CHECK(code_of("rate_limit_error") == ErrorCode::kResourceExhausted);
  CHECK(code_of("authentication_error") == ErrorCode::kUnauthenticated);
  CHECK(code_of("permission_error") == ErrorCode::kPermissionDenied);
  CHECK(code_of("not_found_error") == ErrorCode::kNotFound);
  CHECK(code_of("invalid_request_error") == ErrorCode::kInvalidArgument);
  CHECK(code_of("request_too_large") == ErrorCode::kInvalidArgument);
  CHECK(code_of("api_error") == ErrorCode::kUnavailable);
  CHECK(code_of("billing_error") == ErrorCode::kFailedPrecondition);
  CHECK(code_of("something_new") == ErrorCode::kUnknown);
}

TEST_CASE("Anthropic response: bodies of the wrong shape are kDataLoss naming the path",
          "[codec][anthropic]") {
  struct Case {
    std::string body;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"[]", "(root): expected an object"},
      {R"({"type":"message"})", "content: missing"},
      {R"({"type":"message","content":{}})", "content: expected an array"},
      {R"({"type":"message","content":[7]})", "content[0]: expected an object"},
      {R"({"type":"message","content":[{"text":"x"}]})", "content[0].type: missing"},
      {R"({"type":"message","content":[{"type":"text","text":5}]})",
       "content[0].text: expected a string"},
      {R"({"type":"message","content":[{"type":"tool_use","id":"t","name":"f","input":"{}"}]})",
       "content[0].input: expected an object"},
      {R"({"type":"message","content":[{"type":"server_tool_use","id":"t"}]})",
       "content[0].type: unsupported content block type 'server_tool_use'"},
      {R"({"type":"message","content":[],"usage":{"input_tokens":-3}})",
       "usage.input_tokens: negative token count -3"},
      {R"({"type":"message","content":[],"usage":{"output_tokens":1.5}})", "usage.output_tokens"},
      {R"({"type":"message","content":[],"stop_reason":3})", "stop_reason: expected a string"},
      {R"({"type":"completion","content":[]})", "type: expected \"message\", got 'completion'"},
      {R"({"type":"message","content":[]} trailing)", "invalid JSON"},
      {R"({"type":"message","content":[)", "invalid JSON"},
      {"<html>Bad gateway</html>", "body starts: <html>Bad gateway</html>"},
      {"{\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"caf\xC3\"}]}",
       "invalid UTF-8"},
      {"", "malformed message"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    const Error error = ParseBodyError(c.body);
    CHECK(error.code() == ErrorCode::kDataLoss);
    CHECK(error.provider() == "anthropic");
    CHECK_THAT(error.message(), Catch::StartsWith("malformed message"));
    CHECK_THAT(error.message(), Catch::Contains(c.expected));
  }
}

// --- HTTP errors -------------------------------------------------------------------------------

Error RefinedError(const std::shared_ptr<const Provider>& provider, int status, std::string body,
                   ErrorCode mapped_code) {
  Error mapped = Error(mapped_code, fmt::format("HTTP {}", status)).WithHttpStatus(status);
  if (status == 429) mapped.WithRetryAfter(std::chrono::seconds(20));
  return test::Refined(provider, status, std::move(body), std::move(mapped));
}

TEST_CASE("Anthropic errors: vendor messages refine the mapped error", "[codec][anthropic]") {
  struct Case {
    int status;
    std::string file;
    ErrorCode code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {400, "error_400.json", ErrorCode::kInvalidArgument,
       "HTTP 400: messages: roles must alternate between \"user\" and \"assistant\", but found "
       "multiple \"user\" roles in a row (type=invalid_request_error, "
       "request_id=req_011CSHoEeqs5C35K2UUqR7Fa)"},
      {401, "error_401.json", ErrorCode::kUnauthenticated,
       "HTTP 401: invalid x-api-key (type=authentication_error, "
       "request_id=req_011CSHoEeqs5C35K2UUqR7Fb)"},
      {429, "error_429.json", ErrorCode::kResourceExhausted,
       "HTTP 429: This request would exceed the rate limit for your organization of 50 requests "
       "per minute. (type=rate_limit_error, request_id=req_011CSHoEeqs5C35K2UUqR7Fc)"},
      {529, "error_529.json", ErrorCode::kUnavailable,
       "HTTP 529: Overloaded (type=overloaded_error, request_id=req_011CSHoEeqs5C35K2UUqR7Fy)"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const Error error = RefinedError(LocalProvider(), c.status, ReadGolden(c.file), c.code);
    CHECK(error.code() == c.code);
    CHECK(error.message() == c.message);
    CHECK(error.http_status() == c.status);
    CHECK(error.provider() == "anthropic");
    if (c.status == 429) {
      CHECK(error.retry_after() == std::chrono::milliseconds(20000));
    }
  }
}

TEST_CASE("Anthropic errors: the mapped code is kept whatever the body says",
          "[codec][anthropic]") {
  // An overloaded_error under a 500 stays what the status table says for 500.
  const Error error =
      RefinedError(LocalProvider(), 500, ReadGolden("error_529.json"), ErrorCode::kUnavailable);
  CHECK(error.code() == ErrorCode::kUnavailable);
  const Error odd =
      RefinedError(LocalProvider(), 400, ReadGolden("error_529.json"), ErrorCode::kInvalidArgument);
  CHECK(odd.code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Anthropic errors: other bodies give a sanitised excerpt", "[codec][anthropic]") {
  const Error html = RefinedError(LocalProvider(), 502, "<html>\n\t<body>Bad   gateway</body>\x01",
                                  ErrorCode::kUnavailable);
  CHECK(html.message() == "HTTP 502: <html> <body>Bad gateway</body>");

  const Error empty = RefinedError(LocalProvider(), 503, "", ErrorCode::kUnavailable);
  CHECK(empty.message() == "HTTP 503");

  const Error long_body =
      RefinedError(LocalProvider(), 500, std::string(5000, 'x'), ErrorCode::kUnavailable);
  CHECK(long_body.message().size() < 260);
  CHECK_THAT(long_body.message(), Catch::EndsWith("..."));

  const Error not_utf8 =
      RefinedError(LocalProvider(), 500, "bad \xFF byte", ErrorCode::kUnavailable);
  CHECK(not_utf8.message() == "HTTP 500: bad ? byte");

  const Error proxy = RefinedError(LocalProvider(), 403, R"({"error":"blocked by proxy"})",
                                   ErrorCode::kPermissionDenied);
  CHECK(proxy.message() == "HTTP 403: blocked by proxy");
}

TEST_CASE("Anthropic errors: the canary key never appears", "[codec][anthropic]") {
  const std::shared_ptr<const Provider> provider = CanaryProvider();
  const std::string key(kCanaryKey);
  std::vector<Error> errors;

  // Error bodies that echo the key (a proxy printing the request, say).
  errors.push_back(RefinedError(
      provider, 401,
      fmt::format(
          R"({{"type":"error","error":{{"type":"authentication_error","message":"bad key {}"}},"request_id":"{}"}})",
          key, key),
      ErrorCode::kUnauthenticated));
  errors.push_back(
      RefinedError(provider, 500, "upstream said: x-api-key: " + key, ErrorCode::kUnavailable));
  errors.push_back(test::Refined(
      provider, 500, "", Error(ErrorCode::kUnavailable, "HTTP 500 " + key).WithHttpStatus(500)));
  // 2xx bodies: an error object, a body that is not JSON, one that is JSON of the wrong shape.
  const auto parse_error = [&](std::string body) {
    return test::ParseFailure(provider, std::move(body));
  };
  errors.push_back(parse_error(
      fmt::format(R"({{"type":"error","error":{{"type":"api_error","message":"{}"}}}})", key)));
  errors.push_back(parse_error("<html>" + key + "</html>"));
  errors.push_back(parse_error(fmt::format(R"({{"type":"{}","content":[]}})", key)));
  // Streams: an error event quoting the key, and an unknown event type that is the key.
  for (const std::string& stream :
       {fmt::format("event: error\ndata: {{\"type\":\"error\",\"error\":{{\"type\":"
                    "\"overloaded_error\",\"message\":\"{}\"}}}}\n\n",
                    key),
        fmt::format("event: {}\ndata: {{\"type\":\"{}\"}}\n\n", key, key),
        fmt::format("data: {{\"type\":\"{}\"}}\n\n", key)}) {
    const test::Decoded decoded = test::Decode(provider, {stream}, /*finish_after_error=*/true);
    REQUIRE_FALSE(decoded.fed.has_value());
    errors.push_back(decoded.fed.error());
    REQUIRE_FALSE(decoded.completion.has_value());
    errors.push_back(decoded.completion.error());
  }
  // Building: a request whose invalid fields quote the key.
  CompletionRequest request = UserRequest("Hi");
  request.tools.push_back(WeatherTool());
  request.tool_choice = {ToolChoice::Mode::kNamed, key};
  errors.push_back(provider->BuildRequest(request).error());

  test::CheckKeyNeverShown(errors, key, 20);
}

// --- streaming ---------------------------------------------------------------------------------

// One line per event, every field that matters, so that two runs compare as strings.
std::string Describe(const StreamEvent& event) {
  switch (event.kind) {
    case StreamEvent::Kind::kTextDelta:
      return "text " + event.text;
    case StreamEvent::Kind::kToolCallDelta:
      return fmt::format("tool {} id={} name={} args={}", event.tool_call.index, event.tool_call.id,
                         event.tool_call.name, event.tool_call.arguments_delta);
    case StreamEvent::Kind::kUsage:
      return fmt::format("usage in={} out={} cached={} write={}", event.usage.input_tokens,
                         event.usage.output_tokens, event.usage.cached_input_tokens,
                         event.usage.cache_write_tokens);
    case StreamEvent::Kind::kFinish:
      return fmt::format("finish {} {}", ToString(event.finish_reason), event.raw_finish_reason);
    case StreamEvent::Kind::kError:
      return "error";
  }
  return "?";
}

std::string Describe(const Completion& completion) {
  std::string text =
      fmt::format("text={}|finish={}|raw={}|in={}|out={}|cached={}|write={}|model={}|id={}",
                  completion.text, ToString(completion.finish_reason), completion.raw_finish_reason,
                  completion.usage.input_tokens, completion.usage.output_tokens,
                  completion.usage.cached_input_tokens, completion.usage.cache_write_tokens,
                  completion.model, completion.id);
  for (const ToolCall& call : completion.tool_calls) {
    text += fmt::format("|call {} {} {}", call.id, call.name, call.arguments_json);
  }
  return text;
}

struct Decoded {
  std::vector<std::string> events;
  Result<void> fed;
  Result<Completion> completion = Error(ErrorCode::kUnknown, "not finished");
};

// Feeds `chunks` in order and finishes, also after a failed Feed (Finish then repeats the
// failure); stops feeding at the first error.
Decoded Decode(const std::vector<std::string_view>& chunks) {
  test::Decoded decoded = test::Decode(LocalProvider(), chunks, /*finish_after_error=*/true);
  Decoded described{{}, std::move(decoded.fed), std::move(decoded.completion)};
  for (const StreamEvent& event : decoded.events) described.events.push_back(Describe(event));
  return described;
}

Decoded DecodeWhole(std::string_view stream) { return Decode({stream}); }

Completion Finished(const Decoded& decoded) {
  if (!decoded.fed) FAIL(decoded.fed.error().ToString());
  if (!decoded.completion) FAIL(decoded.completion.error().ToString());
  return *decoded.completion;
}

TEST_CASE("Anthropic stream: a text stream's events", "[codec][anthropic]") {
  const Decoded decoded = DecodeWhole(ReadGolden("stream_text.sse"));
  const std::vector<std::string> expected = {
      "usage in=2095 out=1 cached=0 write=0",
      "text Hi",
      "text ! My name",
      "text  is Claude.",
      "finish stop end_turn",
      "usage in=2095 out=503 cached=0 write=0",
  };
  CHECK(decoded.events == expected);
  CHECK(Describe(Finished(decoded)) == Describe(ParseGolden("response_plain.json")));
}

TEST_CASE("Anthropic stream: tool calls are indexed by tool call, not by block",
          "[codec][anthropic]") {
  const Decoded decoded = DecodeWhole(ReadGolden("stream_tool_use.sse"));
  std::vector<std::string> tool_events;
  for (const std::string& event : decoded.events) {
    if (event.rfind("tool ", 0) == 0) tool_events.push_back(event);
  }
  const std::vector<std::string> expected = {
      "tool 0 id=toolu_01T1x1fJ34qAmk2tNTrN7Up6 name=get_weather args=",
      "tool 0 id= name= args={\"location\":",
      "tool 0 id= name= args= \"San",
      "tool 0 id= name= args= Francisc",
      "tool 0 id= name= args=o,",
      "tool 0 id= name= args= CA\"",
      "tool 0 id= name= args=, ",
      "tool 0 id= name= args=\"unit\": \"fah",
      "tool 0 id= name= args=renheit\"}",
  };
  CHECK(tool_events == expected);
  CHECK(decoded.events.back() == "usage in=472 out=89 cached=0 write=0");
  CHECK(decoded.events[decoded.events.size() - 2] == "finish tool_calls tool_use");
  // The same Completion as the plain response, arguments compacted alike.
  CHECK(Describe(Finished(decoded)) == Describe(ParseGolden("response_tool_use.json")));
}

TEST_CASE("Anthropic stream: structured output streams as text", "[codec][anthropic]") {
  const Decoded decoded = DecodeWhole(ReadGolden("stream_json_schema.sse"));
  std::string streamed;
  for (const std::string& event : decoded.events) {
    CHECK(event.rfind("tool ", 0) == std::string::npos);
    if (event.rfind("text ", 0) == 0) streamed += event.substr(5);
  }
  json::Document doc;
  REQUIRE(json::ParseJson(streamed, doc).has_value());  // the deltas make the JSON
  const Completion completion = Finished(decoded);
  CHECK(completion.finish_reason == FinishReason::kStop);
  CHECK(Describe(completion) == Describe(ParseGolden("response_json_schema.json")));
}

TEST_CASE("Anthropic stream: thinking is skipped, nulls keep earlier counts",
          "[codec][anthropic]") {
  const Decoded decoded = DecodeWhole(ReadGolden("stream_thinking.sse"));
  const std::vector<std::string> expected = {"usage in=46 out=1 cached=0 write=0", "text 27 * 453",
                                             "text  = 12,231", "finish stop end_turn",
                                             "usage in=46 out=120 cached=0 write=0"};
  CHECK(decoded.events == expected);
  CHECK(Describe(Finished(decoded)) == Describe(ParseGolden("response_thinking.json")));
}

TEST_CASE("Anthropic stream: every split of every golden stream decodes alike",
          "[codec][anthropic]") {
  for (const char* name : {"stream_text.sse", "stream_tool_use.sse", "stream_json_schema.sse",
                           "stream_thinking.sse", "stream_error.sse"}) {
    INFO(name);
    const std::string stream = ReadGolden(name);
    const Decoded whole = DecodeWhole(stream);
    REQUIRE_FALSE(whole.events.empty());
    const std::string whole_result =
        whole.completion ? Describe(*whole.completion) : whole.completion.error().ToString();
    for (std::size_t at = 0; at <= stream.size(); ++at) {
      const std::string_view view(stream);
      const Decoded split = Decode({view.substr(0, at), view.substr(at)});
      INFO("split at byte " << at);
      REQUIRE(split.events == whole.events);
      REQUIRE(split.fed.has_value() == whole.fed.has_value());
      const std::string split_result =
          split.completion ? Describe(*split.completion) : split.completion.error().ToString();
      REQUIRE(split_result == whole_result);
    }
    // And one byte at a time.
    std::vector<std::string_view> bytes;
    for (std::size_t i = 0; i < stream.size(); ++i)
      bytes.push_back(std::string_view(stream).substr(i, 1));
    const Decoded trickle = Decode(bytes);
    CHECK(trickle.events == whole.events);
  }
}

TEST_CASE("Anthropic stream: an error event is the vendor's error", "[codec][anthropic]") {
  const Decoded decoded = DecodeWhole(ReadGolden("stream_error.sse"));
  REQUIRE_FALSE(decoded.fed.has_value());
  CHECK(decoded.fed.error().code() == ErrorCode::kUnavailable);
  CHECK(decoded.fed.error().provider() == "anthropic");
  CHECK_THAT(decoded.fed.error().message(), Catch::Contains("Overloaded (type=overloaded_error)"));
  // The events before the error were delivered.
  CHECK(decoded.events.back() == "text Once upon");
  // Finish reports the same error.
  REQUIRE_FALSE(decoded.completion.has_value());
  CHECK(decoded.completion.error().code() == ErrorCode::kUnavailable);

  const Decoded limited = DecodeWhole(
      "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\","
      "\"message\":\"slow down\"}}\n\n");
  REQUIRE_FALSE(limited.fed.has_value());
  CHECK(limited.fed.error().code() == ErrorCode::kResourceExhausted);
}

TEST_CASE("Anthropic stream: after an error the decoder stays failed", "[codec][anthropic]") {
  std::unique_ptr<StreamDecoder> decoder = LocalProvider()->NewStreamDecoder();
  std::vector<StreamEvent> events;
  REQUIRE_FALSE(decoder->Feed("event: nonsense\ndata: {\"type\":\"nonsense\"}\n\n", events));
  const std::string text = ReadGolden("stream_text.sse");
  const Result<void> again = decoder->Feed(text, events);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code() == ErrorCode::kDataLoss);
  CHECK(events.empty());
}

TEST_CASE("Anthropic stream: an unknown event type is kDataLoss naming the provider",
          "[codec][anthropic]") {
  std::string stream = ReadGolden("stream_text.sse");
  const std::string stop = "event: message_stop";
  stream.insert(stream.find(stop),
                "event: content_block_pause\ndata: {\"type\":\"content_block_pause\"}\n\n");
  const Decoded decoded = DecodeWhole(stream);
  REQUIRE_FALSE(decoded.fed.has_value());
  CHECK(decoded.fed.error().code() == ErrorCode::kDataLoss);
  CHECK(decoded.fed.error().provider() == "anthropic");
  CHECK(decoded.fed.error().message() == "unknown stream event type 'content_block_pause'");
  CHECK_THAT(decoded.fed.error().ToString(), Catch::Contains("provider=anthropic"));
}

TEST_CASE("Anthropic stream: truncated streams", "[codec][anthropic]") {
  const std::string stream = ReadGolden("stream_text.sse");

  SECTION("ending between events before message_stop is kUnavailable") {
    const std::string cut = stream.substr(0, stream.find("event: message_delta"));
    const Decoded decoded = DecodeWhole(cut);
    REQUIRE(decoded.fed.has_value());
    REQUIRE_FALSE(decoded.completion.has_value());
    CHECK(decoded.completion.error().code() == ErrorCode::kUnavailable);
    CHECK(decoded.completion.error().provider() == "anthropic");
    CHECK_THAT(decoded.completion.error().message(), Catch::Contains("message_stop"));
  }
  SECTION("an empty body is kUnavailable") {
    const Decoded decoded = DecodeWhole("");
    REQUIRE_FALSE(decoded.completion.has_value());
    CHECK(decoded.completion.error().code() == ErrorCode::kUnavailable);
  }
  SECTION("ending inside an event is kDataLoss") {
    const std::string cut = stream.substr(0, stream.find("event: message_delta") + 30);
    const Decoded decoded = DecodeWhole(cut);
    REQUIRE(decoded.fed.has_value());
    REQUIRE_FALSE(decoded.completion.has_value());
    CHECK(decoded.completion.error().code() == ErrorCode::kDataLoss);
  }
  SECTION("ending inside the last event's final blank line is kDataLoss") {
    const Decoded decoded = DecodeWhole(stream.substr(0, stream.size() - 1));
    REQUIRE_FALSE(decoded.completion.has_value());
    CHECK(decoded.completion.error().code() == ErrorCode::kDataLoss);
  }
}

TEST_CASE("Anthropic stream: malformed streams are kDataLoss", "[codec][anthropic]") {
  const std::string start =
      "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\","
      "\"model\":\"c\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n";
  const std::string text_block =
      "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,"
      "\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n";
  struct Case {
    std::string name;
    std::string stream;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"invalid JSON", "event: ping\ndata: {\"type\":\n\n", "invalid JSON"},
      {"not UTF-8",
       start + text_block +
           "event: content_block_delta\ndata: {\"type\":\"content_block_delta\","
           "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"caf\xC3\"}}\n\n",
       "invalid UTF-8"},
      {"no type", "data: {\"index\":0}\n\n", "type: missing"},
      {"event name and type disagree", "event: ping\ndata: {\"type\":\"message_stop\"}\n\n",
       "carries data of type 'message_stop'"},
      {"delta before message_start",
       "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\","
       "\"text\":\"x\"}}\n\n",
       "content_block_delta: before message_start"},
      {"two message_starts", start + start, "a second message_start"},
      {"delta for a block never started",
       start + "data: {\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":"
               "\"text_delta\",\"text\":\"x\"}}\n\n",
       "content_block_delta.index: content block 3 was never started"},
      {"delta after the block stopped",
       start + text_block + "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
           "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
           "\"text_delta\",\"text\":\"x\"}}\n\n",
       "content block 0 was already stopped"},
      {"json delta for a text block",
       start + text_block +
           "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
           "\"input_json_delta\",\"partial_json\":\"{\"}}\n\n",
       "input_json_delta for a text block"},
      {"unknown delta type",
       start + text_block +
           "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
           "\"audio_delta\"}}\n\n",
       "unsupported delta type 'audio_delta'"},
      {"unsupported block type",
       start + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
               "\"server_tool_use\",\"id\":\"x\"}}\n\n",
       "content_block_start.content_block.type: unsupported content block type"},
      {"tool_use without id",
       start + "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
               "\"tool_use\",\"name\":\"f\",\"input\":{}}}\n\n",
       "content_block_start.content_block.id: missing"},
      {"negative usage",
       start + "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
               "\"usage\":{\"output_tokens\":-1}}\n\n",
       "message_delta.usage.output_tokens: negative token count"},
      {"event after message_stop", start + "data: {\"type\":\"message_stop\"}\n\n" + text_block,
       "event 'content_block_start' after message_stop"},
      {"error event without an error", "data: {\"type\":\"error\"}\n\n",
       "error: expected an error object"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Decoded decoded = DecodeWhole(c.stream);
    REQUIRE_FALSE(decoded.fed.has_value());
    CHECK(decoded.fed.error().code() == ErrorCode::kDataLoss);
    CHECK(decoded.fed.error().provider() == "anthropic");
    CHECK_THAT(decoded.fed.error().message(), Catch::Contains(c.expected));
  }
}

TEST_CASE(
    "Anthropic stream: a tool call without deltas keeps its start input; a cut one "
    "keeps the raw text",
    "[codec][anthropic]") {
  const std::string prefix =
      "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\"}}\n\n"
      "data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":"
      "\"tool_use\",\"id\":\"toolu_1\",\"name\":\"f\",\"input\":{\"a\": 1}}}\n\n";
  const std::string end =
      "data: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
      "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},"
      "\"usage\":{\"output_tokens\":4}}\n\n"
      "data: {\"type\":\"message_stop\"}\n\n";
  const Completion kept = Finished(DecodeWhole(prefix + end));
  REQUIRE(kept.tool_calls.size() == 1);
  CHECK(kept.tool_calls[0].arguments_json == R"({"a":1})");

  const Completion cut = Finished(
      DecodeWhole(prefix +
                  "data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":"
                  "\"input_json_delta\",\"partial_json\":\"{\\\"a\\\": [1,\"}}\n\n" +
                  end));
  REQUIRE(cut.tool_calls.size() == 1);
  CHECK(cut.tool_calls[0].arguments_json == R"({"a": [1,)");
  CHECK(cut.finish_reason == FinishReason::kLength);
}

TEST_CASE("Anthropic stream: message_delta counts replace earlier ones", "[codec][anthropic]") {
  const Decoded decoded = DecodeWhole(
      "data: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"c\",\"usage\":{"
      "\"input_tokens\":10,\"cache_read_input_tokens\":5,\"output_tokens\":1}}}\n\n"
      "data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{"
      "\"cache_creation_input_tokens\":7,\"output_tokens\":30}}\n\n"
      "data: {\"type\":\"message_stop\"}\n\n");
  const std::vector<std::string> expected = {"usage in=15 out=1 cached=5 write=0",
                                             "finish stop end_turn",
                                             "usage in=22 out=30 cached=5 write=7"};
  CHECK(decoded.events == expected);
  const Completion completion = Finished(decoded);
  CHECK(completion.usage.input_tokens == 22);
  CHECK(completion.usage.cached_input_tokens == 5);
  CHECK(completion.usage.cache_write_tokens == 7);
  CHECK(completion.usage.output_tokens == 30);
}

}  // namespace
}  // namespace prsm
