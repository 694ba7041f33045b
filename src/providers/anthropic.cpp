// MakeAnthropicProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of anthropic_codec.h.
//
// Everything that depends on the configuration (the URL, the header list, the default token
// limit) is computed at creation, so a request costs one body build plus copying the prepared
// URL and headers. The environment (api_key_env, base_url_env) is read here, once, with
// std::getenv: later changes to the environment do not affect a created provider, and creating
// providers while another thread calls setenv() is the host's race, as with any getenv() call.
// The URL, key and header checks are provider_config.h's, shared with the other codecs.
#include "prsm/providers/anthropic.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/anthropic_codec.h"
#include "providers/codec_provider.h"
#include "providers/error_text.h"
#include "providers/provider_config.h"

namespace prsm {
namespace {

using providers::Invalid;

constexpr std::string_view kDefaultBaseUrl = "https://api.anthropic.com";
constexpr std::string_view kAnthropicHost = "api.anthropic.com";

// base + "/v1/messages", trailing slashes of the base removed, a query string kept after the
// path. Anthropic's SDKs take the base without "/v1"; a base that has it is not doubled.
std::string EndpointUrl(std::string_view base) {
  const providers::UrlParts parts = providers::SplitBaseUrl(base);
  const std::string_view endpoint =
      providers::EndsWith(parts.path, "/v1") ? "/messages" : "/v1/messages";
  std::string url;
  url.reserve(parts.path.size() + endpoint.size() + parts.query.size());
  url.append(parts.path).append(endpoint).append(parts.query);
  return url;
}

constexpr providers::ResponseCodec kResponseCodec = {
    &anthropic::ParseResponseBody, &anthropic::RefineHttpError, &anthropic::NewStreamDecoder};

}  // namespace

Result<std::shared_ptr<const Provider>> MakeAnthropicProvider(AnthropicConfig config) {
  if (config.id.empty()) return Invalid("AnthropicConfig::id: empty");
  if (config.default_max_tokens < 1) {
    return Invalid(fmt::format("AnthropicConfig::default_max_tokens: must be at least 1, got {}",
                               config.default_max_tokens));
  }

  // Base URL: the config, else the environment, else Anthropic.
  const Result<providers::VendorUrl> base_url = providers::ResolveVendorUrl(
      config.base_url, "AnthropicConfig::base_url", config.base_url_env, kDefaultBaseUrl,
      kAnthropicHost, {config.allow_insecure_http, "AnthropicConfig::allow_insecure_http"});
  if (!base_url) return base_url.error();

  // Key: the config, else the environment. Surrounding whitespace (a trailing newline from a
  // file, say) is dropped; anything else that could break the header is refused.
  providers::Setting api_key =
      providers::ResolveSetting(config.api_key, "AnthropicConfig::api_key", {config.api_key_env});
  if (Result<void> checked =
          providers::CheckApiKey(api_key, base_url->is_vendor_host ? kAnthropicHost : "",
                                 "AnthropicConfig::api_key", {config.api_key_env}, config.id);
      !checked) {
    return checked.error();
  }

  const std::string version(providers::Trim(config.anthropic_version));
  if (version.empty() || providers::HasControlCharacter(version)) {
    return Invalid("AnthropicConfig::anthropic_version: empty or contains control characters");
  }
  std::string betas;
  for (std::size_t i = 0; i < config.betas.size(); ++i) {
    const std::string_view beta = providers::Trim(config.betas[i]);
    if (beta.empty() || providers::HasControlCharacter(beta) ||
        beta.find(',') != std::string_view::npos) {
      return Invalid(fmt::format(
          "AnthropicConfig::betas[{}]: empty, or contains a comma or control characters", i));
    }
    if (!betas.empty()) betas.push_back(',');
    betas.append(beta);
  }
  if (Result<void> checked =
          providers::CheckExtraHeaders(config.extra_headers, "AnthropicConfig", api_key.value);
      !checked) {
    return checked.error();
  }

  // Headers in a fixed order; an extra header replaces a default of the same name (a proxy's
  // own authentication, say).
  std::vector<HttpHeader> defaults = {{"content-type", "application/json"},
                                      {"anthropic-version", version}};
  if (!api_key.value.empty()) defaults.push_back({"x-api-key", api_key.value});
  if (!betas.empty()) defaults.push_back({"anthropic-beta", std::move(betas)});

  anthropic::RequestOptions options;
  options.default_max_tokens = config.default_max_tokens;

  std::vector<HttpHeader> headers =
      providers::MergeHeaders(std::move(defaults), config.extra_headers);
  providers::RequestCodec codec = {
      [url = EndpointUrl(base_url->base_url.value)](
          const CompletionRequest&, std::string_view) -> Result<std::string> { return url; },
      [options](const CompletionRequest& request, std::string_view secret) {
        return anthropic::BuildRequestBody(request, options, secret);
      }};
  return providers::MakeCodecProvider(std::move(config.id), std::move(api_key.value),
                                      {headers, headers}, std::move(codec), kResponseCodec);
}

}  // namespace prsm
