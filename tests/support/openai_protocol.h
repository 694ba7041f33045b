// openai_protocol.h — the OpenAI Chat Completions wire format (non-streaming).
//
// Endpoints: POST /v1/chat/completions and POST /chat/completions (clients configured with a
// base URL lacking "/v1"). Bodies follow CreateChatCompletionResponse and the Error object of
// OpenAI's OpenAPI description (/work/shared/specs/openai-openapi.yaml).
//
// Request validation, as the vendor does it (400 invalid_request_error, `param` naming the
// field): body must be a JSON object in valid UTF-8; `model` a non-empty string; `messages` a
// non-empty array of objects each with a string `role`; `stream`, `logprobs` booleans or null;
// `top_logprobs` an integer 0..20 or null, and only with `logprobs: true`. `"stream": true` is
// refused ("streaming is not supported by this fake yet") until SSE support lands.
//
// With `"logprobs": true`, choices[0].logprobs.content has one entry per whitespace-separated
// word of the text; each token is the word with the whitespace before it (as OpenAI tokens carry
// their leading space), so the tokens concatenate back to the text minus trailing whitespace.
// Word i (from 0) has logprob -(i+1)/100; with `top_logprobs: N` its top_logprobs list has N
// entries: the word itself, then "alt1".."alt<N-1>" with logprob -(i+1)/100 - k.
#ifndef PRSM_TESTS_SUPPORT_OPENAI_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_OPENAI_PROTOCOL_H_

#include "protocol.h"

namespace prsm::testing::fake {

class OpenAiProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "openai"; }
  bool Serves(std::string_view path) const override;
  std::string_view method() const override { return "POST"; }
  DecodedCall Decode(const HttpRequest& request) const override;
  std::string RenderCompletion(const Completion& completion) const override;
  std::string RenderError(const ApiError& error) const override;
  std::string MalformedBody() const override;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_OPENAI_PROTOCOL_H_
