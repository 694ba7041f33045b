// MakeOpenAIProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of openai_codec.h.
//
// Everything that depends on the configuration (the URL, the header list, the token-limit field
// name) is computed at creation, so a request costs one body build plus copying the prepared
// URL and headers. The environment (api_key_env, base_url_env) is read here, once, with
// std::getenv: later changes to the environment do not affect a created provider, and creating
// providers while another thread calls setenv() is the host's race, as with any getenv() call.
#include "prsm/providers/openai.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/openai_codec.h"

namespace prsm {
namespace {

constexpr std::string_view kDefaultBaseUrl = "https://api.openai.com/v1";
constexpr std::string_view kOpenAIHost = "api.openai.com";
constexpr std::string_view kEndpointPath = "/chat/completions";

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string_view TrimSpace(std::string_view text) {
  while (!text.empty() && IsAsciiSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsAsciiSpace(text.back())) text.remove_suffix(1);
  return text;
}

// Control characters (CR and LF above all) in a header would let a value smuggle in headers.
bool HasControlCharacter(std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) return true;
  }
  return false;
}

// RFC 9110 token characters, the only ones a header name may have.
bool IsHeaderName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

std::string GetEnv(const std::string& name) {
  if (name.empty()) return {};
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::string() : std::string(value);
}

// The host of an http(s) URL, without userinfo or port: "https://u@API.openai.com:443/v1" gives
// "API.openai.com". Precondition: the scheme was checked.
std::string_view HostOf(std::string_view url) {
  std::string_view rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest.remove_prefix(at + 1);
  }
  if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);  // IPv6
  return rest.substr(0, rest.find(':'));
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

// The endpoint URL: base + "/chat/completions", with trailing slashes of the base removed and a
// query string kept after the path (Azure's "?api-version=..." lives there).
std::string EndpointUrl(std::string_view base) {
  const std::size_t query_at = base.find_first_of("?#");
  std::string_view path = base.substr(0, query_at);
  const std::string_view query =
      query_at == std::string_view::npos ? std::string_view() : base.substr(query_at);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string url;
  url.reserve(path.size() + kEndpointPath.size() + query.size());
  url.append(path).append(kEndpointPath).append(query);
  return url;
}

// Azure deployment names: letters, digits, '-', '_' and '.', so they need no escaping.
bool IsDeploymentName(std::string_view name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

// Where requests go: one fixed URL (OpenAI and compatible servers), or, for Azure, a URL per
// deployment: prefix + deployment + suffix.
struct Endpoint {
  std::string url;
  std::string deployment_prefix;  // non-empty for Azure
  std::string deployment_suffix;
};

class OpenAIProvider final : public Provider {
 public:
  OpenAIProvider(std::string id, Endpoint endpoint, std::vector<HttpHeader> headers,
                 openai::RequestOptions options, std::string api_key)
      : id_(std::move(id)),
        endpoint_(std::move(endpoint)),
        headers_(std::move(headers)),
        options_(options),
        api_key_(std::move(api_key)) {}

  std::string_view id() const noexcept override { return id_; }

  Result<HttpRequest> BuildRequest(const CompletionRequest& request) const override {
    HttpRequest http;
    if (endpoint_.deployment_prefix.empty()) {
      http.url = endpoint_.url;
    } else if (IsDeploymentName(request.model)) {
      http.url = endpoint_.deployment_prefix + request.model + endpoint_.deployment_suffix;
    } else {
      return Invalid(fmt::format("'{}' is not an Azure deployment name (letters, digits, '-', "
                                 "'_', '.')",
                                 openai::SanitizeForMessage(request.model, 64)))
          .WithProvider(id_);
    }
    Result<std::string> body = openai::BuildRequestBody(request, options_);
    if (!body) return std::move(body).error().WithProvider(id_);
    http.method = "POST";
    http.headers = headers_;
    http.body = std::move(*body);
    return http;
  }

  Result<Completion> ParseResponse(const HttpResponse& response) const override {
    Result<Completion> completion = openai::ParseResponseBody(response.body, api_key_);
    if (!completion) {
      return std::move(completion).error().WithProvider(id_).WithHttpStatus(response.status);
    }
    return completion;
  }

  Error ParseError(const HttpResponse& response, Error mapped) const override {
    if (mapped.provider().empty()) mapped.WithProvider(id_);
    if (!mapped.http_status()) mapped.WithHttpStatus(response.status);
    return openai::RefineHttpError(response.body, mapped, api_key_);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return openai::NewChatStreamDecoder(id_, api_key_);
  }

 private:
  const std::string id_;
  const Endpoint endpoint_;
  const std::vector<HttpHeader> headers_;  // complete, the Authorization header included
  const openai::RequestOptions options_;
  const std::string api_key_;  // only to redact it from error messages; never printed
};

}  // namespace

