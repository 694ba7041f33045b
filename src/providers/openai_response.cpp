// Chat Completions bodies → Completion (CreateChatCompletionResponse), and OpenAI error bodies
// (ErrorResponse) → Error. Every read is checked (json/json_read.h); see openai_codec.h for the
// mapping decisions.
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "json/json.h"
#include "json/json_read.h"
#include "net/error_map.h"
#include "providers/error_text.h"
#include "providers/openai_codec.h"
#include "providers/openai_wire.h"
#include "providers/response_util.h"

namespace prsm::openai {
namespace {

using json::Path;
using json::Value;

using providers::Assign;

FinishReason FinishReasonOf(std::string_view reason) {
  if (reason == "stop") return FinishReason::kStop;
  if (reason == "length") return FinishReason::kLength;
  if (reason == "tool_calls" || reason == "function_call") return FinishReason::kToolCalls;
  if (reason == "content_filter") return FinishReason::kContentFilter;
  return FinishReason::kUnknown;
}

// --- error objects ----------------------------------------------------------------------------

// What an error body says, read leniently: this runs on the way to reporting a failure, and a
// field of an unexpected type is dropped rather than turned into a second failure.
struct VendorError {
  std::string message;
  std::string type;
  std::string code;  // a string code, or a numeric one printed
  std::string param;
  std::optional<int> numeric_code;
};

// {"error": {...}} (OpenAI), {"error": "..."} (llama.cpp, Ollama), or a top-level
// {"message": ..., "type": ..., "code": 400} (vLLM) / {"detail": "..."} (FastAPI servers).
std::optional<VendorError> ReadVendorError(const Value& root) {
  if (!root.IsObject()) return std::nullopt;
  const Value* object = &root;
  VendorError error;
  if (const Value* nested = json::FindMember(root, "error"); nested != nullptr) {
    if (nested->IsString()) {
      Assign(error.message, json::StringView(*nested));
      return error;
    }
    if (!nested->IsObject()) return std::nullopt;
    object = nested;
  } else if (!json::FindMember(root, "message") && !json::FindMember(root, "detail")) {
    return std::nullopt;
  }
  Assign(error.message, providers::StringMember(*object, "message"));
  if (error.message.empty()) Assign(error.message, providers::StringMember(*object, "detail"));
  Assign(error.type, providers::StringMember(*object, "type"));
  Assign(error.param, providers::StringMember(*object, "param"));
  if (const Value* code = json::FindMember(*object, "code"); code != nullptr) {
    if (code->IsString()) {
      Assign(error.code, json::StringView(*code));
    } else if (code->IsInt()) {
      error.numeric_code = code->GetInt();
      error.code = std::to_string(code->GetInt());
    }
  }
  return error;
}

bool IsQuotaExhausted(const VendorError& error) {
  return error.code == "insufficient_quota" || error.type == "insufficient_quota";
}

// "Rate limit reached for ... (type=requests, code=rate_limit_exceeded)", `secret` redacted
// before anything is cut or reformatted, so no fragment of the key can survive.
std::string Describe(const VendorError& error, std::string_view secret) {
  std::string text = providers::DescribeVendorError(
      error.message, {{"type", error.type}, {"code", error.code}, {"param", error.param}}, secret);
  if (IsQuotaExhausted(error)) text.insert(0, "quota exhausted: ");
  return text;
}

// --- the completion ---------------------------------------------------------------------------

// A function call {name, arguments}: of a tool call, or the deprecated single function call.
Result<void> ReadFunctionCall(const Value& call, const Path& path, ToolCall& out) {
  PRSM_ASSIGN_OR_RETURN(const std::string_view name, json::RequiredString(call, "name", path));
  Assign(out.name, name);
  PRSM_ASSIGN_OR_RETURN(out.arguments_json, providers::OptionalText(call, "arguments", path));
  return {};
}

Result<void> ReadToolCalls(const Value& calls, const Path& path, std::string_view secret,
                           std::vector<ToolCall>& out) {
  out.reserve(calls.Size());
  return providers::ForEachObject(
      calls, path, [&](const Value& call, const Path& call_path) -> Result<void> {
        PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> type,
                              json::OptionalString(call, "type", call_path));
        if (type && *type != "function") {
          // prsm sends only function tools, so a custom tool call is not an answer to this request.
          return json::DataError(
              call_path.Member("type"),
              fmt::format("unsupported tool call type {}", providers::Quoted(*type, secret, 32)));
        }
        ToolCall& tool_call = out.emplace_back();
        PRSM_ASSIGN_OR_RETURN(tool_call.id, providers::OptionalText(call, "id", call_path));
        PRSM_ASSIGN_OR_RETURN(const Value* function,
                              json::RequiredObject(call, "function", call_path));
        return ReadFunctionCall(*function, call_path.Member("function"), tool_call);
      });
}

Result<void> ReadUsageObject(const Value& usage, const Path& path, Usage& out) {
  PRSM_ASSIGN_OR_RETURN(out.input_tokens, providers::ReadCount(usage, "prompt_tokens", path));
  PRSM_ASSIGN_OR_RETURN(out.output_tokens, providers::ReadCount(usage, "completion_tokens", path));
  PRSM_ASSIGN_OR_RETURN(const Value* prompt_details,
                        json::OptionalObject(usage, "prompt_tokens_details", path));
  if (prompt_details != nullptr) {
    const Path details_path = path.Member("prompt_tokens_details");
    PRSM_ASSIGN_OR_RETURN(out.cached_input_tokens,
                          providers::ReadCount(*prompt_details, "cached_tokens", details_path));
    PRSM_ASSIGN_OR_RETURN(
        out.cache_write_tokens,
        providers::ReadCount(*prompt_details, "cache_write_tokens", details_path));
  }
  PRSM_ASSIGN_OR_RETURN(const Value* completion_details,
                        json::OptionalObject(usage, "completion_tokens_details", path));
  if (completion_details != nullptr) {
    const Path details_path = path.Member("completion_tokens_details");
    PRSM_ASSIGN_OR_RETURN(
        out.reasoning_tokens,
        providers::ReadCount(*completion_details, "reasoning_tokens", details_path));
  }
  return {};
}

Result<void> ReadCompletion(const Value& root, std::string_view secret, Completion& out) {
  const Path root_path;
  if (!root.IsObject()) return json::TypeError(root_path, "an object", root);

  PRSM_ASSIGN_OR_RETURN(const Value* choices, json::RequiredArray(root, "choices", root_path));
  const Path choices_path = root_path.Member("choices");
  if (choices->Empty()) return json::DataError(choices_path, "empty, expected one choice");
  const Path choice_path = choices_path.Index(0);
  const Value& choice = (*choices)[0];
  if (!choice.IsObject()) return json::TypeError(choice_path, "an object", choice);

  PRSM_ASSIGN_OR_RETURN(const Value* message, json::RequiredObject(choice, "message", choice_path));
  const Path message_path = choice_path.Member("message");
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> content,
                        json::OptionalString(*message, "content", message_path));
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> refusal,
                        json::OptionalString(*message, "refusal", message_path));
  PRSM_ASSIGN_OR_RETURN(const Value* tool_calls,
                        json::OptionalArray(*message, "tool_calls", message_path));
  PRSM_ASSIGN_OR_RETURN(const Value* function_call,
                        json::OptionalObject(*message, "function_call", message_path));
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> finish_reason,
                        json::OptionalString(choice, "finish_reason", choice_path));

  const bool refused = (!content || content->empty()) && refusal && !refusal->empty();
  Assign(out.text, refused ? *refusal : content.value_or(std::string_view()));
  if (tool_calls != nullptr) {
    Result<void> read =
        ReadToolCalls(*tool_calls, message_path.Member("tool_calls"), secret, out.tool_calls);
    if (!read) return read;
  }
  if (function_call != nullptr) {
    Result<void> read = ReadFunctionCall(*function_call, message_path.Member("function_call"),
                                         out.tool_calls.emplace_back());
    if (!read) return read;
  }
  Assign(out.raw_finish_reason, finish_reason.value_or(std::string_view()));
  out.finish_reason = refused ? FinishReason::kContentFilter
                              : FinishReasonOf(finish_reason.value_or(std::string_view()));

  PRSM_ASSIGN_OR_RETURN(const Value* logprobs,
                        json::OptionalObject(choice, "logprobs", choice_path));
  if (logprobs != nullptr) {
    const std::string_view key = refused ? "refusal" : "content";
    const Path logprobs_path = choice_path.Member("logprobs");
    PRSM_ASSIGN_OR_RETURN(const Value* tokens, json::OptionalArray(*logprobs, key, logprobs_path));
    if (tokens != nullptr) {
      Result<void> read =
          providers::ReadTokenLogprobs(*tokens, logprobs_path.Member(key), out.logprobs);
      if (!read) return read;
    }
  }

  PRSM_ASSIGN_OR_RETURN(const Value* usage, json::OptionalObject(root, "usage", root_path));
  if (usage != nullptr) {
    Result<void> read = ReadUsageObject(*usage, root_path.Member("usage"), out.usage);
    if (!read) return read;
  }
  PRSM_ASSIGN_OR_RETURN(out.model, providers::OptionalText(root, "model", root_path));
  PRSM_ASSIGN_OR_RETURN(out.id, providers::OptionalText(root, "id", root_path));
  return {};
}

