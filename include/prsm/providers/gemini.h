/// \file
/// prsm/providers/gemini.h — the Google Gemini API codec (generateContent).
///
/// Speaks `POST {base_url}/{api_version}/models/{model}:generateContent` as Google documents it,
/// and `:streamGenerateContent?alt=sse` (server-sent events) when the request asks to stream.
/// A model id may be given bare ("gemini-2.5-flash") or as a resource name ("models/...",
/// "tunedModels/...").
///
/// Translation, in brief (providers/gemini_codec.h has every rule):
/// - system messages become `systemInstruction`; assistant turns are role "model"; an assistant's
///   tool calls are `functionCall` parts; tool results are `functionResponse` parts naming the
///   function of the call they answer (found by `tool_call_id`, else `Message::name`);
/// - JSON-schema output and tool parameters are sent as plain JSON Schema
///   (`responseJsonSchema`, `parametersJsonSchema`), not as Gemini's OpenAPI-subset `Schema`;
/// - tool calls come back with the id Gemini gave them, or a stable "call_<n>" (n counts the
///   answer's calls from 0) when it gave none;
/// - a prompt Gemini blocks (no candidates, `promptFeedback.blockReason`) is kInvalidArgument:
///   the same prompt will be blocked again, so neither retrying nor waiting can help.
///
/// Keys: `api_key` if set, else $`api_key_env` (GEMINI_API_KEY), else $`fallback_api_key_env`
/// (GOOGLE_API_KEY). The key is sent only as the `x-goog-api-key` header — never in the URL,
/// where proxies and access logs would keep it — and never appears in an error, log line or
/// metric. Base URL: `base_url`, else $`base_url_env` (GEMINI_BASE_URL), else
/// https://generativelanguage.googleapis.com.
///
/// Thread safety: the returned provider is immutable and safe to share.
#ifndef PRSM_PROVIDERS_GEMINI_H_
#define PRSM_PROVIDERS_GEMINI_H_

#include <memory>
#include <string>
#include <vector>

#include "prsm/export.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm {

/// How to reach the Gemini API (or a proxy that speaks it).
struct GeminiConfig {
  /// The provider id models refer to.
  std::string id = "gemini";
  /// e.g. "http://127.0.0.1:8080"; empty = $`base_url_env`, else
  /// https://generativelanguage.googleapis.com. The API version is appended to it.
  std::string base_url;
  std::string base_url_env = "GEMINI_BASE_URL";  ///< Read when `base_url` is empty.
  /// Empty = $`api_key_env`, else $`fallback_api_key_env`. No key at all is allowed for a proxy
  /// that adds its own, but not for generativelanguage.googleapis.com.
  std::string api_key;
  std::string api_key_env = "GEMINI_API_KEY";  ///< Read when `api_key` is empty.
  /// Read when `api_key` and $`api_key_env` are empty.
  std::string fallback_api_key_env = "GOOGLE_API_KEY";
  /// The path segment after the base URL ("v1beta", "v1"); empty for a base URL that already
  /// ends with it.
  std::string api_version = "v1beta";
  /// Sent with every request; a header of the same name as a default replaces it.
  std::vector<HttpHeader> extra_headers;
  /// Allow cleartext http:// to a host that is not loopback; see OpenAIConfig.
  bool allow_insecure_http = false;
};

/// Creates the codec. Errors: kInvalidArgument for an empty id, a base URL that is not
/// http(s):// (or cleartext http:// to a host that is not loopback without allow_insecure_http), an
/// api_version with characters other than letters, digits, '.', '_' and '-', or a header or key
/// with control characters; kUnauthenticated when talking to generativelanguage.googleapis.com
/// without a key (the message names the variables tried).
PRSM_EXPORT Result<std::shared_ptr<const Provider>> MakeGeminiProvider(GeminiConfig config = {});

}  // namespace prsm

#endif  // PRSM_PROVIDERS_GEMINI_H_
