#include "openai_protocol.h"

#include <cstdint>
#include <string>

#include <rapidjson/document.h>

#include "json_text.h"
#include "request_json.h"

namespace prsm::testing::fake {
namespace {

constexpr int kMaxTopLogprobs = 20;  // The API's documented maximum.

ApiError InvalidRequest(std::string message, std::string param) {
  ApiError error;
  error.status = 400;
  error.type = "invalid_request_error";
  error.message = std::move(message);
  error.param = std::move(param);
  return error;
}

ApiError InvalidType(const std::string& param, const char* expected) {
  return InvalidRequest("Invalid type for '" + param + "': expected " + expected + ".", param);
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Appends -hundredths/100 with exactly two decimals: decimal text, so values are exact in the
// body and identical on every platform.
void AppendNegativeHundredths(std::uint64_t hundredths, std::string* out) {
  out->push_back('-');
  out->append(std::to_string(hundredths / 100));
  out->push_back('.');
  const auto fraction = static_cast<unsigned>(hundredths % 100);
  out->push_back(static_cast<char>('0' + fraction / 10));
  out->push_back(static_cast<char>('0' + fraction % 10));
}

void AppendBytes(std::string_view token, std::string* out) {
  out->push_back('[');
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (i != 0) out->push_back(',');
    out->append(std::to_string(static_cast<unsigned char>(token[i])));
  }
  out->push_back(']');
}

void AppendTokenFields(std::string_view token, std::uint64_t hundredths, std::string* out) {
  out->append(R"("token":)");
  AppendJsonString(token, out);
  out->append(R"(,"logprob":)");
  AppendNegativeHundredths(hundredths, out);
  out->append(R"(,"bytes":)");
  AppendBytes(token, out);
}

// choices[0].logprobs: see the header for the scheme.
void AppendLogprobs(std::string_view text, int top_logprobs, std::string* out) {
  out->append(R"({"content":[)");
  std::size_t pos = 0;
  std::uint64_t index = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
    if (pos == text.size()) break;  // Trailing whitespace is not a word.
    while (pos < text.size() && !IsSpace(text[pos])) ++pos;
    const std::string_view token = text.substr(start, pos - start);
    const std::uint64_t hundredths = index + 1;
    if (index != 0) out->push_back(',');
    out->push_back('{');
    AppendTokenFields(token, hundredths, out);
    out->append(R"(,"top_logprobs":[)");
    for (int k = 0; k < top_logprobs; ++k) {
      if (k != 0) out->push_back(',');
      out->push_back('{');
      if (k == 0) {
        AppendTokenFields(token, hundredths, out);
      } else {
        AppendTokenFields("alt" + std::to_string(k),
                          hundredths + std::uint64_t{100} * static_cast<std::uint64_t>(k), out);
      }
      out->push_back('}');
    }
    out->append("]}");
    ++index;
  }
  out->append(R"(],"refusal":null})");
}

}  // namespace

bool OpenAiProtocol::Serves(std::string_view path) const {
  return path == "/v1/chat/completions" || path == "/chat/completions";
}

DecodedCall OpenAiProtocol::Decode(const HttpRequest& request) const {
  return DecodeBody(request, "");
}

DecodedCall OpenAiProtocol::DecodeBody(const HttpRequest& request,
                                       std::string model_from_path) const {
  DecodedCall call;
  call.model = std::move(model_from_path);
  rapidjson::Document doc;
  if (const std::string parse_error = ParseRequestJson(request.body, &doc); !parse_error.empty()) {
    call.error = InvalidRequest(
        "We could not parse the JSON body of your request: " + parse_error + ".", "");
    return call;
  }
  if (!doc.IsObject()) {
    call.error = InvalidRequest("The request body must be a JSON object.", "");
    return call;
  }

  if (call.model.empty()) {
    const auto model = doc.FindMember("model");
    if (model == doc.MemberEnd() || model->value.IsNull()) {
      call.error = InvalidRequest("Missing required parameter: 'model'.", "model");
      return call;
    }
    if (!model->value.IsString()) {
      call.error = InvalidType("model", "a string");
      return call;
    }
    call.model.assign(model->value.GetString(), model->value.GetStringLength());
    if (call.model.empty()) {
      call.error = InvalidRequest("Invalid 'model': empty string.", "model");
      return call;
    }
  }

  const auto messages = doc.FindMember("messages");
  if (messages == doc.MemberEnd() || messages->value.IsNull()) {
    call.error = InvalidRequest("Missing required parameter: 'messages'.", "messages");
    return call;
  }
  if (!messages->value.IsArray()) {
    call.error = InvalidType("messages", "an array");
    return call;
  }
  if (messages->value.Empty()) {
    call.error = InvalidRequest(
        "Invalid 'messages': empty array. Expected an array with minimum length 1.", "messages");
    return call;
  }
  rapidjson::SizeType index = 0;
  for (const auto& message : messages->value.GetArray()) {
    const std::string param = "messages[" + std::to_string(index++) + "]";
    if (!message.IsObject()) {
      call.error = InvalidType(param, "an object");
      return call;
    }
    const auto role = message.FindMember("role");
    if (role == message.MemberEnd() || !role->value.IsString()) {
      call.error =
          InvalidRequest("Missing required parameter: '" + param + ".role'.", param + ".role");
      return call;
    }
  }

  if (ReadBool(doc, "stream", &call.options.stream) == Field::kWrongType) {
    call.error = InvalidType("stream", "a boolean");
    return call;
  }
  if (const rapidjson::Value* options = FindNonNull(doc, "stream_options")) {
    if (!options->IsObject()) {
      call.error = InvalidType("stream_options", "an object");
      return call;
    }
    if (!call.options.stream) {
      call.error =
          InvalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                         "stream_options");
      return call;
    }
    if (ReadBool(*options, "include_usage", &call.options.include_usage) == Field::kWrongType) {
      call.error = InvalidType("stream_options.include_usage", "a boolean");
      return call;
    }
  }
  if (ReadBool(doc, "logprobs", &call.options.logprobs) == Field::kWrongType) {
    call.error = InvalidType("logprobs", "a boolean");
    return call;
  }
  if (const rapidjson::Value* top = FindNonNull(doc, "top_logprobs")) {
    if (!top->IsInt() || top->GetInt() < 0 || top->GetInt() > kMaxTopLogprobs) {
      call.error = InvalidRequest("Invalid 'top_logprobs': expected an integer between 0 and " +
                                      std::to_string(kMaxTopLogprobs) + ".",
                                  "top_logprobs");
      return call;
    }
    if (!call.options.logprobs) {
      call.error = InvalidRequest(
          "Invalid 'top_logprobs': 'logprobs' must be set to true when 'top_logprobs' is used.",
          "top_logprobs");
      return call;
    }
    call.options.top_logprobs = top->GetInt();
  }
  return call;
}