// The vendor's error for a body with an error member, its message prefixed with `context`;
// nullopt when the member has no shape ReadVendorError knows.
std::optional<Error> VendorErrorOf(const Value& root, std::string_view context,
                                   std::string_view secret) {
  std::optional<VendorError> vendor = ReadVendorError(root);
  if (!vendor) return std::nullopt;
  const ErrorCode code =
      vendor->numeric_code && *vendor->numeric_code >= 400 && *vendor->numeric_code <= 599
          ? net::ErrorCodeForHttpStatus(*vendor->numeric_code)
          : ErrorCodeForErrorObject(vendor->type, vendor->code);
  std::string message = fmt::format("{}: {}", context, Describe(*vendor, secret));
  providers::RedactSecret(message, secret);
  return Error(code, std::move(message));
}

constexpr std::string_view kWhat = "chat completion";
constexpr std::string_view kErrorShape = "an object or a string";

}  // namespace

FinishReason MapFinishReason(std::string_view reason) { return FinishReasonOf(reason); }

Result<void> ReadUsage(const json::Value& usage, const json::Path& path, Usage& out) {
  return ReadUsageObject(usage, path, out);
}

std::optional<Error> ErrorInBody(const json::Value& root, std::string_view context,
                                 std::string_view secret) {
  const Value* error = providers::ErrorMember(root);
  if (error == nullptr) return std::nullopt;
  if (std::optional<Error> vendor = VendorErrorOf(root, context, secret)) return vendor;
  return providers::ErrorShapeError(kWhat, kErrorShape, *error);
}

Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret) {
  // In-situ parsing of a private copy measured 5-15% faster than ParseJson on typical bodies
  // (0.8-1.1 KB): the long strings stay in `buffer` instead of being copied into the document.
  std::string buffer(body);
  return providers::ReadVendorBody(
      buffer, kWhat, kErrorShape, secret, body,
      // A vendor that reports a failure with a 2xx status: believe the body, not the status.
      [&](const Value& root) {
        return VendorErrorOf(root, "error object in a successful response", secret);
      },
      [&](const Value& root) -> Result<Completion> {
        Completion completion;
        if (Result<void> read = ReadCompletion(root, secret, completion); !read) {
          return read.error();
        }
        return completion;
      });
}

