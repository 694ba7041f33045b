// MakeAnthropicProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of anthropic_codec.h.
//
// Everything that depends on the configuration (the URL, the header list, the default token
// limit) is computed at creation, so a request costs one body build plus copying the prepared
// URL and headers. The environment (api_key_env, base_url_env) is read here, once, with
// std::getenv: later changes to the environment do not affect a created provider, and creating
// providers while another thread calls setenv() is the host's race, as with any getenv() call.
//
// The URL and header checks mirror openai.cpp's; they belong in a shared helper once a third
// codec needs them.
#include "prsm/providers/anthropic.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/anthropic_codec.h"
#include "providers/openai_codec.h"  // SanitizeForMessage

namespace prsm {
namespace {

constexpr std::string_view kDefaultBaseUrl = "https://api.anthropic.com";
constexpr std::string_view kAnthropicHost = "api.anthropic.com";

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

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
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

// The host of an http(s) URL, without userinfo or port. Precondition: the scheme was checked.
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

// base + "/v1/messages", trailing slashes of the base removed, a query string kept after the
// path. Anthropic's SDKs take the base without "/v1"; a base that has it is not doubled.
std::string EndpointUrl(std::string_view base) {
  const std::size_t query_at = base.find_first_of("?#");
  std::string_view path = base.substr(0, query_at);
  const std::string_view query =
      query_at == std::string_view::npos ? std::string_view() : base.substr(query_at);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  const std::string_view endpoint = EndsWith(path, "/v1") ? "/messages" : "/v1/messages";
  std::string url;
  url.reserve(path.size() + endpoint.size() + query.size());
  url.append(path).append(endpoint).append(query);
  return url;
}

class AnthropicProvider final : public Provider {
 public:
  AnthropicProvider(std::string id, std::string url, std::vector<HttpHeader> headers,
                    anthropic::RequestOptions options, std::string api_key)
      : id_(std::move(id)),
        url_(std::move(url)),
        headers_(std::move(headers)),
        options_(options),
        api_key_(std::move(api_key)) {}

  std::string_view id() const noexcept override { return id_; }

  Result<HttpRequest> BuildRequest(const CompletionRequest& request) const override {
    Result<std::string> body = anthropic::BuildRequestBody(request, options_, api_key_);
    if (!body) return std::move(body).error().WithProvider(id_);
    HttpRequest http;
    http.method = "POST";
    http.url = url_;
    http.headers = headers_;
    http.body = std::move(*body);
    return http;
  }

  Result<Completion> ParseResponse(const HttpResponse& response) const override {
    Result<Completion> completion = anthropic::ParseResponseBody(response.body, api_key_);
    if (!completion) {
      return std::move(completion).error().WithProvider(id_).WithHttpStatus(response.status);
    }
    return completion;
  }

  Error ParseError(const HttpResponse& response, Error mapped) const override {
    if (mapped.provider().empty()) mapped.WithProvider(id_);
    if (!mapped.http_status()) mapped.WithHttpStatus(response.status);
    return anthropic::RefineHttpError(response.body, mapped, api_key_);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return anthropic::NewStreamDecoder(id_, api_key_);
  }

 private:
  const std::string id_;
  const std::string url_;                  // base URL + "/v1/messages"
  const std::vector<HttpHeader> headers_;  // complete, the x-api-key header included
  const anthropic::RequestOptions options_;
  const std::string api_key_;  // only to redact it from error messages; never printed
};

}  // namespace

Result<std::shared_ptr<const Provider>> MakeAnthropicProvider(AnthropicConfig config) {
  if (config.id.empty()) return Invalid("AnthropicConfig::id: empty");
  if (config.default_max_tokens < 1) {
    return Invalid(fmt::format("AnthropicConfig::default_max_tokens: must be at least 1, got {}",
                               config.default_max_tokens));
  }

  // Base URL: the config, else the environment, else Anthropic.
  std::string base_url = std::string(TrimSpace(config.base_url));
  std::string base_url_source = "AnthropicConfig::base_url";
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
  const bool is_anthropic = EqualsIgnoreCase(host, kAnthropicHost);

  // Key: the config, else the environment. Surrounding whitespace (a trailing newline from a
  // file, say) is dropped; anything else that could break the header is refused.
  std::string api_key = std::string(TrimSpace(config.api_key));
  std::string key_source = "AnthropicConfig::api_key";
  if (api_key.empty()) {
    api_key = std::string(TrimSpace(GetEnv(config.api_key_env)));
    key_source = "$" + config.api_key_env;
  }
  if (HasControlCharacter(api_key)) {
    return Invalid(fmt::format("{}: the API key contains control characters", key_source));
  }
  if (api_key.empty() && is_anthropic) {
    return Error(ErrorCode::kUnauthenticated,
                 config.api_key_env.empty()
                     ? std::string("no API key for api.anthropic.com: set AnthropicConfig::api_key")
                     : fmt::format("no API key for api.anthropic.com: set {} (or "
                                   "AnthropicConfig::api_key)",
                                   config.api_key_env))
        .WithProvider(config.id);
  }

  const std::string version(TrimSpace(config.anthropic_version));
  if (version.empty() || HasControlCharacter(version)) {
    return Invalid("AnthropicConfig::anthropic_version: empty or contains control characters");
  }
  std::string betas;
  for (std::size_t i = 0; i < config.betas.size(); ++i) {
    const std::string_view beta = TrimSpace(config.betas[i]);
    if (beta.empty() || HasControlCharacter(beta) || beta.find(',') != std::string_view::npos) {
      return Invalid(fmt::format(
          "AnthropicConfig::betas[{}]: empty, or contains a comma or control characters", i));
    }
    if (!betas.empty()) betas.push_back(',');
    betas.append(beta);
  }
  for (const HttpHeader& header : config.extra_headers) {
    if (!IsHeaderName(header.name)) {
      return Invalid(fmt::format("AnthropicConfig::extra_headers: invalid header name '{}'",
                                 openai::SanitizeForMessage(header.name, 64)));
    }
    if (HasControlCharacter(header.value)) {  // the value may be a secret: not echoed
      return Invalid(fmt::format(
          "AnthropicConfig::extra_headers: the value of '{}' contains control characters",
          header.name));
    }
  }

  // Headers in a fixed order; an extra header replaces a default of the same name (a proxy's
  // own authentication, say).
  std::vector<HttpHeader> headers;
  headers.reserve(4 + config.extra_headers.size());
  const auto add_default = [&](std::string_view name, std::string value) {
    for (const HttpHeader& extra : config.extra_headers) {
      if (EqualsIgnoreCase(extra.name, name)) return;
    }
    headers.push_back(HttpHeader{std::string(name), std::move(value)});
  };
  add_default("content-type", "application/json");
  add_default("anthropic-version", version);
  if (!api_key.empty()) add_default("x-api-key", api_key);
  if (!betas.empty()) add_default("anthropic-beta", std::move(betas));
  for (HttpHeader& extra : config.extra_headers) headers.push_back(std::move(extra));

  anthropic::RequestOptions options;
  options.default_max_tokens = config.default_max_tokens;

  return std::shared_ptr<const Provider>(
      std::make_shared<const AnthropicProvider>(std::move(config.id), EndpointUrl(base_url),
                                                std::move(headers), options, std::move(api_key)));
}

}  // namespace prsm
