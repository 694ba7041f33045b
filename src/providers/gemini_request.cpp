// CompletionRequest → GenerateContentRequest JSON body; see gemini_codec.h for the rules.
//
// Like the OpenAI codec, it streams straight into a RapidJSON Writer (no DOM) and embeds
// caller-supplied JSON (schemas, tool arguments, tool results) by piping the parser's events
// into the writer, which validates and compacts in one pass.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "json/json.h"
#include "json/json_read.h"
#include "providers/gemini_codec.h"
#include "providers/openai_codec.h"

namespace prsm::gemini {
namespace {

namespace rapidjson = json::rapidjson;

constexpr std::int32_t kMaxTopLogprobs = 20;

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Error NotUtf8(std::string_view field) { return Invalid(fmt::format("{}: not valid UTF-8", field)); }

std::string Quoted(std::string_view text) {
  return fmt::format("'{}'", openai::SanitizeForMessage(text, 64));
}

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// The index of the assistant tool call a tool message answers: the latest earlier call with
// that id (synthesised ids repeat from one answer to the next, so the latest one is meant).
const ToolCall* FindCall(const CompletionRequest& request, std::size_t before,
                         std::string_view id) {
  if (id.empty()) return nullptr;
  for (std::size_t i = before; i-- > 0;) {
    const Message& message = request.messages[i];
    for (const ToolCall& call : message.tool_calls) {
      if (call.id == id) return &call;
    }
  }
  return nullptr;
}

std::size_t EstimateBodySize(const CompletionRequest& request) {
  std::size_t size = 256;
  for (const Message& message : request.messages) {
    size += 64 + message.content.size() + message.name.size() + message.tool_call_id.size();
    for (const ToolCall& call : message.tool_calls) {
      size += 96 + call.id.size() + call.name.size() + call.arguments_json.size();
    }
  }
  for (const std::string& stop : request.stop) size += 4 + stop.size();
  for (const ToolDefinition& tool : request.tools) {
    size += 128 + tool.name.size() + tool.description.size() + tool.parameters_json_schema.size();
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
  if (request.seed && (*request.seed < std::numeric_limits<std::int32_t>::min() ||
                       *request.seed > std::numeric_limits<std::int32_t>::max())) {
    return Invalid(fmt::format("seed: Gemini takes a 32-bit seed, got {}", *request.seed));
  }
  bool has_contents = false;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const Message& message = request.messages[i];
    has_contents = has_contents || message.role != Role::kSystem;
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
    if (message.role == Role::kTool && message.name.empty() &&
        FindCall(request, i, message.tool_call_id) == nullptr) {
      return Invalid(fmt::format(
          "messages[{}]: Gemini needs the name of the function a tool result answers, and no "
          "earlier tool call has id {} (set tool_call_id to the call's id, or Message::name)",
          i, Quoted(message.tool_call_id)));
    }
  }
  if (!has_contents) {
    return Invalid("messages: only system messages (Gemini needs a user message)");
  }
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    if (request.tools[i].name.empty()) return Invalid(fmt::format("tools[{}].name: empty", i));
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
      return Invalid(
          fmt::format("tool_choice.name: no tool named {} is defined", Quoted(choice.name)));
    }
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

// `text` as one compact JSON object, or an error when it is not one. Checked into a scratch
// buffer first, so that the caller can fall back without a half-written value in its body.
Result<std::string> CompactObject(std::string_view text) {
  rapidjson::CrtAllocator allocator;
  json::StringBuffer buffer(&allocator, text.size() + 16);
  json::Writer writer(buffer, &allocator);
  if (Result<void> copied = json::CopyJsonObject(text, writer); !copied) {
    return std::move(copied).error();
  }
  return std::string(buffer.GetString(), buffer.GetSize());
}

void WriteRawObject(BodyWriter& out, const std::string& compact) {
  out.writer().RawValue(compact.data(), compact.size(), rapidjson::kObjectType);
}

Result<void> WriteFunctionCall(BodyWriter& out, const ToolCall& call, std::size_t i,
                               std::size_t j) {
  const auto field = [&](std::string_view name) {
    return fmt::format("messages[{}].tool_calls[{}].{}", i, j, name);
  };
  // Validate the arguments before writing anything of the part.
  std::string args = "{}";
  if (!call.arguments_json.empty()) {
    Result<std::string> compact = CompactObject(call.arguments_json);
    if (!compact) {
      return Invalid(fmt::format("{}: {}", field("arguments"), compact.error().message()));
    }
    args = std::move(*compact);
  }
  out.writer().StartObject();
  out.Key("functionCall");
  out.writer().StartObject();
  out.Key("name");
  if (!out.String(call.name)) return NotUtf8(field("name"));
  out.Key("args");
  WriteRawObject(out, args);
  if (!call.id.empty()) {
    out.Key("id");
    if (!out.String(call.id)) return NotUtf8(field("id"));
  }
  out.writer().EndObject();
  if (!call.signature.empty()) {  // Gemini 3 refuses a continued turn without it
    out.Key("thoughtSignature");
    if (!out.String(call.signature)) return NotUtf8(field("signature"));
  }
  out.writer().EndObject();
  return {};
}

Result<void> WriteFunctionResponse(BodyWriter& out, const CompletionRequest& request,
                                   std::size_t i) {
  const Message& message = request.messages[i];
  const ToolCall* call = FindCall(request, i, message.tool_call_id);
  const std::string& name = call != nullptr ? call->name : message.name;  // checked by Validate
  out.writer().StartObject();
  out.Key("functionResponse");
  out.writer().StartObject();
  out.Key("name");
  if (!out.String(name)) return NotUtf8(fmt::format("messages[{}].name", i));
  out.Key("response");
  // A JSON object is passed as the structured result Gemini asks for; anything else (plain
  // text, a number, an array) is wrapped, since `response` must be an object.
  if (Result<std::string> compact = CompactObject(message.content); compact) {
    WriteRawObject(out, *compact);
  } else {
    out.writer().StartObject();
    out.Key("result");
    if (!out.String(message.content)) return NotUtf8(fmt::format("messages[{}].content", i));
    out.writer().EndObject();
  }
  if (!message.tool_call_id.empty()) {
    out.Key("id");
    if (!out.String(message.tool_call_id)) {
      return NotUtf8(fmt::format("messages[{}].tool_call_id", i));
    }
  }
  out.writer().EndObject();
  out.writer().EndObject();
  return {};
}

Result<void> WriteTextPart(BodyWriter& out, const Message& message, std::size_t i) {
  out.writer().StartObject();
  out.Key("text");
  if (!out.String(message.content)) return NotUtf8(fmt::format("messages[{}].content", i));
  out.writer().EndObject();
  return {};
}

Result<void> WriteContents(BodyWriter& out, const CompletionRequest& request) {
  out.Key("contents");
  out.writer().StartArray();
  const std::vector<Message>& messages = request.messages;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Message& message = messages[i];
    if (message.role == Role::kSystem) continue;
    out.writer().StartObject();
    out.Key("role");
    (void)out.String(message.role == Role::kAssistant ? "model" : "user");
    out.Key("parts");
    out.writer().StartArray();
    if (message.role == Role::kTool) {
      // The answers to one turn's calls travel together, in one content.
      for (;; ++i) {
        if (Result<void> written = WriteFunctionResponse(out, request, i); !written) {
          return written;
        }
        if (i + 1 >= messages.size() || messages[i + 1].role != Role::kTool) break;
      }
    } else {
      // An assistant turn that only calls tools has no text part (an empty part is refused).
      if (!message.content.empty() || message.tool_calls.empty()) {
        if (Result<void> written = WriteTextPart(out, message, i); !written) return written;
      }
      for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
        if (Result<void> written = WriteFunctionCall(out, message.tool_calls[j], i, j); !written) {
          return written;
        }
      }
    }
    out.writer().EndArray();
    out.writer().EndObject();
  }
  out.writer().EndArray();
  return {};
}

