// MakeGeminiProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of gemini_codec.h.
//
// The URL prefix and both header lists (plain and streaming) are computed at creation, so a
// request costs one body build, one model-name check and a few string copies. The environment is
// read here, once, with std::getenv: later changes do not affect a created provider.
#include "prsm/providers/gemini.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/codec_provider.h"
#include "providers/error_text.h"
#include "providers/gemini_codec.h"
#include "providers/provider_config.h"

namespace prsm {
namespace {

using providers::Invalid;

constexpr std::string_view kDefaultBaseUrl = "https://generativelanguage.googleapis.com";
constexpr std::string_view kGoogleHost = "generativelanguage.googleapis.com";

bool IsVersionSegment(std::string_view version) {
  return providers::IsAlnumOr(version, "._-") && version != "." && version != "..";
}

constexpr providers::ResponseCodec kResponseCodec = {
    &gemini::ParseResponseBody, &gemini::RefineHttpError, &gemini::NewStreamDecoder};

// The URL of a generateContent call for `request`: `prefix` ("{base}/{version}/"), the model's
// resource, the method, and the base URL's own `query` ("?...", usually empty).
Result<std::string> GenerateUrl(const CompletionRequest& request, std::string_view secret,
                                const std::string& prefix, const std::string& query) {
  Result<std::string> resource = gemini::ModelResource(request.model, secret);
  if (!resource) return resource;
  std::string url;
  url.reserve(prefix.size() + resource->size() + 32 + query.size());
  url.append(prefix).append(*resource);
  if (request.stream) {
    // alt=sse: server-sent events; without it Gemini streams one JSON array, which cannot be
    // decoded before its end.
    url.append(":streamGenerateContent").append(query.empty() ? "?" : query + "&");
    url.append("alt=sse");
  } else {
    url.append(":generateContent").append(query);
  }
  return url;
}

}  // namespace

Result<std::shared_ptr<const Provider>> MakeGeminiProvider(GeminiConfig config) {
  if (config.id.empty()) return Invalid("GeminiConfig::id: empty");

  const Result<providers::VendorUrl> base_url = providers::ResolveVendorUrl(
      config.base_url, "GeminiConfig::base_url", config.base_url_env, kDefaultBaseUrl, kGoogleHost,
      {config.allow_insecure_http, "GeminiConfig::allow_insecure_http"});
  if (!base_url) return base_url.error();

  // The key is resolved first, so that no message below can quote it.
  providers::Setting key = providers::ResolveSetting(
      config.api_key, "GeminiConfig::api_key", {config.api_key_env, config.fallback_api_key_env});

  const std::string version(providers::Trim(config.api_version));
  if (!IsVersionSegment(version)) {
    return Invalid(fmt::format("GeminiConfig::api_version: {} is not a URL path segment",
                               providers::Quoted(version, key.value, 32)));
  }

  if (Result<void> checked = providers::CheckApiKey(
          key, base_url->is_vendor_host ? kGoogleHost : "", "GeminiConfig::api_key",
          {config.api_key_env, config.fallback_api_key_env}, config.id);
      !checked) {
    return checked.error();
  }
  if (Result<void> checked =
          providers::CheckExtraHeaders(config.extra_headers, "GeminiConfig", key.value);
      !checked) {
    return checked.error();
  }

  // "{base}/{version}/" with the base's trailing slashes dropped and its query kept apart (its
  // fragment, which a server never sees, dropped).
  const providers::UrlParts parts = providers::SplitBaseUrl(base_url->base_url.value);
  std::string query(parts.query.substr(0, parts.query.find('#')));
  std::string url_prefix(parts.path);
  url_prefix.push_back('/');
  if (!version.empty()) url_prefix.append(version).push_back('/');

  // Headers in a fixed order; an extra header replaces a default of the same name.
  std::vector<HttpHeader> auth;
  if (!key.value.empty()) auth.push_back({"x-goog-api-key", key.value});
  providers::RequestHeaders headers =
      providers::JsonHeaders("text/event-stream", auth, config.extra_headers);
  providers::RequestCodec codec = {[prefix = std::move(url_prefix), query = std::move(query)](
                                       const CompletionRequest& request, std::string_view secret) {
                                     return GenerateUrl(request, secret, prefix, query);
                                   },
                                   &gemini::BuildRequestBody};
  return providers::MakeCodecProvider(std::move(config.id), std::move(key.value),
                                      std::move(headers), std::move(codec), kResponseCodec);
}

}  // namespace prsm
