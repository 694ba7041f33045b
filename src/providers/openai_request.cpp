// CompletionRequest → Chat Completions JSON body (CreateChatCompletionRequest).
//
// Runs for every request, so it streams straight into a RapidJSON Writer (no DOM, see
// body_writer.h), sizes the output buffer once from the request, and embeds caller-supplied JSON
// schemas by piping the parser's events into the same writer (validation and compaction in one
// pass, no DOM either).
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "providers/body_writer.h"
#include "providers/error_text.h"
#include "providers/openai_codec.h"
#include "providers/request_checks.h"

namespace prsm::openai {
namespace {

using providers::BodyWriter;
using providers::Invalid;
using providers::NotUtf8;

// The role names of the wire format, which are prsm's own (types.cpp).
std::string_view RoleName(Role role) { return ToString(role); }

// Checks what can be checked before writing a byte, so that the common mistakes cost nothing.
Result<void> Validate(const CompletionRequest& request, std::string_view secret) {
  // Tool calls need ids, and tool messages the id of the call they answer.
  static constexpr providers::ToolCallIdRules kIds = {/*required=*/true, nullptr, {}};
  if (Result<void> ok = providers::CheckCommonFields(request); !ok) return ok;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (Result<void> ok = providers::CheckToolCallFields(request, i, kIds, secret); !ok) return ok;
    if (request.messages[i].role == Role::kTool && !request.messages[i].name.empty()) {
      return Invalid(fmt::format("messages[{}].name: OpenAI tool messages carry no name", i));
    }
  }
  if (Result<void> ok = providers::CheckToolNames(request); !ok) return ok;
  const ResponseFormat& format = request.response_format;
  if (format.kind == ResponseFormat::Kind::kJsonSchema && format.name.empty()) {
    return Invalid("response_format.name: empty (OpenAI requires a schema name)");
  }
  return providers::CheckToolChoice(request, secret);
}

Result<void> WriteMessage(BodyWriter& out, const Message& message, std::size_t index) {
  out.writer().StartObject();
  out.Member("role", RoleName(message.role));
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
      out.Member("type", "function");
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
      out.Member("type", "json_object");
      out.writer().EndObject();
      return {};
    case ResponseFormat::Kind::kJsonSchema:
      break;
  }
  out.Key("response_format");
  out.writer().StartObject();
  out.Member("type", "json_schema");
  out.Key("json_schema");
  out.writer().StartObject();
  out.Key("name");
  if (!out.String(format.name)) return NotUtf8("response_format.name");
  out.Key("schema");
  if (Result<void> copied = out.JsonObject(format.json_schema, "response_format.json_schema");
      !copied) {
    return copied;
  }
  out.Bool("strict", format.strict);
  out.writer().EndObject();
  out.writer().EndObject();
  return {};
}

Result<void> WriteTools(BodyWriter& out, const CompletionRequest& request,
                        std::string_view secret) {
  if (request.tools.empty()) return {};  // tool_choice without tools is refused by Validate
  out.Key("tools");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    // Empty parameters: a function without parameters, which OpenAI takes without the field.
    if (Result<void> written = providers::WriteFunctionTool(out, request.tools[i], i, {}, secret);
        !written) {
      return written;
    }
  }
  out.writer().EndArray();

  const ToolChoice& choice = request.tool_choice;
  if (choice.mode != ToolChoice::Mode::kNamed) {
    out.Member("tool_choice",
               providers::ToolChoiceWord(choice.mode, "auto", "none", "required", {}));
    return {};
  }
  out.Key("tool_choice");
  out.writer().StartObject();
  out.Member("type", "function");
  out.Key("function");
  out.writer().StartObject();
  out.Member("name", choice.name);  // equal to a tool name already written, so valid UTF-8
  out.writer().EndObject();
  out.writer().EndObject();
  return {};
}

Result<void> WriteBody(BodyWriter& out, const CompletionRequest& request,
                       const RequestOptions& options, std::string_view secret) {
  if (Result<void> written = out.StringMember("model", request.model, "model"); !written) {
    return written;
  }
  out.Key("messages");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (Result<void> written = WriteMessage(out, request.messages[i], i); !written) return written;
  }
  out.writer().EndArray();

  const providers::SamplingKeys keys = {
      "temperature", "top_p",
      options.use_max_completion_tokens ? "max_completion_tokens" : "max_tokens", "stop", "seed"};
  if (Result<void> written = providers::WriteSampling(out, request, keys); !written) {
    return written;
  }
  if (Result<void> written = WriteResponseFormat(out, request.response_format); !written) {
    return written;
  }
  // top_logprobs is refused without logprobs
  if (request.logprobs || request.top_logprobs) out.Bool("logprobs", true);
  out.OptionalInt("top_logprobs", request.top_logprobs);
  if (Result<void> written = WriteTools(out, request, secret); !written) return written;
  if (request.stream) {
    out.Bool("stream", true);
    if (options.stream_usage) {
      // Without it the stream carries no token counts, and the answer could not be priced.
      out.Key("stream_options");
      out.writer().StartObject();
      out.Bool("include_usage", true);
      out.writer().EndObject();
    }
  }
  return {};
}

}  // namespace

Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options, std::string_view secret) {
  return providers::BuildBody(request, Validate(request, secret), [&](BodyWriter& out) {
    return WriteBody(out, request, options, secret);
  });
}

}  // namespace prsm::openai
