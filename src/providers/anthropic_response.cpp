// Messages bodies → Completion (Message), and Anthropic error bodies (ErrorResponse) → Error.
// Every read is checked (json/json_read.h); anthropic_codec.h and prsm/providers/anthropic.h
// state the mapping decisions. The assembly of a Completion from its parts lives here too, so
// that the stream decoder ends with exactly what a plain response gives.
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
#include "providers/anthropic_codec.h"
#include "providers/error_text.h"
#include "providers/response_util.h"

namespace prsm::anthropic {
namespace {

using json::Path;
using json::Value;

using providers::Assign;

// The server's text quoted in an error: redacted before it is cut, so that no fragment of the
// key can survive.
std::string Quoted(std::string_view text, std::string_view secret) {
  return providers::Quoted(text, secret, 32);
}

// --- error bodies -----------------------------------------------------------------------------

// What an error body says, read leniently: this runs on the way to reporting a failure, and a
// field of an unexpected type is dropped rather than turned into a second failure.
struct VendorError {
  std::string message;
  std::string type;
  std::string request_id;
};

// {"type": "error", "error": {"type": ..., "message": ...}, "request_id": ...} (ErrorResponse,
// also the data of an `error` stream event), or {"error": "..."} from a proxy in between.
std::optional<VendorError> ReadVendorError(const Value& root) {
  const Value* error = json::FindMember(root, "error");
  if (error == nullptr) return std::nullopt;
  VendorError vendor;
  Assign(vendor.request_id, providers::StringMember(root, "request_id"));
  if (error->IsString()) {
    Assign(vendor.message, json::StringView(*error));
    return vendor;
  }
  if (!error->IsObject()) return std::nullopt;
  Assign(vendor.message, providers::StringMember(*error, "message"));
  Assign(vendor.type, providers::StringMember(*error, "type"));
  return vendor;
}

// "Overloaded (type=overloaded_error, request_id=req_...)", `secret` redacted.
std::string Describe(const VendorError& error, std::string_view secret) {
  return providers::DescribeVendorError(
      error.message, {{"type", error.type}, {"request_id", error.request_id}}, secret);
}

// --- the message ------------------------------------------------------------------------------

Result<void> ReadContent(const Value& content, const Path& path, std::string_view secret,
                         AnswerParts& out) {
  return providers::ForEachObject(
      content, path, [&](const Value& block, const Path& block_path) -> Result<void> {
        PRSM_ASSIGN_OR_RETURN(const std::string_view type,
                              json::RequiredString(block, "type", block_path));
        if (type == "text") {
          PRSM_ASSIGN_OR_RETURN(const std::string_view text,
                                json::RequiredString(block, "text", block_path));
          out.text.append(text);
        } else if (type == "tool_use") {
          PRSM_ASSIGN_OR_RETURN(const std::string_view id,
                                json::RequiredString(block, "id", block_path));
          PRSM_ASSIGN_OR_RETURN(const std::string_view name,
                                json::RequiredString(block, "name", block_path));
          PRSM_ASSIGN_OR_RETURN(const Value* input,
                                json::RequiredObject(block, "input", block_path));
          if (IsStructuredOutputTool(name)) {
            if (!out.structured_json) out.structured_json = providers::CompactJson(*input);
          } else {
            ToolCall& call = out.tool_calls.emplace_back();
            Assign(call.id, id);
            Assign(call.name, name);
            call.arguments_json = providers::CompactJson(*input);
          }
        } else if (type != "thinking" && type != "redacted_thinking") {
          // Thinking is the model's reasoning, not its answer (prsm never asks for it). Server
          // tools and the like, which prsm never enables, are not an answer to this request.
          return json::DataError(
              block_path.Member("type"),
              fmt::format("unsupported content block type {}", Quoted(type, secret)));
        }
        return {};
      });
}

Result<void> ReadMessage(const Value& root, std::string_view secret, AnswerParts& out) {
  const Path root_path;
  PRSM_ASSIGN_OR_RETURN(const Value* content, json::RequiredArray(root, "content", root_path));
  if (Result<void> read = ReadContent(*content, root_path.Member("content"), secret, out); !read) {
    return read;
  }
  PRSM_ASSIGN_OR_RETURN(out.stop_reason, providers::OptionalText(root, "stop_reason", root_path));
  PRSM_ASSIGN_OR_RETURN(const Value* usage, json::OptionalObject(root, "usage", root_path));
  if (usage != nullptr) {
    Result<void> read = ReadUsage(*usage, root_path.Member("usage"), out.usage);
    if (!read) return read;
  }
  PRSM_ASSIGN_OR_RETURN(out.model, providers::OptionalText(root, "model", root_path));
  PRSM_ASSIGN_OR_RETURN(out.id, providers::OptionalText(root, "id", root_path));
  return {};
}

Result<Completion> Parse(std::string_view body, std::string_view secret) {
  // Parsed in place in a private copy: the long strings stay in `buffer`, which is declared
  // first so that it outlives `doc`, whose strings point into it.
  std::string buffer(body);
  json::PooledDocument pooled;
  json::Document& doc = pooled.doc();
  if (Result<void> parsed = json::ParseJsonInsitu(buffer, doc); !parsed) {
    return providers::NotJsonError(fmt::format("malformed message: {}", parsed.error().message()),
                                   body, secret);
  }
  const Path root_path;
  if (!doc.IsObject()) {
    return Error(ErrorCode::kDataLoss,
                 fmt::format("malformed message: {}",
                             json::TypeError(root_path, "an object", doc).message()));
  }

  const std::string_view type = providers::StringMember(doc, "type");
  const Value* error = json::FindMember(doc, "error");
  if (type == "error" || (type.empty() && error != nullptr && !error->IsNull())) {
    // A vendor (or a proxy) that reports a failure with a 2xx status: believe the body.
    std::optional<VendorError> vendor = ReadVendorError(doc);
    if (!vendor) {
      return Error(ErrorCode::kDataLoss,
                   "malformed message: error: expected an object or a string");
    }
    const ErrorCode code = ErrorCodeForErrorType(vendor->type);
    std::string message =
        fmt::format("error object in a successful response: {}", Describe(*vendor, secret));
    providers::RedactSecret(message, secret);
    return Error(code, std::move(message));
  }
  if (const Value* type_value = json::FindMember(doc, "type");
      type_value != nullptr && !type_value->IsNull() && type != "message") {
    return Error(ErrorCode::kDataLoss,
                 fmt::format("malformed message: type: expected \"message\", got {}",
                             type_value->IsString() ? Quoted(type, secret)
                                                    : std::string(json::TypeName(*type_value))));
  }

  AnswerParts parts;
  if (Result<void> read = ReadMessage(doc, secret, parts); !read) {
    return providers::Malformed("message", read.error());
  }
  return AssembleCompletion(std::move(parts));
}

}  // namespace

Result<void> ReadUsage(const Value& usage, const Path& path, AnswerParts::RawUsage& out) {
  // Each count present (and not null) replaces the one before: message_delta's counts are
  // cumulative, and a plain response has one set.
  struct Field {
    std::string_view key;
    std::int64_t AnswerParts::RawUsage::*member;
  };
  static constexpr Field kFields[] = {
      {"input_tokens", &AnswerParts::RawUsage::input_tokens},
      {"output_tokens", &AnswerParts::RawUsage::output_tokens},
      {"cache_read_input_tokens", &AnswerParts::RawUsage::cache_read_input_tokens},
      {"cache_creation_input_tokens", &AnswerParts::RawUsage::cache_creation_input_tokens},
  };
  for (const Field& field : kFields) {
    PRSM_ASSIGN_OR_RETURN(const std::optional<std::int64_t> count,
                          providers::ReadOptionalCount(usage, field.key, path));
    if (count) out.*field.member = *count;
  }
  return {};
}

std::string CompactJsonText(std::string_view text) {
  json::PooledDocument pooled;
  json::Document& doc = pooled.doc();
  if (!json::ParseJson(text, doc) || !doc.IsObject()) return std::string(text);
  return providers::CompactJson(doc);
}

bool IsStructuredOutputTool(std::string_view name) noexcept {
  return name.size() > kStructuredOutputToolPrefix.size() &&
         name.substr(0, kStructuredOutputToolPrefix.size()) == kStructuredOutputToolPrefix;
}

Usage NormaliseUsage(const AnswerParts::RawUsage& raw) noexcept {
  Usage usage;
  usage.input_tokens =
      raw.input_tokens + raw.cache_read_input_tokens + raw.cache_creation_input_tokens;
  usage.cached_input_tokens = raw.cache_read_input_tokens;
  usage.cache_write_tokens = raw.cache_creation_input_tokens;
  usage.output_tokens = raw.output_tokens;
  return usage;
}

FinishReason MapStopReason(std::string_view stop_reason, bool only_structured_output) noexcept {
  if (stop_reason == "end_turn" || stop_reason == "stop_sequence") return FinishReason::kStop;
  if (stop_reason == "max_tokens" || stop_reason == "model_context_window_exceeded") {
    return FinishReason::kLength;
  }
  if (stop_reason == "tool_use") {
    return only_structured_output ? FinishReason::kStop : FinishReason::kToolCalls;
  }
  if (stop_reason == "refusal") return FinishReason::kContentFilter;
  return FinishReason::kUnknown;
}

Completion AssembleCompletion(AnswerParts parts) {
  Completion completion;
  const bool structured = parts.structured_json.has_value();
  completion.text = structured ? std::move(*parts.structured_json) : std::move(parts.text);
  completion.finish_reason =
      MapStopReason(parts.stop_reason, structured && parts.tool_calls.empty());
  completion.tool_calls = std::move(parts.tool_calls);
  completion.raw_finish_reason = std::move(parts.stop_reason);
  completion.usage = NormaliseUsage(parts.usage);
  completion.model = std::move(parts.model);
  completion.id = std::move(parts.id);
  return completion;
}

Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret) {
  return providers::GuardedRead([&] { return Parse(body, secret); });
}