Result<std::shared_ptr<const Provider>> MakeOpenAIProvider(OpenAIConfig config) {
  if (config.id.empty()) return Invalid("OpenAIConfig::id: empty");

  // Base URL: the config, else the environment, else OpenAI.
  std::string base_url = std::string(TrimSpace(config.base_url));
  std::string base_url_source = "OpenAIConfig::base_url";
  if (base_url.empty()) {
    base_url = std::string(TrimSpace(GetEnv(config.base_url_env)));
    base_url_source = "$" + config.base_url_env;
  }
  if (base_url.empty()) {
    base_url = std::string(kDefaultBaseUrl);
    base_url_source = "the default base URL";
  }
  // The URL itself is not echoed: it may carry credentials (user:password@ or a query key).
  if (!StartsWithIgnoreCase(base_url, "http://") && !StartsWithIgnoreCase(base_url, "https://")) {
    return Invalid(
        fmt::format("{}: the base URL must start with http:// or https://", base_url_source));
  }
  if (HasControlCharacter(base_url) || base_url.find(' ') != std::string::npos) {
    return Invalid(
        fmt::format("{}: the base URL contains spaces or control characters", base_url_source));
  }
  const std::string_view host = HostOf(base_url);
  if (host.empty()) return Invalid(fmt::format("{}: the base URL has no host", base_url_source));
  const bool is_openai = EqualsIgnoreCase(host, kOpenAIHost);

  // Key: the config, else the environment. Surrounding whitespace (a trailing newline from a
  // file, say) is dropped; anything else that could break the header is refused.
  std::string api_key = std::string(TrimSpace(config.api_key));
  std::string key_source = "OpenAIConfig::api_key";
  if (api_key.empty()) {
    api_key = std::string(TrimSpace(GetEnv(config.api_key_env)));
    key_source = "$" + config.api_key_env;
  }
  if (HasControlCharacter(api_key)) {
    return Invalid(fmt::format("{}: the API key contains control characters", key_source));
  }
  if (api_key.empty() && is_openai) {
    return Error(ErrorCode::kUnauthenticated,
                 config.api_key_env.empty()
                     ? std::string("no API key for api.openai.com: set OpenAIConfig::api_key")
                     : fmt::format("no API key for api.openai.com: set {} (or "
                                   "OpenAIConfig::api_key)",
                                   config.api_key_env))
        .WithProvider(config.id);
  }

  for (const HttpHeader& header : config.extra_headers) {
    if (!IsHeaderName(header.name)) {
      return Invalid(fmt::format("OpenAIConfig::extra_headers: invalid header name '{}'",
                                 openai::SanitizeForMessage(header.name, 64)));
    }
    if (HasControlCharacter(header.value)) {  // the value may be a secret: not echoed
      return Invalid(
          fmt::format("OpenAIConfig::extra_headers: the value of '{}' contains "
                      "control characters",
                      header.name));
    }
  }
  if (HasControlCharacter(config.organization)) {
    return Invalid("OpenAIConfig::organization: contains control characters");
  }
  if (HasControlCharacter(config.project)) {
    return Invalid("OpenAIConfig::project: contains control characters");
  }

  // Headers in a fixed order; an extra header replaces a default of the same name (Azure's
  // `api-key` deployments, say, or a proxy that wants its own Accept).
  std::vector<HttpHeader> headers;
  headers.reserve(5 + config.extra_headers.size());
  const auto add_default = [&](std::string_view name, std::string value) {
    for (const HttpHeader& extra : config.extra_headers) {
      if (EqualsIgnoreCase(extra.name, name)) return;
    }
    headers.push_back(HttpHeader{std::string(name), std::move(value)});
  };
  add_default("Content-Type", "application/json");
  add_default("Accept", "application/json");
  if (!api_key.empty()) add_default("Authorization", "Bearer " + api_key);
  if (!config.organization.empty()) add_default("OpenAI-Organization", config.organization);
  if (!config.project.empty()) add_default("OpenAI-Project", config.project);
  for (HttpHeader& extra : config.extra_headers) headers.push_back(std::move(extra));

  openai::RequestOptions options;
  options.use_max_completion_tokens = config.use_max_completion_tokens.value_or(is_openai);
  options.stream_usage = config.stream_usage;

  return std::shared_ptr<const Provider>(std::make_shared<const OpenAIProvider>(
      std::move(config.id), Endpoint{EndpointUrl(base_url), {}, {}}, std::move(headers), options,
      std::move(api_key)));
}

