// GenerateContentResponse bodies → ResponseChunk / Completion, and google.rpc error bodies →
// Error. Every read is checked (json/json_read.h); see gemini_codec.h for the mapping decisions.
//
// Gemini writes its JSON from protocol buffers, which omit fields at their default value: a
// missing count is 0, a missing `thought` is false, a missing logProbability is 0.0. The readers
// below treat absence accordingly instead of as an error.
#include <chrono>
#include <cstddef>
#include <cstdint>
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
#include "providers/gemini_codec.h"
#include "providers/response_util.h"

namespace prsm::gemini {
namespace {

namespace rapidjson = json::rapidjson;
using json::Path;
using json::Value;

using providers::Assign;

// --- error objects ----------------------------------------------------------------------------

// A google.rpc.Status, read leniently: this runs on the way to reporting a failure, and a field
// of an unexpected type is dropped rather than turned into a second failure.
struct VendorError {
  std::string message;
  std::string status;
  std::optional<int> code;
  std::optional<std::chrono::milliseconds> retry_delay;  // from a google.rpc.RetryInfo detail
};

// A protobuf Duration in JSON ("41s", "0.250s"), rounded up to whole milliseconds; nullopt for
// anything else or more than a day (which is no retry hint anyone should follow).
std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  if (text.size() < 2 || text.back() != 's') return std::nullopt;
  text.remove_suffix(1);
  std::int64_t seconds = 0;
  std::int64_t nanos = 0;
  std::size_t i = 0;
  for (; i < text.size() && text[i] != '.'; ++i) {
    if (text[i] < '0' || text[i] > '9' || seconds > 86400) return std::nullopt;
    seconds = seconds * 10 + (text[i] - '0');
  }
  if (i == 0 || seconds > 86400) return std::nullopt;
  if (i < text.size()) {  // the fraction: at most nine digits
    const std::string_view fraction = text.substr(i + 1);
    if (fraction.empty() || fraction.size() > 9) return std::nullopt;
    std::int64_t scale = 100000000;
    for (const char c : fraction) {
      if (c < '0' || c > '9') return std::nullopt;
      nanos += (c - '0') * scale;
      scale /= 10;
    }
  }
  return std::chrono::milliseconds(seconds * 1000 + (nanos + 999999) / 1000000);
}

// The retryDelay of the first google.rpc.RetryInfo in `details`, if any.
std::optional<std::chrono::milliseconds> RetryDelay(const Value& error) {
  const Value* details = json::FindMember(error, "details");
  if (details == nullptr || !details->IsArray()) return std::nullopt;
  constexpr std::string_view kRetryInfo = "type.googleapis.com/google.rpc.RetryInfo";
  for (rapidjson::SizeType i = 0; i < details->Size(); ++i) {
    const Value* type = json::FindMember((*details)[i], "@type");
    const Value* delay = json::FindMember((*details)[i], "retryDelay");
    if (type != nullptr && type->IsString() && json::StringView(*type) == kRetryInfo &&
        delay != nullptr && delay->IsString()) {
      return ParseDuration(json::StringView(*delay));
    }
  }
  return std::nullopt;
}

// {"error": {...}}, or the same inside a one-element array (streamGenerateContent without
// alt=sse answers errors that way). nullopt when `root` is neither.
std::optional<VendorError> ReadVendorError(const Value& root) {
  const Value* object = &root;
  if (root.IsArray() && root.Size() == 1) object = &root[0];
  const Value* error = json::FindMember(*object, "error");
  if (error == nullptr || !error->IsObject()) return std::nullopt;
  VendorError vendor;
  if (const Value* message = json::FindMember(*error, "message"); message && message->IsString()) {
    Assign(vendor.message, json::StringView(*message));
  }
  if (const Value* status = json::FindMember(*error, "status"); status && status->IsString()) {
    Assign(vendor.status, json::StringView(*status));
  }
  if (const Value* code = json::FindMember(*error, "code"); code && code->IsInt()) {
    vendor.code = code->GetInt();
  }
  vendor.retry_delay = RetryDelay(*error);
  return vendor;
}

// "<message> (code=429, status=RESOURCE_EXHAUSTED)", the parts present; `secret` redacted
// before anything is cut, so no fragment of it can survive.
std::string Describe(const VendorError& vendor, bool with_code, std::string_view secret) {
  const std::string code = with_code && vendor.code ? std::to_string(*vendor.code) : std::string();
  return providers::DescribeVendorError(vendor.message, {{"code", code}, {"status", vendor.status}},
                                        secret);
}

// --- the response -----------------------------------------------------------------------------

Result<Usage> ReadUsage(const Value& usage, const Path& path) {
  if (!usage.IsObject()) return json::TypeError(path, "an object", usage);
  Usage out;
  PRSM_ASSIGN_OR_RETURN(const std::int64_t prompt,
                        providers::ReadCount(usage, "promptTokenCount", path));
  PRSM_ASSIGN_OR_RETURN(const std::int64_t tool_prompt,
                        providers::ReadCount(usage, "toolUsePromptTokenCount", path));
  PRSM_ASSIGN_OR_RETURN(out.cached_input_tokens,
                        providers::ReadCount(usage, "cachedContentTokenCount", path));
  PRSM_ASSIGN_OR_RETURN(const std::int64_t candidates,
                        providers::ReadCount(usage, "candidatesTokenCount", path));
  PRSM_ASSIGN_OR_RETURN(out.reasoning_tokens,
                        providers::ReadCount(usage, "thoughtsTokenCount", path));
  // promptTokenCount already counts the cached content; tool-use prompts (search results and
  // the like) are billed as input but counted apart.
  out.input_tokens = prompt + tool_prompt;
  out.output_tokens = candidates + out.reasoning_tokens;
  return out;
}

// {token, logProbability} of LogprobsResultCandidate; both may be omitted at their defaults.
Result<void> ReadLogprobCandidate(const Value& candidate, const Path& path, std::string& token,
                                  double& logprob) {
  if (!candidate.IsObject()) return json::TypeError(path, "an object", candidate);
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> text,
                        json::OptionalString(candidate, "token", path));
  PRSM_ASSIGN_OR_RETURN(const std::optional<double> value,
                        json::OptionalDouble(candidate, "logProbability", path));
  Assign(token, text.value_or(std::string_view()));
  logprob = value.value_or(0.0);
  return {};
}

