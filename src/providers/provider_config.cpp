// Configuration helpers shared by the provider factories; see provider_config.h.
#include "providers/provider_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstddef>
#include <cstdlib>
#include <cstring>
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

namespace {

// "127.x.y.z" in plain dotted decimal: four parts of 1..3 digits, each 0..255, no leading zero
// (inet_aton and libcurl read "0127" as octal, which is not 127).
bool IsLoopbackIpv4(std::string_view host) {
  if (host == "0.0.0.0") return true;
  int parts = 0;
  int first = -1;
  while (!host.empty()) {
    const std::size_t dot = std::min(host.find('.'), host.size());
    const std::string_view part = host.substr(0, dot);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part.front() == '0')) return false;
    int value = 0;
    for (const char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255) return false;
    if (parts == 0) first = value;
    ++parts;
    if (dot == host.size()) break;
    host.remove_prefix(dot + 1);
    if (host.empty()) return false;  // a trailing dot
  }
  return parts == 4 && first == 127;
}

// "[...]" holding ::1, ::, or ::ffff:127.x.y.z, in any spelling inet_pton accepts (no zone).
bool IsLoopbackIpv6(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') return false;
  const std::string address(host.substr(1, host.size() - 2));
  in6_addr parsed{};
  if (inet_pton(AF_INET6, address.c_str(), &parsed) != 1) return false;
  if (IN6_IS_ADDR_LOOPBACK(&parsed) || IN6_IS_ADDR_UNSPECIFIED(&parsed)) return true;
  return IN6_IS_ADDR_V4MAPPED(&parsed) && parsed.s6_addr[12] == 127;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  return EqualsIgnoreCase(host, "localhost") || EqualsIgnoreCase(host, "localhost.") ||
         IsLoopbackIpv4(host) || IsLoopbackIpv6(host);
}

bool IsLoopbackUrl(std::string_view url) {
  std::string_view authority = url.substr(url.find("://") + 3);
  authority = authority.substr(0, authority.find_first_of("/?#\\"));
  if (std::count(authority.begin(), authority.end(), '@') > 1) return false;
  if (const std::size_t at = authority.find('@'); at != std::string_view::npos) {
    authority.remove_prefix(at + 1);
  }
  const std::string_view host = HostOf(url);
  // Nothing but a port may follow the host ("[::1]evil.com" is not [::1]).
  const std::string_view after = authority.substr(std::min(host.size(), authority.size()));
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (!after.empty() &&
      (after.front() != ':' || !std::all_of(after.begin() + 1, after.end(), is_digit))) {
    return false;
  }
  return authority.substr(0, host.size()) == host && IsLoopbackHost(host);
}

Result<void> CheckCleartext(const Setting& url, bool allowed, std::string_view option) {
  if (allowed || !StartsWithIgnoreCase(url.value, "http://") || IsLoopbackUrl(url.value)) return {};
  return Invalid(fmt::format(
      "{}: refusing cleartext http:// to {}, which is not a loopback host (the API key and the "
      "prompts would cross the network unencrypted); use https:// or set {} = true",
      url.source, Quoted(HostOf(url.value)), option));
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
                                   std::string_view vendor_host, CleartextPolicy cleartext) {
  VendorUrl url{ResolveBaseUrl(configured, std::move(field), env_name, default_url)};
  const Result<std::string_view> host = CheckBaseUrl(url.base_url);
  if (!host) return host.error();
  if (Result<void> checked = CheckCleartext(url.base_url, cleartext.allowed, cleartext.option);
      !checked) {
    return checked.error();
  }
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
