// MakeOllamaProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of ollama_codec.h.
//
// The endpoint URL and both header lists (plain and streaming) are computed at creation. The
// environment is read here, once, with std::getenv: later changes do not affect a created
// provider. OLLAMA_HOST is read the way the ollama CLI reads it (envconfig.Host), so one
// setting serves both.
#include "prsm/providers/ollama.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/ollama_codec.h"
#include "providers/openai_codec.h"

namespace prsm {
namespace {

constexpr std::string_view kDefaultHostPort = "127.0.0.1:11434";
constexpr std::string_view kOllamaPort = "11434";
constexpr std::string_view kOllamaCom = "ollama.com";
constexpr std::string_view kEndpointPath = "/api/chat";

char AsciiLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

// Spaces and, as the ollama CLI does for OLLAMA_HOST, quotes around the value.
std::string_view Trim(std::string_view text, std::string_view junk = " \t\r\n") {
  while (!text.empty() && junk.find(text.front()) != std::string_view::npos) text.remove_prefix(1);
  while (!text.empty() && junk.find(text.back()) != std::string_view::npos) text.remove_suffix(1);
  return text;
}

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
  return value == nullptr ? std::string() : std::string(Trim(value));
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

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
  if (HasControlCharacter(text) || text.find(' ') != std::string_view::npos) {
    return Invalid(fmt::format("{}: the base URL contains spaces or control characters", source));
  }
  std::string scheme = "http";
  std::string_view default_port = kOllamaPort;
  std::string_view rest = text;
  if (const std::size_t separator = text.find("://"); separator != std::string_view::npos) {
    scheme.clear();
    for (const char c : text.substr(0, separator)) scheme.push_back(AsciiLower(c));
    if (scheme != "http" && scheme != "https") {
      return Invalid(
          fmt::format("{}: the base URL must start with http:// or https:// (or be "
                      "host[:port])",
                      source));
    }
    default_port = scheme == "http" ? "80" : "443";
    rest = text.substr(separator + 3);
  } else if (EqualsIgnoreCase(text, kOllamaCom)) {
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

class OllamaProvider final : public Provider {
 public:
  OllamaProvider(std::string id, std::string url, std::vector<HttpHeader> plain_headers,
                 std::vector<HttpHeader> stream_headers, ollama::RequestOptions options,
                 std::string api_key)
      : id_(std::move(id)),
        url_(std::move(url)),
        plain_headers_(std::move(plain_headers)),
        stream_headers_(std::move(stream_headers)),
        options_(std::move(options)),
        api_key_(std::move(api_key)) {}

  std::string_view id() const noexcept override { return id_; }

  Result<HttpRequest> BuildRequest(const CompletionRequest& request) const override {
    Result<std::string> body = ollama::BuildRequestBody(request, options_);
    if (!body) return std::move(body).error().WithProvider(id_);
    HttpRequest http;
    http.method = "POST";
    http.url = url_;
    http.headers = request.stream ? stream_headers_ : plain_headers_;
    http.body = std::move(*body);
    return http;
  }

  Result<Completion> ParseResponse(const HttpResponse& response) const override {
    Result<Completion> completion = ollama::ParseResponseBody(response.body, api_key_);
    if (!completion) {
      return std::move(completion).error().WithProvider(id_).WithHttpStatus(response.status);
    }
    return completion;
  }

  Error ParseError(const HttpResponse& response, Error mapped) const override {
    if (mapped.provider().empty()) mapped.WithProvider(id_);
    if (!mapped.http_status()) mapped.WithHttpStatus(response.status);
    return ollama::RefineHttpError(response.body, mapped, api_key_);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return ollama::NewStreamDecoder(id_, api_key_);
  }

 private:
  const std::string id_;
  const std::string url_;                         // base URL + "/api/chat"
  const std::vector<HttpHeader> plain_headers_;   // complete, the key included
  const std::vector<HttpHeader> stream_headers_;  // the same with Accept: application/x-ndjson
  const ollama::RequestOptions options_;
  const std::string api_key_;  // only to redact it from error messages; never printed
};

}  // namespace

Result<std::shared_ptr<const Provider>> MakeOllamaProvider(OllamaConfig config) {
  if (config.id.empty()) return Invalid("OllamaConfig::id: empty");

  std::string base(Trim(config.base_url));
  std::string base_source = "OllamaConfig::base_url";
  if (base.empty()) {
    base = std::string(Trim(GetEnv(config.base_url_env), " \t\r\n\"'"));
    base_source = "$" + config.base_url_env;
  }
  if (base.empty()) {
    base = std::string(kDefaultHostPort);
    base_source = "the default base URL";
  }
  Result<Endpoint> endpoint = ParseHost(base, base_source);
  if (!endpoint) return std::move(endpoint).error();
  const bool is_ollama_com = EqualsIgnoreCase(endpoint->host, kOllamaCom);

  std::string api_key(Trim(config.api_key));
  std::string key_source = "OllamaConfig::api_key";
  if (api_key.empty()) {
    api_key = GetEnv(config.api_key_env);
    key_source = "$" + config.api_key_env;
  }
  if (HasControlCharacter(api_key)) {
    return Invalid(fmt::format("{}: the API key contains control characters", key_source));
  }
  if (api_key.empty() && is_ollama_com) {
    return Error(ErrorCode::kUnauthenticated,
                 config.api_key_env.empty()
                     ? std::string("no API key for ollama.com: set OllamaConfig::api_key")
                     : fmt::format("no API key for ollama.com: set {} (or OllamaConfig::api_key)",
                                   config.api_key_env))
        .WithProvider(config.id);
  }
  if (HasControlCharacter(config.keep_alive)) {
    return Invalid("OllamaConfig::keep_alive: contains control characters");
  }
  for (const HttpHeader& header : config.extra_headers) {
    if (!IsHeaderName(header.name)) {
      return Invalid(fmt::format("OllamaConfig::extra_headers: invalid header name '{}'",
                                 openai::SanitizeForMessage(header.name, 64)));
    }
    if (HasControlCharacter(header.value)) {  // the value may be a secret: not echoed
      return Invalid(
          fmt::format("OllamaConfig::extra_headers: the value of '{}' contains control characters",
                      header.name));
    }
  }

  // Headers in a fixed order; an extra header replaces a default of the same name.
  const auto make_headers = [&](std::string_view accept) {
    std::vector<HttpHeader> headers;
    headers.reserve(3 + config.extra_headers.size());
    const auto add_default = [&](std::string_view name, std::string value) {
      for (const HttpHeader& extra : config.extra_headers) {
        if (EqualsIgnoreCase(extra.name, name)) return;
      }
      headers.push_back(HttpHeader{std::string(name), std::move(value)});
    };
    add_default("Content-Type", "application/json");
    add_default("Accept", std::string(accept));
    if (!api_key.empty()) add_default("Authorization", "Bearer " + api_key);
    headers.insert(headers.end(), config.extra_headers.begin(), config.extra_headers.end());
    return headers;
  };
  std::vector<HttpHeader> plain_headers = make_headers("application/json");
  std::vector<HttpHeader> stream_headers = make_headers("application/x-ndjson");

  ollama::RequestOptions options;
  options.keep_alive = std::string(Trim(config.keep_alive));
  return std::shared_ptr<const Provider>(std::make_shared<const OllamaProvider>(
      std::move(config.id), endpoint->url + std::string(kEndpointPath), std::move(plain_headers),
      std::move(stream_headers), std::move(options), std::move(api_key)));
}

}  // namespace prsm