Result<void> ReadLogprobs(const Value& result, const Path& path, std::vector<TokenLogprob>& out) {
  if (!result.IsObject()) return json::TypeError(path, "an object", result);
  PRSM_ASSIGN_OR_RETURN(const Value* chosen, json::OptionalArray(result, "chosenCandidates", path));
  PRSM_ASSIGN_OR_RETURN(const Value* top, json::OptionalArray(result, "topCandidates", path));
  if (chosen == nullptr) return {};
  const Path chosen_path = path.Member("chosenCandidates");
  const Path top_path = path.Member("topCandidates");
  out.reserve(out.size() + chosen->Size());
  for (rapidjson::SizeType i = 0; i < chosen->Size(); ++i) {
    TokenLogprob& entry = out.emplace_back();
    if (Result<void> read =
            ReadLogprobCandidate((*chosen)[i], chosen_path.Index(i), entry.token, entry.logprob);
        !read) {
      return read;
    }
    if (top == nullptr || i >= top->Size()) continue;
    const Path step_path = top_path.Index(i);
    const Value& step = (*top)[i];
    if (!step.IsObject()) return json::TypeError(step_path, "an object", step);
    PRSM_ASSIGN_OR_RETURN(const Value* alternatives,
                          json::OptionalArray(step, "candidates", step_path));
    if (alternatives == nullptr) continue;
    const Path alternatives_path = step_path.Member("candidates");
    entry.top.reserve(alternatives->Size());
    for (rapidjson::SizeType j = 0; j < alternatives->Size(); ++j) {
      TokenLogprob::Alternative& alternative = entry.top.emplace_back();
      if (Result<void> read = ReadLogprobCandidate((*alternatives)[j], alternatives_path.Index(j),
                                                   alternative.token, alternative.logprob);
          !read) {
        return read;
      }
    }
  }
  return {};
}

Result<void> ReadFunctionCall(const Value& call, const Path& path, std::vector<ToolCall>& out) {
  if (!call.IsObject()) return json::TypeError(path, "an object", call);
  PRSM_ASSIGN_OR_RETURN(const std::string_view name, json::RequiredString(call, "name", path));
  PRSM_ASSIGN_OR_RETURN(const Value* args, json::OptionalObject(call, "args", path));
  PRSM_ASSIGN_OR_RETURN(std::string id, providers::OptionalText(call, "id", path));
  ToolCall& tool_call = out.emplace_back();
  tool_call.id = std::move(id);
  Assign(tool_call.name, name);
  tool_call.arguments_json = args != nullptr ? providers::CompactJson(*args) : std::string("{}");
  return {};
}

