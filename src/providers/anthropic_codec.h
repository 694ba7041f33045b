// providers/anthropic_codec.h — the Anthropic Messages wire format, as pure functions.
//
// The provider class (anthropic.cpp) owns configuration: the endpoint, the headers, the key.
// These functions own the format: anthropic_request.cpp writes the request body,
// anthropic_response.cpp reads a message or an error body, anthropic_stream.cpp decodes the
// event stream. Field names follow Anthropic's OpenAPI description (CreateMessageParams,
// InputMessage, Message, ContentBlock, Usage, MessageStreamEvent, ErrorResponse). The public
// header (prsm/providers/anthropic.h) states the translation rules; the functions here hold no
// state, do no I/O and are safe to call from any thread.
//
// Errors carry no provider id unless a function takes one; the provider adds it.
#ifndef PRSM_PROVIDERS_ANTHROPIC_CODEC_H_
#define PRSM_PROVIDERS_ANTHROPIC_CODEC_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "json/json.h"
#include "json/json_read.h"
#include "prsm/provider.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::anthropic {

/// Wire choices fixed when the provider is created.
struct RequestOptions {
  /// Sent as `max_tokens` when the request has none (Anthropic requires the field).
  std::int32_t default_max_tokens = 4096;
};

/// Structured output travels as a tool call (see anthropic.h). The tool is named this prefix
/// followed by ResponseFormat::name; the response side recognises it by the prefix alone, since
/// a codec does not see the request again. Requests may not define tools with this prefix.
inline constexpr std::string_view kStructuredOutputToolPrefix = "prsm_respond_";

/// True for the name of the structured-output tool.
bool IsStructuredOutputTool(std::string_view name) noexcept;

/// Encodes `request` as a CreateMessageParams JSON body, compact, unset optionals omitted.
/// Errors (kInvalidArgument, the message naming the field): empty model, or no user or assistant
/// message; temperature or top_p not finite or outside 0..1; max_tokens < 1; text that is not
/// valid UTF-8; a turn left with no content; tool calls outside an assistant message, a tool
/// call without id or name or whose arguments are not a JSON object; a tool message without
/// tool_call_id, or a tool_call_id on another role; ids or tool names Anthropic refuses (ids:
/// [A-Za-z0-9_-]+; names: 1..128 of those), a tool name with the reserved prefix; a tool schema
/// or response JSON schema that is not a JSON object; a tool_choice that needs tools when there
/// are none, or names a tool that is not defined. Request text quoted in an error has any
/// occurrence of `secret` (the API key) replaced by "[REDACTED]".
Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options, std::string_view secret);

/// The parts of an answer, as a plain or a streamed response delivers them, before the
/// structured-output tool and the finish reason are resolved. Shared so that a stream assembles
/// exactly the Completion a plain response gives.
struct AnswerParts {
  /// Token counts as Anthropic reports them (not yet normalised).
  struct RawUsage {
    std::int64_t input_tokens = 0;
    std::int64_t output_tokens = 0;
    std::int64_t cache_read_input_tokens = 0;
    std::int64_t cache_creation_input_tokens = 0;
  };
  std::string text;                            ///< Text blocks, concatenated.
  std::vector<ToolCall> tool_calls;            ///< tool_use blocks other than structured output.
  std::optional<std::string> structured_json;  ///< The structured-output tool's input, compact.
  std::string stop_reason;                     ///< Anthropic's word; empty when not reported.
  RawUsage usage;
  std::string model;
  std::string id;
};

/// prsm's Usage for Anthropic's counts (see types.h: input includes both cache counts).
Usage NormaliseUsage(const AnswerParts::RawUsage& raw) noexcept;

/// The finish reason for Anthropic's stop_reason: end_turn and stop_sequence kStop, max_tokens
/// and model_context_window_exceeded kLength, tool_use kToolCalls (kStop when the only tool
/// called was the structured-output one), refusal kContentFilter, anything else kUnknown.
FinishReason MapStopReason(std::string_view stop_reason, bool only_structured_output) noexcept;

/// The Completion for `parts`: the structured-output JSON, when present, replaces the text
/// (any text blocks beside it are dropped: they would make the JSON unreadable).
Completion AssembleCompletion(AnswerParts parts);

/// Reads a Usage or MessageDeltaUsage object into `out`. Each count present and not null
/// replaces the one in `out` (message_delta's counts are cumulative), the others stay. Errors:
/// kDataLoss for a count that is not a non-negative integer, naming its path.
Result<void> ReadUsage(const json::Value& usage, const json::Path& path,
                       AnswerParts::RawUsage& out);

/// `text` (a JSON object) rewritten compactly, exactly as a plain response's tool input is
/// (providers::CompactJson, the form a tool_use block's input takes in a ToolCall); `text`
/// itself when it is not a JSON object (a stream cut off inside a tool's input, say).
std::string CompactJsonText(std::string_view text);

/// Decodes a 2xx Messages body. Errors: kDataLoss "malformed message: <path>: <problem>" for a
/// body that is not UTF-8 JSON of the expected shape (wrong types, an unsupported content block
/// type, negative token counts, trailing data). A body {"type": "error", "error": {...}} is the
/// vendor reporting a failure: its code comes from ErrorCodeForErrorType and its message from
/// the body, with any occurrence of `secret` (the API key) replaced by "[REDACTED]".
Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret);

/// The ErrorCode for an Anthropic error type seen without an HTTP error status (inside a 2xx
/// body or an `error` stream event): overloaded_error, api_error and timeout_error kUnavailable;
/// rate_limit_error kResourceExhausted; authentication_error kUnauthenticated; permission_error
/// kPermissionDenied; not_found_error kNotFound; invalid_request_error and request_too_large
/// kInvalidArgument; billing_error kFailedPrecondition (waiting does not pay the bill); anything
/// else kUnknown.
ErrorCode ErrorCodeForErrorType(std::string_view type) noexcept;

/// "<message> (type=<type>, request_id=<id>)" for an Anthropic ErrorResponse (or its `error`
/// object alone, as stream error events carry it), sanitised and with `secret` redacted, or
/// nullopt when `root` is not that shape. `type` receives the error type.
std::optional<std::string> DescribeErrorBody(std::string_view body, std::string_view secret,
                                             std::string* type);

/// Refines the error for a non-2xx response (see Provider::ParseError). The result keeps
/// `mapped`'s code, HTTP status, Retry-After, provider and model; its message is
/// "<mapped message>: <vendor message> (type=..., request_id=...)" for an Anthropic error body,
/// or "<mapped message>: <excerpt>" with the first 200 bytes of any other body, sanitised.
/// Any occurrence of `secret` (the API key) is replaced by "[REDACTED]".
Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret);

/// A decoder of one Messages event stream. Errors it returns name `provider_id`, and never
/// contain `secret`.
std::unique_ptr<StreamDecoder> NewStreamDecoder(std::string provider_id, std::string secret);

}  // namespace prsm::anthropic

#endif  // PRSM_PROVIDERS_ANTHROPIC_CODEC_H_
