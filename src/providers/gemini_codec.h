// providers/gemini_codec.h — the Gemini generateContent wire format, as pure functions.
//
// The provider class (gemini.cpp) owns configuration: the endpoint, the headers, the key. These
// functions own the format: gemini_request.cpp writes GenerateContentRequest bodies,
// gemini_response.cpp reads GenerateContentResponse bodies (a whole answer, or one chunk of a
// stream) and error bodies, gemini_stream.cpp assembles a stream. They hold no state besides
// the decoder's, do no I/O and are safe to call from any thread. Field names follow the Gemini
// API's OpenAPI description (GenerateContentRequest, Content, Part, FunctionCall,
// FunctionResponse, GenerationConfig, Tool, ToolConfig, GenerateContentResponse, Candidate,
// UsageMetadata, PromptFeedback, LogprobsResult, and the google.rpc error envelope).
//
// Errors carry no provider id, except the stream decoder's; the provider adds it.
#ifndef PRSM_PROVIDERS_GEMINI_CODEC_H_
#define PRSM_PROVIDERS_GEMINI_CODEC_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/provider.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::gemini {

/// The model's resource name for the URL path: "models/<model>", or `model` itself when it
/// already starts with "models/" or "tunedModels/". Errors (kInvalidArgument): empty, or
/// characters other than letters, digits and "-._~" in a name segment (anything else could
/// change the URL's meaning: '?', '#', ':', '%', spaces, ".."); the model quoted in the message
/// has any occurrence of `secret` (the API key) replaced by "[REDACTED]" before it is cut.
Result<std::string> ModelResource(std::string_view model, std::string_view secret);

/// Encodes `request` as a GenerateContentRequest JSON body, compact, unset optionals omitted.
/// The model goes in the URL, not the body.
///
/// - contents: user messages are role "user" with a text part; assistant messages role "model"
///   with a text part (when not empty) and a `functionCall` part {name, args, id} per tool call
///   (empty arguments are `{}`); tool messages are `functionResponse` parts {name, response,
///   id} in a role "user" content, consecutive tool messages sharing one (Gemini wants all the
///   answers to one turn's calls together). `name` is the function of the latest earlier tool
///   call with the message's `tool_call_id`, else `Message::name`; `response` is the message
///   text when it is a JSON object, else {"result": text}. Gemini has no participant names:
///   `name` of other messages is not sent.
/// - systemInstruction: one text part per system message, wherever they are.
/// - generationConfig: temperature, topP, maxOutputTokens, stopSequences, seed (int32 on the
///   wire); kJsonObject → responseMimeType "application/json"; kJsonSchema → that plus
///   `responseJsonSchema`, which takes a plain JSON Schema, as prsm's `json_schema` is (the older
///   `responseSchema` takes Gemini's OpenAPI-subset `Schema`, which refuses common JSON Schema
///   keywords such as additionalProperties and $ref); `name` and `strict` have no Gemini form
///   (Gemini always constrains to the schema). logprobs → responseLogprobs, top_logprobs →
///   logprobs (and implies responseLogprobs).
/// - tools: one Tool with a functionDeclaration {name, description, parametersJsonSchema} per
///   tool (plain JSON Schema, for the same reason); toolConfig.functionCallingConfig.mode is
///   AUTO, NONE or ANY, and a named choice is ANY with allowedFunctionNames [name].
///
/// Errors (kInvalidArgument, naming the field): empty model or messages; no message other than
/// system ones; a non-finite temperature or top_p; max_tokens < 1; top_logprobs outside 0..20;
/// a seed outside int32; text that is not valid UTF-8; a schema, tool parameters or tool call
/// arguments that are not a JSON object; tool calls outside an assistant message; a tool call
/// without a name; tool_call_id outside a tool message; a tool message whose function name
/// cannot be found; a tool_choice that needs tools when there are none, or names a tool that is
/// not defined. Request text quoted in an error has any occurrence of `secret` (the API key)
/// replaced by "[REDACTED]" before it is cut.
Result<std::string> BuildRequestBody(const CompletionRequest& request, std::string_view secret);

/// One GenerateContentResponse, in prsm's terms: a whole answer, or one chunk of a stream.
struct ResponseChunk {
  /// False for a body without candidates (a stream's usage-only chunk, say).
  bool has_candidate = false;
  /// The first candidate's text parts, concatenated; parts marked `thought` are skipped.
  std::string text;
  /// Its functionCall parts. `id` is the vendor's, empty when it gave none; `arguments_json`
  /// is `args` written compactly ("{}" when absent).
  std::vector<ToolCall> tool_calls;
  /// The candidate's finishReason; nullopt while generating (a stream's earlier chunks).
  std::optional<std::string> finish_reason;
  /// usageMetadata, normalised (see ParseResponseBody); nullopt when absent.
  std::optional<Usage> usage;
  /// logprobsResult.chosenCandidates with the topCandidates of the same step.
  std::vector<TokenLogprob> logprobs;
  std::string model;  ///< modelVersion
  std::string id;     ///< responseId
};

