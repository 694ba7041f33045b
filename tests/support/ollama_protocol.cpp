#include "ollama_protocol.h"

#include <cstdio>
#include <ctime>
#include <string>

#include <rapidjson/document.h>

#include "json_text.h"
#include "request_json.h"

namespace prsm::testing::fake {
namespace {

constexpr std::int64_t kLoadNs = 1'000'000;
constexpr std::int64_t kPromptNsPerToken = 100'000;
constexpr std::int64_t kEvalNsPerToken = 10'000'000;

ApiError BadRequest(std::string message) {
  ApiError error;
  error.status = 400;
  error.message = std::move(message);
  return error;
}

std::string_view DoneReason(const std::string& finish_reason) {
  // Ollama reports a tool call or a filtered answer as an ordinary stop.
  if (finish_reason == "tool_calls" || finish_reason == "function_call" ||
      finish_reason == "content_filter") {
    return "stop";
  }
  return finish_reason;
}

// `{"model":...,"created_at":"...","message":{"role":"assistant","content":` — every record
// starts so.
void OpenRecord(const Completion& completion, std::string* out) {
  std::tm utc{};
  const auto seconds = static_cast<std::time_t>(completion.created);
  gmtime_r(&seconds, &utc);
  char created[32];
  const int n =
      std::snprintf(created, sizeof created, "%04d-%02d-%02dT%02d:%02d:%02dZ", utc.tm_year + 1900,
                    utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  out->append(R"({"model":)");
  AppendJsonString(completion.model, out);
  out->append(R"(,"created_at":")");
  out->append(created, n > 0 ? static_cast<std::size_t>(n) : 0);
  out->append(R"(","message":{"role":"assistant","content":)");
}

void AppendToolCall(const ScriptedToolCall& call, std::string* out) {
  out->append(R"({"function":{"name":)");
  AppendJsonString(call.name, out);
  out->append(R"(,"arguments":)");
  out->append(ToolArgumentsObject(call));
  out->append("}}");
}

// `"done":true,...` through the closing brace of the record.
void AppendDone(const ModelScript& script, std::string* out) {
  const std::int64_t prompt_ns = script.prompt_tokens * kPromptNsPerToken;
  const std::int64_t eval_ns = script.completion_tokens * kEvalNsPerToken;
  out->append(R"("done":true,"done_reason":)");
  AppendJsonString(DoneReason(script.finish_reason), out);
  out->append(R"(,"total_duration":)");
  out->append(std::to_string(kLoadNs + prompt_ns + eval_ns));
  out->append(R"(,"load_duration":)");
  out->append(std::to_string(kLoadNs));
  out->append(R"(,"prompt_eval_count":)");
  out->append(std::to_string(script.prompt_tokens));
  out->append(R"(,"prompt_eval_duration":)");
  out->append(std::to_string(prompt_ns));
  out->append(R"(,"eval_count":)");
  out->append(std::to_string(script.completion_tokens));
  out->append(R"(,"eval_duration":)");
  out->append(std::to_string(eval_ns));
  out->push_back('}');
}

}  // namespace

DecodedCall OllamaProtocol::Decode(const HttpRequest& request) const {
  DecodedCall call;
  call.options.stream = true;  // Ollama's default.
  rapidjson::Document doc;
  if (const std::string parse_error = ParseRequestJson(request.body, &doc); !parse_error.empty()) {
    call.error = BadRequest("invalid JSON: " + parse_error);
    return call;
  }
  if (!doc.IsObject()) {
    call.error = BadRequest("invalid request: the body must be a JSON object");
    return call;
  }
  switch (ReadString(doc, "model", &call.model)) {
    case Field::kAbsent:
      break;
    case Field::kWrongType:
      call.error = BadRequest(
          "json: cannot unmarshal into Go struct field ChatRequest.model of type string");
      return call;
    case Field::kOk:
      break;
  }
  if (call.model.empty()) {
    call.error = BadRequest("model is required");
    return call;
  }
  if (const rapidjson::Value* messages = FindNonNull(doc, "messages")) {
    if (!messages->IsArray()) {
      call.error = BadRequest(
          "json: cannot unmarshal into Go struct field ChatRequest.messages of type "
          "[]api.Message");
      return call;
    }
    for (const auto& message : messages->GetArray()) {
      std::string role;
      if (!message.IsObject() || ReadString(message, "role", &role) != Field::kOk) {
        call.error = BadRequest("invalid message: each message needs a string role");
        return call;
      }
    }
  }
  if (ReadBool(doc, "stream", &call.options.stream) == Field::kWrongType) {
    call.error =
        BadRequest("json: cannot unmarshal into Go struct field ChatRequest.stream of type bool");
    return call;
  }
  return call;
}

std::string_view OllamaProtocol::ContentType(const CallOptions& options) const {
  return options.stream ? "application/x-ndjson" : "application/json; charset=utf-8";
}

std::string OllamaProtocol::RenderCompletion(const Completion& completion) const {
  const ModelScript& script = *completion.script;
  std::string out;
  out.reserve(384 + completion.text.size() + completion.model.size());
  OpenRecord(completion, &out);
  AppendJsonString(completion.text, &out);
  if (!script.tool_calls.empty()) {
    out.append(R"(,"tool_calls":[)");
    for (std::size_t i = 0; i < script.tool_calls.size(); ++i) {
      if (i != 0) out.push_back(',');
      AppendToolCall(script.tool_calls[i], &out);
    }
    out.push_back(']');
  }
  out.append("},");
  AppendDone(script, &out);
  return out;
}

RenderedStream OllamaProtocol::RenderStream(
    const Completion& completion, const std::vector<std::string_view>& text_pieces) const {
  RenderedStream stream;
  for (const std::string_view piece : text_pieces) {
    std::string record;
    OpenRecord(completion, &record);
    AppendJsonString(piece, &record);
    record.append("},\"done\":false}\n");
    stream.chunks.push_back(std::move(record));
  }
  for (const ScriptedToolCall& call : completion.script->tool_calls) {
    std::string record;
    OpenRecord(completion, &record);
    record.append(R"("","tool_calls":[)");
    AppendToolCall(call, &record);
    record.append("]},\"done\":false}\n");
    stream.chunks.push_back(std::move(record));
  }
  OpenRecord(completion, &stream.epilogue);
  stream.epilogue.append(R"(""},)");
  AppendDone(*completion.script, &stream.epilogue);
  stream.epilogue.push_back('\n');
  return stream;
}

std::string OllamaProtocol::RenderError(const ApiError& error) const {
  std::string out = R"({"error":)";
  AppendJsonString(error.message, &out);
  out.push_back('}');
  return out;
}

std::string OllamaProtocol::MalformedBody() const {
  return R"({"model": "x", "message": {"role": "assistant", "content": )";
}

}  // namespace prsm::testing::fake
