// MakeOllamaProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of ollama_codec.h.
//
// The endpoint URL and both header lists (plain and streaming) are computed at creation. The
// environment is read here, once, with std::getenv: later changes do not affect a created
// provider. OLLAMA_HOST is read the way the ollama CLI reads it (envconfig.Host), so one
// setting serves both.
#include "prsm/providers/ollama.h"

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/codec_provider.h"
#include "providers/error_text.h"
#include "providers/ollama_codec.h"
#include "providers/provider_config.h"

namespace prsm {
namespace {

constexpr std::string_view kDefaultHostPort = "127.0.0.1:11434";
constexpr std::string_view kOllamaPort = "11434";
constexpr std::string_view kOllamaCom = "ollama.com";
constexpr std::string_view kEndpointPath = "/api/chat";

using providers::Invalid;

bool IsPort(std::string_view port) {
  if (port.empty() || port.size() > 5) return false;
  int value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  return value >= 1 && value <= 65535;
}

// A base URL from what the ollama CLI accepts in OLLAMA_HOST: "[scheme://][userinfo@]host[:port]
// [/path]". Without a scheme: http, port 11434 ("ollama.com" alone: https, 443); with one, the
// scheme's port. An empty host is 127.0.0.1; an IPv6 address may come with or without brackets.
// `source` names the setting in errors; the value itself is not echoed (it may hold userinfo).
struct Endpoint {
  std::string url;  // scheme://host:port[/path], no trailing slash
  std::string host;
};

Result<Endpoint> ParseHost(std::string_view text, const std::string& source) {
  if (providers::HasControlCharacter(text) || text.find(' ') != std::string_view::npos) {
    return Invalid(fmt::format("{}: the base URL contains spaces or control characters", source));
  }
  std::string scheme = "http";
  std::string_view default_port = kOllamaPort;
  std::string_view rest = text;
  if (const std::size_t separator = text.find("://"); separator != std::string_view::npos) {
    scheme.clear();
    for (const char c : text.substr(0, separator)) scheme.push_back(providers::AsciiLower(c));
    if (scheme != "http" && scheme != "https") {
      return Invalid(
          fmt::format("{}: the base URL must start with http:// or https:// (or be "
                      "host[:port])",
                      source));
    }
    default_port = scheme == "http" ? "80" : "443";
    rest = text.substr(separator + 3);
  } else if (providers::EqualsIgnoreCase(text, kOllamaCom)) {
    scheme = "https";
    default_port = "443";
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Invalid(fmt::format("{}: the base URL has a query or fragment", source));
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);

  std::string_view userinfo;
  if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
    userinfo = authority.substr(0, at + 1);  // with its '@'
    authority.remove_prefix(at + 1);
  }
  std::string_view host = authority;
  std::string_view port = default_port;
  bool ipv6 = false;
  if (!authority.empty() && authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return Invalid(fmt::format("{}: the base URL has an unclosed '[' in its host", source));
    }
    host = authority.substr(1, close - 1);
    ipv6 = true;
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Invalid(fmt::format("{}: the base URL has text after its IPv6 host", source));
      }
      port = after.substr(1);
    }
  } else if (const std::size_t colon = authority.find(':'); colon != std::string_view::npos) {
    if (authority.find(':', colon + 1) != std::string_view::npos) {
      ipv6 = true;  // "::1": an IPv6 address without brackets, as the CLI accepts
    } else {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
  }
  if (!IsPort(port)) {
    return Invalid(fmt::format("{}: the base URL's port is not a number in 1..65535", source));
  }
  Endpoint endpoint;
  endpoint.host = host.empty() ? std::string("127.0.0.1") : std::string(host);
  endpoint.url = fmt::format("{}://{}{}{}{}:{}{}", scheme, userinfo, ipv6 ? "[" : "", endpoint.host,
                             ipv6 ? "]" : "", port, path);
  return endpoint;
}

constexpr providers::ResponseCodec kResponseCodec = {
    &ollama::ParseResponseBody, &ollama::RefineHttpError, &ollama::NewStreamDecoder};

}  // namespace

Result<std::shared_ptr<const Provider>> MakeOllamaProvider(OllamaConfig config) {
  if (config.id.empty()) return Invalid("OllamaConfig::id: empty");

  // OLLAMA_HOST may come quoted, as the ollama CLI accepts it.
  providers::Setting base = providers::ResolveSetting(config.base_url, "OllamaConfig::base_url",
                                                      {config.base_url_env}, " \t\r\n\"'");
  if (base.value.empty()) base = {std::string(kDefaultHostPort), "the default base URL"};
  Result<Endpoint> endpoint = ParseHost(base.value, base.source);
  if (!endpoint) return std::move(endpoint).error();
  if (Result<void> checked =
          providers::CheckCleartext({endpoint->url, base.source}, config.allow_insecure_http,
                                    "OllamaConfig::allow_insecure_http");
      !checked) {
    return checked.error();
  }
  const bool is_ollama_com = providers::EqualsIgnoreCase(endpoint->host, kOllamaCom);

  providers::Setting api_key =
      providers::ResolveSetting(config.api_key, "OllamaConfig::api_key", {config.api_key_env});
  if (Result<void> checked =
          providers::CheckApiKey(api_key, is_ollama_com ? kOllamaCom : "", "OllamaConfig::api_key",
                                 {config.api_key_env}, config.id);
      !checked) {
    return checked.error();
  }
  if (providers::HasControlCharacter(config.keep_alive)) {
    return Invalid("OllamaConfig::keep_alive: contains control characters");
  }
  if (Result<void> checked =
          providers::CheckExtraHeaders(config.extra_headers, "OllamaConfig", api_key.value);
      !checked) {
    return checked.error();
  }

  // Headers in a fixed order; an extra header replaces a default of the same name.
  std::vector<HttpHeader> auth;
  if (!api_key.value.empty()) auth.push_back({"Authorization", "Bearer " + api_key.value});
  providers::RequestHeaders headers =
      providers::JsonHeaders("application/x-ndjson", auth, config.extra_headers);

  ollama::RequestOptions options;
  options.keep_alive = std::string(providers::Trim(config.keep_alive));
  providers::RequestCodec codec = {
      [url = endpoint->url + std::string(kEndpointPath)](
          const CompletionRequest&, std::string_view) -> Result<std::string> { return url; },
      [options = std::move(options)](const CompletionRequest& request, std::string_view secret) {
        return ollama::BuildRequestBody(request, options, secret);
      }};
  return providers::MakeCodecProvider(std::move(config.id), std::move(api_key.value),
                                      std::move(headers), std::move(codec), kResponseCodec);
}

}  // namespace prsm
