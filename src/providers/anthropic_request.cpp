// CompletionRequest → Messages JSON body (CreateMessageParams).
//
// Anthropic's conversation rules differ from prsm's (and OpenAI's) message list: the system
// prompt is a top-level field, turns must alternate between user and assistant, tool results are
// blocks of a user turn and must come before its text. So the messages are first grouped into
// turns (a list of block references, no copies), then written straight into a RapidJSON Writer,
// as the OpenAI codec does. Caller-supplied JSON (schemas, tool arguments) is validated and
// compacted by piping the parser's events into the same writer.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "json/json.h"
#include "json/json_read.h"
#include "providers/anthropic_codec.h"
#include "providers/openai_codec.h"  // SanitizeForMessage

namespace prsm::anthropic {
namespace {

namespace rapidjson = json::rapidjson;

constexpr std::size_t kMaxToolNameLength = 128;
constexpr std::string_view kSystemSeparator = "\n\n";
// Sent as the structured-output tool's description: the model reads it to decide what to do.
constexpr std::string_view kStructuredOutputDescription =
    "Give your final answer by calling this tool. Its input is the answer, a JSON object that "
    "must conform to the input schema.";
// kJsonObject has no schema: any object will do.
constexpr std::string_view kAnyObjectSchema = R"({"type":"object"})";
// A tool defined without parameters still needs an input_schema.
constexpr std::string_view kNoParametersSchema = R"({"type":"object","properties":{}})";

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

Error NotUtf8(std::string_view field) { return Invalid(fmt::format("{}: not valid UTF-8", field)); }

bool IsIdCharacter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Anthropic's patterns for tool_use ids and tool_use_ids: ^[a-zA-Z0-9_-]+$.
bool IsWireId(std::string_view id) {
  if (id.empty()) return false;
  for (const char c : id) {
    if (!IsIdCharacter(c)) return false;
  }
  return true;
}

// Anthropic's pattern for tool names: ^[a-zA-Z0-9_-]{1,128}$.
bool IsToolName(std::string_view name) {
  return name.size() <= kMaxToolNameLength && IsWireId(name);
}

// Request fields quoted in errors are the caller's text, which could hold the key: it is
// redacted before the text is cut, so that no fragment of it survives.
std::string Quoted(std::string_view text, std::string_view secret) {
  std::string raw(text);
  openai::RedactSecret(raw, secret);
  return fmt::format("'{}'", openai::SanitizeForMessage(raw, 64));
}

std::string StructuredToolName(const ResponseFormat& format) {
  return std::string(kStructuredOutputToolPrefix) + format.name;
}

bool WantsStructuredOutput(const CompletionRequest& request) {
  return request.response_format.kind != ResponseFormat::Kind::kText;
}

// --- validation -------------------------------------------------------------------------------

Result<void> ValidateNumbers(const CompletionRequest& request) {
  const auto check_unit = [](std::string_view field,
                             const std::optional<double>& value) -> Result<void> {
    if (!value) return {};
    if (!std::isfinite(*value) || *value < 0.0 || *value > 1.0) {
      return Invalid(fmt::format("{}: Anthropic accepts 0..1, got {}", field, *value));
    }
    return {};
  };
  if (Result<void> ok = check_unit("temperature", request.temperature); !ok) return ok;
  if (Result<void> ok = check_unit("top_p", request.top_p); !ok) return ok;
  if (request.max_tokens && *request.max_tokens < 1) {
    return Invalid(fmt::format("max_tokens: must be at least 1, got {}", *request.max_tokens));
  }
  return {};
}

Result<void> ValidateMessages(const CompletionRequest& request, std::string_view secret) {
  bool has_turn = false;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const Message& message = request.messages[i];
    has_turn = has_turn || message.role != Role::kSystem;
    if (!message.tool_calls.empty() && message.role != Role::kAssistant) {
      return Invalid(
          fmt::format("messages[{}].tool_calls: only assistant messages make tool calls", i));
    }
    if (message.role == Role::kTool) {
      if (message.tool_call_id.empty()) {
        return Invalid(fmt::format(
            "messages[{}].tool_call_id: empty (a tool message answers one tool call)", i));
      }
      if (!IsWireId(message.tool_call_id)) {
        return Invalid(fmt::format(
            "messages[{}].tool_call_id: {} is not an id Anthropic accepts ([A-Za-z0-9_-]+)", i,
            Quoted(message.tool_call_id, secret)));
      }
    } else if (!message.tool_call_id.empty()) {
      return Invalid(fmt::format("messages[{}].tool_call_id: only tool messages answer a call", i));
    }
    for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
      const ToolCall& call = message.tool_calls[j];
      if (call.id.empty()) {
        return Invalid(fmt::format("messages[{}].tool_calls[{}].id: empty", i, j));
      }
      if (!IsWireId(call.id)) {
        return Invalid(fmt::format(
            "messages[{}].tool_calls[{}].id: {} is not an id Anthropic accepts ([A-Za-z0-9_-]+)", i,
            j, Quoted(call.id, secret)));
      }
      if (call.name.empty()) {
        return Invalid(fmt::format("messages[{}].tool_calls[{}].name: empty", i, j));
      }
    }
  }
  if (!has_turn) {
    return Invalid("messages: no user or assistant message (Anthropic needs at least one)");
  }
  return {};
}