std::string_view OpenAiProtocol::ContentType(const CallOptions& options) const {
  return options.stream ? "text/event-stream; charset=utf-8" : "application/json";
}

void AppendOpenAiUsage(const ModelScript& script, std::string* out) {
  out->append(R"({"prompt_tokens":)");
  out->append(std::to_string(script.prompt_tokens));
  out->append(R"(,"completion_tokens":)");
  out->append(std::to_string(script.completion_tokens));
  out->append(R"(,"total_tokens":)");
  out->append(std::to_string(script.prompt_tokens + script.completion_tokens));
  out->append(R"(,"prompt_tokens_details":{"cached_tokens":)");
  out->append(std::to_string(script.cached_tokens));
  out->append(R"(,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":)");
  out->append(std::to_string(script.reasoning_tokens));
  out->append(
      R"(,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}})");
}

void AppendOpenAiToolCallId(std::uint64_t seq, std::size_t index, std::string* out) {
  out->append("\"call_");
  out->append(std::to_string(seq));
  out->push_back('_');
  out->append(std::to_string(index));
  out->push_back('"');
}

std::string OpenAiProtocol::RenderCompletion(const Completion& completion) const {
  const ModelScript& script = *completion.script;
  std::string out;
  out.reserve(720 + completion.text.size() * (completion.options.logprobs ? 8 : 1) +
              completion.model.size());
  out.append(R"({"id":"chatcmpl-)");
  out.append(std::to_string(completion.seq));
  out.append(R"(","object":"chat.completion","created":)");
  out.append(std::to_string(completion.created));
  out.append(R"(,"model":)");
  AppendJsonString(completion.model, &out);
  out.append(R"(,"choices":[{"index":0,"message":{"role":"assistant","content":)");
  if (completion.text.empty() && !script.tool_calls.empty()) {
    out.append("null");  // As OpenAI answers a pure tool call.
  } else {
    AppendJsonString(completion.text, &out);
  }
  out.append(R"(,"refusal":null,"annotations":[])");
  if (!script.tool_calls.empty()) {
    out.append(R"(,"tool_calls":[)");
    for (std::size_t i = 0; i < script.tool_calls.size(); ++i) {
      if (i != 0) out.push_back(',');
      out.append(R"({"id":)");
      AppendOpenAiToolCallId(completion.seq, i, &out);
      out.append(R"(,"type":"function","function":{"name":)");
      AppendJsonString(script.tool_calls[i].name, &out);
      out.append(R"(,"arguments":)");
      AppendJsonString(script.tool_calls[i].arguments, &out);
      out.append("}}");
    }
    out.push_back(']');
  }
  out.append(R"(},"logprobs":)");
  if (completion.options.logprobs) {
    AppendLogprobs(completion.text, completion.options.top_logprobs, &out);
  } else {
    out.append("null");
  }
  out.append(R"(,"finish_reason":)");
  AppendJsonString(script.finish_reason, &out);
  out.append(R"(}],"usage":)");
  AppendOpenAiUsage(script, &out);
  out.append(R"(,"system_fingerprint":"fp_prsm_fake","service_tier":"default"})");
  return out;
}

std::string OpenAiProtocol::RenderError(const ApiError& error) const {
  std::string out;
  out.reserve(96 + error.message.size() + error.type.size() + error.param.size() +
              error.code.size());
  out.append(R"({"error":{"message":)");
  AppendJsonString(error.message, &out);
  out.append(R"(,"type":)");
  AppendJsonString(error.type, &out);
  out.append(R"(,"param":)");
  AppendJsonStringOrNull(error.param, &out);
  out.append(R"(,"code":)");
  AppendJsonStringOrNull(error.code, &out);
  out.append("}}");
  return out;
}

std::string OpenAiProtocol::MalformedBody() const { return R"({"id": "chatcmpl-x", "choices": [)"; }

}  // namespace prsm::testing::fake
