#include "anthropic_protocol.h"

#include <algorithm>
#include <string>

#include <rapidjson/document.h>

#include "json_text.h"
#include "request_json.h"

namespace prsm::testing::fake {
namespace {

ApiError InvalidRequest(std::string message) {
  ApiError error;
  error.status = 400;
  error.type = "invalid_request_error";
  error.message = std::move(message);
  return error;
}

// Anthropic's error types (ErrorResponse.error.type).
bool IsAnthropicErrorType(std::string_view type) {
  static constexpr std::string_view kTypes[] = {
      "invalid_request_error", "authentication_error", "billing_error",    "permission_error",
      "not_found_error",       "request_too_large",    "rate_limit_error", "api_error",
      "timeout_error",         "overloaded_error"};
  return std::find(std::begin(kTypes), std::end(kTypes), type) != std::end(kTypes);
}

std::string_view ErrorTypeForStatus(int status) {
  switch (status) {
    case 401:
      return "authentication_error";
    case 402:
      return "billing_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 504:
      return "timeout_error";
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

}  // namespace

DecodedCall AnthropicProtocol::Decode(const HttpRequest& request) const {
  DecodedCall call;
  rapidjson::Document doc;
  if (const std::string parse_error = ParseRequestJson(request.body, &doc); !parse_error.empty()) {
    call.error =
        InvalidRequest("There was an error parsing the body of your request: " + parse_error + ".");
    return call;
  }
  if (!doc.IsObject()) {
    call.error = InvalidRequest("The request body must be a JSON object.");
    return call;
  }
  switch (ReadString(doc, "model", &call.model)) {
    case Field::kAbsent:
      call.error = InvalidRequest("model: Field required");
      return call;
    case Field::kWrongType:
      call.error = InvalidRequest("model: Input should be a valid string");
      return call;
    case Field::kOk:
      break;
  }
  if (call.model.empty()) {
    call.error = InvalidRequest("model: String should have at least 1 character");
    return call;
  }
  const rapidjson::Value* max_tokens = FindNonNull(doc, "max_tokens");
  if (max_tokens == nullptr) {
    call.error = InvalidRequest("max_tokens: Field required");
    return call;
  }
  if (!max_tokens->IsInt64()) {
    call.error = InvalidRequest("max_tokens: Input should be a valid integer");
    return call;
  }
  if (max_tokens->GetInt64() < 1) {
    call.error = InvalidRequest("max_tokens: Input should be greater than or equal to 1");
    return call;
  }
  const rapidjson::Value* messages = FindNonNull(doc, "messages");
  if (messages == nullptr) {
    call.error = InvalidRequest("messages: Field required");
    return call;
  }
  if (!messages->IsArray()) {
    call.error = InvalidRequest("messages: Input should be a valid list");
    return call;
  }
  if (messages->Empty()) {
    call.error = InvalidRequest("messages: at least one message is required");
    return call;
  }
  rapidjson::SizeType index = 0;
  for (const auto& message : messages->GetArray()) {
    const std::string path = "messages." + std::to_string(index++);
    if (!message.IsObject()) {
      call.error = InvalidRequest(path + ": Input should be a valid dictionary");
      return call;
    }
    std::string role;
    if (ReadString(message, "role", &role) != Field::kOk ||
        (role != "user" && role != "assistant")) {
      call.error = InvalidRequest(path + ".role: Input should be 'user' or 'assistant'");
      return call;
    }
  }
  if (ReadBool(doc, "stream", &call.options.stream) == Field::kWrongType) {
    call.error = InvalidRequest("stream: Input should be a valid boolean");
    return call;
  }
  return call;
}

std::string_view AnthropicProtocol::ContentType(const CallOptions& options) const {
  return options.stream ? "text/event-stream; charset=utf-8" : "application/json";
}

std::string_view AnthropicStopReason(const std::string& finish_reason) {
  if (finish_reason == "stop") return "end_turn";
  if (finish_reason == "length") return "max_tokens";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "tool_use";
  if (finish_reason == "content_filter") return "refusal";
  return finish_reason;
}

void AppendAnthropicUsage(const ModelScript& script, std::int64_t output_tokens, bool full,
                          std::string* out) {
  // Anthropic counts cache reads apart from input_tokens; the script's prompt includes them.
  const std::int64_t input = std::max<std::int64_t>(0, script.prompt_tokens - script.cached_tokens);
  out->append(R"("input_tokens":)");
  out->append(std::to_string(input));
  out->append(R"(,"cache_creation_input_tokens":0,"cache_read_input_tokens":)");
  out->append(std::to_string(script.cached_tokens));
  if (full) {
    out->append(
        R"(,"cache_creation":{"ephemeral_5m_input_tokens":0,"ephemeral_1h_input_tokens":0})");
  }
  out->append(R"(,"output_tokens":)");
  out->append(std::to_string(output_tokens));
  out->append(R"(,"server_tool_use":null)");
  if (full) out->append(R"(,"service_tier":"standard")");
}

void AppendAnthropicToolUseId(std::uint64_t seq, std::size_t index, std::string* out) {
  out->append("\"toolu_");
  out->append(std::to_string(seq));
  out->push_back('_');
  out->append(std::to_string(index));
  out->push_back('"');
}

std::string AnthropicProtocol::RenderCompletion(const Completion& completion) const {
  const ModelScript& script = *completion.script;
  std::string out;
  out.reserve(512 + completion.text.size() + completion.model.size());
  out.append(R"({"id":"msg_)");
  out.append(std::to_string(completion.seq));
  out.append(R"(","type":"message","role":"assistant","model":)");
  AppendJsonString(completion.model, &out);
  out.append(R"(,"content":[)");
  bool first = true;
  if (!completion.text.empty()) {
    out.append(R"({"type":"text","text":)");
    AppendJsonString(completion.text, &out);
    out.append(R"(,"citations":null})");
    first = false;
  }
  for (std::size_t i = 0; i < script.tool_calls.size(); ++i) {
    if (!first) out.push_back(',');
    first = false;
    out.append(R"({"type":"tool_use","id":)");
    AppendAnthropicToolUseId(completion.seq, i, &out);
    out.append(R"(,"name":)");
    AppendJsonString(script.tool_calls[i].name, &out);
    out.append(R"(,"input":)");
    out.append(ToolArgumentsObject(script.tool_calls[i]));
    out.push_back('}');
  }
  out.append(R"(],"stop_reason":)");
  AppendJsonString(AnthropicStopReason(script.finish_reason), &out);
  out.append(R"(,"stop_sequence":null,"usage":{)");
  AppendAnthropicUsage(script, script.completion_tokens, /*full=*/true, &out);
  out.append("}}");
  return out;
}

std::string AnthropicProtocol::RenderError(const ApiError& error) const {
  const std::string_view type = IsAnthropicErrorType(error.type) ? std::string_view(error.type)
                                                                 : ErrorTypeForStatus(error.status);
  std::string out = R"({"type":"error","error":{"type":)";
  AppendJsonString(type, &out);
  out.append(R"(,"message":)");
  AppendJsonString(error.message, &out);
  out.append(R"(},"request_id":)");
  if (error.seq != 0) {
    out.append("\"req_");
    out.append(std::to_string(error.seq));
    out.push_back('"');
  } else {
    out.append("null");
  }
  out.push_back('}');
  return out;
}

std::string AnthropicProtocol::MalformedBody() const {
  return R"({"id": "msg_x", "type": "message", "content": [)";
}

}  // namespace prsm::testing::fake
