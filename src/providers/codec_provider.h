// providers/codec_provider.h — the Provider every codec makes: it holds the configuration a
// factory resolved (id, key, headers) and hands requests and responses to the codec's pure
// functions, putting the provider id (and HTTP status) on what comes back.
//
// Why a module: OpenAIProvider, AnthropicProvider, GeminiProvider and OllamaProvider were four
// copies of one class that differed only in how a request's URL and body are made. A factory
// (openai.cpp, anthropic.cpp, gemini.cpp, ollama.cpp) now resolves its configuration and passes
// those two functions and its codec's response functions to MakeCodecProvider.
#ifndef PRSM_PROVIDERS_CODEC_PROVIDER_H_
#define PRSM_PROVIDERS_CODEC_PROVIDER_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "providers/provider_config.h"
#include "prsm/provider.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::providers {

/// How a codec makes a request. Each function gets the request and the API key (to redact it
/// from error messages), and must be safe to call from any thread.
struct RequestCodec {
  /// The URL a request goes to; an error for a request that cannot have one (a model name that
  /// is not a valid URL segment, say).
  std::function<Result<std::string>(const CompletionRequest&, std::string_view secret)> url;
  /// The request's JSON body.
  std::function<Result<std::string>(const CompletionRequest&, std::string_view secret)> body;
};

/// A codec's response-side functions (see openai_codec.h and the others for their contracts).
struct ResponseCodec {
  Result<Completion> (*parse_response_body)(std::string_view body, std::string_view secret);
  Error (*refine_http_error)(std::string_view body, const Error& mapped, std::string_view secret);
  std::unique_ptr<StreamDecoder> (*new_stream_decoder)(std::string provider_id, std::string secret);
};

/// The provider `id`: BuildRequest POSTs the codec's body to the codec's URL (the URL is made
/// first, so its errors come first) with `headers` (`stream` ones for a streaming request), and
/// any error gets the provider id; ParseResponse, ParseError and NewStreamDecoder hand the
/// response to `response`'s functions with `api_key` to redact. Immutable: safe to share between
/// threads.
std::shared_ptr<const Provider> MakeCodecProvider(std::string id, std::string api_key,
                                                  RequestHeaders headers, RequestCodec request,
                                                  ResponseCodec response);

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_CODEC_PROVIDER_H_
