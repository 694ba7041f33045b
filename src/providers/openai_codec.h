// providers/openai_codec.h — the OpenAI Chat Completions wire format, as pure functions.
//
// The provider class (openai.cpp) owns configuration: the endpoint, the headers, the key. These
// functions own the format: openai_request.cpp writes the request body, openai_response.cpp reads
// a completion or an error body. They hold no state, do no I/O and are safe to call from any
// thread. Field names follow OpenAI's OpenAPI description (CreateChatCompletionRequest,
// CreateChatCompletionResponse, CompletionUsage, ChatCompletionTokenLogprob, Error).
//
// Errors carry no provider id; the provider adds it.
#ifndef PRSM_PROVIDERS_OPENAI_CODEC_H_
#define PRSM_PROVIDERS_OPENAI_CODEC_H_

#include <memory>
#include <string>
#include <string_view>

#include "prsm/provider.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::openai {

/// Wire choices fixed when the provider is created.
struct RequestOptions {
  /// Send the token limit as `max_completion_tokens` (true) or `max_tokens` (false).
  bool use_max_completion_tokens = true;
  /// With `stream`, ask for the final usage chunk (`stream_options.include_usage`).
  bool stream_usage = true;
};

/// Encodes `request` as a Chat Completions JSON body, compact, with unset optionals omitted.
/// Errors (kInvalidArgument, the message naming the field): empty model or messages; a
/// non-finite temperature or top_p; max_tokens < 1; top_logprobs outside 0..20; text that is not
/// valid UTF-8; a JSON schema or tool parameter schema that is not a JSON object; a message
/// field OpenAI cannot express (tool calls outside an assistant message, a tool message without
/// tool_call_id or with a name); a tool_choice that needs tools when there are none, or names a
/// tool that is not defined. Request text quoted in an error has any occurrence of `secret` (the
/// API key) replaced by "[REDACTED]" before it is cut.
Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options, std::string_view secret);

/// Decodes a 2xx Chat Completions body.
///
/// - `text` is choices[0].message.content. When the content is null or empty and the message
///   has a `refusal`, `text` is the refusal and `finish_reason` is kContentFilter (the model's
///   safety policy stopped the answer; `raw_finish_reason` keeps the vendor's word, usually
///   "stop"), and `logprobs` come from logprobs.refusal. A null content without tool calls or
///   refusal is an empty text, not an error (reasoning models that spend the whole budget on
///   reasoning answer that way, with finish_reason "length").
/// - finish_reason: stop, length, tool_calls, content_filter; the deprecated function_call is
///   kToolCalls; anything else is kUnknown. The vendor's string is kept in raw_finish_reason.
/// - The deprecated message.function_call becomes a ToolCall with an empty id.
/// - usage: prompt_tokens → input_tokens, prompt_tokens_details.cached_tokens →
///   cached_input_tokens, prompt_tokens_details.cache_write_tokens → cache_write_tokens,
///   completion_tokens → output_tokens, completion_tokens_details.reasoning_tokens →
///   reasoning_tokens. Missing or null counts are 0.
///
/// Errors: kDataLoss "malformed chat completion: <path>: <problem>" for a body that is not UTF-8
/// JSON of the expected shape (wrong types, no choices, negative token counts, trailing data).
/// A body `{"error": {...}}` is the vendor reporting a failure: its code comes from
/// ErrorCodeForErrorObject and its message from the body, with any occurrence of `secret` (the
/// API key) replaced by "[REDACTED]".
Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret);

/// The ErrorCode for an OpenAI error object seen without an HTTP error status (an error inside a
/// 2xx). `code` may be a string ("rate_limit_exceeded") or, as OpenRouter and vLLM send it, an
/// HTTP status ("429"). The code wins over the type when both are known:
/// - HTTP status 400..599 → the status table of net/error_map.h;
/// - insufficient_quota, rate_limit_exceeded, and the rate-limit types requests, tokens,
///   rate_limit_error → kResourceExhausted;
/// - invalid_api_key, invalid_authentication, authentication_error → kUnauthenticated;
/// - permission_error, permission_denied → kPermissionDenied;
/// - model_not_found, not_found_error → kNotFound;
/// - invalid_request_error → kInvalidArgument;
/// - server_error, api_error, internal_error, service_unavailable, overloaded_error →
///   kUnavailable;
/// - anything else → kUnknown: the vendor said the call failed but not why, so prsm does not
///   guess that a retry could help.
ErrorCode ErrorCodeForErrorObject(std::string_view type, std::string_view code) noexcept;

/// Refines the error for a non-2xx response (see Provider::ParseError). The result keeps
/// `mapped`'s code, HTTP status, Retry-After, provider and model; its message is
/// "<mapped message>: <vendor message> (type=..., code=..., param=...)" when the body is an
/// OpenAI error object (or the {"error": "..."} and {"message": ..., "type": ...} shapes of
/// compatible servers), or "<mapped message>: <excerpt>" with the first 200 bytes of any other
/// body, non-printable bytes replaced. An `insufficient_quota` error is kResourceExhausted with
/// "quota exhausted" in the message, whatever the status. Any occurrence of `secret` (the API key)
/// in the result is replaced by "[REDACTED]".
Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret);

/// A decoder of a Chat Completions stream: SSE events whose data is a chat.completion.chunk
/// (CreateChatCompletionStreamResponse), ending with `data: [DONE]`. Emits a kTextDelta per
/// content (or refusal) fragment of choice 0, a kToolCallDelta per tool-call fragment (index,
/// and id and name in a call's first fragment), kFinish when a finish_reason arrives and kUsage
/// for the usage chunk that `stream_options.include_usage` adds. Errors name `provider_id`:
/// kDataLoss for a chunk that is not the expected JSON, an event type other than "message" or
/// data after [DONE]; the vendor's code for an `error` object in the stream (`secret`
/// redacted); from Finish(), kUnavailable when [DONE] never came.
std::unique_ptr<StreamDecoder> NewChatStreamDecoder(std::string provider_id, std::string secret);

}  // namespace prsm::openai

#endif  // PRSM_PROVIDERS_OPENAI_CODEC_H_
