// CompletionRequest → Chat Completions JSON body (CreateChatCompletionRequest).
//
// Runs for every request, so it streams straight into a RapidJSON Writer (no DOM), sizes the
// output buffer once from the request, and embeds caller-supplied JSON schemas by piping the
// parser's events into the same writer (validation and compaction in one pass, no DOM either).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "json/json.h"
#include "json/json_read.h"
#include "providers/openai_codec.h"

namespace prsm::openai {
namespace {

namespace rapidjson = json::rapidjson;

constexpr std::int32_t kMaxTopLogprobs = 20;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Error NotUtf8(std::string_view field) { return Invalid(fmt::format("{}: not valid UTF-8", field)); }

// The role names of the wire format, which are prsm's own (types.cpp).
std::string_view RoleName(Role role) { return ToString(role); }

// Bytes the body will need, give or take escaping. The buffer may still grow once: RapidJSON's
// writer reserves 6 bytes per input byte before each string (room for \u00XX escapes). Reserving
// that headroom up front as well measured no faster, and overshoots for long prompts.
std::size_t EstimateBodySize(const CompletionRequest& request) {
  std::size_t size = 256 + request.model.size();
  for (const Message& message : request.messages) {
    size += 64 + message.content.size() + message.name.size() + message.tool_call_id.size();
    for (const ToolCall& call : message.tool_calls) {
      size += 96 + call.id.size() + call.name.size() + call.arguments_json.size();
    }
  }
  for (const std::string& stop : request.stop) size += 4 + stop.size();
  for (const ToolDefinition& tool : request.tools) {
    size += 96 + tool.name.size() + tool.description.size() + tool.parameters_json_schema.size();
  }
  size += request.response_format.name.size() + request.response_format.json_schema.size();
  return size + size / 8;
}

// Checks what can be checked before writing a byte, so that the common mistakes cost nothing.
Result<void> Validate(const CompletionRequest& request) {
  if (request.model.empty()) return Invalid("model: empty (set the vendor's model id)");
  if (request.messages.empty()) return Invalid("messages: empty (at least one is required)");
  if (request.temperature && !std::isfinite(*request.temperature)) {
    return Invalid(fmt::format("temperature: must be finite, got {}", *request.temperature));
  }
  if (request.top_p && !std::isfinite(*request.top_p)) {
    return Invalid(fmt::format("top_p: must be finite, got {}", *request.top_p));
  }
  if (request.max_tokens && *request.max_tokens < 1) {
    return Invalid(fmt::format("max_tokens: must be at least 1, got {}", *request.max_tokens));
  }
  if (request.top_logprobs &&
      (*request.top_logprobs < 0 || *request.top_logprobs > kMaxTopLogprobs)) {
    return Invalid(fmt::format("top_logprobs: must be in 0..{}, got {}", kMaxTopLogprobs,
                               *request.top_logprobs));
  }
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const Message& message = request.messages[i];
    if (!message.tool_calls.empty() && message.role != Role::kAssistant) {
      return Invalid(
          fmt::format("messages[{}].tool_calls: only assistant messages make tool calls", i));
    }
    if (message.role == Role::kTool) {
      if (message.tool_call_id.empty()) {
        return Invalid(fmt::format(
            "messages[{}].tool_call_id: empty (a tool message answers one tool call)", i));
      }
      if (!message.name.empty()) {
        return Invalid(fmt::format("messages[{}].name: OpenAI tool messages carry no name", i));
      }
    } else if (!message.tool_call_id.empty()) {
      return Invalid(fmt::format("messages[{}].tool_call_id: only tool messages answer a call", i));
    }
    for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
      const ToolCall& call = message.tool_calls[j];
      if (call.id.empty())
        return Invalid(fmt::format("messages[{}].tool_calls[{}].id: empty", i, j));
      if (call.name.empty()) {
        return Invalid(fmt::format("messages[{}].tool_calls[{}].name: empty", i, j));
      }
    }
  }
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    if (request.tools[i].name.empty()) return Invalid(fmt::format("tools[{}].name: empty", i));
  }
  const ResponseFormat& format = request.response_format;
  if (format.kind == ResponseFormat::Kind::kJsonSchema && format.name.empty()) {
    return Invalid("response_format.name: empty (OpenAI requires a schema name)");
  }
  const ToolChoice& choice = request.tool_choice;
  if (request.tools.empty() &&
      (choice.mode == ToolChoice::Mode::kRequired || choice.mode == ToolChoice::Mode::kNamed)) {
    return Invalid("tool_choice: requires tools, and the request defines none");
  }
  if (choice.mode == ToolChoice::Mode::kNamed) {
    if (choice.name.empty()) return Invalid("tool_choice.name: empty");
    bool defined = false;
    for (const ToolDefinition& tool : request.tools) defined = defined || tool.name == choice.name;
    if (!defined) {
      return Invalid(fmt::format("tool_choice.name: no tool named '{}' is defined",
                                 SanitizeForMessage(choice.name, 64)));
    }
  }
  return {};
}