Result<void> ValidateTools(const CompletionRequest& request, std::string_view secret) {
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    const std::string& name = request.tools[i].name;
    if (name.empty()) return Invalid(fmt::format("tools[{}].name: empty", i));
    if (!IsToolName(name)) {
      return Invalid(fmt::format(
          "tools[{}].name: {} is not a tool name Anthropic accepts (1..128 of [A-Za-z0-9_-])", i,
          Quoted(name, secret)));
    }
    if (IsStructuredOutputTool(name)) {
      return Invalid(
          fmt::format("tools[{}].name: the prefix '{}' is reserved for structured output", i,
                      kStructuredOutputToolPrefix));
    }
  }
  const ResponseFormat& format = request.response_format;
  if (WantsStructuredOutput(request)) {
    if (format.name.empty()) {
      return Invalid("response_format.name: empty (it names the structured-output tool)");
    }
    if (!IsToolName(StructuredToolName(format))) {
      return Invalid(fmt::format(
          "response_format.name: {} cannot name a tool (with the prefix '{}': 1..128 of "
          "[A-Za-z0-9_-])",
          Quoted(format.name, secret), kStructuredOutputToolPrefix));
    }
    if (format.kind == ResponseFormat::Kind::kJsonSchema && format.json_schema.empty()) {
      return Invalid("response_format.json_schema: empty");
    }
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
      return Invalid(fmt::format("tool_choice.name: no tool named {} is defined",
                                 Quoted(choice.name, secret)));
    }
  }
  return {};
}

Result<void> Validate(const CompletionRequest& request, std::string_view secret) {
  if (request.model.empty()) return Invalid("model: empty (set the vendor's model id)");
  if (request.messages.empty()) return Invalid("messages: empty (at least one is required)");
  if (Result<void> ok = ValidateNumbers(request); !ok) return ok;
  if (Result<void> ok = ValidateMessages(request, secret); !ok) return ok;
  return ValidateTools(request, secret);
}

// --- turns ------------------------------------------------------------------------------------

// One content block to write, pointing into the request.
struct BlockRef {
  enum class Kind : std::uint8_t { kText, kToolUse, kToolResult };
  Kind kind;
  std::size_t message;   // index into request.messages
  std::size_t call = 0;  // kToolUse: index into that message's tool_calls
};

struct Turn {
  bool assistant = false;
  std::size_t first_message = 0;  // for error messages
  std::vector<BlockRef> blocks;
};

// Groups the non-system messages into alternating turns. Empty texts make no block (Anthropic
// refuses empty text blocks); a user turn lists its tool results first.
std::vector<Turn> GroupTurns(const std::vector<Message>& messages) {
  std::vector<Turn> turns;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Message& message = messages[i];
    if (message.role == Role::kSystem) continue;
    const bool assistant = message.role == Role::kAssistant;
    if (turns.empty() || turns.back().assistant != assistant) {
      Turn& turn = turns.emplace_back();
      turn.assistant = assistant;
      turn.first_message = i;
    }
    std::vector<BlockRef>& blocks = turns.back().blocks;
    if (message.role == Role::kTool) {
      // After the turn's earlier tool results, before its texts.
      std::size_t at = 0;
      while (at < blocks.size() && blocks[at].kind == BlockRef::Kind::kToolResult) ++at;
      blocks.insert(blocks.begin() + static_cast<std::ptrdiff_t>(at),
                    BlockRef{BlockRef::Kind::kToolResult, i});
      continue;
    }
    if (!message.content.empty()) blocks.push_back(BlockRef{BlockRef::Kind::kText, i});
    for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
      blocks.push_back(BlockRef{BlockRef::Kind::kToolUse, i, j});
    }
  }
  return turns;
}

// --- writing ----------------------------------------------------------------------------------