Result<void> WriteSystemInstruction(BodyWriter& out, const CompletionRequest& request) {
  bool started = false;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const Message& message = request.messages[i];
    if (message.role != Role::kSystem) continue;
    if (!started) {
      out.Key("systemInstruction");
      out.writer().StartObject();
      out.Key("parts");
      out.writer().StartArray();
      started = true;
    }
    if (Result<void> written = WriteTextPart(out, message, i); !written) return written;
  }
  if (started) {
    out.writer().EndArray();
    out.writer().EndObject();
  }
  return {};
}

bool HasGenerationConfig(const CompletionRequest& request) {
  return request.temperature || request.top_p || request.max_tokens || !request.stop.empty() ||
         request.seed || request.response_format.kind != ResponseFormat::Kind::kText ||
         request.logprobs || request.top_logprobs;
}

Result<void> WriteGenerationConfig(BodyWriter& out, const CompletionRequest& request) {
  if (!HasGenerationConfig(request)) return {};
  out.Key("generationConfig");
  out.writer().StartObject();
  if (request.temperature) {
    out.Key("temperature");
    out.writer().Double(*request.temperature);
  }
  if (request.top_p) {
    out.Key("topP");
    out.writer().Double(*request.top_p);
  }
  if (request.max_tokens) {
    out.Key("maxOutputTokens");
    out.writer().Int(*request.max_tokens);
  }
  if (!request.stop.empty()) {
    out.Key("stopSequences");
    out.writer().StartArray();
    for (std::size_t i = 0; i < request.stop.size(); ++i) {
      if (!out.String(request.stop[i])) return NotUtf8(fmt::format("stop[{}]", i));
    }
    out.writer().EndArray();
  }
  if (request.seed) {
    out.Key("seed");
    out.writer().Int64(*request.seed);  // within int32: checked by Validate
  }
  const ResponseFormat& format = request.response_format;
  if (format.kind != ResponseFormat::Kind::kText) {
    out.Key("responseMimeType");
    (void)out.String("application/json");
  }
  if (format.kind == ResponseFormat::Kind::kJsonSchema) {
    out.Key("responseJsonSchema");
    if (Result<void> copied = json::CopyJsonObject(format.json_schema, out.writer()); !copied) {
      return Invalid(fmt::format("response_format.json_schema: {}", copied.error().message()));
    }
  }
  if (request.logprobs || request.top_logprobs) {
    out.Key("responseLogprobs");
    out.writer().Bool(true);
  }
  if (request.top_logprobs) {
    out.Key("logprobs");
    out.writer().Int(*request.top_logprobs);
  }
  out.writer().EndObject();
  return {};
}

