// MakeGeminiProvider: resolves the configuration once, then encodes and decodes with the pure
// functions of gemini_codec.h.
//
// The URL prefix and both header lists (plain and streaming) are computed at creation, so a
// request costs one body build, one model-name check and a few string copies. The environment is
// read here, once, with std::getenv: later changes do not affect a created provider.
#include "prsm/providers/gemini.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/gemini_codec.h"
#include "providers/openai_codec.h"

namespace prsm {
namespace {

constexpr std::string_view kDefaultBaseUrl = "https://generativelanguage.googleapis.com";
constexpr std::string_view kGoogleHost = "generativelanguage.googleapis.com";

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

std::string_view TrimSpace(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
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
  return value == nullptr ? std::string() : std::string(TrimSpace(value));
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

bool IsVersionSegment(std::string_view version) {
  for (const char c : version) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '_' && c != '-') return false;
  }
  return version != "." && version != "..";
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

class GeminiProvider final : public Provider {
 public:
  GeminiProvider(std::string id, std::string url_prefix, std::string query,
                 std::vector<HttpHeader> plain_headers, std::vector<HttpHeader> stream_headers,
                 std::string api_key)
      : id_(std::move(id)),
        url_prefix_(std::move(url_prefix)),
        query_(std::move(query)),
        plain_headers_(std::move(plain_headers)),
        stream_headers_(std::move(stream_headers)),
        api_key_(std::move(api_key)) {}

  std::string_view id() const noexcept override { return id_; }

  Result<HttpRequest> BuildRequest(const CompletionRequest& request) const override {
    Result<std::string> resource = gemini::ModelResource(request.model);
    if (!resource) return std::move(resource).error().WithProvider(id_);
    Result<std::string> body = gemini::BuildRequestBody(request);
    if (!body) return std::move(body).error().WithProvider(id_);
    HttpRequest http;
    http.method = "POST";
    http.url.reserve(url_prefix_.size() + resource->size() + 32 + query_.size());
    http.url.append(url_prefix_).append(*resource);
    if (request.stream) {
      // alt=sse: server-sent events; without it Gemini streams one JSON array, which cannot be
      // decoded before its end.
      http.url.append(":streamGenerateContent").append(query_.empty() ? "?" : query_ + "&");
      http.url.append("alt=sse");
    } else {
      http.url.append(":generateContent").append(query_);
    }
    http.headers = request.stream ? stream_headers_ : plain_headers_;
    http.body = std::move(*body);
    return http;
  }

  Result<Completion> ParseResponse(const HttpResponse& response) const override {
    Result<Completion> completion = gemini::ParseResponseBody(response.body, api_key_);
    if (!completion) {
      return std::move(completion).error().WithProvider(id_).WithHttpStatus(response.status);
    }
    return completion;
  }

  Error ParseError(const HttpResponse& response, Error mapped) const override {
    if (mapped.provider().empty()) mapped.WithProvider(id_);
    if (!mapped.http_status()) mapped.WithHttpStatus(response.status);
    return gemini::RefineHttpError(response.body, mapped, api_key_);
  }

  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return gemini::NewStreamDecoder(id_, api_key_);
  }

 private:
  const std::string id_;
  const std::string url_prefix_;  // "{base}/{version}/", to which "models/x:method" is added
  const std::string query_;       // the base URL's own query string ("?..."), usually empty
  const std::vector<HttpHeader> plain_headers_;   // complete, the key included
  const std::vector<HttpHeader> stream_headers_;  // the same with Accept: text/event-stream
  const std::string api_key_;  // only to redact it from error messages; never printed
};

// Where the key came from, for messages; the key itself is never shown.
struct Key {
  std::string value;
  std::string source;
};

Key ResolveKey(const GeminiConfig& config) {
  if (std::string key(TrimSpace(config.api_key)); !key.empty()) {
    return {std::move(key), "GeminiConfig::api_key"};
  }
  for (const std::string* name : {&config.api_key_env, &config.fallback_api_key_env}) {
    if (std::string key = GetEnv(*name); !key.empty()) return {std::move(key), "$" + *name};
  }
  return {};
}

// "set GEMINI_API_KEY or GOOGLE_API_KEY (or GeminiConfig::api_key)", naming what was tried.
std::string MissingKeyMessage(const GeminiConfig& config) {
  std::string variables;
  for (const std::string* name : {&config.api_key_env, &config.fallback_api_key_env}) {
    if (name->empty()) continue;
    if (!variables.empty()) variables.append(" or ");
    variables.append(*name);
  }
  if (variables.empty()) {
    return fmt::format("no API key for {}: set GeminiConfig::api_key", kGoogleHost);
  }
  return fmt::format("no API key for {}: set {} (or GeminiConfig::api_key)", kGoogleHost,
                     variables);
}

}  // namespace

