// The Provider every codec makes; see codec_provider.h.
#include "providers/codec_provider.h"

#include <utility>

#include <fmt/format.h>

#include "providers/error_text.h"
#include "providers/provider_config.h"

namespace prsm::providers {
namespace {

// A 3xx the transport did not follow (it never does: the request carries the key, and a
// redirect could hand it to another host). The message says so and names where the server
// pointed — only the host: the rest of a Location may carry a token.
Error RedirectNotFollowed(const HttpResponse& response, const Error& mapped,
                          std::string_view secret) {
  const std::string_view location = Trim(response.Header("location"));
  std::string target = "nowhere (no Location header)";
  if (const std::size_t scheme_end = location.find("://");
      scheme_end != std::string_view::npos && scheme_end > 0) {
    target = fmt::format("host {}", Quoted(HostOf(location), secret));
  } else if (!location.empty()) {
    target = "another path on the same host";
  }
  std::string message = fmt::format(
      "HTTP {}: redirect to {} not followed (prsm never follows redirects, so that credentials "
      "are never sent to another host); set the base URL to the final address",
      response.status, target);
  Error error(mapped.code(), std::move(message));
  error.WithProvider(mapped.provider()).WithModel(mapped.model());
  if (mapped.http_status()) error.WithHttpStatus(*mapped.http_status());
  if (mapped.retry_after()) error.WithRetryAfter(*mapped.retry_after());
  return error;
}

class CodecProvider final : public Provider {
 public:
  CodecProvider(std::string id, std::string api_key, RequestHeaders headers, RequestCodec request,
                ResponseCodec response)
      : id_(std::move(id)),
        api_key_(std::move(api_key)),
        headers_(std::move(headers)),
        request_(std::move(request)),
        response_(response) {}

  std::string_view id() const noexcept override { return id_; }

  Result<HttpRequest> BuildRequest(const CompletionRequest& request) const override {
    Result<std::string> url = request_.url(request, api_key_);
    if (!url) return std::move(url).error().WithProvider(id_);
    Result<std::string> body = request_.body(request, api_key_);
    if (!body) return std::move(body).error().WithProvider(id_);
    HttpRequest http;
    http.method = "POST";
    http.url = std::move(*url);
    http.headers = request.stream ? headers_.stream : headers_.plain;
    http.body = std::move(*body);
    return http;
  }

  Result<Completion> ParseResponse(const HttpResponse& response) const override {
    Result<Completion> completion = response_.parse_response_body(response.body, api_key_);
    if (!completion) {
      return std::move(completion).error().WithProvider(id_).WithHttpStatus(response.status);
    }
    return completion;
  }

  Error ParseError(const HttpResponse& response, Error mapped) const override {
    if (mapped.provider().empty()) mapped.WithProvider(id_);
    if (!mapped.http_status()) mapped.WithHttpStatus(response.status);
    if (response.status >= 300 && response.status < 400) {
      return RedirectNotFollowed(response, mapped, api_key_);
    }
    return response_.refine_http_error(response.body, mapped, api_key_);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return response_.new_stream_decoder(id_, api_key_);
  }

 private:
  const std::string id_;
  const std::string api_key_;     // only to redact it from error messages; never printed
  const RequestHeaders headers_;  // complete, the key's header included
  const RequestCodec request_;
  const ResponseCodec response_;
};

}  // namespace

std::shared_ptr<const Provider> MakeCodecProvider(std::string id, std::string api_key,
                                                  RequestHeaders headers, RequestCodec request,
                                                  ResponseCodec response) {
  return std::make_shared<const CodecProvider>(std::move(id), std::move(api_key),
                                               std::move(headers), std::move(request), response);
}

}  // namespace prsm::providers
