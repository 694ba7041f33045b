// custom_protocol.h — "custom": a host's own in-house model server, not any vendor's API.
//
// It stands for the HTTP protocol of a model server a company runs itself, so that
// examples/custom_provider.cpp can show a host writing a prsm::Provider codec for it. Small on
// purpose, and unlike OpenAI's in every name:
//
//   POST /generate
//   {"model": "house-7b", "input": [{"role": "user", "text": "..."}],
//    "max_new_tokens": 200, "temperature": 0.2}
//
//   200 {"id": "gen-7", "model": "house-7b", "output": "...", "stop": "end",
//        "tokens": {"in": 12, "out": 7}}
//   4xx/5xx {"failure": {"status": 503, "reason": "..."}}
//
// `stop` is "end" (the script's finish reason "stop", "tool_calls" or "content_filter") or
// "length"; other finish reasons are sent verbatim. Tool calls and logprobs do not exist in this
// protocol (scripted tool calls are left out), and it does not stream: a request with
// `"stream": true` gets 400 "streaming is not supported". Validation (400): a JSON object with
// `model` a non-empty string ("model is required") and `input`, if present, an array of objects
// with string `role` and `text`.
#ifndef PRSM_TESTS_SUPPORT_CUSTOM_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_CUSTOM_PROTOCOL_H_

#include <string>

#include "protocol.h"

namespace prsm::testing::fake {

class CustomProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "custom"; }
  bool Serves(std::string_view path) const override { return path == "/generate"; }
  std::string_view method() const override { return "POST"; }
  DecodedCall Decode(const HttpRequest& request) const override;
  std::string_view ContentType(const CallOptions& options) const override;
  std::string RenderCompletion(const Completion& completion) const override;
  /// Never asked for (Decode refuses streams); renders the whole completion as one chunk.
  RenderedStream RenderStream(const Completion& completion,
                              const std::vector<std::string_view>& text_pieces) const override;
  std::string RenderError(const ApiError& error) const override;
  std::string MalformedBody() const override;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_CUSTOM_PROTOCOL_H_