// Owns the output buffer and the writer. The allocator is passed explicitly because RapidJSON
// otherwise heap-allocates one for the buffer and one for the writer's level stack.
class BodyWriter {
 public:
  explicit BodyWriter(std::size_t capacity)
      : buffer_(&allocator_, capacity), writer_(buffer_, &allocator_) {}

  json::Writer& writer() { return writer_; }

  /// Keys are prsm's own ASCII literals: they cannot fail.
  void Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  }
  /// False when `text` is not valid UTF-8.
  [[nodiscard]] bool String(std::string_view text) { return json::WriteString(writer_, text); }

  std::string Take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::CrtAllocator allocator_;  // first: the buffer and writer point to it
  json::StringBuffer buffer_;
  json::Writer writer_;
};

Result<void> WriteMessage(BodyWriter& out, const Message& message, std::size_t index) {
  out.writer().StartObject();
  out.Key("role");
  (void)out.String(RoleName(message.role));
  out.Key("content");
  if (message.content.empty() && !message.tool_calls.empty()) {
    out.writer().Null();  // the spec's shape for an assistant turn that only calls tools
  } else if (!out.String(message.content)) {
    return NotUtf8(fmt::format("messages[{}].content", index));
  }
  if (!message.name.empty()) {
    out.Key("name");
    if (!out.String(message.name)) return NotUtf8(fmt::format("messages[{}].name", index));
  }
  if (message.role == Role::kTool) {
    out.Key("tool_call_id");
    if (!out.String(message.tool_call_id)) {
      return NotUtf8(fmt::format("messages[{}].tool_call_id", index));
    }
  }
  if (!message.tool_calls.empty()) {
    out.Key("tool_calls");
    out.writer().StartArray();
    for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
      const ToolCall& call = message.tool_calls[j];
      const auto not_utf8 = [&](std::string_view field) {
        return NotUtf8(fmt::format("messages[{}].tool_calls[{}].{}", index, j, field));
      };
      out.writer().StartObject();
      out.Key("id");
      if (!out.String(call.id)) return not_utf8("id");
      out.Key("type");
      (void)out.String("function");
      out.Key("function");
      out.writer().StartObject();
      out.Key("name");
      if (!out.String(call.name)) return not_utf8("name");
      out.Key("arguments");
      if (!out.String(call.arguments_json)) return not_utf8("arguments");
      out.writer().EndObject();
      out.writer().EndObject();
    }
    out.writer().EndArray();
  }
  out.writer().EndObject();
  return {};
}

Result<void> WriteResponseFormat(BodyWriter& out, const ResponseFormat& format) {
  switch (format.kind) {
    case ResponseFormat::Kind::kText:
      return {};  // the vendor's default: not sent
    case ResponseFormat::Kind::kJsonObject:
      out.Key("response_format");
      out.writer().StartObject();
      out.Key("type");
      (void)out.String("json_object");
      out.writer().EndObject();
      return {};
    case ResponseFormat::Kind::kJsonSchema:
      break;
  }
  out.Key("response_format");
  out.writer().StartObject();
  out.Key("type");
  (void)out.String("json_schema");
  out.Key("json_schema");
  out.writer().StartObject();
  out.Key("name");
  if (!out.String(format.name)) return NotUtf8("response_format.name");
  out.Key("schema");
  if (Result<void> copied = json::CopyJsonObject(format.json_schema, out.writer()); !copied) {
    return Invalid(fmt::format("response_format.json_schema: {}", copied.error().message()));
  }
  out.Key("strict");
  out.writer().Bool(format.strict);
  out.writer().EndObject();
  out.writer().EndObject();
  return {};
}

