// CompletionRequest → Ollama ChatRequest JSON body; see ollama_codec.h for the rules.
//
// Streams straight into a RapidJSON Writer (no DOM, see body_writer.h); caller-supplied JSON
// (schemas, tool parameters, tool call arguments) is validated and compacted by piping the
// parser's events into the same writer.
#include <cstddef>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "providers/body_writer.h"
#include "providers/error_text.h"
#include "providers/ollama_codec.h"
#include "providers/request_checks.h"

namespace prsm::ollama {
namespace {

using providers::BodyWriter;
using providers::Invalid;
using providers::NotUtf8;

constexpr std::string_view kEmptyParameters = R"({"type":"object","properties":{}})";

// The function a tool message answers: the call FindAnsweredCall finds, else its name.
std::string_view ToolName(const CompletionRequest& request, std::size_t index) {
  const ToolCall* call = providers::FindAnsweredCall(request, index);
  return call != nullptr ? std::string_view(call->name) : request.messages[index].name;
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

Result<void> Validate(const CompletionRequest& request, std::string_view secret) {
  if (Result<void> ok = providers::CheckCommonFields(request); !ok) return ok;
  for (std::size_t i = 0; i < request.messages.size(); ++i) {
    if (Result<void> ok = providers::CheckToolCallFields(request, i, {}, secret); !ok) return ok;
  }
  if (Result<void> ok = providers::CheckToolNames(request); !ok) return ok;
  const ToolChoice& choice = request.tool_choice;
  if (choice.mode == ToolChoice::Mode::kRequired || choice.mode == ToolChoice::Mode::kNamed) {
    return Error(ErrorCode::kUnimplemented,
                 fmt::format("tool_choice: Ollama cannot force a tool call ({}); use kAuto, or "
                             "kNone to offer no tools",
                             choice.mode == ToolChoice::Mode::kRequired
                                 ? std::string("kRequired")
                                 : "kNamed " + providers::Quoted(choice.name, secret)));
  }
  return {};
}

Result<void> WriteToolCalls(BodyWriter& out, const Message& message, std::size_t i) {
  out.Key("tool_calls");
  out.writer().StartArray();
  for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
    const ToolCall& call = message.tool_calls[j];
    out.writer().StartObject();
    out.Key("function");
    out.writer().StartObject();
    out.Key("name");
    if (!out.String(call.name)) {
      return NotUtf8(fmt::format("messages[{}].tool_calls[{}].name", i, j));
    }
    out.Key("arguments");
    const std::string_view arguments = call.arguments_json.empty()
                                           ? std::string_view("{}")
                                           : std::string_view(call.arguments_json);
    if (Result<void> copied = out.JsonObject(arguments, "arguments"); !copied) {
      return Invalid(fmt::format("messages[{}].tool_calls[{}].{}", i, j, copied.error().message()));
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
    out.Member("role", ToString(message.role));  // Ollama's role names are prsm's
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
  if (!providers::HasSampling(request)) return {};
  out.Key("options");
  out.writer().StartObject();
  if (Result<void> written = providers::WriteSampling(
          out, request, {"temperature", "top_p", "num_predict", "stop", "seed"});
      !written) {
    return written;
  }
  out.writer().EndObject();
  return {};
}

Result<void> WriteTools(BodyWriter& out, const CompletionRequest& request,
                        std::string_view secret) {
  // kNone: a model cannot call a tool it was not offered.
  if (request.tools.empty() || request.tool_choice.mode == ToolChoice::Mode::kNone) return {};
  out.Key("tools");
  out.writer().StartArray();
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    if (Result<void> written =
            providers::WriteFunctionTool(out, request.tools[i], i, kEmptyParameters, secret);
        !written) {
      return written;
    }
  }
  out.writer().EndArray();
  return {};
}

Result<void> WriteBody(BodyWriter& out, const CompletionRequest& request, std::string_view secret) {
  if (Result<void> written = out.StringMember("model", request.model, "model"); !written) {
    return written;
  }
  if (Result<void> written = WriteMessages(out, request); !written) return written;
  out.Bool("stream", request.stream);  // always: Ollama streams unless told not to

  const ResponseFormat& format = request.response_format;
  if (format.kind == ResponseFormat::Kind::kJsonObject) {
    out.Member("format", "json");
  } else if (format.kind == ResponseFormat::Kind::kJsonSchema) {
    out.Key("format");
    if (Result<void> copied = out.JsonObject(format.json_schema, "response_format.json_schema");
        !copied) {
      return copied;
    }
  }
  if (Result<void> written = WriteOptions(out, request); !written) return written;
  if (Result<void> written = WriteTools(out, request, secret); !written) return written;
  if (request.logprobs || request.top_logprobs) out.Bool("logprobs", true);
  out.OptionalInt("top_logprobs", request.top_logprobs);
  return {};
}

// An integer keep_alive is a number of seconds, sent as a number; anything else is a string.
Result<void> WriteKeepAlive(BodyWriter& out, const std::string& keep_alive) {
  if (keep_alive.empty()) return {};
  if (IsInteger(keep_alive)) {
    out.OptionalInt64("keep_alive", std::strtoll(keep_alive.c_str(), nullptr, 10));
    return {};
  }
  return out.StringMember("keep_alive", keep_alive, "keep_alive");
}

}  // namespace

Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options, std::string_view secret) {
  return providers::BuildBody(request, Validate(request, secret), [&](BodyWriter& out) {
    if (Result<void> written = WriteBody(out, request, secret); !written) return written;
    return WriteKeepAlive(out, options.keep_alive);  // the provider's, not the request's
  });
}

}  // namespace prsm::ollama
