// Ollama ChatResponse bodies and stream records → Record / Completion, and Ollama error bodies
// → Error. Every read is checked (json/json_read.h); see ollama_codec.h for the mapping
// decisions.
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
#include "providers/ollama_codec.h"
#include "providers/openai_codec.h"

namespace prsm::ollama {
namespace {

namespace rapidjson = json::rapidjson;
using json::Path;
using json::Value;

// Propagates the error of a Result expression, or assigns its value to `lhs`.
#define PRSM_OLLAMA_CONCAT_INNER(a, b) a##b
// NOLINTBEGIN(bugprone-macro-parentheses): `lhs` is a declaration and cannot be parenthesised.
#define PRSM_OLLAMA_CONCAT(a, b) PRSM_OLLAMA_CONCAT_INNER(a, b)
#define PRSM_OLLAMA_ASSIGN_OR_RETURN(lhs, expr) \
  PRSM_OLLAMA_ASSIGN_OR_RETURN_IMPL(PRSM_OLLAMA_CONCAT(result_, __LINE__), lhs, expr)
#define PRSM_OLLAMA_ASSIGN_OR_RETURN_IMPL(result, lhs, expr) \
  auto result = (expr);                                      \
  if (!result) return std::move(result).error();             \
  lhs = std::move(*result)
// NOLINTEND(bugprone-macro-parentheses)

constexpr std::size_t kMaxVendorMessageBytes = 1024;
constexpr std::size_t kMaxExcerptBytes = 200;
constexpr std::size_t kMaxResponseExcerptBytes = 80;

void Assign(std::string& out, std::string_view text) { out.assign(text.data(), text.size()); }

// Ollama's {"error": "..."}; also {"error": {"message": "..."}} as proxies in front of it write.
// nullopt when `root` has no usable error member.
std::optional<std::string> ReadVendorError(const Value& root) {
  const Value* error = json::FindMember(root, "error");
  if (error == nullptr) return std::nullopt;
  if (error->IsString()) return std::string(json::StringView(*error));
  if (const Value* message = json::FindMember(*error, "message"); message && message->IsString()) {
    return std::string(json::StringView(*message));
  }
  return std::nullopt;
}

// Redacts before cutting, so that no fragment of the key survives.
std::string Describe(std::string message, std::string_view secret) {
  openai::RedactSecret(message, secret);
  std::string text = openai::SanitizeForMessage(message, kMaxVendorMessageBytes);
  return text.empty() ? std::string("no message") : text;
}

// A token count: missing or null is 0, a negative count is nonsense.
Result<std::int64_t> ReadCount(const Value& object, std::string_view key, const Path& path) {
  PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::optional<std::int64_t> count,
                               json::OptionalInt64(object, key, path));
  if (count && *count < 0) {
    return json::DataError(path.Member(key), fmt::format("negative token count {}", *count));
  }
  return count.value_or(0);
}

std::string Compact(const Value& value) {
  rapidjson::CrtAllocator allocator;
  json::StringBuffer buffer(&allocator, 256);
  json::Writer writer(buffer, &allocator);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<void> ReadToolCalls(const Value& calls, const Path& path, std::vector<ToolCall>& out) {
  out.reserve(calls.Size());
  for (rapidjson::SizeType i = 0; i < calls.Size(); ++i) {
    const Path call_path = path.Index(i);
    const Value& call = calls[i];
    if (!call.IsObject()) return json::TypeError(call_path, "an object", call);
    PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::optional<std::string_view> id,
                                 json::OptionalString(call, "id", call_path));
    PRSM_OLLAMA_ASSIGN_OR_RETURN(const Value* function,
                                 json::RequiredObject(call, "function", call_path));
    const Path function_path = call_path.Member("function");
    PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::string_view name,
                                 json::RequiredString(*function, "name", function_path));
    ToolCall& tool_call = out.emplace_back();
    Assign(tool_call.id, id.value_or(std::string_view()));
    Assign(tool_call.name, name);
    const Value* arguments = json::FindMember(*function, "arguments");
    if (arguments == nullptr || arguments->IsNull()) {
      tool_call.arguments_json = "{}";
    } else if (arguments->IsObject()) {
      tool_call.arguments_json = Compact(*arguments);
    } else if (arguments->IsString()) {  // some servers speaking this API send the JSON text
      Assign(tool_call.arguments_json, json::StringView(*arguments));
    } else {
      return json::TypeError(function_path.Member("arguments"), "an object", *arguments);
    }
  }
  return {};
}

Result<void> ReadAlternative(const Value& value, const Path& path, std::string& token,
                             double& logprob) {
  if (!value.IsObject()) return json::TypeError(path, "an object", value);
  PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::string_view text,
                               json::RequiredString(value, "token", path));
  PRSM_OLLAMA_ASSIGN_OR_RETURN(logprob, json::RequiredDouble(value, "logprob", path));
  Assign(token, text);
  return {};
}