Result<void> WriteTools(BodyWriter& out, const CompletionRequest& request) {
  if (request.tools.empty()) return {};
  out.Key("tools");
  out.writer().StartArray();
  out.writer().StartObject();
  out.Key("functionDeclarations");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    const ToolDefinition& tool = request.tools[i];
    out.writer().StartObject();
    out.Key("name");
    if (!out.String(tool.name)) return NotUtf8(fmt::format("tools[{}].name", i));
    // Required by the spec; an empty one is what a tool without a description means.
    out.Key("description");
    if (!out.String(tool.description)) return NotUtf8(fmt::format("tools[{}].description", i));
    if (!tool.parameters_json_schema.empty()) {  // empty: a function without parameters
      out.Key("parametersJsonSchema");
      if (Result<void> copied = json::CopyJsonObject(tool.parameters_json_schema, out.writer());
          !copied) {
        return Invalid(fmt::format("tools[{}] {}: parameters: {}", i, Quoted(tool.name),
                                   copied.error().message()));
      }
    }
    out.writer().EndObject();
  }
  out.writer().EndArray();
  out.writer().EndObject();
  out.writer().EndArray();

  const ToolChoice& choice = request.tool_choice;
  out.Key("toolConfig");
  out.writer().StartObject();
  out.Key("functionCallingConfig");
  out.writer().StartObject();
  out.Key("mode");
  switch (choice.mode) {
    case ToolChoice::Mode::kAuto:
      (void)out.String("AUTO");
      break;
    case ToolChoice::Mode::kNone:
      (void)out.String("NONE");
      break;
    case ToolChoice::Mode::kRequired:
    case ToolChoice::Mode::kNamed:
      (void)out.String("ANY");
      break;
  }
  if (choice.mode == ToolChoice::Mode::kNamed) {
    out.Key("allowedFunctionNames");
    out.writer().StartArray();
    (void)out.String(choice.name);  // equal to a tool name already written, so valid UTF-8
    out.writer().EndArray();
  }
  out.writer().EndObject();
  out.writer().EndObject();
  return {};
}

Result<std::string> Build(const CompletionRequest& request) {
  if (Result<void> valid = Validate(request); !valid) return std::move(valid).error();
  BodyWriter out(EstimateBodySize(request));
  out.writer().StartObject();
  for (auto* write :
       {&WriteContents, &WriteSystemInstruction, &WriteGenerationConfig, &WriteTools}) {
    if (Result<void> written = write(out, request); !written) return std::move(written).error();
  }
  out.writer().EndObject();
  return out.Take();
}

}  // namespace

Result<std::string> ModelResource(std::string_view model) {
  if (model.empty()) return Invalid("model: empty (set the vendor's model id)");
  std::string_view name = model;
  std::string resource;
  for (const std::string_view prefix : {"models/", "tunedModels/"}) {
    if (model.substr(0, prefix.size()) == prefix) {
      name = model.substr(prefix.size());
      resource = std::string(prefix);
      break;
    }
  }
  if (resource.empty()) resource = "models/";
  bool valid = !name.empty() && name != "." && name != "..";
  for (const char c : name) valid = valid && IsUnreserved(c);
  if (!valid) {
    return Invalid(
        fmt::format("model: {} cannot be used in a Gemini URL (expected letters, "
                    "digits and -._~ after an optional models/ or tunedModels/)",
                    Quoted(model)));
  }
  resource.append(name);
  return resource;
}

Result<std::string> BuildRequestBody(const CompletionRequest& request) {
  try {
    return Build(request);
  } catch (const json::AssertionFailure& failure) {
    // Unreachable unless this file misuses the writer; see json/json.h.
    return Error(ErrorCode::kInternal, fmt::format("building the request: {}", failure.what()));
  }
}

}  // namespace prsm::gemini