Result<std::shared_ptr<const Provider>> MakeAzureOpenAIProvider(AzureOpenAIConfig config) {
  if (config.id.empty()) return Invalid("AzureOpenAIConfig::id: empty");
  std::string endpoint = std::string(TrimSpace(config.endpoint));
  std::string endpoint_source = "AzureOpenAIConfig::endpoint";
  if (endpoint.empty()) {
    endpoint = std::string(TrimSpace(GetEnv(config.endpoint_env)));
    endpoint_source = "$" + config.endpoint_env;
  }
  if (endpoint.empty()) {
    return Invalid(fmt::format("no Azure OpenAI endpoint: set {} or AzureOpenAIConfig::endpoint",
                               config.endpoint_env.empty() ? "it" : config.endpoint_env));
  }
  if (!StartsWithIgnoreCase(endpoint, "http://") && !StartsWithIgnoreCase(endpoint, "https://")) {
    return Invalid(fmt::format("{}: the endpoint must start with http:// or https://",
                               endpoint_source));
  }
  if (HasControlCharacter(endpoint) || endpoint.find_first_of(" ?#") != std::string::npos) {
    return Invalid(fmt::format("{}: the endpoint must be a plain URL (no spaces, query or "
                               "fragment)",
                               endpoint_source));
  }
  if (HostOf(endpoint).empty()) {
    return Invalid(fmt::format("{}: the endpoint has no host", endpoint_source));
  }
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();

  std::string api_key = std::string(TrimSpace(config.api_key));
  std::string key_source = "AzureOpenAIConfig::api_key";
  if (api_key.empty()) {
    api_key = std::string(TrimSpace(GetEnv(config.api_key_env)));
    key_source = "$" + config.api_key_env;
  }
  if (HasControlCharacter(api_key)) {
    return Invalid(fmt::format("{}: the API key contains control characters", key_source));
  }
  if (api_key.empty()) {
    return Error(ErrorCode::kUnauthenticated,
                 fmt::format("no Azure OpenAI key: set {} (or AzureOpenAIConfig::api_key)",
                             config.api_key_env.empty() ? "it" : config.api_key_env))
        .WithProvider(config.id);
  }

  std::string version = std::string(TrimSpace(config.api_version));
  if (version.empty()) version = std::string(TrimSpace(GetEnv(config.api_version_env)));
  if (version.empty()) version = "2024-10-21";
  for (const char c : version) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return Invalid("AzureOpenAIConfig::api_version: only letters, digits, '-' and '.'");
  }
  for (const HttpHeader& header : config.extra_headers) {
    if (!IsHeaderName(header.name) || HasControlCharacter(header.value)) {
      return Invalid(fmt::format("AzureOpenAIConfig::extra_headers: invalid header '{}'",
                                 openai::SanitizeForMessage(header.name, 64)));
    }
  }

  std::vector<HttpHeader> headers;
  headers.reserve(3 + config.extra_headers.size());
  const auto add_default = [&](std::string_view name, std::string value) {
    for (const HttpHeader& extra : config.extra_headers) {
      if (EqualsIgnoreCase(extra.name, name)) return;
    }
    headers.push_back(HttpHeader{std::string(name), std::move(value)});
  };
  add_default("Content-Type", "application/json");
  add_default("Accept", "application/json");
  add_default("api-key", api_key);
  for (HttpHeader& extra : config.extra_headers) headers.push_back(std::move(extra));

  openai::RequestOptions options;
  options.use_max_completion_tokens = false;  // what every Azure API version accepts
  options.stream_usage = config.stream_usage;
  Endpoint where{{}, endpoint + "/openai/deployments/",
                 "/chat/completions?api-version=" + version};
  return std::shared_ptr<const Provider>(std::make_shared<const OpenAIProvider>(
      std::move(config.id), std::move(where), std::move(headers), options, std::move(api_key)));
}

}  // namespace prsm
