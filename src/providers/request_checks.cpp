// Request checks shared by the request codecs; see request_checks.h.
#include "providers/request_checks.h"

#include <cmath>

#include <fmt/format.h>

#include "providers/error_text.h"

namespace prsm::providers {

Result<void> CheckCommonFields(const CompletionRequest& request) {
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
  return {};
}

Result<void> CheckToolCallFields(const CompletionRequest& request, std::size_t index,
                                 const ToolCallIdRules& ids, std::string_view secret) {
  const Message& message = request.messages[index];
  const auto check_id = [&](std::string_view id, const std::string& field) -> Result<void> {
    if (ids.accepts != nullptr && !ids.accepts(id)) {
      return Invalid(fmt::format("{}: {} is not {}", field, Quoted(id, secret), ids.description));
    }
    return {};
  };
  if (!message.tool_calls.empty() && message.role != Role::kAssistant) {
    return Invalid(
        fmt::format("messages[{}].tool_calls: only assistant messages make tool calls", index));
  }
  if (message.role == Role::kTool) {
    if (ids.required) {
      if (message.tool_call_id.empty()) {
        return Invalid(fmt::format(
            "messages[{}].tool_call_id: empty (a tool message answers one tool call)", index));
      }
      const std::string field = fmt::format("messages[{}].tool_call_id", index);
      if (Result<void> ok = check_id(message.tool_call_id, field); !ok) return ok;
    }
  } else if (!message.tool_call_id.empty()) {
    return Invalid(
        fmt::format("messages[{}].tool_call_id: only tool messages answer a call", index));
  }
  for (std::size_t j = 0; j < message.tool_calls.size(); ++j) {
    const ToolCall& call = message.tool_calls[j];
    const std::string field = fmt::format("messages[{}].tool_calls[{}]", index, j);
    if (ids.required) {
      if (call.id.empty()) return Invalid(field + ".id: empty");
      if (Result<void> ok = check_id(call.id, field + ".id"); !ok) return ok;
    }
    if (call.name.empty()) return Invalid(field + ".name: empty");
  }
  return {};
}

Result<void> CheckToolNames(const CompletionRequest& request) {
  for (std::size_t i = 0; i < request.tools.size(); ++i) {
    if (request.tools[i].name.empty()) return Invalid(fmt::format("tools[{}].name: empty", i));
  }
  return {};
}

Result<void> CheckToolChoice(const CompletionRequest& request, std::string_view secret) {
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

const ToolCall* FindAnsweredCall(const CompletionRequest& request, std::size_t index) {
  const std::string& id = request.messages[index].tool_call_id;
  if (id.empty()) return nullptr;
  for (std::size_t i = index; i-- > 0;) {
    for (const ToolCall& call : request.messages[i].tool_calls) {
      if (call.id == id) return &call;
    }
  }
  return nullptr;
}

}  // namespace prsm::providers
