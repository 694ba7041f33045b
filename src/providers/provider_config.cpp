// Configuration helpers shared by the provider factories; see provider_config.h.
#include "providers/provider_config.h"

#include <cstddef>
#include <cstdlib>
#include <utility>

#include <fmt/format.h>

#include "providers/error_text.h"

namespace prsm::providers {

std::string GetEnv(const std::string& name) {
  if (name.empty()) return {};
  const char* value = std::getenv(name.c_str());
  return value == nullptr ? std::string() : std::string(Trim(value));
}

Setting ResolveSetting(std::string_view configured, std::string field,
                       std::initializer_list<std::string_view> env_names,
                       std::string_view env_junk) {
  Setting setting{std::string(Trim(configured)), std::move(field)};
  if (!setting.value.empty()) return setting;
  for (const std::string_view name : env_names) {
    setting.value = std::string(Trim(GetEnv(std::string(name)), env_junk));
    setting.source = fmt::format("${}", name);
    if (!setting.value.empty()) break;
  }
  return setting;
}

Setting ResolveBaseUrl(std::string_view configured, std::string field, std::string_view env_name,
                       std::string_view default_url) {
  Setting setting = ResolveSetting(configured, std::move(field), {env_name});
  if (setting.value.empty()) setting = {std::string(default_url), "the default base URL"};
  return setting;
}

std::string_view HostOf(std::string_view url) {
  std::string_view rest = url.substr(url.find("://") + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    rest.remove_prefix(at + 1);
  }
  if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);  // IPv6
  return rest.substr(0, rest.find(':'));
}

bool HasHttpScheme(std::string_view url) {
  return StartsWithIgnoreCase(url, "http://") || StartsWithIgnoreCase(url, "https://");
}

Result<std::string_view> CheckBaseUrl(const Setting& base_url) {
  const std::string& url = base_url.value;
  if (!HasHttpScheme(url)) {
    return Invalid(
        fmt::format("{}: the base URL must start with http:// or https://", base_url.source));
  }
  if (HasControlCharacter(url) || url.find(' ') != std::string::npos) {
    return Invalid(
        fmt::format("{}: the base URL contains spaces or control characters", base_url.source));
  }
  const std::string_view host = HostOf(url);
  if (host.empty()) return Invalid(fmt::format("{}: the base URL has no host", base_url.source));
  return host;
}

Result<VendorUrl> ResolveVendorUrl(std::string_view configured, std::string field,
                                   std::string_view env_name, std::string_view default_url,
                                   std::string_view vendor_host) {
  VendorUrl url{ResolveBaseUrl(configured, std::move(field), env_name, default_url)};
  const Result<std::string_view> host = CheckBaseUrl(url.base_url);
  if (!host) return host.error();
  url.is_vendor_host = EqualsIgnoreCase(*host, vendor_host);
  return url;
}

UrlParts SplitBaseUrl(std::string_view base) {
  const std::size_t query_at = base.find_first_of("?#");
  UrlParts parts{base.substr(0, query_at), {}};
  if (query_at != std::string_view::npos) parts.query = base.substr(query_at);
  while (!parts.path.empty() && parts.path.back() == '/') parts.path.remove_suffix(1);
  return parts;
}

Result<void> CheckApiKey(const Setting& key) {
  if (HasControlCharacter(key.value)) {
    return Invalid(fmt::format("{}: the API key contains control characters", key.source));
  }
  return {};
}

Error MissingKeyError(std::string_view host, std::string_view key_field,
                      std::initializer_list<std::string_view> env_names, std::string provider_id) {
  std::string variables;
  for (const std::string_view name : env_names) {
    if (name.empty()) continue;
    if (!variables.empty()) variables.append(" or ");
    variables.append(name);
  }
  std::string message =
      variables.empty()
          ? fmt::format("no API key for {}: set {}", host, key_field)
          : fmt::format("no API key for {}: set {} (or {})", host, variables, key_field);
  return Error(ErrorCode::kUnauthenticated, std::move(message))
      .WithProvider(std::move(provider_id));
}

Result<void> CheckApiKey(const Setting& key, std::string_view required_by,
                         std::string_view key_field,
                         std::initializer_list<std::string_view> env_names,
                         const std::string& provider_id) {
  if (Result<void> checked = CheckApiKey(key); !checked) return checked;
  if (key.value.empty() && !required_by.empty()) {
    return MissingKeyError(required_by, key_field, env_names, provider_id);
  }
  return {};
}

bool IsHeaderName(std::string_view name) {
  return !name.empty() && IsAlnumOr(name, "!#$%&'*+-.^_`|~");
}

Result<void> CheckExtraHeaders(const std::vector<HttpHeader>& headers, std::string_view config,
                               std::string_view secret) {
  for (const HttpHeader& header : headers) {
    if (!IsHeaderName(header.name)) {
      return Invalid(fmt::format("{}::extra_headers: invalid header name {}", config,
                                 Quoted(header.name, secret)));
    }
    if (HasControlCharacter(header.value)) {  // the value may be a secret: not echoed
      return Invalid(fmt::format("{}::extra_headers: the value of {} contains control characters",
                                 config, Quoted(header.name, secret)));
    }
  }
  return {};
}

std::vector<HttpHeader> MergeHeaders(std::vector<HttpHeader> defaults,
                                     const std::vector<HttpHeader>& extras) {
  std::vector<HttpHeader> headers;
  headers.reserve(defaults.size() + extras.size());
  for (HttpHeader& header : defaults) {
    bool replaced = false;
    for (const HttpHeader& extra : extras)
      replaced = replaced || EqualsIgnoreCase(extra.name, header.name);
    if (!replaced) headers.push_back(std::move(header));
  }
  headers.insert(headers.end(), extras.begin(), extras.end());
  return headers;
}

RequestHeaders JsonHeaders(std::string_view stream_accept, const std::vector<HttpHeader>& more,
                           const std::vector<HttpHeader>& extras) {
  const auto make = [&](std::string_view accept) {
    std::vector<HttpHeader> defaults = {{"Content-Type", "application/json"},
                                        {"Accept", std::string(accept)}};
    defaults.insert(defaults.end(), more.begin(), more.end());
    return MergeHeaders(std::move(defaults), extras);
  };
  return {make("application/json"), make(stream_accept)};
}

}  // namespace prsm::providers