/// Parses one GenerateContentResponse in place (`buffer` is modified). A body with an `error`
/// object is the vendor's error (code from ErrorForStatus, retry_after() from a RetryInfo
/// detail), its message "error object in a successful response: <message> (code=...,
/// status=...)", or "error event in the stream: ..." when `in_stream`. A body without candidates
/// whose promptFeedback has a blockReason is kInvalidArgument "prompt blocked by Gemini
/// (blockReason=...)": the same prompt would be blocked again, so neither a retry nor a wait can
/// help. Anything that is not UTF-8 JSON of the expected shape is kDataLoss "malformed Gemini
/// response: <path>: <problem>" ("malformed Gemini stream chunk: ..." when `in_stream`). Any
/// occurrence of `secret` in a vendor message is replaced by "[REDACTED]".
Result<ResponseChunk> ParseResponseChunk(std::string& buffer, bool in_stream,
                                         std::string_view secret);

/// Decodes a 2xx generateContent body.
///
/// - text and tool calls: see ResponseChunk; a call without an id gets "call_<n>", n counting
///   the answer's calls from 0, so the same answer always gets the same ids.
/// - finish_reason: STOP → kStop (kToolCalls when the answer has tool calls: Gemini says STOP
///   for those); MAX_TOKENS → kLength; SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII,
///   IMAGE_SAFETY, IMAGE_PROHIBITED_CONTENT, IMAGE_RECITATION → kContentFilter; anything else
///   kUnknown. The vendor's word is kept in raw_finish_reason.
/// - usage: input = promptTokenCount (which includes the cached content) +
///   toolUsePromptTokenCount; cached_input = cachedContentTokenCount; output =
///   candidatesTokenCount + thoughtsTokenCount; reasoning = thoughtsTokenCount. Missing counts
///   are 0.
/// - model = modelVersion, id = responseId.
///
/// Errors: as ParseResponseChunk (a body that is not JSON also shows its first 80 bytes), and
/// kDataLoss for a body without any candidate and no blockReason.
Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret);

/// The ErrorCode for a google.rpc status seen without an HTTP error status (an error inside a
/// 2xx body or a stream). An HTTP status in `code` (400..599) wins, through prsm's status table
/// (net/error_map.h). Otherwise `status`, whose names are prsm's own codes (google.rpc.Code and
/// abseil share them), except INTERNAL, which Gemini uses for transient failures it asks
/// clients to retry: kUnavailable. Unknown or missing: kUnknown.
ErrorCode ErrorForStatus(std::optional<int> code, std::string_view status) noexcept;

/// Refines the error for a non-2xx response (see Provider::ParseError). Keeps `mapped`'s code,
/// HTTP status, Retry-After, provider and model; the message is "<mapped message>: <vendor
/// message> (status=...)" for a google.rpc error body ({"error": {code, message, status}},
/// also inside a one-element array), else "<mapped message>: <first 200 bytes of the body>".
/// Gemini states how long to wait in a google.rpc.RetryInfo detail ("retryDelay": "41s") more
/// often than in a Retry-After header: it becomes retry_after() when the header gave none. Any
/// occurrence of `secret` is replaced by "[REDACTED]".
Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret);

/// A decoder for a `streamGenerateContent?alt=sse` body. Each SSE event's data is one
/// GenerateContentResponse: its text is a kTextDelta, each functionCall one kToolCallDelta
/// carrying the whole call (id — the vendor's or "call_<n>" — name, and the compact args as
/// `arguments_delta`), a changed usageMetadata a kUsage, and a finishReason a kFinish. The
/// stream has no end marker: it is complete once a chunk carried a finishReason, and Finish()
/// on a stream that ended without one is kUnavailable (kDataLoss when it ended inside an
/// event). An `error` chunk is the vendor's error. Errors carry `provider_id`.
std::unique_ptr<StreamDecoder> NewStreamDecoder(std::string provider_id, std::string secret);

/// MAX_TOKENS, STOP, ... → FinishReason (without the tool-call rule of ParseResponseBody).
FinishReason MapFinishReason(std::string_view reason) noexcept;

}  // namespace prsm::gemini

#endif  // PRSM_PROVIDERS_GEMINI_CODEC_H_
