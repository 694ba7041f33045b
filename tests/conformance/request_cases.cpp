#include "request_cases.h"

#include <utility>

namespace prsm::conformance {
namespace {

constexpr const char* kWeatherSchema =
    R"({"type":"object","properties":{"city":{"type":"string","description":"City name"},)"
    R"("unit":{"type":"string","enum":["celsius","fahrenheit"]}},)"
    R"("required":["city","unit"],"additionalProperties":false})";

constexpr const char* kAnswerSchema =
    R"({"type":"object","properties":{"answer":{"type":"string"},)"
    R"("confidence":{"type":"number"}},"required":["answer","confidence"],)"
    R"("additionalProperties":false})";

CompletionRequest Ask(std::string text) {
  CompletionRequest request;
  request.messages.push_back(Message::User(std::move(text)));
  return request;
}

std::vector<ToolDefinition> WeatherTools() {
  ToolDefinition weather;
  weather.name = "get_weather";
  weather.description = "Current weather in a city";
  weather.parameters_json_schema = kWeatherSchema;
  ToolDefinition time;
  time.name = "get_time";
  time.description = "Local time in a city";
  time.parameters_json_schema =
      R"({"type":"object","properties":{"city":{"type":"string"}},"required":["city"]})";
  return {weather, time};
}

ToolCall Call(std::string id, std::string name, std::string arguments_json) {
  ToolCall call;  // field by field: ToolCall may grow (vendor-specific extras)
  call.id = std::move(id);
  call.name = std::move(name);
  call.arguments_json = std::move(arguments_json);
  return call;
}

// user -> assistant calls two tools -> two tool results -> (the model's turn).
std::vector<Message> ToolConversation() {
  Message call = Message::Assistant("");
  call.tool_calls.push_back(
      Call("call_weather_1", "get_weather", R"({"city":"Paris","unit":"celsius"})"));
  call.tool_calls.push_back(Call("call_time_1", "get_time", R"({"city":"Paris"})"));
  return {Message::User("What is the weather and the time in Paris?"), call,
          Message::ToolResult("call_weather_1", R"({"temperature":18,"sky":"cloudy"})"),
          Message::ToolResult("call_time_1", "14:05")};
}

RequestCase WithToolChoice(std::string name, ToolChoice::Mode mode) {
  RequestCase c{std::move(name), Ask("Weather in Oslo, in celsius?"), false};
  c.request.tools = WeatherTools();
  c.request.tool_choice.mode = mode;
  if (mode == ToolChoice::Mode::kNamed) c.request.tool_choice.name = "get_weather";
  return c;
}

}  // namespace

std::vector<RequestCase> AllFeatureCases() {
  std::vector<RequestCase> cases;
  cases.push_back({"one user message", Ask("Say hello."), false});

  RequestCase system{"system and user messages", Ask("Say hello."), false};
  system.request.messages.insert(system.request.messages.begin(),
                                 Message::System("You answer in one word."));
  cases.push_back(system);

  RequestCase conversation{"multi-turn conversation with names", {}, false};
  Message named_user = Message::User("My name is Ada. Remember it.");
  named_user.name = "ada";
  conversation.request.messages = {Message::System("You are terse."), named_user,
                                   Message::Assistant("Noted, Ada."),
                                   Message::User("What is my name?")};
  cases.push_back(conversation);

  RequestCase tool_turns{"assistant tool calls and tool results", {}, false};
  tool_turns.request.messages = ToolConversation();
  tool_turns.request.tools = WeatherTools();
  cases.push_back(tool_turns);

  cases.push_back(WithToolChoice("tools, tool_choice auto", ToolChoice::Mode::kAuto));
  cases.push_back(WithToolChoice("tools, tool_choice none", ToolChoice::Mode::kNone));
  cases.push_back(WithToolChoice("tools, tool_choice required", ToolChoice::Mode::kRequired));
  cases.push_back(WithToolChoice("tools, tool_choice named", ToolChoice::Mode::kNamed));

  RequestCase json_object{"JSON-object response format", Ask("Reply with a JSON object."), false};
  json_object.request.response_format.kind = ResponseFormat::Kind::kJsonObject;
  cases.push_back(json_object);

  RequestCase json_schema{"JSON-schema response format, strict", Ask("Is water wet?"), false};
  json_schema.request.response_format.kind = ResponseFormat::Kind::kJsonSchema;
  json_schema.request.response_format.name = "answer";
  json_schema.request.response_format.json_schema = kAnswerSchema;
  cases.push_back(json_schema);

  RequestCase loose_schema = json_schema;
  loose_schema.name = "JSON-schema response format, not strict";
  loose_schema.request.response_format.strict = false;
  cases.push_back(loose_schema);

  RequestCase logprobs{"logprobs", Ask("Pick a colour."), false};
  logprobs.request.logprobs = true;
  cases.push_back(logprobs);

  RequestCase top_logprobs{"logprobs with top_logprobs", Ask("Pick a colour."), false};
  top_logprobs.request.logprobs = true;
  top_logprobs.request.top_logprobs = 5;
  cases.push_back(top_logprobs);

  RequestCase stop{"stop sequences", Ask("Count to ten."), false};
  stop.request.stop = {"5", "\n\n"};
  cases.push_back(stop);

  RequestCase seed{"seed", Ask("Pick a number."), false};
  seed.request.seed = 42;
  cases.push_back(seed);

  RequestCase sampling{"temperature and top_p", Ask("Write a haiku."), false};
  sampling.request.temperature = 0.7;
  sampling.request.top_p = 0.9;
  cases.push_back(sampling);

  RequestCase max_tokens{"max tokens", Ask("Write a long story."), false};
  max_tokens.request.max_tokens = 64;
  cases.push_back(max_tokens);

  RequestCase streaming{"streaming request", Ask("Stream a greeting."), true};
  streaming.request.max_tokens = 32;
  cases.push_back(streaming);

  RequestCase everything{"every feature at once", {}, false};
  everything.request.messages = ToolConversation();
  everything.request.messages.insert(everything.request.messages.begin(),
                                     Message::System("Use tools when they help."));
  everything.request.tools = WeatherTools();
  everything.request.tool_choice.mode = ToolChoice::Mode::kAuto;
  everything.request.response_format = json_schema.request.response_format;
  everything.request.logprobs = true;
  everything.request.top_logprobs = 3;
  everything.request.stop = {"END"};
  everything.request.seed = 7;
  everything.request.temperature = 0.2;
  everything.request.top_p = 0.95;
  everything.request.max_tokens = 256;
  cases.push_back(everything);

  RequestCase everything_streamed = everything;
  everything_streamed.name = "every feature at once, streamed";
  everything_streamed.stream = true;
  cases.push_back(everything_streamed);
  return cases;
}

}  // namespace prsm::conformance