Result<void> ReadParts(const Value& parts, const Path& path, ResponseChunk& out) {
  return providers::ForEachObject(
      parts, path, [&](const Value& part, const Path& part_path) -> Result<void> {
        PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> text,
                              json::OptionalString(part, "text", part_path));
        PRSM_ASSIGN_OR_RETURN(const std::optional<bool> thought,
                              json::OptionalBool(part, "thought", part_path));
        PRSM_ASSIGN_OR_RETURN(const Value* call,
                              json::OptionalObject(part, "functionCall", part_path));
        // Thoughts are the model's reasoning, not its answer (their tokens are counted as
        // reasoning). Other parts (inline data, code execution) answer features prsm never asks
        // for.
        if (text && !thought.value_or(false)) out.text.append(text->data(), text->size());
        if (call != nullptr) {
          Result<void> read =
              ReadFunctionCall(*call, part_path.Member("functionCall"), out.tool_calls);
          if (!read) return read;
          // The signature sits beside the call in its part and must go back with it.
          PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> signature,
                                json::OptionalString(part, "thoughtSignature", part_path));
          if (signature) Assign(out.tool_calls.back().signature, *signature);
        }
        return {};
      });
}

Result<void> ReadCandidate(const Value& candidate, const Path& path, ResponseChunk& out) {
  if (!candidate.IsObject()) return json::TypeError(path, "an object", candidate);
  out.has_candidate = true;
  PRSM_ASSIGN_OR_RETURN(const Value* content, json::OptionalObject(candidate, "content", path));
  if (content != nullptr) {  // absent when a filter stopped the answer before it began
    const Path content_path = path.Member("content");
    PRSM_ASSIGN_OR_RETURN(const Value* parts, json::OptionalArray(*content, "parts", content_path));
    if (parts != nullptr) {
      if (Result<void> read = ReadParts(*parts, content_path.Member("parts"), out); !read) {
        return read;
      }
    }
  }
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> finish,
                        json::OptionalString(candidate, "finishReason", path));
  if (finish) out.finish_reason = std::string(*finish);
  PRSM_ASSIGN_OR_RETURN(const Value* logprobs,
                        json::OptionalObject(candidate, "logprobsResult", path));
  if (logprobs != nullptr) {
    return ReadLogprobs(*logprobs, path.Member("logprobsResult"), out.logprobs);
  }
  return {};
}

Result<ResponseChunk> ReadChunk(const Value& root, std::string_view secret) {
  const Path root_path;
  if (!root.IsObject()) return json::TypeError(root_path, "an object", root);
  ResponseChunk chunk;
  PRSM_ASSIGN_OR_RETURN(const Value* candidates,
                        json::OptionalArray(root, "candidates", root_path));
  if (candidates != nullptr && !candidates->Empty()) {
    // prsm asks for one candidate (candidateCount is never sent); any other is ignored.
    Result<void> read =
        ReadCandidate((*candidates)[0], root_path.Member("candidates").Index(0), chunk);
    if (!read) return std::move(read).error();
  } else {
    PRSM_ASSIGN_OR_RETURN(const Value* feedback,
                          json::OptionalObject(root, "promptFeedback", root_path));
    if (feedback != nullptr) {
      PRSM_ASSIGN_OR_RETURN(
          const std::optional<std::string_view> reason,
          json::OptionalString(*feedback, "blockReason", root_path.Member("promptFeedback")));
      if (reason && !reason->empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("prompt blocked by Gemini (blockReason={})",
                                 providers::Excerpt(*reason, secret, providers::kMaxQuotedBytes)));
      }
    }
  }
  PRSM_ASSIGN_OR_RETURN(const Value* usage, json::OptionalObject(root, "usageMetadata", root_path));
  if (usage != nullptr) {
    PRSM_ASSIGN_OR_RETURN(chunk.usage, ReadUsage(*usage, root_path.Member("usageMetadata")));
  }
  PRSM_ASSIGN_OR_RETURN(chunk.model, providers::OptionalText(root, "modelVersion", root_path));
  PRSM_ASSIGN_OR_RETURN(chunk.id, providers::OptionalText(root, "responseId", root_path));
  return chunk;
}

