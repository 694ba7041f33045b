// GenerateContentResponse bodies → ResponseChunk / Completion, and google.rpc error bodies →
// Error. Every read is checked (json/json_read.h); see gemini_codec.h for the mapping decisions.
//
// Gemini writes its JSON from protocol buffers, which omit fields at their default value: a
// missing count is 0, a missing `thought` is false, a missing logProbability is 0.0. The readers
// below treat absence accordingly instead of as an error.
#include <chrono>
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
#include "providers/gemini_codec.h"
#include "providers/openai_codec.h"

namespace prsm::gemini {
namespace {

namespace rapidjson = json::rapidjson;
using json::Path;
using json::Value;

// Propagates the error of a Result expression, or assigns its value to `lhs`.
#define PRSM_GEMINI_CONCAT_INNER(a, b) a##b
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration and cannot be parenthesised.
#define PRSM_GEMINI_CONCAT(a, b) PRSM_GEMINI_CONCAT_INNER(a, b)
#define PRSM_GEMINI_ASSIGN_OR_RETURN(lhs, expr) \
  PRSM_GEMINI_ASSIGN_OR_RETURN_IMPL(PRSM_GEMINI_CONCAT(result_, __LINE__), lhs, expr)
#define PRSM_GEMINI_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                      \
  if (!result) return std::move(result).error();             \
  lhs = std::move(*result)
// NOLINTEND(bugprone-macro-parentheses)

constexpr std::size_t kMaxVendorMessageBytes = 1024;
constexpr std::size_t kMaxExcerptBytes = 200;
constexpr std::size_t kMaxResponseExcerptBytes = 80;

void Assign(std::string& out, std::string_view text) { out.assign(text.data(), text.size()); }

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
std::string Describe(VendorError vendor, bool with_code, std::string_view secret) {
  openai::RedactSecret(vendor.message, secret);
  openai::RedactSecret(vendor.status, secret);
  std::string text = openai::SanitizeForMessage(vendor.message, kMaxVendorMessageBytes);
  if (text.empty()) text = "no message";
  const char* separator = " (";
  if (with_code && vendor.code) {
    fmt::format_to(std::back_inserter(text), "{}code={}", separator, *vendor.code);
    separator = ", ";
  }
  if (!vendor.status.empty()) {
    fmt::format_to(std::back_inserter(text), "{}status={}", separator,
                   openai::SanitizeForMessage(vendor.status, 64));
    separator = ", ";
  }
  if (*separator == ',') text.push_back(')');
  return text;
}

// --- the response -----------------------------------------------------------------------------

// A token count: missing or null is 0, a negative count is nonsense.
Result<std::int64_t> ReadCount(const Value& object, std::string_view key, const Path& path) {
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::int64_t> count,
                               json::OptionalInt64(object, key, path));
  if (count && *count < 0) {
    return json::DataError(path.Member(key), fmt::format("negative token count {}", *count));
  }
  return count.value_or(0);
}

Result<Usage> ReadUsage(const Value& usage, const Path& path) {
  if (!usage.IsObject()) return json::TypeError(path, "an object", usage);
  Usage out;
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::int64_t prompt,
                               ReadCount(usage, "promptTokenCount", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::int64_t tool_prompt,
                               ReadCount(usage, "toolUsePromptTokenCount", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(out.cached_input_tokens,
                               ReadCount(usage, "cachedContentTokenCount", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::int64_t candidates,
                               ReadCount(usage, "candidatesTokenCount", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(out.reasoning_tokens, ReadCount(usage, "thoughtsTokenCount", path));
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
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::string_view> text,
                               json::OptionalString(candidate, "token", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<double> value,
                               json::OptionalDouble(candidate, "logProbability", path));
  Assign(token, text.value_or(std::string_view()));
  logprob = value.value_or(0.0);
  return {};
}

Result<void> ReadLogprobs(const Value& result, const Path& path, std::vector<TokenLogprob>& out) {
  if (!result.IsObject()) return json::TypeError(path, "an object", result);
  PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* chosen,
                               json::OptionalArray(result, "chosenCandidates", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* top,
                               json::OptionalArray(result, "topCandidates", path));
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
    PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* alternatives,
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

// `value` written as compact JSON.
std::string Compact(const Value& value) {
  rapidjson::CrtAllocator allocator;
  json::StringBuffer buffer(&allocator, 256);
  json::Writer writer(buffer, &allocator);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<void> ReadFunctionCall(const Value& call, const Path& path, std::vector<ToolCall>& out) {
  if (!call.IsObject()) return json::TypeError(path, "an object", call);
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::string_view name,
                               json::RequiredString(call, "name", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* args, json::OptionalObject(call, "args", path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::string_view> id,
                               json::OptionalString(call, "id", path));
  ToolCall& tool_call = out.emplace_back();
  Assign(tool_call.id, id.value_or(std::string_view()));
  Assign(tool_call.name, name);
  tool_call.arguments_json = args != nullptr ? Compact(*args) : std::string("{}");
  return {};
}

Result<void> ReadParts(const Value& parts, const Path& path, ResponseChunk& out) {
  for (rapidjson::SizeType i = 0; i < parts.Size(); ++i) {
    const Path part_path = path.Index(i);
    const Value& part = parts[i];
    if (!part.IsObject()) return json::TypeError(part_path, "an object", part);
    PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::string_view> text,
                                 json::OptionalString(part, "text", part_path));
    PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<bool> thought,
                                 json::OptionalBool(part, "thought", part_path));
    PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* call,
                                 json::OptionalObject(part, "functionCall", part_path));
    // Thoughts are the model's reasoning, not its answer (their tokens are counted as
    // reasoning). Other parts (inline data, code execution) answer features prsm never asks for.
    if (text && !thought.value_or(false)) out.text.append(text->data(), text->size());
    if (call != nullptr) {
      Result<void> read = ReadFunctionCall(*call, part_path.Member("functionCall"), out.tool_calls);
      if (!read) return read;
      // The signature sits beside the call in its part and must go back with it.
      PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::string_view> signature,
                                   json::OptionalString(part, "thoughtSignature", part_path));
      if (signature) Assign(out.tool_calls.back().signature, *signature);
    }
  }
  return {};
}

Result<void> ReadCandidate(const Value& candidate, const Path& path, ResponseChunk& out) {
  if (!candidate.IsObject()) return json::TypeError(path, "an object", candidate);
  out.has_candidate = true;
  PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* content,
                               json::OptionalObject(candidate, "content", path));
  if (content != nullptr) {  // absent when a filter stopped the answer before it began
    const Path content_path = path.Member("content");
    PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* parts,
                                 json::OptionalArray(*content, "parts", content_path));
    if (parts != nullptr) {
      if (Result<void> read = ReadParts(*parts, content_path.Member("parts"), out); !read) {
        return read;
      }
    }
  }
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::string_view> finish,
                               json::OptionalString(candidate, "finishReason", path));
  if (finish) out.finish_reason = std::string(*finish);
  PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* logprobs,
                               json::OptionalObject(candidate, "logprobsResult", path));
  if (logprobs != nullptr) {
    return ReadLogprobs(*logprobs, path.Member("logprobsResult"), out.logprobs);
  }
  return {};
}

Result<ResponseChunk> ReadChunk(const Value& root) {
  const Path root_path;
  if (!root.IsObject()) return json::TypeError(root_path, "an object", root);
  ResponseChunk chunk;
  PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* candidates,
                               json::OptionalArray(root, "candidates", root_path));
  if (candidates != nullptr && !candidates->Empty()) {
    // prsm asks for one candidate (candidateCount is never sent); any other is ignored.
    Result<void> read =
        ReadCandidate((*candidates)[0], root_path.Member("candidates").Index(0), chunk);
    if (!read) return std::move(read).error();
  } else {
    PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* feedback,
                                 json::OptionalObject(root, "promptFeedback", root_path));
    if (feedback != nullptr) {
      PRSM_GEMINI_ASSIGN_OR_RETURN(
          const std::optional<std::string_view> reason,
          json::OptionalString(*feedback, "blockReason", root_path.Member("promptFeedback")));
      if (reason && !reason->empty()) {
        return Error(ErrorCode::kInvalidArgument,
                     fmt::format("prompt blocked by Gemini (blockReason={})",
                                 openai::SanitizeForMessage(*reason, 64)));
      }
    }
  }
  PRSM_GEMINI_ASSIGN_OR_RETURN(const Value* usage,
                               json::OptionalObject(root, "usageMetadata", root_path));
  if (usage != nullptr) {
    PRSM_GEMINI_ASSIGN_OR_RETURN(chunk.usage, ReadUsage(*usage, root_path.Member("usageMetadata")));
  }
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::string_view> model,
                               json::OptionalString(root, "modelVersion", root_path));
  PRSM_GEMINI_ASSIGN_OR_RETURN(const std::optional<std::string_view> id,
                               json::OptionalString(root, "responseId", root_path));
  Assign(chunk.model, model.value_or(std::string_view()));
  Assign(chunk.id, id.value_or(std::string_view()));
  return chunk;
}

