/// \file
/// prsm/providers/ollama.h — Ollama's native chat API (`POST /api/chat`).
///
/// For Ollama's OpenAI-compatible endpoint (`/v1/chat/completions`) use MakeOpenAIProvider with
/// base_url "http://127.0.0.1:11434/v1"; this codec speaks the native API, which streams
/// newline-delimited JSON and reports prompt and output token counts in its final record.
///
/// Translation, in brief (providers/ollama_codec.h has every rule):
/// - `stream` is always sent, because Ollama streams unless told otherwise;
/// - sampling options go in `options` (max_tokens is `num_predict`); JSON output is `format`
///   ("json", or the schema object itself); tool parameters and arguments are JSON objects;
/// - tool_choice: Ollama has none. kAuto sends the tools; kNone leaves them out (the model cannot
///   call a tool it was not offered); kRequired and kNamed cannot be honoured and fail with
///   kUnimplemented rather than silently becoming "may call";
/// - tool calls come back with the id Ollama gave them, or a stable "call_<n>" (n counts the
///   answer's calls from 0); tool results carry `tool_name`, the function of the call they answer
///   (found by `tool_call_id`, else `Message::name`);
/// - logprobs and top_logprobs are sent as Ollama's `logprobs` / `top_logprobs` (servers older
///   than the feature ignore them and return none).
///
/// Base URL: `base_url`, else $`base_url_env` (OLLAMA_HOST), else http://127.0.0.1:11434 (where
/// Ollama listens by default). Both accept what the ollama CLI accepts in OLLAMA_HOST: a URL
/// ("https://ollama.example:443/prefix"), "host:port", a bare host (port 11434; a URL without a
/// port gets its scheme's, 80 or 443), an IPv6 address, or "ollama.com" (https on 443).
/// Key (optional; ollama.com needs one): `api_key`, else $`api_key_env` (OLLAMA_API_KEY), sent as
/// `Authorization: Bearer ...` and never in an error, log line or metric.
///
/// Thread safety: the returned provider is immutable and safe to share.
#ifndef PRSM_PROVIDERS_OLLAMA_H_
#define PRSM_PROVIDERS_OLLAMA_H_

#include <memory>
#include <string>
#include <vector>

#include "prsm/export.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm {

/// How to reach one Ollama server.
struct OllamaConfig {
  /// The provider id models refer to.
  std::string id = "ollama";
  /// A URL or "host[:port]" (see the file comment); empty = $`base_url_env`, else
  /// http://127.0.0.1:11434.
  std::string base_url;
  std::string base_url_env = "OLLAMA_HOST";  ///< Read when `base_url` is empty.
  /// Empty = $`api_key_env`; none at all is fine for a local server, not for ollama.com.
  std::string api_key;
  std::string api_key_env = "OLLAMA_API_KEY";  ///< Read when `api_key` is empty.
  /// How long the server keeps the model loaded after the request ("5m", "1h", "0"; a negative
  /// value keeps it loaded). Empty = the server's default. A plain integer is sent as a number
  /// of seconds, anything else as Ollama's duration string.
  std::string keep_alive;
  /// Sent with every request; a header of the same name as a default replaces it.
  std::vector<HttpHeader> extra_headers;
  /// Allow cleartext http:// to a host that is not loopback (a server elsewhere on the LAN, as
  /// "gpu-box:11434" or OLLAMA_HOST=gpu-box mean); see OpenAIConfig.
  bool allow_insecure_http = false;
};

/// Creates the codec. Errors: kInvalidArgument for an empty id, a base URL with a scheme other
/// than http(s), cleartext http:// to a host that is not loopback without allow_insecure_http
/// (a host without a scheme means http://), a bad port, or spaces and control characters, a
/// keep_alive with control characters, or a header or key with control characters; kUnauthenticated
/// when talking to ollama.com without a key.
PRSM_EXPORT Result<std::shared_ptr<const Provider>> MakeOllamaProvider(OllamaConfig config = {});

}  // namespace prsm

#endif  // PRSM_PROVIDERS_OLLAMA_H_
