// gemini_protocol.h — the Google Gemini (Generative Language API) wire format, plain and
// streamed.
//
// Endpoints: POST /v1beta/models/{model}:generateContent and :streamGenerateContent (also
// under /v1/). The model is the path segment, not a body field. Bodies follow
// GenerateContentResponse of /work/shared/specs/gemini-openapi-unofficial.json, with Google's
// habit of leaving out zero counts.
//
// Request validation (400 INVALID_ARGUMENT): a JSON object in valid UTF-8 whose `contents` is a
// non-empty array of objects, each with a `parts` array.
//
// A response: {"candidates":[{"content":{"parts":[{"text":"..."},{"functionCall":{"name",
// "args":{...}}}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":{
// "promptTokenCount","candidatesTokenCount","totalTokenCount","cachedContentTokenCount",
// "thoughtsTokenCount","promptTokensDetails":[...]},"modelVersion","responseId"}.
//
// :streamGenerateContent?alt=sse streams SSE events separated by CRLF CRLF, as Google sends
// them (clients accept \n\n, \r\r and \r\n\r\n), with no end marker of its own:
//   data: {"candidates":[{"content":{"parts":[{"text":"Hello"}],"role":"model"},"index":0}],
//          "modelVersion":"m","responseId":"fake-7"}                   ← a text chunk
//   data: {"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":{...}}}],
//          "role":"model"},"index":0}],...}                            ← a whole tool call
//   data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},
//          "finishReason":"STOP","index":0}],"usageMetadata":{...},...} ← epilogue
// Without alt=sse the same objects form one JSON array, streamed: "[" + first + ",\r\n" +
// next... + "]" (Content-Type application/json); a truncated array lacks the "]" and the final
// object. The end marker is the finishReason (and the "]").
//
// Errors: {"error":{"code":<status>,"message","status":"INVALID_ARGUMENT"|...}}.
#ifndef PRSM_TESTS_SUPPORT_GEMINI_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_GEMINI_PROTOCOL_H_

#include <string>

#include "protocol.h"

namespace prsm::testing::fake {

class GeminiProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "gemini"; }
  bool Serves(std::string_view path) const override;
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

#endif  // PRSM_TESTS_SUPPORT_GEMINI_PROTOCOL_H_