// What ParseChunk found wrong, for the caller's message.
enum class Failure { kNone, kNotJson, kShape, kVendor };

Result<ResponseChunk> ParseChunk(std::string& buffer, bool in_stream, std::string_view secret,
                                 Failure& failure) {
  const std::string_view malformed =
      in_stream ? "malformed Gemini stream chunk" : "malformed Gemini response";
  // `doc`'s strings point into `buffer`, which the caller keeps alive past this call.
  json::PooledDocument pooled;
  json::Document& doc = pooled.doc();
  if (Result<void> parsed = json::ParseJsonInsitu(buffer, doc); !parsed) {
    failure = Failure::kNotJson;
    return Error(ErrorCode::kDataLoss, fmt::format("{}: {}", malformed, parsed.error().message()));
  }
  // A failure reported with a 2xx status (or inside a stream): believe the body.
  if (const Value* error = doc.IsObject() ? json::FindMember(doc, "error") : nullptr;
      error != nullptr && !error->IsNull()) {
    std::optional<VendorError> vendor = ReadVendorError(doc);
    if (!vendor) {
      failure = Failure::kShape;
      return Error(ErrorCode::kDataLoss, fmt::format("{}: error: expected an object, got {}",
                                                     malformed, json::TypeName(*error)));
    }
    failure = Failure::kVendor;
    const ErrorCode code = ErrorForStatus(vendor->code, vendor->status);
    const std::optional<std::chrono::milliseconds> delay = vendor->retry_delay;
    Error vendor_error(code, fmt::format("{}: {}",
                                         in_stream ? "error event in the stream"
                                                   : "error object in a successful response",
                                         Describe(std::move(*vendor), /*with_code=*/true, secret)));
    if (delay) vendor_error.WithRetryAfter(*delay);
    return vendor_error;
  }
  Result<ResponseChunk> chunk = ReadChunk(doc);
  if (!chunk) {
    // Messages quote vendor text (a block reason, say): the key must not ride along.
    std::string message = chunk.error().code() == ErrorCode::kDataLoss
                              ? fmt::format("{}: {}", malformed, chunk.error().message())
                              : chunk.error().message();
    openai::RedactSecret(message, secret);
    failure = chunk.error().code() == ErrorCode::kDataLoss ? Failure::kShape : Failure::kVendor;
    return Error(chunk.error().code(), std::move(message));
  }
  return chunk;
}

