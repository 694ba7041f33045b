// MakeOpenAIProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of openai_codec.h.
//
// Everything that depends on the configuration (the URL, the header list, the token-limit field
// name) is computed at creation, so a request costs one body build plus copying the prepared
// URL and headers. The environment (api_key_env, base_url_env) is read here, once, with
// std::getenv: later changes to the environment do not affect a created provider, and creating
// providers while another thread calls setenv() is the host's race, as with any getenv() call.
#include "prsm/providers/openai.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/codec_provider.h"
#include "providers/error_text.h"
#include "providers/openai_codec.h"
#include "providers/provider_config.h"

namespace prsm {
namespace {

using providers::Invalid;

constexpr std::string_view kDefaultBaseUrl = "https://api.openai.com/v1";
constexpr std::string_view kOpenAIHost = "api.openai.com";
constexpr std::string_view kEndpointPath = "/chat/completions";

// The endpoint URL: base + "/chat/completions", with trailing slashes of the base removed and a
// query string kept after the path (Azure's "?api-version=..." lives there).
std::string EndpointUrl(std::string_view base) {
  const providers::UrlParts parts = providers::SplitBaseUrl(base);
  std::string url;
  url.reserve(parts.path.size() + kEndpointPath.size() + parts.query.size());
  url.append(parts.path).append(kEndpointPath).append(parts.query);
  return url;
}

constexpr providers::ResponseCodec kResponseCodec = {
    &openai::ParseResponseBody, &openai::RefineHttpError, &openai::NewChatStreamDecoder};

// The request side for `options`, to one fixed URL (OpenAI and compatible servers).
providers::RequestCodec RequestCodec(std::string url, openai::RequestOptions options) {
  return {[url = std::move(url)](const CompletionRequest&,
                                 std::string_view) -> Result<std::string> { return url; },
          [options](const CompletionRequest& request, std::string_view secret) {
            return openai::BuildRequestBody(request, options, secret);
          }};
}

}  // namespace

Result<std::shared_ptr<const Provider>> MakeOpenAIProvider(OpenAIConfig config) {
  if (config.id.empty()) return Invalid("OpenAIConfig::id: empty");

  // Base URL: the config, else the environment, else OpenAI.
  const Result<providers::VendorUrl> base_url = providers::ResolveVendorUrl(
      config.base_url, "OpenAIConfig::base_url", config.base_url_env, kDefaultBaseUrl, kOpenAIHost,
      {config.allow_insecure_http, "OpenAIConfig::allow_insecure_http"});
  if (!base_url) return base_url.error();

  // Key: the config, else the environment. Surrounding whitespace (a trailing newline from a
  // file, say) is dropped; anything else that could break the header is refused.
  providers::Setting api_key =
      providers::ResolveSetting(config.api_key, "OpenAIConfig::api_key", {config.api_key_env});
  if (Result<void> checked =
          providers::CheckApiKey(api_key, base_url->is_vendor_host ? kOpenAIHost : "",
                                 "OpenAIConfig::api_key", {config.api_key_env}, config.id);
      !checked) {
    return checked.error();
  }
  if (Result<void> checked =
          providers::CheckExtraHeaders(config.extra_headers, "OpenAIConfig", api_key.value);
      !checked) {
    return checked.error();
  }
  if (providers::HasControlCharacter(config.organization)) {
    return Invalid("OpenAIConfig::organization: contains control characters");
  }
  if (providers::HasControlCharacter(config.project)) {
    return Invalid("OpenAIConfig::project: contains control characters");
  }

  // Headers in a fixed order; an extra header replaces a default of the same name (Azure's
  // `api-key` deployments, say, or a proxy that wants its own Accept). Streams send the same.
  std::vector<HttpHeader> defaults;
  if (!api_key.value.empty()) defaults.push_back({"Authorization", "Bearer " + api_key.value});
  if (!config.organization.empty()) {
    defaults.push_back({"OpenAI-Organization", config.organization});
  }
  if (!config.project.empty()) defaults.push_back({"OpenAI-Project", config.project});

  openai::RequestOptions options;
  options.use_max_completion_tokens =
      config.use_max_completion_tokens.value_or(base_url->is_vendor_host);
  options.stream_usage = config.stream_usage;

  return providers::MakeCodecProvider(
      std::move(config.id), std::move(api_key.value),
      providers::JsonHeaders("application/json", defaults, config.extra_headers),
      RequestCodec(EndpointUrl(base_url->base_url.value), options), kResponseCodec);
}

Result<std::shared_ptr<const Provider>> MakeAzureOpenAIProvider(AzureOpenAIConfig config) {
  if (config.id.empty()) return Invalid("AzureOpenAIConfig::id: empty");
  providers::Setting endpoint = providers::ResolveSetting(
      config.endpoint, "AzureOpenAIConfig::endpoint", {config.endpoint_env});
  if (endpoint.value.empty()) {
    return Invalid(fmt::format("no Azure OpenAI endpoint: set {} or AzureOpenAIConfig::endpoint",
                               config.endpoint_env.empty() ? "it" : config.endpoint_env));
  }
  if (!providers::HasHttpScheme(endpoint.value)) {
    return Invalid(
        fmt::format("{}: the endpoint must start with http:// or https://", endpoint.source));
  }
  if (providers::HasControlCharacter(endpoint.value) ||
      endpoint.value.find_first_of(" ?#") != std::string::npos) {
    return Invalid(
        fmt::format("{}: the endpoint must be a plain URL (no spaces, query or "
                    "fragment)",
                    endpoint.source));
  }
  if (providers::HostOf(endpoint.value).empty()) {
    return Invalid(fmt::format("{}: the endpoint has no host", endpoint.source));
  }
  if (Result<void> checked = providers::CheckCleartext(endpoint, config.allow_insecure_http,
                                                       "AzureOpenAIConfig::allow_insecure_http");
      !checked) {
    return checked.error();
  }
  while (!endpoint.value.empty() && endpoint.value.back() == '/') endpoint.value.pop_back();

  providers::Setting api_key =
      providers::ResolveSetting(config.api_key, "AzureOpenAIConfig::api_key", {config.api_key_env});
  if (Result<void> checked = providers::CheckApiKey(api_key); !checked) return checked.error();
  if (api_key.value.empty()) {
    return Error(ErrorCode::kUnauthenticated,
                 fmt::format("no Azure OpenAI key: set {} (or AzureOpenAIConfig::api_key)",
                             config.api_key_env.empty() ? "it" : config.api_key_env))
        .WithProvider(config.id);
  }

  std::string version =
      providers::ResolveSetting(config.api_version, "AzureOpenAIConfig::api_version",
                                {config.api_version_env})
          .value;
  if (version.empty()) version = "2024-10-21";
  if (!providers::IsAlnumOr(version, "-.")) {
    return Invalid("AzureOpenAIConfig::api_version: only letters, digits, '-' and '.'");
  }
  if (Result<void> checked =
          providers::CheckExtraHeaders(config.extra_headers, "AzureOpenAIConfig", api_key.value);
      !checked) {
    return checked.error();
  }

  openai::RequestOptions options;
  options.use_max_completion_tokens = false;  // what every Azure API version accepts
  options.stream_usage = config.stream_usage;
  // A URL per deployment, the request's model: letters, digits, '-', '_' and '.', so it needs no
  // escaping.
  providers::RequestCodec codec = RequestCodec({}, options);
  codec.url = [prefix = endpoint.value + "/openai/deployments/",
               suffix = "/chat/completions?api-version=" + version](
                  const CompletionRequest& request,
                  std::string_view secret) -> Result<std::string> {
    const std::string& deployment = request.model;
    if (deployment.empty() || !providers::IsAlnumOr(deployment, "-_.")) {
      return Invalid(
          fmt::format("{} is not an Azure deployment name (letters, digits, '-', '_', '.')",
                      providers::Quoted(deployment, secret)));
    }
    return prefix + deployment + suffix;
  };
  providers::RequestHeaders headers = providers::JsonHeaders(
      "application/json", {{"api-key", api_key.value}}, config.extra_headers);
  return providers::MakeCodecProvider(std::move(config.id), std::move(api_key.value),
                                      std::move(headers), std::move(codec), kResponseCodec);
}

}  // namespace prsm
