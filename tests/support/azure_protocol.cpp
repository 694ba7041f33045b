#include "azure_protocol.h"

#include <string>

#include "json_text.h"

namespace prsm::testing::fake {
namespace {

constexpr std::string_view kPrefix = "/openai/deployments/";
constexpr std::string_view kSuffix = "/chat/completions";

// The deployment in a served path: the one segment between the prefix and the suffix.
std::string_view DeploymentOf(std::string_view path) {
  return path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
}

}  // namespace

bool AzureOpenAiProtocol::Serves(std::string_view path) const {
  if (path.size() <= kPrefix.size() + kSuffix.size()) return false;
  if (path.substr(0, kPrefix.size()) != kPrefix) return false;
  if (path.substr(path.size() - kSuffix.size()) != kSuffix) return false;
  return DeploymentOf(path).find('/') == std::string_view::npos;
}

DecodedCall AzureOpenAiProtocol::Decode(const HttpRequest& request) const {
  std::string deployment(DeploymentOf(request.path));
  if (!request.QueryParameter("api-version")) {
    DecodedCall call;
    call.model = std::move(deployment);
    ApiError error;
    error.status = 400;
    error.type.clear();  // Azure's own shape, not OpenAI's.
    error.code = "BadRequest";
    error.message = "Missing required query parameter: api-version";
    call.error = std::move(error);
    return call;
  }
  return DecodeBody(request, std::move(deployment));
}

std::string AzureOpenAiProtocol::RenderError(const ApiError& error) const {
  if (!error.type.empty()) return OpenAiProtocol::RenderError(error);
  std::string out = R"({"error":{"code":)";
  AppendJsonString(error.code.empty() ? std::to_string(error.status) : error.code, &out);
  out.append(R"(,"message":)");
  AppendJsonString(error.message, &out);
  out.append("}}");
  return out;
}

}  // namespace prsm::testing::fake
