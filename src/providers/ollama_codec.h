// providers/ollama_codec.h — Ollama's native /api/chat wire format, as pure functions.
//
// The provider class (ollama.cpp) owns configuration: the endpoint, the headers, the key. These
// functions own the format: ollama_request.cpp writes ChatRequest bodies, ollama_response.cpp
// reads ChatResponse bodies and stream records (ChatStreamEvent) and error bodies,
// ollama_stream.cpp assembles a stream. They hold no state besides the decoder's, do no I/O and
// are safe to call from any thread. Field names follow Ollama's OpenAPI description
// (ChatRequest, ChatMessage, ToolCall, ToolDefinition, ModelOptions, ChatResponse,
// ChatStreamEvent, Logprob, ErrorResponse).
//
// Errors carry no provider id, except the stream decoder's; the provider adds it.
#ifndef PRSM_PROVIDERS_OLLAMA_CODEC_H_
#define PRSM_PROVIDERS_OLLAMA_CODEC_H_

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/provider.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::ollama {

/// Wire choices fixed when the provider is created.
struct RequestOptions {
  /// `keep_alive`: empty = not sent; an integer is sent as a number (seconds), anything else as
  /// a string (Ollama parses it as a Go duration, "5m").
  std::string keep_alive;
};

/// Encodes `request` as a ChatRequest JSON body, compact, unset optionals omitted.
///
/// - `stream` is always written, `request.stream`, since Ollama streams by default.
/// - messages: {role, content}; an assistant's tool calls are `tool_calls` [{function: {name,
///   arguments}}] with the arguments as a JSON object (empty arguments are `{}`); a tool message
///   carries `tool_name`, the function of the latest earlier call with its `tool_call_id`, else
///   `Message::name` (omitted when neither is known). Ollama has no participant names: `name`
///   of other messages is not sent, nor are tool call ids (its API has none).
/// - format: "json" for kJsonObject, the schema object for kJsonSchema (`name` and `strict`
///   have no Ollama form).
/// - options: temperature, top_p, num_predict (max_tokens), stop, seed.
/// - logprobs / top_logprobs as given (top_logprobs implies logprobs).
/// - tools: [{type: "function", function: {name, description, parameters}}] (parameters
///   default to an empty object schema: Ollama requires them). tool_choice kAuto sends them,
///   kNone leaves them out; kRequired and kNamed are kUnimplemented: Ollama cannot force a call,
///   and quietly turning "must call" into "may call" would hand callers answers they did not
///   ask for.
///
/// Errors (kInvalidArgument, naming the field, unless said otherwise): empty model or messages;
/// a non-finite temperature or top_p; max_tokens < 1; top_logprobs outside 0..20; text that is
/// not valid UTF-8; a schema, tool parameters or tool call arguments that are not a JSON object;
/// tool calls outside an assistant message; a tool call without a name; tool_call_id outside a
/// tool message; kUnimplemented for tool_choice kRequired or kNamed. Request text quoted in an
/// error has any occurrence of `secret` (the API key) replaced by "[REDACTED]" before it is cut.
Result<std::string> BuildRequestBody(const CompletionRequest& request,
                                     const RequestOptions& options, std::string_view secret);

/// One ChatResponse or stream record, in prsm's terms.
struct Record {
  std::string text;                  ///< message.content ("" when absent)
  std::vector<ToolCall> tool_calls;  ///< message.tool_calls; id empty when Ollama gave none
  bool done = false;
  std::string done_reason;
  std::optional<Usage> usage;  ///< set when the record has prompt_eval_count or eval_count
  std::vector<TokenLogprob> logprobs;
  std::string model;
};

/// Parses one record in place (`buffer` is modified). `{"error": "..."}` is the vendor's
/// error: kUnavailable (Ollama's errors carry no code, and one after a 2xx means the server
/// accepted the request and failed while generating — the model runner stopped, ran out of
/// memory — so the request itself was fine and another attempt may succeed), message
/// "<context>: <text>", `secret` redacted. Anything that is not UTF-8 JSON of the expected shape
/// is kDataLoss "malformed Ollama <what>: <path>: <problem>"; `done` must be present and a
/// boolean, which is what tells a record from any other JSON object.
Result<Record> ParseRecord(std::string& buffer, bool in_stream, std::string_view secret);

/// Decodes a 2xx /api/chat body sent with stream false.
///
/// - text = message.content; message.thinking (reasoning) is not part of the answer.
/// - tool calls: message.tool_calls, id the vendor's or "call_<n>" (n counts the answer's calls
///   from 0, so the same answer always gets the same ids), arguments_json the compact
///   arguments (a string is taken as the arguments' JSON text).
/// - finish_reason: kToolCalls when there are tool calls, else done_reason stop → kStop, length
///   → kLength, anything else kUnknown; the vendor's word is kept in raw_finish_reason.
/// - usage: prompt_eval_count → input, eval_count → output (thinking included; Ollama does not
///   count reasoning apart). Missing counts are 0.
/// - logprobs: `logprobs` [{token, logprob, top_logprobs}]. model = model; Ollama gives no id.
///
/// Errors: as ParseRecord (a body that is not JSON also shows its first 80 bytes), and kDataLoss
/// for `done: false` (a partial answer: a streamed record, not a response).
Result<Completion> ParseResponseBody(std::string_view body, std::string_view secret);

/// Refines the error for a non-2xx response (see Provider::ParseError). Keeps `mapped`'s code,
/// HTTP status, Retry-After, provider and model; the message is "<mapped message>: <error>" for
/// Ollama's {"error": "..."}, else "<mapped message>: <first 200 bytes of the body>". Any
/// occurrence of `secret` is replaced by "[REDACTED]".
Error RefineHttpError(std::string_view body, const Error& mapped, std::string_view secret);

/// A decoder for a streamed /api/chat body (NDJSON, one record per line): message.content is a
/// kTextDelta, each tool call one kToolCallDelta carrying the whole call (Ollama sends calls
/// whole), and the `done: true` record a kUsage and a kFinish; it completes the stream, and any
/// record after it is kDataLoss. An `{"error": ...}` record is the vendor's error (see
/// ParseRecord). Finish() first decodes a last record that had no newline (its events go to
/// Finish's `events`), then returns kUnavailable when no done record came. Errors carry
/// `provider_id`.
std::unique_ptr<StreamDecoder> NewStreamDecoder(std::string provider_id, std::string secret);

/// "stop" → kStop, "length" → kLength, else kUnknown (without the tool-call rule).
FinishReason MapDoneReason(std::string_view reason) noexcept;

}  // namespace prsm::ollama

#endif  // PRSM_PROVIDERS_OLLAMA_CODEC_H_