// Bytes the body will need, give or take escaping; the buffer may still grow once.
std::size_t EstimateBodySize(const CompletionRequest& request) {
  std::size_t size = 256 + request.model.size();
  for (const Message& message : request.messages) {
    size += 64 + message.content.size() + message.tool_call_id.size();
    for (const ToolCall& call : message.tool_calls) {
      size += 96 + call.id.size() + call.name.size() + call.arguments_json.size();
    }
  }
  for (const std::string& stop : request.stop) size += 4 + stop.size();
  for (const ToolDefinition& tool : request.tools) {
    size += 96 + tool.name.size() + tool.description.size() + tool.parameters_json_schema.size();
  }
  size += 256 + request.response_format.name.size() + request.response_format.json_schema.size();
  return size + size / 8;
}

// Owns the output buffer and the writer (the allocator is explicit: see json/json.h).
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

Result<void> WriteSystem(BodyWriter& out, const std::vector<Message>& messages) {
  std::string system;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const Message& message = messages[i];
    if (message.role != Role::kSystem || message.content.empty()) continue;
    if (json::FindInvalidUtf8(message.content)) {
      return NotUtf8(fmt::format("messages[{}].content", i));
    }
    if (!system.empty()) system.append(kSystemSeparator);
    system.append(message.content);
  }
  if (system.empty()) return {};
  out.Key("system");
  (void)out.String(system);  // every part was checked
  return {};
}

Result<void> WriteBlock(BodyWriter& out, const std::vector<Message>& messages,
                        const BlockRef& block) {
  const Message& message = messages[block.message];
  const std::size_t i = block.message;
  out.writer().StartObject();
  switch (block.kind) {
    case BlockRef::Kind::kText:
      out.Key("type");
      (void)out.String("text");
      out.Key("text");
      if (!out.String(message.content)) return NotUtf8(fmt::format("messages[{}].content", i));
      break;
    case BlockRef::Kind::kToolUse: {
      const ToolCall& call = message.tool_calls[block.call];
      out.Key("type");
      (void)out.String("tool_use");
      out.Key("id");
      (void)out.String(call.id);  // checked against [A-Za-z0-9_-]+
      out.Key("name");
      if (!out.String(call.name)) {
        return NotUtf8(fmt::format("messages[{}].tool_calls[{}].name", i, block.call));
      }
      out.Key("input");
      const std::string_view arguments =
          call.arguments_json.empty() ? std::string_view("{}") : call.arguments_json;
      if (Result<void> copied = json::CopyJsonObject(arguments, out.writer()); !copied) {
        return Invalid(fmt::format("messages[{}].tool_calls[{}].arguments_json: {}", i, block.call,
                                   copied.error().message()));
      }
      break;
    }
    case BlockRef::Kind::kToolResult:
      out.Key("type");
      (void)out.String("tool_result");
      out.Key("tool_use_id");
      (void)out.String(message.tool_call_id);  // checked against [A-Za-z0-9_-]+
      if (!message.content.empty()) {
        out.Key("content");
        if (!out.String(message.content)) return NotUtf8(fmt::format("messages[{}].content", i));
      }
      break;
  }
  out.writer().EndObject();
  return {};
}

Result<void> WriteMessages(BodyWriter& out, const std::vector<Message>& messages) {
  const std::vector<Turn> turns = GroupTurns(messages);
  out.Key("messages");
  out.writer().StartArray();
  for (const Turn& turn : turns) {
    if (turn.blocks.empty()) {
      return Invalid(
          fmt::format("messages[{}].content: empty (Anthropic refuses a {} turn without content)",
                      turn.first_message, turn.assistant ? "an assistant" : "a user"));
    }
    out.writer().StartObject();
    out.Key("role");
    (void)out.String(turn.assistant ? "assistant" : "user");
    out.Key("content");
    if (turn.blocks.size() == 1 && turn.blocks[0].kind == BlockRef::Kind::kText) {
      // The short form, as Anthropic's own examples write a single text.
      const std::size_t i = turn.blocks[0].message;
      if (!out.String(messages[i].content)) return NotUtf8(fmt::format("messages[{}].content", i));
    } else {
      out.writer().StartArray();
      for (const BlockRef& block : turn.blocks) {
        if (Result<void> written = WriteBlock(out, messages, block); !written) return written;
      }
      out.writer().EndArray();
    }
    out.writer().EndObject();
  }
  out.writer().EndArray();
  return {};
}

Result<void> WriteTool(BodyWriter& out, std::string_view name, std::string_view description,
                       std::string_view schema, std::string_view field) {
  out.writer().StartObject();
  out.Key("name");
  if (!out.String(name)) return NotUtf8(fmt::format("{}.name", field));
  if (!description.empty()) {
    out.Key("description");
    if (!out.String(description)) return NotUtf8(fmt::format("{}.description", field));
  }
  out.Key("input_schema");
  if (Result<void> copied = json::CopyJsonObject(schema, out.writer()); !copied) {
    return Invalid(fmt::format("{}: {}", field, copied.error().message()));
  }
  out.writer().EndObject();
  return {};
}

