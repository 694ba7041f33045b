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

#include "json/json_read.h"
#include "providers/anthropic_codec.h"
#include "providers/body_writer.h"
#include "providers/error_text.h"
#include "providers/request_checks.h"
#include "providers/text_util.h"

namespace prsm::anthropic {
namespace {

using providers::BodyWriter;
using providers::Invalid;
using providers::NotUtf8;
// Request fields quoted in errors are the caller's text, which could hold the key: Quoted
// redacts it before the text is cut, so that no fragment of it survives.
using providers::Quoted;

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

// Anthropic's patterns for tool_use ids and tool_use_ids: ^[a-zA-Z0-9_-]+$.
bool IsWireId(std::string_view id) { return !id.empty() && providers::IsAlnumOr(id, "_-"); }

// Anthropic's pattern for tool names: ^[a-zA-Z0-9_-]{1,128}$.
bool IsToolName(std::string_view name) {
  return name.size() <= kMaxToolNameLength && IsWireId(name);
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
  static constexpr providers::ToolCallIdRules kIds = {/*required=*/true, &IsWireId,
                                                      "an id Anthropic accepts ([A-Za-z0-9_-]+)"};
  bool has_turn = false;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    has_turn = has_turn || request.messages[i].role != Role::kSystem;
    if (Result<void> ok = providers::CheckToolCallFields(request, i, kIds, secret); !ok) return ok;
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
  return providers::CheckToolChoice(request, secret);
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
  out.Member("system", system);  // every part was checked
  return {};
}

Result<void> WriteBlock(BodyWriter& out, const std::vector<Message>& messages,
                        const BlockRef& block) {
  const Message& message = messages[block.message];
  const std::size_t i = block.message;
  out.writer().StartObject();
  switch (block.kind) {
    case BlockRef::Kind::kText:
      out.Member("type", "text");
      out.Key("text");
      if (!out.String(message.content)) return NotUtf8(fmt::format("messages[{}].content", i));
      break;
    case BlockRef::Kind::kToolUse: {
      const ToolCall& call = message.tool_calls[block.call];
      out.Member("type", "tool_use");
      out.Member("id", call.id);  // checked against [A-Za-z0-9_-]+
      out.Key("name");
      if (!out.String(call.name)) {
        return NotUtf8(fmt::format("messages[{}].tool_calls[{}].name", i, block.call));
      }
      out.Key("input");
      const std::string_view arguments =
          call.arguments_json.empty() ? std::string_view("{}") : call.arguments_json;
      if (Result<void> copied = out.JsonObject(arguments, "arguments_json"); !copied) {
        return Invalid(
            fmt::format("messages[{}].tool_calls[{}].{}", i, block.call, copied.error().message()));
      }
      break;
    }
    case BlockRef::Kind::kToolResult:
      out.Member("type", "tool_result");
      out.Member("tool_use_id", message.tool_call_id);  // checked against [A-Za-z0-9_-]+
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
    out.Member("role", turn.assistant ? "assistant" : "user");
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
  if (Result<void> copied = out.JsonObject(schema, field); !copied) return copied;
  out.writer().EndObject();
  return {};
}

void WriteToolChoice(BodyWriter& out, std::string_view type, std::string_view name = {}) {
  out.Key("tool_choice");
  out.writer().StartObject();
  out.Member("type", type);
  if (!name.empty()) {
    out.Member("name", name);  // a tool name already written, so valid UTF-8
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

Result<void> WriteBody(BodyWriter& out, const CompletionRequest& request,
                       const RequestOptions& options) {
  if (Result<void> written = out.StringMember("model", request.model, "model"); !written) {
    return written;
  }
  out.OptionalInt("max_tokens", request.max_tokens.value_or(options.default_max_tokens));
  if (Result<void> written = WriteSystem(out, request.messages); !written) return written;
  if (Result<void> written = WriteMessages(out, request.messages); !written) return written;
  // max_tokens is written above; seed, logprobs and top_logprobs have no Messages
  // counterpart: not sent (see anthropic.h).
  if (Result<void> written = providers::WriteSampling(
          out, request, {"temperature", "top_p", {}, "stop_sequences", {}});
      !written) {
    return written;
  }
  if (Result<void> written = WriteTools(out, request); !written) return written;
  if (request.stream) out.Bool("stream", true);
  return {};
}

}  // namespace

Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options, std::string_view secret) {
  // The extra 256 bytes: the structured-output tool's description.
  return providers::BuildBody(
      request, Validate(request, secret),
      [&](BodyWriter& out) { return WriteBody(out, request, options); }, 256);
}

}  // namespace prsm::anthropic