// `whole_body`: the body, when `buffer` holds a whole response (see ReadVendorBody).
Result<ResponseChunk> ParseChunk(std::string& buffer, bool in_stream, std::string_view secret,
                                 std::optional<std::string_view> whole_body) {
  const auto vendor_error = [&](const Value& root) -> std::optional<Error> {
    std::optional<VendorError> vendor = ReadVendorError(root);
    if (!vendor) return std::nullopt;
    Error error(ErrorForStatus(vendor->code, vendor->status),
                fmt::format("{}: {}",
                            in_stream ? "error event in the stream"
                                      : "error object in a successful response",
                            Describe(*vendor, /*with_code=*/true, secret)));
    if (vendor->retry_delay) error.WithRetryAfter(*vendor->retry_delay);
    return error;
  };
  return providers::ReadVendorBody(buffer, in_stream ? "Gemini stream chunk" : "Gemini response",
                                   "an object", secret, whole_body, vendor_error,
                                   [&](const Value& root) { return ReadChunk(root, secret); });
}

}  // namespace

FinishReason MapFinishReason(std::string_view reason) noexcept {
  if (reason == "STOP") return FinishReason::kStop;
  if (reason == "MAX_TOKENS") return FinishReason::kLength;
  for (const std::string_view filtered :
       {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION"}) {
    if (reason == filtered) return FinishReason::kContentFilter;
  }
  return FinishReason::kUnknown;
}

ErrorCode ErrorForStatus(std::optional<int> code, std::string_view status) noexcept {
  if (code && *code >= 400 && *code <= 599) return net::ErrorCodeForHttpStatus(*code);
  static constexpr std::pair<std::string_view, ErrorCode> kStatuses[] = {
      {"CANCELLED", ErrorCode::kCancelled},
      {"UNKNOWN", ErrorCode::kUnknown},
      {"INVALID_ARGUMENT", ErrorCode::kInvalidArgument},
      {"DEADLINE_EXCEEDED", ErrorCode::kDeadlineExceeded},
      {"NOT_FOUND", ErrorCode::kNotFound},
      {"ALREADY_EXISTS", ErrorCode::kAlreadyExists},
      {"PERMISSION_DENIED", ErrorCode::kPermissionDenied},
      {"RESOURCE_EXHAUSTED", ErrorCode::kResourceExhausted},
      {"FAILED_PRECONDITION", ErrorCode::kFailedPrecondition},
      {"ABORTED", ErrorCode::kAborted},
      {"OUT_OF_RANGE", ErrorCode::kOutOfRange},
      {"UNIMPLEMENTED", ErrorCode::kUnimplemented},
      {"INTERNAL", ErrorCode::kUnavailable},  // Gemini's "An internal error occurred, retry"
      {"UNAVAILABLE", ErrorCode::kUnavailable},
      {"DATA_LOSS", ErrorCode::kDataLoss},
      {"UNAUTHENTICATED", ErrorCode::kUnauthenticated},
  };
  for (const auto& [name, mapped] : kStatuses) {
    if (status == name) return mapped;
  }
  return ErrorCode::kUnknown;
}

Result<ResponseChunk> ParseResponseChunk(std::string& buffer, bool in_stream,
                                         std::string_view secret) {
  return ParseChunk(buffer, in_stream, secret, std::nullopt);
}

Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret) {
  std::string buffer(body);
  PRSM_ASSIGN_OR_RETURN(ResponseChunk chunk, ParseChunk(buffer, /*in_stream=*/false, secret, body));
  if (!chunk.has_candidate) {
    return Error(ErrorCode::kDataLoss,
                 "malformed Gemini response: candidates: missing or empty, and no blockReason");
  }
  Completion completion =
      providers::WholeAnswer(std::move(chunk.text), std::move(chunk.tool_calls), chunk.usage,
                             std::move(chunk.logprobs), std::move(chunk.model));
  completion.id = std::move(chunk.id);
  completion.raw_finish_reason = chunk.finish_reason.value_or(std::string());
  completion.finish_reason = MapFinishReason(completion.raw_finish_reason);
  if (!completion.tool_calls.empty() && completion.finish_reason == FinishReason::kStop) {
    completion.finish_reason = FinishReason::kToolCalls;  // Gemini says STOP for calls
  }
  return completion;
}

Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret) {
  std::optional<providers::VendorDetail> detail =
      providers::ReadJsonLeniently(body, [&](const Value& root) {
        std::optional<providers::VendorDetail> read;
        if (std::optional<VendorError> vendor = ReadVendorError(root)) {
          // Gemini tells how long to wait in the body, seldom in a Retry-After header; the
          // header wins.
          read = providers::VendorDetail{Describe(*vendor, /*with_code=*/false, secret),
                                         std::nullopt, vendor->retry_delay};
        }
        return read;
      });
  return providers::RefineHttpErrorWith(body, mapped, std::move(detail), secret);
}

}  // namespace prsm::gemini