ErrorCode ErrorCodeForErrorObject(std::string_view type, std::string_view code) noexcept {
  const auto classify = [](std::string_view word) -> std::optional<ErrorCode> {
    if (word == "insufficient_quota" || word == "rate_limit_exceeded" || word == "requests" ||
        word == "tokens" || word == "rate_limit_error") {
      return ErrorCode::kResourceExhausted;
    }
    if (word == "invalid_api_key" || word == "invalid_authentication" ||
        word == "authentication_error") {
      return ErrorCode::kUnauthenticated;
    }
    if (word == "permission_error" || word == "permission_denied") {
      return ErrorCode::kPermissionDenied;
    }
    if (word == "model_not_found" || word == "not_found_error") return ErrorCode::kNotFound;
    if (word == "invalid_request_error") return ErrorCode::kInvalidArgument;
    if (word == "server_error" || word == "api_error" || word == "internal_error" ||
        word == "service_unavailable" || word == "overloaded_error") {
      return ErrorCode::kUnavailable;
    }
    return std::nullopt;
  };
  int status = 0;
  if (code.size() == 3 && code[0] >= '1' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9' &&
      code[2] >= '0' && code[2] <= '9') {
    status = (code[0] - '0') * 100 + (code[1] - '0') * 10 + (code[2] - '0');
  }
  if (status >= 400 && status <= 599) return net::ErrorCodeForHttpStatus(status);
  if (const auto by_code = classify(code)) return *by_code;
  if (const auto by_type = classify(type)) return *by_type;
  return ErrorCode::kUnknown;
}

Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret) {
  std::optional<providers::VendorDetail> detail =
      providers::ReadJsonLeniently(body, [&](const Value& root) {
        std::optional<providers::VendorDetail> read;
        if (std::optional<VendorError> vendor = ReadVendorError(root)) {
          read = providers::VendorDetail{Describe(*vendor, secret), std::nullopt, std::nullopt};
          // OpenAI sends an exhausted quota as a 429 like a rate limit; the message must tell
          // them apart, because waiting does not refill a quota.
          if (IsQuotaExhausted(*vendor)) read->code = ErrorCode::kResourceExhausted;
        }
        return read;
      });
  return providers::RefineHttpErrorWith(body, mapped, std::move(detail), secret);
}

}  // namespace prsm::openai
