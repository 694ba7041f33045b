/// \file
/// prsm/providers/openai.h — the OpenAI Chat Completions codec.
///
/// Speaks `POST {base_url}/chat/completions` as OpenAI documents it, which is also what every
/// OpenAI-compatible server accepts: vLLM, llama.cpp's server, Ollama's /v1, LM Studio, Groq,
/// Together, OpenRouter. Point `base_url` at any of them.
///
/// Keys: `api_key` if set, else the environment variable named by `api_key_env`
/// (OPENAI_API_KEY). The key is sent as `Authorization: Bearer ...` and never appears in an
/// error, log line or metric. Base URL likewise: `base_url`, else $OPENAI_BASE_URL, else
/// https://api.openai.com/v1.
///
/// Azure OpenAI has its own factory below (deployment URLs, `api-key` header, api-version).
///
/// Thread safety: the returned providers are immutable and safe to share.
#ifndef PRSM_PROVIDERS_OPENAI_H_
#define PRSM_PROVIDERS_OPENAI_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "prsm/export.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm {

/// How to reach one OpenAI-compatible endpoint.
struct OpenAIConfig {
  /// The provider id models refer to.
  std::string id = "openai";
  /// e.g. "http://127.0.0.1:8000/v1"; empty = $`base_url_env`, else https://api.openai.com/v1.
  std::string base_url;
  std::string base_url_env = "OPENAI_BASE_URL";  ///< Read when `base_url` is empty.
  /// Empty = $`api_key_env`. No key at all is allowed for servers that need none, but not for
  /// api.openai.com.
  std::string api_key;
  std::string api_key_env = "OPENAI_API_KEY";  ///< Read when `api_key` is empty.
  std::string organization;                    ///< Sent as OpenAI-Organization when set.
  std::string project;                         ///< Sent as OpenAI-Project when set.
  /// Sent with every request (e.g. OpenRouter's HTTP-Referer).
  std::vector<HttpHeader> extra_headers;
  /// Send the token limit as `max_completion_tokens` (OpenAI's current name, required by its
  /// reasoning models) or as `max_tokens` (what older compatible servers know). Unset: the
  /// former for api.openai.com, the latter elsewhere.
  std::optional<bool> use_max_completion_tokens;
  /// When streaming, ask for the token counts at the end (`stream_options.include_usage`), so
  /// a streamed answer is priced like any other. Turn off only for a server that rejects it.
  bool stream_usage = true;
  /// Send requests over cleartext http:// to a host that is not loopback (localhost, 127.0.0.0/8,
  /// ::1). Off: such a base URL is refused with kInvalidArgument when the provider is created,
  /// so the key and the prompts never cross a network unencrypted by accident. https:// and
  /// loopback http:// are always allowed.
  bool allow_insecure_http = false;
};

/// Creates the codec. Errors: kInvalidArgument for an empty id, a base URL that is not
/// http(s)://, or cleartext http:// to a host that is not loopback without allow_insecure_http;
/// kUnauthenticated when talking to api.openai.com without a key.
PRSM_EXPORT Result<std::shared_ptr<const Provider>> MakeOpenAIProvider(OpenAIConfig config = {});

/// How to reach an Azure OpenAI resource. Azure speaks the Chat Completions format at a
/// deployment URL: requests go to
/// `{endpoint}/openai/deployments/{deployment}/chat/completions?api-version={api_version}`
/// with the key in an `api-key` header. The deployment is the model's wire id
/// (`ModelSpec::provider_model`, else its name), so one provider serves every deployment of
/// the resource. Variables are those of Azure's own SDKs.
struct AzureOpenAIConfig {
  std::string id = "azure-openai";  ///< The provider id models refer to.
  /// e.g. "https://my-resource.openai.azure.com"; empty = $`endpoint_env`.
  std::string endpoint;
  std::string endpoint_env = "AZURE_OPENAI_ENDPOINT";  ///< Read when `endpoint` is empty.
  /// Empty = $`api_key_env`. Required.
  std::string api_key;
  std::string api_key_env = "AZURE_OPENAI_API_KEY";  ///< Read when `api_key` is empty.
  /// Empty = $`api_version_env`, else "2024-10-21" (a generally available version).
  std::string api_version;
  std::string api_version_env = "OPENAI_API_VERSION";  ///< Read when `api_version` is empty.
  std::vector<HttpHeader> extra_headers;               ///< Sent with every request.
  /// As in OpenAIConfig.
  bool stream_usage = true;
  /// As in OpenAIConfig (for the endpoint).
  bool allow_insecure_http = false;
};

/// Creates the Azure OpenAI codec. Errors: kInvalidArgument for an empty id, an endpoint that
/// is not http(s):// (or cleartext http:// to a host that is not loopback without
/// allow_insecure_http), or an api_version with characters a URL cannot carry; kUnauthenticated
/// without a key. A deployment name that is not letters, digits, '-', '_' or '.' fails its
/// request with kInvalidArgument.
PRSM_EXPORT Result<std::shared_ptr<const Provider>> MakeAzureOpenAIProvider(
    AzureOpenAIConfig config = {});

}  // namespace prsm

#endif  // PRSM_PROVIDERS_OPENAI_H_