ErrorCode ErrorCodeForErrorType(std::string_view type) noexcept {
  if (type == "overloaded_error" || type == "api_error" || type == "timeout_error") {
    return ErrorCode::kUnavailable;
  }
  if (type == "rate_limit_error") return ErrorCode::kResourceExhausted;
  if (type == "authentication_error") return ErrorCode::kUnauthenticated;
  if (type == "permission_error") return ErrorCode::kPermissionDenied;
  if (type == "not_found_error") return ErrorCode::kNotFound;
  if (type == "invalid_request_error" || type == "request_too_large") {
    return ErrorCode::kInvalidArgument;
  }
  if (type == "billing_error") return ErrorCode::kFailedPrecondition;
  // The vendor said the call failed but not why: prsm does not guess that a retry could help.
  return ErrorCode::kUnknown;
}

std::optional<std::string> DescribeErrorBody(std::string_view body, std::string_view secret,
                                             std::string* type) {
  std::optional<VendorError> vendor = providers::ReadJsonLeniently(body, &ReadVendorError);
  if (!vendor) return std::nullopt;
  if (type != nullptr) *type = vendor->type;
  std::string text = Describe(*vendor, secret);
  providers::RedactSecret(text, secret);
  return text;
}

Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret) {
  std::optional<providers::VendorDetail> detail;
  if (std::optional<std::string> described = DescribeErrorBody(body, secret, nullptr)) {
    detail = providers::VendorDetail{std::move(*described), std::nullopt, std::nullopt};
  }
  return providers::RefineHttpErrorWith(body, mapped, std::move(detail), secret);
}

}  // namespace prsm::anthropic