Result<void> ReadLogprobs(const Value& tokens, const Path& path, std::vector<TokenLogprob>& out) {
  out.reserve(out.size() + tokens.Size());
  for (rapidjson::SizeType i = 0; i < tokens.Size(); ++i) {
    const Path token_path = path.Index(i);
    TokenLogprob& entry = out.emplace_back();
    if (Result<void> read = ReadAlternative(tokens[i], token_path, entry.token, entry.logprob);
        !read) {
      return read;
    }
    PRSM_OLLAMA_ASSIGN_OR_RETURN(const Value* top,
                                 json::OptionalArray(tokens[i], "top_logprobs", token_path));
    if (top == nullptr) continue;
    const Path top_path = token_path.Member("top_logprobs");
    entry.top.reserve(top->Size());
    for (rapidjson::SizeType j = 0; j < top->Size(); ++j) {
      TokenLogprob::Alternative& alternative = entry.top.emplace_back();
      if (Result<void> read =
              ReadAlternative((*top)[j], top_path.Index(j), alternative.token, alternative.logprob);
          !read) {
        return read;
      }
    }
  }
  return {};
}

Result<Record> ReadRecord(const Value& root) {
  const Path root_path;
  if (!root.IsObject()) return json::TypeError(root_path, "an object", root);
  Record record;
  // `done` is in every ChatResponse and ChatStreamEvent: what tells a record from other JSON.
  PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::optional<bool> done,
                               json::OptionalBool(root, "done", root_path));
  if (!done) return json::MissingError(root_path.Member("done"));
  record.done = *done;
  PRSM_OLLAMA_ASSIGN_OR_RETURN(const Value* message,
                               json::OptionalObject(root, "message", root_path));
  if (message != nullptr) {
    const Path message_path = root_path.Member("message");
    PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::optional<std::string_view> content,
                                 json::OptionalString(*message, "content", message_path));
    Assign(record.text, content.value_or(std::string_view()));
    PRSM_OLLAMA_ASSIGN_OR_RETURN(const Value* calls,
                                 json::OptionalArray(*message, "tool_calls", message_path));
    if (calls != nullptr) {
      Result<void> read =
          ReadToolCalls(*calls, message_path.Member("tool_calls"), record.tool_calls);
      if (!read) return std::move(read).error();
    }
  }
  PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::optional<std::string_view> reason,
                               json::OptionalString(root, "done_reason", root_path));
  Assign(record.done_reason, reason.value_or(std::string_view()));
  if (json::FindMember(root, "prompt_eval_count") || json::FindMember(root, "eval_count")) {
    Usage usage;
    PRSM_OLLAMA_ASSIGN_OR_RETURN(usage.input_tokens,
                                 ReadCount(root, "prompt_eval_count", root_path));
    PRSM_OLLAMA_ASSIGN_OR_RETURN(usage.output_tokens, ReadCount(root, "eval_count", root_path));
    record.usage = usage;
  }
  PRSM_OLLAMA_ASSIGN_OR_RETURN(const Value* logprobs,
                               json::OptionalArray(root, "logprobs", root_path));
  if (logprobs != nullptr) {
    Result<void> read = ReadLogprobs(*logprobs, root_path.Member("logprobs"), record.logprobs);
    if (!read) return std::move(read).error();
  }
  PRSM_OLLAMA_ASSIGN_OR_RETURN(const std::optional<std::string_view> model,
                               json::OptionalString(root, "model", root_path));
  Assign(record.model, model.value_or(std::string_view()));
  return record;
}

#undef PRSM_OLLAMA_ASSIGN_OR_RETURN_IMPL
#undef PRSM_OLLAMA_ASSIGN_OR_RETURN
#undef PRSM_OLLAMA_CONCAT
#undef PRSM_OLLAMA_CONCAT_INNER

// What Parse found wrong, for the caller's message.
enum class Failure { kNone, kNotJson, kShape, kVendor };

