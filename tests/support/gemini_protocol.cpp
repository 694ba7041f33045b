#include "gemini_protocol.h"

#include <algorithm>
#include <string>

#include <rapidjson/document.h>

#include "json_text.h"
#include "request_json.h"

namespace prsm::testing::fake {
namespace {

constexpr std::string_view kPrefixes[] = {"/v1beta/models/", "/v1/models/"};
constexpr std::string_view kGenerate = ":generateContent";
constexpr std::string_view kStream = ":streamGenerateContent";

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// The model segment of `path`, or an empty view if the path is not a Gemini endpoint.
std::string_view ModelOf(std::string_view path) {
  for (const std::string_view prefix : kPrefixes) {
    if (path.substr(0, prefix.size()) != prefix) continue;
    std::string_view rest = path.substr(prefix.size());
    if (EndsWith(rest, kGenerate)) {
      rest.remove_suffix(kGenerate.size());
    } else if (EndsWith(rest, kStream)) {
      rest.remove_suffix(kStream.size());
    } else {
      return {};
    }
    return rest.find_first_of("/:") == std::string_view::npos ? rest : std::string_view();
  }
  return {};
}

ApiError InvalidArgument(std::string message) {
  ApiError error;
  error.status = 400;
  error.type = "INVALID_ARGUMENT";
  error.message = std::move(message);
  return error;
}

bool IsCanonicalCode(std::string_view code) {
  static constexpr std::string_view kCodes[] = {"CANCELLED",
                                                "UNKNOWN",
                                                "INVALID_ARGUMENT",
                                                "DEADLINE_EXCEEDED",
                                                "NOT_FOUND",
                                                "ALREADY_EXISTS",
                                                "PERMISSION_DENIED",
                                                "RESOURCE_EXHAUSTED",
                                                "FAILED_PRECONDITION",
                                                "ABORTED",
                                                "OUT_OF_RANGE",
                                                "UNIMPLEMENTED",
                                                "INTERNAL",
                                                "UNAVAILABLE",
                                                "DATA_LOSS",
                                                "UNAUTHENTICATED"};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

std::string_view CodeForStatus(int status) {
  switch (status) {
    case 400:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 501:
      return "UNIMPLEMENTED";
    case 503:
      return "UNAVAILABLE";
    case 504:
      return "DEADLINE_EXCEEDED";
    default:
      return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

std::string_view FinishReason(const std::string& finish_reason) {
  if (finish_reason == "stop") return "STOP";
  if (finish_reason == "length") return "MAX_TOKENS";
  if (finish_reason == "tool_calls" || finish_reason == "function_call") return "STOP";
  if (finish_reason == "content_filter") return "SAFETY";
  return finish_reason;
}

void AppendFunctionCallPart(const ScriptedToolCall& call, std::string* out) {
  out->append(R"({"functionCall":{"name":)");
  AppendJsonString(call.name, out);
  out->append(R"(,"args":)");
  out->append(ToolArgumentsObject(call));
  out->append("}}");
}

// Opens a GenerateContentResponse up to the first part: `{"candidates":[{"content":{"parts":[`.
void OpenResponse(std::string* out) { out->append(R"({"candidates":[{"content":{"parts":[)"); }

// Closes the parts and the candidate (with finishReason if given), adds usageMetadata if asked,
// modelVersion and responseId, and closes the object.
void CloseResponse(const Completion& completion, bool final, std::string* out) {
  const ModelScript& script = *completion.script;
  out->append(R"(],"role":"model"})");
  if (final) {
    out->append(R"(,"finishReason":)");
    AppendJsonString(FinishReason(script.finish_reason), out);
  }
  out->append(R"(,"index":0}])");
  if (final) {
    // Google leaves zero counts out; candidates exclude thoughts, the total includes both.
    const std::int64_t thoughts = script.reasoning_tokens;
    const std::int64_t candidates = std::max<std::int64_t>(0, script.completion_tokens - thoughts);
    out->append(R"(,"usageMetadata":{"promptTokenCount":)");
    out->append(std::to_string(script.prompt_tokens));
    if (candidates > 0) {
      out->append(R"(,"candidatesTokenCount":)");
      out->append(std::to_string(candidates));
    }
    out->append(R"(,"totalTokenCount":)");
    out->append(std::to_string(script.prompt_tokens + candidates + thoughts));
    if (script.cached_tokens > 0) {
      out->append(R"(,"cachedContentTokenCount":)");
      out->append(std::to_string(script.cached_tokens));
    }
    out->append(R"(,"promptTokensDetails":[{"modality":"TEXT","tokenCount":)");
    out->append(std::to_string(script.prompt_tokens));
    out->append("}]");
    if (thoughts > 0) {
      out->append(R"(,"thoughtsTokenCount":)");
      out->append(std::to_string(thoughts));
    }
    out->push_back('}');
  }
  out->append(R"(,"modelVersion":)");
  AppendJsonString(completion.model, out);
  out->append(R"(,"responseId":"fake-)");
  out->append(std::to_string(completion.seq));
  out->append("\"}");
}

}  // namespace

bool GeminiProtocol::Serves(std::string_view path) const { return !ModelOf(path).empty(); }

DecodedCall GeminiProtocol::Decode(const HttpRequest& request) const {
  DecodedCall call;
  call.model = std::string(ModelOf(request.path));
  call.options.stream = EndsWith(request.path, kStream);
  call.options.json_array = call.options.stream && request.QueryParameter("alt") != "sse";
  rapidjson::Document doc;
  if (const std::string parse_error = ParseRequestJson(request.body, &doc); !parse_error.empty()) {
    call.error = InvalidArgument("Invalid JSON payload received. " + parse_error + ".");
    return call;
  }
  if (!doc.IsObject()) {
    call.error = InvalidArgument("Invalid JSON payload received. Expected an object.");
    return call;
  }
  const rapidjson::Value* contents = FindNonNull(doc, "contents");
  if (contents == nullptr || (contents->IsArray() && contents->Empty())) {
    call.error = InvalidArgument("* GenerateContentRequest.contents: contents is not specified\n");
    return call;
  }
  if (!contents->IsArray()) {
    call.error = InvalidArgument(
        "Invalid JSON payload received. Unknown name \"contents\": expected a list.");
    return call;
  }
  rapidjson::SizeType index = 0;
  for (const auto& content : contents->GetArray()) {
    const std::string path = "contents[" + std::to_string(index++) + "]";
    const rapidjson::Value* parts = content.IsObject() ? FindNonNull(content, "parts") : nullptr;
    if (parts == nullptr || !parts->IsArray()) {
      call.error = InvalidArgument("* GenerateContentRequest." + path +
                                   ".parts: contents.parts must not be empty.\n");
      return call;
    }
  }
  return call;
}

std::string_view GeminiProtocol::ContentType(const CallOptions& options) const {
  return options.stream && !options.json_array ? "text/event-stream"
                                               : "application/json; charset=UTF-8";
}

std::string GeminiProtocol::RenderCompletion(const Completion& completion) const {
  const ModelScript& script = *completion.script;
  std::string out;
  out.reserve(512 + completion.text.size() + 2 * completion.model.size());
  OpenResponse(&out);
  bool first = true;
  if (!completion.text.empty() || script.tool_calls.empty()) {
    out.append(R"({"text":)");
    AppendJsonString(completion.text, &out);
    out.push_back('}');
    first = false;
  }
  for (const ScriptedToolCall& call : script.tool_calls) {
    if (!first) out.push_back(',');
    first = false;
    AppendFunctionCallPart(call, &out);
  }
  CloseResponse(completion, /*final=*/true, &out);
  return out;
}

RenderedStream GeminiProtocol::RenderStream(
    const Completion& completion, const std::vector<std::string_view>& text_pieces) const {
  const bool array = completion.options.json_array;
  RenderedStream stream;
  // Each chunk is one whole GenerateContentResponse, framed as an SSE event or an array item.
  const auto frame = [&](const std::string& object, bool first) {
    std::string out;
    if (array) {
      if (!first) out.append(",\r\n");
      out.append(object);
    } else {
      out.append("data: ");
      out.append(object);
      out.append("\r\n\r\n");
    }
    return out;
  };
  if (array) stream.preamble = "[";
  std::string object;
  for (const std::string_view piece : text_pieces) {
    object.clear();
    OpenResponse(&object);
    object.append(R"({"text":)");
    AppendJsonString(piece, &object);
    object.push_back('}');
    CloseResponse(completion, /*final=*/false, &object);
    stream.chunks.push_back(frame(object, stream.chunks.empty()));
  }
  for (const ScriptedToolCall& call : completion.script->tool_calls) {
    object.clear();
    OpenResponse(&object);
    AppendFunctionCallPart(call, &object);
    CloseResponse(completion, /*final=*/false, &object);
    stream.chunks.push_back(frame(object, stream.chunks.empty()));
  }
  object.clear();
  OpenResponse(&object);
  object.append(R"({"text":""})");
  CloseResponse(completion, /*final=*/true, &object);
  stream.epilogue = frame(object, stream.chunks.empty());
  if (array) stream.epilogue.push_back(']');
  return stream;
}

std::string GeminiProtocol::RenderError(const ApiError& error) const {
  std::string out = R"({"error":{"code":)";
  out.append(std::to_string(error.status));
  out.append(R"(,"message":)");
  AppendJsonString(error.message, &out);
  out.append(R"(,"status":)");
  AppendJsonString(
      IsCanonicalCode(error.type) ? std::string_view(error.type) : CodeForStatus(error.status),
      &out);
  out.append("}}");
  return out;
}

std::string GeminiProtocol::MalformedBody() const {
  return R"({"candidates": [{"content": {"parts": [)";
}

}  // namespace prsm::testing::fake