Result<ResponseChunk> ParseChunkChecked(std::string& buffer, bool in_stream,
                                        std::string_view secret, Failure& failure) {
  try {
    return ParseChunk(buffer, in_stream, secret, failure);
  } catch (const json::AssertionFailure& assertion) {
    // Unreachable unless this file reads without checking; see json/json.h.
    return Error(ErrorCode::kInternal, fmt::format("reading the response: {}", assertion.what()));
  }
}

#undef PRSM_GEMINI_ASSIGN_OR_RETURN_IMPL
#undef PRSM_GEMINI_ASSIGN_OR_RETURN
#undef PRSM_GEMINI_CONCAT
#undef PRSM_GEMINI_CONCAT_INNER

Error WithMessage(const Error& mapped, std::string message) {
  Error refined(mapped.code(), std::move(message));
  if (!mapped.provider().empty()) refined.WithProvider(mapped.provider());
  if (!mapped.model().empty()) refined.WithModel(mapped.model());
  if (const std::optional<int> status = mapped.http_status()) refined.WithHttpStatus(*status);
  if (const auto delay = mapped.retry_after()) refined.WithRetryAfter(*delay);
  return refined;
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
  Failure failure = Failure::kNone;
  return ParseChunkChecked(buffer, in_stream, secret, failure);
}

Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret) {
  std::string buffer(body);
  Failure failure = Failure::kNone;
  Result<ResponseChunk> chunk = ParseChunkChecked(buffer, /*in_stream=*/false, secret, failure);
  if (!chunk) {
    if (failure != Failure::kNotJson) return std::move(chunk).error();
    // Show how the body starts: a 200 that is not JSON is usually a proxy's or portal's page.
    std::string raw(body);
    openai::RedactSecret(raw, secret);
    return Error(ErrorCode::kDataLoss,
                 fmt::format("{} (body starts: {})", chunk.error().message(),
                             openai::SanitizeForMessage(raw, kMaxResponseExcerptBytes)));
  }
  if (!chunk->has_candidate) {
    return Error(ErrorCode::kDataLoss,
                 "malformed Gemini response: candidates: missing or empty, and no blockReason");
  }
  Completion completion;
  completion.text = std::move(chunk->text);
  completion.tool_calls = std::move(chunk->tool_calls);
  for (std::size_t i = 0; i < completion.tool_calls.size(); ++i) {
    if (completion.tool_calls[i].id.empty())
      completion.tool_calls[i].id = fmt::format("call_{}", i);
  }
  completion.raw_finish_reason = chunk->finish_reason.value_or(std::string());
  completion.finish_reason = MapFinishReason(completion.raw_finish_reason);
  if (!completion.tool_calls.empty() && completion.finish_reason == FinishReason::kStop) {
    completion.finish_reason = FinishReason::kToolCalls;
  }
  if (chunk->usage) completion.usage = *chunk->usage;
  completion.logprobs = std::move(chunk->logprobs);
  completion.model = std::move(chunk->model);
  completion.id = std::move(chunk->id);
  return completion;
}

Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret) {
  std::string prefix = mapped.message();
  if (prefix.empty()) {
    prefix = mapped.http_status() ? fmt::format("HTTP {}", *mapped.http_status()) : "HTTP error";
  }
  if (body.empty()) return WithMessage(mapped, std::move(prefix));
  std::optional<VendorError> vendor;
  try {
    json::Document doc;
    if (json::ParseJson(body, doc)) vendor = ReadVendorError(doc);
  } catch (const json::AssertionFailure&) {
    vendor.reset();  // unreachable (checked reads); fall back to the excerpt
  }
  std::string detail;
  std::optional<std::chrono::milliseconds> delay;
  if (vendor) {
    delay = vendor->retry_delay;
    detail = Describe(std::move(*vendor), /*with_code=*/false, secret);
  } else {
    std::string raw(body);
    openai::RedactSecret(raw, secret);
    detail = openai::SanitizeForMessage(raw, kMaxExcerptBytes);
  }
  std::string message = fmt::format("{}: {}", prefix, detail);
  openai::RedactSecret(message, secret);
  Error refined = WithMessage(mapped, std::move(message));
  // Gemini tells how long to wait in the body, seldom in a Retry-After header; the header wins.
  if (delay && !refined.retry_after()) refined.WithRetryAfter(*delay);
  return refined;
}

}  // namespace prsm::gemini