void WriteToolChoice(BodyWriter& out, std::string_view type, std::string_view name = {}) {
  out.Key("tool_choice");
  out.writer().StartObject();
  out.Key("type");
  (void)out.String(type);
  if (!name.empty()) {
    out.Key("name");
    (void)out.String(name);  // a tool name already written, so valid UTF-8
  }
  out.writer().EndObject();
}

Result<void> WriteTools(BodyWriter& out, const CompletionRequest& request) {
  const bool structured = WantsStructuredOutput(request);
  if (request.tools.empty() && !structured) return {};  // tool_choice alone is refused earlier

  out.Key("tools");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    const ToolDefinition& tool = request.tools[i];
    const std::string field = fmt::format("tools[{}]", i);
    const std::string_view schema = tool.parameters_json_schema.empty()
                                        ? kNoParametersSchema
                                        : std::string_view(tool.parameters_json_schema);
    if (Result<void> written = WriteTool(out, tool.name, tool.description, schema, field);
        !written) {
      return written;
    }
  }
  const ResponseFormat& format = request.response_format;
  const std::string structured_name = structured ? StructuredToolName(format) : std::string();
  if (structured) {
    const std::string_view schema = format.kind == ResponseFormat::Kind::kJsonSchema
                                        ? std::string_view(format.json_schema)
                                        : kAnyObjectSchema;
    if (Result<void> written = WriteTool(out, structured_name, kStructuredOutputDescription, schema,
                                         "response_format.json_schema");
        !written) {
      return written;
    }
  }
  out.writer().EndArray();

  const ToolChoice& choice = request.tool_choice;
  switch (choice.mode) {
    case ToolChoice::Mode::kAuto:
      if (!structured) {
        WriteToolChoice(out, "auto");
      } else if (request.tools.empty()) {
        WriteToolChoice(out, "tool", structured_name);
      } else {
        // The model may still call the request's tools; when it answers, it answers through
        // the structured-output tool.
        WriteToolChoice(out, "any");
      }
      break;
    case ToolChoice::Mode::kNone:
      if (structured) {
        WriteToolChoice(out, "tool", structured_name);  // none of the request's tools
      } else {
        WriteToolChoice(out, "none");
      }
      break;
    case ToolChoice::Mode::kRequired:
      WriteToolChoice(out, "any");
      break;
    case ToolChoice::Mode::kNamed:
      WriteToolChoice(out, "tool", choice.name);
      break;
  }
  return {};
}

Result<std::string> Build(const CompletionRequest& request, const RequestOptions& options,
                          std::string_view secret) {
  if (Result<void> valid = Validate(request, secret); !valid) return std::move(valid).error();

  BodyWriter out(EstimateBodySize(request));
  out.writer().StartObject();
  out.Key("model");
  if (!out.String(request.model)) return NotUtf8("model");
  out.Key("max_tokens");
  out.writer().Int(request.max_tokens.value_or(options.default_max_tokens));
  if (Result<void> written = WriteSystem(out, request.messages); !written) {
    return std::move(written).error();
  }
  if (Result<void> written = WriteMessages(out, request.messages); !written) {
    return std::move(written).error();
  }
  if (request.temperature) {
    out.Key("temperature");
    out.writer().Double(*request.temperature);
  }
  if (request.top_p) {
    out.Key("top_p");
    out.writer().Double(*request.top_p);
  }
  if (!request.stop.empty()) {
    out.Key("stop_sequences");
    out.writer().StartArray();
    for (std::size_t i = 0; i < request.stop.size(); ++i) {
      if (!out.String(request.stop[i])) return NotUtf8(fmt::format("stop[{}]", i));
    }
    out.writer().EndArray();
  }
  // seed, logprobs and top_logprobs have no Messages counterpart: not sent (see anthropic.h).
  if (Result<void> written = WriteTools(out, request); !written) {
    return std::move(written).error();
  }
  if (request.stream) {
    out.Key("stream");
    out.writer().Bool(true);
  }
  out.writer().EndObject();
  return out.Take();
}

}  // namespace

Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options, std::string_view secret) {
  try {
    return Build(request, options, secret);
  } catch (const json::AssertionFailure& failure) {
    // Unreachable unless this file misuses the writer; see json/json.h.
    return Error(ErrorCode::kInternal, fmt::format("building the request: {}", failure.what()));
  }
}

}  // namespace prsm::anthropic
