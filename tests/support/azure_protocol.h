// azure_protocol.h — Azure OpenAI: OpenAI's Chat Completions format at a deployment URL.
//
// Endpoint: POST /openai/deployments/{deployment}/chat/completions?api-version=<version>. The
// deployment is the model (counted and echoed under that name); the body's `model`, if any, is
// ignored, as Azure does. Without an `api-version` query parameter the answer is Azure's 400:
//   {"error":{"code":"BadRequest","message":"Missing required query parameter: api-version"}}
// Any version string is accepted. Everything else — validation, bodies, streams, errors — is
// the OpenAI protocol's (openai_protocol.h).
#ifndef PRSM_TESTS_SUPPORT_AZURE_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_AZURE_PROTOCOL_H_

#include "openai_protocol.h"

namespace prsm::testing::fake {

class AzureOpenAiProtocol final : public OpenAiProtocol {
 public:
  std::string_view name() const override { return "azure"; }
  bool Serves(std::string_view path) const override;
  DecodedCall Decode(const HttpRequest& request) const override;
  /// OpenAI's error shape, except errors with an empty `type`: Azure's own
  /// {"error":{"code","message"}}.
  std::string RenderError(const ApiError& error) const override;
};

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_AZURE_PROTOCOL_H_