Result<Record> Parse(std::string& buffer, bool in_stream, std::string_view secret,
                     Failure& failure) {
  const std::string_view malformed =
      in_stream ? "malformed Ollama stream record" : "malformed Ollama response";
  // `doc`'s strings point into `buffer`, which the caller keeps alive past this call.
  json::PooledDocument pooled;
  json::Document& doc = pooled.doc();
  if (Result<void> parsed = json::ParseJsonInsitu(buffer, doc); !parsed) {
    failure = Failure::kNotJson;
    return Error(ErrorCode::kDataLoss, fmt::format("{}: {}", malformed, parsed.error().message()));
  }
  // A failure reported with a 2xx status, or in the middle of a stream: believe the body.
  if (const Value* error = doc.IsObject() ? json::FindMember(doc, "error") : nullptr;
      error != nullptr && !error->IsNull()) {
    std::optional<std::string> vendor = ReadVendorError(doc);
    if (!vendor) {
      failure = Failure::kShape;
      return Error(ErrorCode::kDataLoss, fmt::format("{}: error: expected a string, got {}",
                                                     malformed, json::TypeName(*error)));
    }
    failure = Failure::kVendor;
    return Error(ErrorCode::kUnavailable,
                 fmt::format("{}: {}",
                             in_stream ? "error record in the stream"
                                       : "error object in a successful response",
                             Describe(std::move(*vendor), secret)));
  }
  Result<Record> record = ReadRecord(doc);
  if (!record) {
    failure = Failure::kShape;
    return Error(record.error().code(), fmt::format("{}: {}", malformed, record.error().message()));
  }
  return record;
}

Result<Record> ParseChecked(std::string& buffer, bool in_stream, std::string_view secret,
                            Failure& failure) {
  try {
    return Parse(buffer, in_stream, secret, failure);
  } catch (const json::AssertionFailure& assertion) {
    // Unreachable unless this file reads without checking; see json/json.h.
    return Error(ErrorCode::kInternal, fmt::format("reading the response: {}", assertion.what()));
  }
}

Error WithMessage(const Error& mapped, std::string message) {
  Error refined(mapped.code(), std::move(message));
  if (!mapped.provider().empty()) refined.WithProvider(mapped.provider());
  if (!mapped.model().empty()) refined.WithModel(mapped.model());
  if (const std::optional<int> status = mapped.http_status()) refined.WithHttpStatus(*status);
  if (const auto delay = mapped.retry_after()) refined.WithRetryAfter(*delay);
  return refined;
}

}  // namespace

FinishReason MapDoneReason(std::string_view reason) noexcept {
  if (reason == "stop") return FinishReason::kStop;
  if (reason == "length") return FinishReason::kLength;
  return FinishReason::kUnknown;
}

Result<Record> ParseRecord(std::string& buffer, bool in_stream, std::string_view secret) {
  Failure failure = Failure::kNone;
  return ParseChecked(buffer, in_stream, secret, failure);
}

Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret) {
  std::string buffer(body);
  Failure failure = Failure::kNone;
  Result<Record> record = ParseChecked(buffer, /*in_stream=*/false, secret, failure);
  if (!record) {
    if (failure != Failure::kNotJson) return std::move(record).error();
    // Show how the body starts: a 200 that is not JSON is usually a proxy's or portal's page,
    // or a stream sent to a request that asked for none.
    std::string raw(body);
    openai::RedactSecret(raw, secret);
    return Error(ErrorCode::kDataLoss,
                 fmt::format("{} (body starts: {})", record.error().message(),
                             openai::SanitizeForMessage(raw, kMaxResponseExcerptBytes)));
  }
  if (!record->done) {
    return Error(ErrorCode::kDataLoss,
                 "malformed Ollama response: done: false (a partial answer, as a stream sends)");
  }
  Completion completion;
  completion.text = std::move(record->text);
  completion.tool_calls = std::move(record->tool_calls);
  for (std::size_t i = 0; i < completion.tool_calls.size(); ++i) {
    if (completion.tool_calls[i].id.empty())
      completion.tool_calls[i].id = fmt::format("call_{}", i);
  }
  completion.raw_finish_reason = std::move(record->done_reason);
  completion.finish_reason = completion.tool_calls.empty()
                                 ? MapDoneReason(completion.raw_finish_reason)
                                 : FinishReason::kToolCalls;
  if (record->usage) completion.usage = *record->usage;
  completion.logprobs = std::move(record->logprobs);
  completion.model = std::move(record->model);
  return completion;
}

Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret) {
  std::string prefix = mapped.message();
  if (prefix.empty()) {
    prefix = mapped.http_status() ? fmt::format("HTTP {}", *mapped.http_status()) : "HTTP error";
  }
  if (body.empty()) return WithMessage(mapped, std::move(prefix));
  std::optional<std::string> vendor;
  try {
    json::Document doc;
    if (json::ParseJson(body, doc) && doc.IsObject()) vendor = ReadVendorError(doc);
  } catch (const json::AssertionFailure&) {
    vendor.reset();  // unreachable (checked reads); fall back to the excerpt
  }
  std::string detail;
  if (vendor) {
    detail = Describe(std::move(*vendor), secret);
  } else {
    std::string raw(body);
    openai::RedactSecret(raw, secret);
    detail = openai::SanitizeForMessage(raw, kMaxExcerptBytes);
  }
  std::string message = fmt::format("{}: {}", prefix, detail);
  openai::RedactSecret(message, secret);
  return WithMessage(mapped, std::move(message));
}

}  // namespace prsm::ollama
