// CompletionRequest → Ollama ChatRequest JSON body; see ollama_codec.h for the rules.
//
// Streams straight into a RapidJSON Writer (no DOM); caller-supplied JSON (schemas, tool
// parameters, tool call arguments) is validated and compacted by piping the parser's events
// into the same writer.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "json/json.h"
#include "json/json_read.h"
#include "providers/ollama_codec.h"
#include "providers/openai_codec.h"

namespace prsm::ollama {
namespace {

namespace rapidjson = json::rapidjson;

constexpr std::int32_t kMaxTopLogprobs = 20;
constexpr std::string_view kEmptyParameters = R"({"type":"object","properties":{}})";

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Error NotUtf8(std::string_view field) { return Invalid(fmt::format("{}: not valid UTF-8", field)); }

std::string Quoted(std::string_view text) {
  return fmt::format("'{}'", openai::SanitizeForMessage(text, 64));
}

// The function a tool message answers: the latest earlier call with its id (ids a codec
// synthesised repeat from one answer to the next, so the latest one is meant), else its name.
std::string_view ToolName(const CompletionRequest& request, std::size_t index) {
  const Message& message = request.messages[index];
  if (!message.tool_call_id.empty()) {
    for (std::size_t i = index; i-- > 0;) {
      for (const ToolCall& call : request.messages[i].tool_calls) {
        if (call.id == message.tool_call_id) return call.name;
      }
    }
  }
  return message.name;
}

// An integer keep_alive is a number of seconds; Ollama reads a string as a Go duration, where
// "300" (no unit) would be refused.
bool IsInteger(std::string_view text) {
  if (!text.empty() && text.front() == '-') text.remove_prefix(1);
  if (text.empty() || text.size() > 18) return false;  // 18 digits always fit in int64
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::size_t EstimateBodySize(const CompletionRequest& request) {
  std::size_t size = 256 + request.model.size();
  for (const Message& message : request.messages) {
    size += 64 + message.content.size();
    for (const ToolCall& call : message.tool_calls) {
      size += 64 + call.name.size() + call.arguments_json.size();
    }
  }
  for (const std::string& stop : request.stop) size += 4 + stop.size();
  for (const ToolDefinition& tool : request.tools) {
    size += 96 + tool.name.size() + tool.description.size() + tool.parameters_json_schema.size();
  }
  size += request.response_format.json_schema.size();
  return size + size / 8;
}

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
    if (message.role != Role::kTool && !message.tool_call_id.empty()) {
      return Invalid(fmt::format("messages[{}].tool_call_id: only tool messages answer a call", i));
    }
    for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
      if (message.tool_calls[j].name.empty()) {
        return Invalid(fmt::format("messages[{}].tool_calls[{}].name: empty", i, j));
      }
    }
  }
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    if (request.tools[i].name.empty()) return Invalid(fmt::format("tools[{}].name: empty", i));
  }
  const ToolChoice& choice = request.tool_choice;
  if (choice.mode == ToolChoice::Mode::kRequired || choice.mode == ToolChoice::Mode::kNamed) {
    return Error(ErrorCode::kUnimplemented,
                 fmt::format("tool_choice: Ollama cannot force a tool call ({}); use kAuto, or "
                             "kNone to offer no tools",
                             choice.mode == ToolChoice::Mode::kRequired
                                 ? std::string("kRequired")
                                 : fmt::format("kNamed {}", Quoted(choice.name))));
  }
  return {};
}

class BodyWriter {
 public:
  explicit BodyWriter(std::size_t capacity)
      : buffer_(&allocator_, capacity), writer_(buffer_, &allocator_) {}

  json::Writer& writer() { return writer_; }
  void Key(std::string_view key) {
    writer_.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
  }
  [[nodiscard]] bool String(std::string_view text) { return json::WriteString(writer_, text); }
  std::string Take() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::CrtAllocator allocator_;  // first: the buffer and writer point to it
  json::StringBuffer buffer_;
  json::Writer writer_;
};

Result<void> WriteToolCalls(BodyWriter& out, const Message& message, std::size_t i) {
  out.Key("tool_calls");
  out.writer().StartArray();
  for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
    const ToolCall& call = message.tool_calls[j];
    out.writer().StartObject();
    out.Key("function");
    out.writer().StartObject();
    out.Key("name");
    if (!out.String(call.name))
      return NotUtf8(fmt::format("messages[{}].tool_calls[{}].name", i, j));
    out.Key("arguments");
    const std::string_view arguments = call.arguments_json.empty()
                                           ? std::string_view("{}")
                                           : std::string_view(call.arguments_json);
    if (Result<void> copied = json::CopyJsonObject(arguments, out.writer()); !copied) {
      return Invalid(
          fmt::format("messages[{}].tool_calls[{}].arguments: {}", i, j, copied.error().message()));
    }
    out.writer().EndObject();
    out.writer().EndObject();
  }
  out.writer().EndArray();
  return {};
}