Result<void> WriteTools(BodyWriter& out, const CompletionRequest& request) {
  if (request.tools.empty()) return {};  // tool_choice without tools is refused by Validate
  out.Key("tools");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    const ToolDefinition& tool = request.tools[i];
    out.writer().StartObject();
    out.Key("type");
    (void)out.String("function");
    out.Key("function");
    out.writer().StartObject();
    out.Key("name");
    if (!out.String(tool.name)) return NotUtf8(fmt::format("tools[{}].name", i));
    if (!tool.description.empty()) {
      out.Key("description");
      if (!out.String(tool.description)) return NotUtf8(fmt::format("tools[{}].description", i));
    }
    if (!tool.parameters_json_schema.empty()) {  // empty: a function without parameters
      out.Key("parameters");
      if (Result<void> copied = json::CopyJsonObject(tool.parameters_json_schema, out.writer());
          !copied) {
        return Invalid(fmt::format("tools[{}] '{}': parameters: {}", i,
                                   SanitizeForMessage(tool.name, 64), copied.error().message()));
      }
    }
    out.writer().EndObject();
    out.writer().EndObject();
  }
  out.writer().EndArray();

  out.Key("tool_choice");
  const ToolChoice& choice = request.tool_choice;
  switch (choice.mode) {
    case ToolChoice::Mode::kAuto:
      (void)out.String("auto");
      break;
    case ToolChoice::Mode::kNone:
      (void)out.String("none");
      break;
    case ToolChoice::Mode::kRequired:
      (void)out.String("required");
      break;
    case ToolChoice::Mode::kNamed:
      out.writer().StartObject();
      out.Key("type");
      (void)out.String("function");
      out.Key("function");
      out.writer().StartObject();
      out.Key("name");
      (void)out.String(choice.name);  // equal to a tool name already written, so valid UTF-8
      out.writer().EndObject();
      out.writer().EndObject();
      break;
  }
  return {};
}

Result<std::string> Build(const CompletionRequest& request, const RequestOptions& options) {
  if (Result<void> valid = Validate(request); !valid) return std::move(valid).error();

  BodyWriter out(EstimateBodySize(request));
  out.writer().StartObject();
  out.Key("model");
  if (!out.String(request.model)) return NotUtf8("model");

  out.Key("messages");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (Result<void> written = WriteMessage(out, request.messages[i], i); !written) {
      return std::move(written).error();
    }
  }
  out.writer().EndArray();

  if (request.temperature) {
    out.Key("temperature");
    out.writer().Double(*request.temperature);
  }
  if (request.top_p) {
    out.Key("top_p");
    out.writer().Double(*request.top_p);
  }
  if (request.max_tokens) {
    out.Key(options.use_max_completion_tokens ? "max_completion_tokens" : "max_tokens");
    out.writer().Int(*request.max_tokens);
  }
  if (!request.stop.empty()) {
    out.Key("stop");
    out.writer().StartArray();
    for (std::size_t i = 0; i < request.stop.size(); ++i) {
      if (!out.String(request.stop[i])) return NotUtf8(fmt::format("stop[{}]", i));
    }
    out.writer().EndArray();
  }
  if (request.seed) {
    out.Key("seed");
    out.writer().Int64(*request.seed);
  }
  if (Result<void> written = WriteResponseFormat(out, request.response_format); !written) {
    return std::move(written).error();
  }
  if (request.logprobs || request.top_logprobs) {  // top_logprobs is refused without logprobs
    out.Key("logprobs");
    out.writer().Bool(true);
  }
  if (request.top_logprobs) {
    out.Key("top_logprobs");
    out.writer().Int(*request.top_logprobs);
  }
  if (Result<void> written = WriteTools(out, request); !written) {
    return std::move(written).error();
  }
  if (request.stream) {
    out.Key("stream");
    out.writer().Bool(true);
    if (options.stream_usage) {
      // Without it the stream carries no token counts, and the answer could not be priced.
      out.Key("stream_options");
      out.writer().StartObject();
      out.Key("include_usage");
      out.writer().Bool(true);
      out.writer().EndObject();
    }
  }
  out.writer().EndObject();
  return out.Take();
}

}  // namespace

Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options) {
  try {
    return Build(request, options);
  } catch (const json::AssertionFailure& failure) {
    // Unreachable unless this file misuses the writer; see json/json.h.
    return Error(ErrorCode::kInternal, fmt::format("building the request: {}", failure.what()));
  }
}

}  // namespace prsm::openai