Result<std::shared_ptr<const Provider>> MakeGeminiProvider(GeminiConfig config) {
  if (config.id.empty()) return Invalid("GeminiConfig::id: empty");

  std::string base_url(TrimSpace(config.base_url));
  std::string base_source = "GeminiConfig::base_url";
  if (base_url.empty()) {
    base_url = GetEnv(config.base_url_env);
    base_source = "$" + config.base_url_env;
  }
  if (base_url.empty()) {
    base_url = std::string(kDefaultBaseUrl);
    base_source = "the default base URL";
  }
  // The URL itself is not echoed: it may carry credentials (user:password@ or a query key).
  if (!StartsWithIgnoreCase(base_url, "http://") && !StartsWithIgnoreCase(base_url, "https://")) {
    return Invalid(
        fmt::format("{}: the base URL must start with http:// or https://", base_source));
  }
  if (HasControlCharacter(base_url) || base_url.find(' ') != std::string::npos) {
    return Invalid(
        fmt::format("{}: the base URL contains spaces or control characters", base_source));
  }
  const std::string_view host = HostOf(base_url);
  if (host.empty()) return Invalid(fmt::format("{}: the base URL has no host", base_source));
  const bool is_google = EqualsIgnoreCase(host, kGoogleHost);

  const std::string version(TrimSpace(config.api_version));
  if (!IsVersionSegment(version)) {
    return Invalid(fmt::format("GeminiConfig::api_version: '{}' is not a URL path segment",
                               openai::SanitizeForMessage(version, 32)));
  }

  Key key = ResolveKey(config);
  if (HasControlCharacter(key.value)) {
    return Invalid(fmt::format("{}: the API key contains control characters", key.source));
  }
  if (key.value.empty() && is_google) {
    return Error(ErrorCode::kUnauthenticated, MissingKeyMessage(config)).WithProvider(config.id);
  }

  for (const HttpHeader& header : config.extra_headers) {
    if (!IsHeaderName(header.name)) {
      return Invalid(fmt::format("GeminiConfig::extra_headers: invalid header name '{}'",
                                 openai::SanitizeForMessage(header.name, 64)));
    }
    if (HasControlCharacter(header.value)) {  // the value may be a secret: not echoed
      return Invalid(
          fmt::format("GeminiConfig::extra_headers: the value of '{}' contains control characters",
                      header.name));
    }
  }

  // "{base}/{version}/" with the base's trailing slashes dropped and its query kept apart.
  const std::size_t query_at = base_url.find_first_of("?#");
  std::string_view path = std::string_view(base_url).substr(0, query_at);
  std::string query = query_at == std::string::npos ? std::string() : base_url.substr(query_at);
  if (const std::size_t hash = query.find('#'); hash != std::string::npos) query.resize(hash);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  std::string url_prefix(path);
  url_prefix.push_back('/');
  if (!version.empty()) url_prefix.append(version).push_back('/');

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
    if (!key.value.empty()) add_default("x-goog-api-key", key.value);
    headers.insert(headers.end(), config.extra_headers.begin(), config.extra_headers.end());
    return headers;
  };
  std::vector<HttpHeader> plain_headers = make_headers("application/json");
  std::vector<HttpHeader> stream_headers = make_headers("text/event-stream");

  return std::shared_ptr<const Provider>(std::make_shared<const GeminiProvider>(
      std::move(config.id), std::move(url_prefix), std::move(query), std::move(plain_headers),
      std::move(stream_headers), std::move(key.value)));
}

}  // namespace prsm