Result<void> WriteMessages(BodyWriter& out, const CompletionRequest& request) {
  out.Key("messages");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const Message& message = request.messages[i];
    out.writer().StartObject();
    out.Key("role");
    (void)out.String(ToString(message.role));  // Ollama's role names are prsm's
    out.Key("content");
    if (!out.String(message.content)) return NotUtf8(fmt::format("messages[{}].content", i));
    if (!message.tool_calls.empty()) {
      if (Result<void> written = WriteToolCalls(out, message, i); !written) return written;
    }
    if (message.role == Role::kTool) {
      if (const std::string_view name = ToolName(request, i); !name.empty()) {
        out.Key("tool_name");
        if (!out.String(name)) return NotUtf8(fmt::format("messages[{}].tool_name", i));
      }
    }
    out.writer().EndObject();
  }
  out.writer().EndArray();
  return {};
}

Result<void> WriteOptions(BodyWriter& out, const CompletionRequest& request) {
  if (!request.temperature && !request.top_p && !request.max_tokens && request.stop.empty() &&
      !request.seed) {
    return {};
  }
  out.Key("options");
  out.writer().StartObject();
  if (request.temperature) {
    out.Key("temperature");
    out.writer().Double(*request.temperature);
  }
  if (request.top_p) {
    out.Key("top_p");
    out.writer().Double(*request.top_p);
  }
  if (request.max_tokens) {
    out.Key("num_predict");
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
  out.writer().EndObject();
  return {};
}

Result<void> WriteTools(BodyWriter& out, const CompletionRequest& request) {
  // kNone: a model cannot call a tool it was not offered.
  if (request.tools.empty() || request.tool_choice.mode == ToolChoice::Mode::kNone) return {};
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
    out.Key("parameters");
    const std::string_view schema = tool.parameters_json_schema.empty()
                                        ? kEmptyParameters
                                        : std::string_view(tool.parameters_json_schema);
    if (Result<void> copied = json::CopyJsonObject(schema, out.writer()); !copied) {
      return Invalid(fmt::format("tools[{}] {}: parameters: {}", i, Quoted(tool.name),
                                 copied.error().message()));
    }
    out.writer().EndObject();
    out.writer().EndObject();
  }
  out.writer().EndArray();
  return {};
}

Result<std::string> Build(const CompletionRequest& request, const RequestOptions& options) {
  if (Result<void> valid = Validate(request); !valid) return std::move(valid).error();
  BodyWriter out(EstimateBodySize(request));
  out.writer().StartObject();
  out.Key("model");
  if (!out.String(request.model)) return NotUtf8("model");
  if (Result<void> written = WriteMessages(out, request); !written) {
    return std::move(written).error();
  }
  out.Key("stream");  // always: Ollama streams unless told not to
  out.writer().Bool(request.stream);

  const ResponseFormat& format = request.response_format;
  if (format.kind == ResponseFormat::Kind::kJsonObject) {
    out.Key("format");
    (void)out.String("json");
  } else if (format.kind == ResponseFormat::Kind::kJsonSchema) {
    out.Key("format");
    if (Result<void> copied = json::CopyJsonObject(format.json_schema, out.writer()); !copied) {
      return Invalid(fmt::format("response_format.json_schema: {}", copied.error().message()));
    }
  }
  if (Result<void> written = WriteOptions(out, request); !written) {
    return std::move(written).error();
  }
  if (Result<void> written = WriteTools(out, request); !written) return std::move(written).error();
  if (request.logprobs || request.top_logprobs) {
    out.Key("logprobs");
    out.writer().Bool(true);
  }
  if (request.top_logprobs) {
    out.Key("top_logprobs");
    out.writer().Int(*request.top_logprobs);
  }
  if (!options.keep_alive.empty()) {
    out.Key("keep_alive");
    if (IsInteger(options.keep_alive)) {
      out.writer().Int64(std::strtoll(options.keep_alive.c_str(), nullptr, 10));
    } else if (!out.String(options.keep_alive)) {
      return NotUtf8("keep_alive");
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

}  // namespace prsm::ollama
