#include "custom_protocol.h"

#include <string>

#include <rapidjson/document.h>

#include "json_text.h"
#include "request_json.h"

namespace prsm::testing::fake {
namespace {

ApiError BadRequest(std::string message) {
  ApiError error;
  error.status = 400;
  error.message = std::move(message);
  return error;
}

std::string_view Stop(const std::string& finish_reason) {
  if (finish_reason == "stop" || finish_reason == "tool_calls" ||
      finish_reason == "content_filter") {
    return "end";
  }
  return finish_reason;  // "length", or whatever the script says
}

}  // namespace

DecodedCall CustomProtocol::Decode(const HttpRequest& request) const {
  DecodedCall call;
  rapidjson::Document doc;
  if (const std::string parse_error = ParseRequestJson(request.body, &doc); !parse_error.empty()) {
    call.error = BadRequest("invalid JSON: " + parse_error);
    return call;
  }
  if (!doc.IsObject()) {
    call.error = BadRequest("the body must be a JSON object");
    return call;
  }
  if (ReadString(doc, "model", &call.model) == Field::kWrongType || call.model.empty()) {
    call.error = BadRequest("model is required");
    return call;
  }
  if (const rapidjson::Value* input = FindNonNull(doc, "input")) {
    if (!input->IsArray()) {
      call.error = BadRequest("input must be an array");
      return call;
    }
    for (const auto& turn : input->GetArray()) {
      std::string role;
      std::string text;
      if (!turn.IsObject() || ReadString(turn, "role", &role) != Field::kOk ||
          ReadString(turn, "text", &text) != Field::kOk) {
        call.error = BadRequest("each input turn needs a string role and text");
        return call;
      }
    }
  }
  bool stream = false;
  if (ReadBool(doc, "stream", &stream) == Field::kWrongType || stream) {
    call.error = BadRequest("streaming is not supported");
    return call;
  }
  return call;
}

std::string_view CustomProtocol::ContentType(const CallOptions& /*options*/) const {
  return "application/json";
}

std::string CustomProtocol::RenderCompletion(const Completion& completion) const {
  const ModelScript& script = *completion.script;
  std::string out = R"({"id":"gen-)" + std::to_string(completion.seq) + R"(","model":)";
  AppendJsonString(completion.model, &out);
  out.append(R"(,"output":)");
  AppendJsonString(completion.text, &out);
  out.append(R"(,"stop":)");
  AppendJsonString(Stop(script.finish_reason), &out);
  out.append(R"(,"tokens":{"in":)");
  out.append(std::to_string(script.prompt_tokens));
  out.append(R"(,"out":)");
  out.append(std::to_string(script.completion_tokens));
  out.append("}}");
  return out;
}

RenderedStream CustomProtocol::RenderStream(
    const Completion& completion, const std::vector<std::string_view>& /*text_pieces*/) const {
  RenderedStream stream;
  stream.epilogue = RenderCompletion(completion);
  return stream;
}

std::string CustomProtocol::RenderError(const ApiError& error) const {
  std::string out = R"({"failure":{"status":)" + std::to_string(error.status) + R"(,"reason":)";
  AppendJsonString(error.message, &out);
  out.append("}}");
  return out;
}

std::string CustomProtocol::MalformedBody() const { return R"({"id":"gen-1","output":"unfin)"; }

}  // namespace prsm::testing::fake
