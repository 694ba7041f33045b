// ollama_protocol.h — Ollama's native chat API, plain and streamed (NDJSON).
//
// Endpoint: POST /api/chat. Bodies follow ChatResponse / ChatStreamEvent / ErrorResponse of
// Ollama's OpenAPI description (/work/shared/specs/ollama/openapi.yaml).
//
// Request validation (400 {"error": "..."}): a JSON object in valid UTF-8 with `model` a
// non-empty string ("model is required"); `messages`, if present, an array of objects with a
// string `role`; `stream` a boolean or null. Ollama streams unless `"stream": false`.
//
// A response: {"model","created_at":"2024-05-01T12:00:00Z","message":{"role":"assistant",
// "content","tool_calls":[{"function":{"name","arguments":{...}}}]},"done":true,
// "done_reason":"stop","total_duration","load_duration","prompt_eval_count",
// "prompt_eval_duration","eval_count","eval_duration"}. Durations (ns) are derived from the
// counts: load 1 ms, prompt 0.1 ms per token, generation 10 ms per token, total their sum.
//
// A stream is NDJSON (application/x-ndjson), one record per line:
//   {"model":"m","created_at":"...","message":{"role":"assistant","content":"Hello"},
//    "done":false}                                                        ← a text chunk
//   {"model":"m",...,"message":{"role":"assistant","content":"","tool_calls":[{...}]},
//    "done":false}                                                        ← a whole tool call
//   {"model":"m",...,"message":{"role":"assistant","content":""},"done":true,
//    "done_reason":"stop","total_duration":...,"eval_count":7,...}       ← epilogue
// The end marker is the `"done": true` record.
#ifndef PRSM_TESTS_SUPPORT_OLLAMA_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_OLLAMA_PROTOCOL_H_

#include <string>

#include "protocol.h"

namespace prsm::testing::fake {

class OllamaProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "ollama"; }
  bool Serves(std::string_view path) const override { return path == "/api/chat"; }
  std::string_view method() const override { return "POST"; }
  DecodedCall Decode(const HttpRequest& request) const override;
  std::string_view ContentType(const CallOptions& options) const override;
  std::string RenderCompletion(const Completion& completion) const override;
  RenderedStream RenderStream(const Completion& completion,
                              const std::vector<std::string_view>& text_pieces) const override;
  std::string RenderError(const ApiError& error) const override;
  std::string MalformedBody() const override;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_OLLAMA_PROTOCOL_H_
