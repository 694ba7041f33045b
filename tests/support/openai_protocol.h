// openai_protocol.h — the OpenAI Chat Completions wire format, plain and streamed.
//
// Endpoints: POST /v1/chat/completions and POST /chat/completions (clients configured with a
// base URL lacking "/v1"). Bodies follow CreateChatCompletionResponse,
// CreateChatCompletionStreamResponse and the Error object of OpenAI's OpenAPI description
// (/work/shared/specs/openai-openapi.yaml); both are checked against it with ajv.
//
// Request validation, as the vendor does it (400 invalid_request_error, `param` naming the
// field): body must be a JSON object in valid UTF-8; `model` a non-empty string; `messages` a
// non-empty array of objects each with a string `role`; `stream`, `logprobs` booleans or null;
// `stream_options` an object or null, only with `"stream": true`, its `include_usage` a boolean;
// `top_logprobs` an integer 0..20 or null, and only with `logprobs: true`.
//
// With `"logprobs": true`, choices[0].logprobs.content has one entry per whitespace-separated
// word of the text; each token is the word with the whitespace before it (as OpenAI tokens carry
// their leading space), so the tokens concatenate back to the text minus trailing whitespace.
// Word i (from 0) has logprob -(i+1)/100; with `top_logprobs: N` its top_logprobs list has N
// entries: the word itself, then "alt1".."alt<N-1>" with logprob -(i+1)/100 - k. Streamed
// chunks carry `"logprobs": null`.
//
// Tool calls: message.tool_calls [{"id":"call_<seq>_<i>","type":"function","function":{"name",
// "arguments"}}]; `content` is null when the text is empty and there are tool calls.
//
// A stream (`"stream": true`), each line `data: <chunk>` followed by a blank line:
//   data: {"id":"chatcmpl-7","object":"chat.completion.chunk","created":1700000000,
//          "model":"m","system_fingerprint":"fp_prsm_fake","service_tier":"default",
//          "choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},
//          "logprobs":null,"finish_reason":null}]}                       ← preamble
//   data: {... "choices":[{"index":0,"delta":{"content":"Hello"},...}]}  ← a text chunk
//   data: {... "delta":{"tool_calls":[{"index":0,"id":"call_7_0","type":"function",
//          "function":{"name":"f","arguments":""}}]} ...}                ← a tool call starts
//   data: {... "delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]}}
//   data: {... "delta":{},"logprobs":null,"finish_reason":"stop"}]}      ← epilogue
//   data: {... "choices":[],"usage":{...}}       (only with stream_options.include_usage)
//   data: [DONE]
// With include_usage every other chunk carries "usage":null, as OpenAI sends it. Arguments are
// cut in fragments of at most kArgumentFragmentBytes bytes, one chunk each.
#ifndef PRSM_TESTS_SUPPORT_OPENAI_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_OPENAI_PROTOCOL_H_

#include <string>

#include "protocol.h"

namespace prsm::testing::fake {

class OpenAiProtocol : public Protocol {
 public:
  std::string_view name() const override { return "openai"; }
  bool Serves(std::string_view path) const override;
  std::string_view method() const override { return "POST"; }
  DecodedCall Decode(const HttpRequest& request) const override;
  std::string_view ContentType(const CallOptions& options) const override;
  std::string RenderCompletion(const Completion& completion) const override;
  RenderedStream RenderStream(const Completion& completion,
                              const std::vector<std::string_view>& text_pieces) const override;
  std::string RenderError(const ApiError& error) const override;
  std::string MalformedBody() const override;

 protected:
  /// Validates the body. A non-empty `model_from_path` (Azure's deployment) is the model, and
  /// the body's `model` is then ignored, as Azure does.
  DecodedCall DecodeBody(const HttpRequest& request, std::string model_from_path) const;
};

/// Shared by the plain and streamed renderers: the `usage` object (CompletionUsage).
void AppendOpenAiUsage(const ModelScript& script, std::string* out);
/// Shared by the plain and streamed renderers: tool call `index`'s id, "call_<seq>_<index>".
void AppendOpenAiToolCallId(std::uint64_t seq, std::size_t index, std::string* out);

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_OPENAI_PROTOCOL_H_
