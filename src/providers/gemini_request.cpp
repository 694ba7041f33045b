// CompletionRequest → GenerateContentRequest JSON body; see gemini_codec.h for the rules.
//
// Like the OpenAI codec, it streams straight into a RapidJSON Writer (no DOM) and embeds
// caller-supplied JSON (schemas, tool arguments, tool results) by piping the parser's events
// into the writer, which validates and compacts in one pass.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "providers/body_writer.h"
#include "providers/error_text.h"
#include "providers/gemini_codec.h"
#include "providers/request_checks.h"
#include "providers/text_util.h"

namespace prsm::gemini {
namespace {

using providers::BodyWriter;
using providers::Invalid;
using providers::NotUtf8;

Result<void> Validate(const CompletionRequest& request, std::string_view secret) {
  if (Result<void> ok = providers::CheckCommonFields(request); !ok) return ok;
  if (request.seed && (*request.seed < std::numeric_limits<std::int32_t>::min() ||
                       *request.seed > std::numeric_limits<std::int32_t>::max())) {
    return Invalid(fmt::format("seed: Gemini takes a 32-bit seed, got {}", *request.seed));
  }
  bool has_contents = false;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    const Message& message = request.messages[i];
    has_contents = has_contents || message.role != Role::kSystem;
    if (Result<void> ok = providers::CheckToolCallFields(request, i, {}, secret); !ok) return ok;
    if (message.role == Role::kTool && message.name.empty() &&
        providers::FindAnsweredCall(request, i) == nullptr) {
      return Invalid(fmt::format(
          "messages[{}]: Gemini needs the name of the function a tool result answers, and no "
          "earlier tool call has id {} (set tool_call_id to the call's id, or Message::name)",
          i, providers::Quoted(message.tool_call_id, secret)));
    }
  }
  if (!has_contents) {
    return Invalid("messages: only system messages (Gemini needs a user message)");
  }
  if (Result<void> ok = providers::CheckToolNames(request); !ok) return ok;
  return providers::CheckToolChoice(request, secret);
}

Result<void> WriteFunctionCall(BodyWriter& out, const ToolCall& call, std::size_t i,
                               std::size_t j) {
  const auto field = [&](std::string_view name) {
    return fmt::format("messages[{}].tool_calls[{}].{}", i, j, name);
  };
  // Validate the arguments before writing anything of the part.
  std::string args = "{}";
  if (!call.arguments_json.empty()) {
    Result<std::string> compact = providers::CompactJsonObject(call.arguments_json);
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
  out.RawObject(args);
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
  const ToolCall* call = providers::FindAnsweredCall(request, i);
  const std::string& name = call != nullptr ? call->name : message.name;  // checked by Validate
  out.writer().StartObject();
  out.Key("functionResponse");
  out.writer().StartObject();
  out.Key("name");
  if (!out.String(name)) return NotUtf8(fmt::format("messages[{}].name", i));
  out.Key("response");
  // A JSON object is passed as the structured result Gemini asks for; anything else (plain
  // text, a number, an array) is wrapped, since `response` must be an object.
  if (Result<std::string> compact = providers::CompactJsonObject(message.content); compact) {
    out.RawObject(*compact);
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
    out.Member("role", message.role == Role::kAssistant ? "model" : "user");
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
  return providers::HasSampling(request) ||
         request.response_format.kind != ResponseFormat::Kind::kText || request.logprobs ||
         request.top_logprobs;
}

Result<void> WriteGenerationConfig(BodyWriter& out, const CompletionRequest& request) {
  if (!HasGenerationConfig(request)) return {};
  out.Key("generationConfig");
  out.writer().StartObject();
  // The seed is within int32: checked by Validate.
  if (Result<void> written = providers::WriteSampling(
          out, request, {"temperature", "topP", "maxOutputTokens", "stopSequences", "seed"});
      !written) {
    return written;
  }
  const ResponseFormat& format = request.response_format;
  if (format.kind != ResponseFormat::Kind::kText) {
    out.Member("responseMimeType", "application/json");
  }
  if (format.kind == ResponseFormat::Kind::kJsonSchema) {
    out.Key("responseJsonSchema");
    if (Result<void> copied = out.JsonObject(format.json_schema, "response_format.json_schema");
        !copied) {
      return copied;
    }
  }
  if (request.logprobs || request.top_logprobs) out.Bool("responseLogprobs", true);
  out.OptionalInt("logprobs", request.top_logprobs);
  out.writer().EndObject();
  return {};
}

Result<void> WriteTools(BodyWriter& out, const CompletionRequest& request,
                        std::string_view secret) {
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
      if (Result<void> copied = out.JsonObject(tool.parameters_json_schema, "parameters");
          !copied) {
        return Invalid(fmt::format("tools[{}] {}: {}", i, providers::Quoted(tool.name, secret),
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
  out.Member("mode", providers::ToolChoiceWord(choice.mode, "AUTO", "NONE", "ANY", "ANY"));
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

}  // namespace

Result<std::string> ModelResource(std::string_view model, std::string_view secret) {
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
  // URL-unreserved characters only: anything else could change the URL's meaning.
  if (name.empty() || name == "." || name == ".." || !providers::IsAlnumOr(name, "-._~")) {
    return Invalid(
        fmt::format("model: {} cannot be used in a Gemini URL (expected letters, "
                    "digits and -._~ after an optional models/ or tunedModels/)",
                    providers::Quoted(model, secret)));
  }
  resource.append(name);
  return resource;
}

Result<std::string> BuildRequestBody(const CompletionRequest& request, std::string_view secret) {
  return providers::BuildBody(request, Validate(request, secret), [&](BodyWriter& out) {
    for (auto* write : {&WriteContents, &WriteSystemInstruction, &WriteGenerationConfig}) {
      if (Result<void> written = write(out, request); !written) return written;
    }
    return WriteTools(out, request, secret);
  });
}

}  // namespace prsm::gemini
