// providers/provider_config.h — what the provider factories (openai.cpp, anthropic.cpp,
// gemini.cpp, ollama.cpp) share when they resolve a configuration: a setting taken from the
// config, else the environment, else a default, remembering where it came from; the checks of a
// base URL, an API key and extra headers; and the header list in which extra headers replace
// defaults of the same name.
//
// Why a module: the factories were written in parallel and copied each other's checks; the
// error messages they give are part of prsm's behaviour, and now come from one place. The rules
// every factory follows:
// - a URL is never echoed in an error (it may carry user:password@ or a key in its query), and
//   neither is a header value or the key: messages name the setting instead ("$OPENAI_BASE_URL",
//   "OpenAIConfig::api_key");
// - the environment is read with std::getenv when the provider is created, never later;
// - cleartext http:// is accepted only to a loopback host, unless the config's
//   allow_insecure_http says otherwise (CheckCleartext): the key and the prompts must not cross
//   a network unencrypted by accident.
#ifndef PRSM_PROVIDERS_PROVIDER_CONFIG_H_
#define PRSM_PROVIDERS_PROVIDER_CONFIG_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "providers/text_util.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm::providers {

/// The variable `name`'s value with surrounding whitespace trimmed; empty when `name` is empty or
/// the variable is unset.
std::string GetEnv(const std::string& name);

/// A configuration value and where it came from, for error messages.
struct Setting {
  std::string value;
  std::string source;  ///< "OpenAIConfig::base_url", "$OPENAI_BASE_URL", "the default base URL"
};

/// `configured` trimmed, from `field`, when not empty; else the first of the variables
/// `env_names` that is set and not empty, trimmed of `env_junk`, from "$NAME"; else an empty
/// value from "$<last name>".
Setting ResolveSetting(std::string_view configured, std::string field,
                       std::initializer_list<std::string_view> env_names,
                       std::string_view env_junk = kAsciiSpace);

/// The setting for a base URL with a default: ResolveSetting, and `default_url` from "the
/// default base URL" when neither the config nor the environment gave one.
Setting ResolveBaseUrl(std::string_view configured, std::string field, std::string_view env_name,
                       std::string_view default_url);

/// The host of an http(s) URL, without userinfo or port: "https://u@API.openai.com:443/v1" gives
/// "API.openai.com", an IPv6 host keeps its brackets. Precondition: the URL has "://".
std::string_view HostOf(std::string_view url);

/// True for a URL that starts with http:// or https://, in any case.
bool HasHttpScheme(std::string_view url);

/// True for a host (as HostOf returns it) whose traffic cannot leave this machine: "localhost"
/// (with or without a final dot, any case), an IPv4 address 127.x.y.z in plain dotted decimal
/// (no leading zeros, which some parsers read as octal), the IPv6 loopback "[::1]" in any
/// spelling and its IPv4-mapped form "[::ffff:127.x.y.z]", and the unspecified addresses
/// "0.0.0.0" and "[::]" (connecting to them reaches this host; OLLAMA_HOST=0.0.0.0 is common).
/// Everything else is not: "127.0.0.1.evil.com", "0x7f.0.0.1", "[::1%25lo]", names that merely
/// resolve to a loopback address.
bool IsLoopbackHost(std::string_view host);

/// True when the http(s) URL `url` names a loopback host (IsLoopbackHost). Parsed carefully: the
/// authority ends at the first '/', '?', '#' or backslash, and an authority with more than one '@'
/// (which URL parsers split differently) is never loopback. Precondition: the URL has "://".
bool IsLoopbackUrl(std::string_view url);

/// https:// always passes; http:// passes to a loopback host (IsLoopbackUrl) or when `allowed`.
/// Else kInvalidArgument "<url.source>: refusing cleartext http:// to '<host>', which is not a
/// loopback host ...; use https:// or set <option>" (the host is named, never the whole URL).
Result<void> CheckCleartext(const Setting& url, bool allowed, std::string_view option);

/// Checks a base URL — http(s), no spaces or control characters, a host — and returns its host
/// (a view into `base_url.value`). Errors are kInvalidArgument naming `base_url.source`.
Result<std::string_view> CheckBaseUrl(const Setting& base_url);

/// A base URL cut where its query (or fragment) starts: `path` without trailing slashes, and
/// `query` from the first '?' or '#' on (empty when there is none), so that an endpoint path
/// can go between them.
struct UrlParts {
  std::string_view path;
  std::string_view query;
};
UrlParts SplitBaseUrl(std::string_view base);

/// A vendor's base URL, resolved and checked.
struct VendorUrl {
  Setting base_url;
  bool is_vendor_host = false;  ///< its host is `vendor_host` (in any case)
};

/// Whether a config allows cleartext http:// to a host that is not loopback, and the name of
/// that option for errors ("OpenAIConfig::allow_insecure_http").
struct CleartextPolicy {
  bool allowed = false;
  std::string_view option;
};

/// ResolveBaseUrl, CheckBaseUrl, CheckCleartext, and whether the host is the vendor's own.
Result<VendorUrl> ResolveVendorUrl(std::string_view configured, std::string field,
                                   std::string_view env_name, std::string_view default_url,
                                   std::string_view vendor_host, CleartextPolicy cleartext);

/// kInvalidArgument "<source>: the API key contains control characters" for such a key.
Result<void> CheckApiKey(const Setting& key);

/// kUnauthenticated "no API key for <host>: set A or B (or <key_field>)", naming the variables
/// that are not empty, or "... set <key_field>" when none is; provider `provider_id`.
Error MissingKeyError(std::string_view host, std::string_view key_field,
                      std::initializer_list<std::string_view> env_names, std::string provider_id);

/// CheckApiKey(key); then, when the key is empty and `required_by` names a host (the vendor's
/// own, which needs one), MissingKeyError(required_by, key_field, env_names, provider_id).
Result<void> CheckApiKey(const Setting& key, std::string_view required_by,
                         std::string_view key_field,
                         std::initializer_list<std::string_view> env_names,
                         const std::string& provider_id);

/// RFC 9110 token characters, the only ones a header name may have; false for an empty name.
bool IsHeaderName(std::string_view name);

/// Checks `headers`: kInvalidArgument "<config>::extra_headers: invalid header name '...'" or
/// "...: the value of '<name>' contains control characters" (the value may be a secret: not
/// echoed). `secret` is redacted from the quoted name.
Result<void> CheckExtraHeaders(const std::vector<HttpHeader>& headers, std::string_view config,
                               std::string_view secret);

/// `defaults` in their order, less those that an extra header of the same name (in any case)
/// replaces, then `extras` in theirs.
std::vector<HttpHeader> MergeHeaders(std::vector<HttpHeader> defaults,
                                     const std::vector<HttpHeader>& extras);

/// The complete header lists of a provider: for plain requests, and for streaming ones.
struct RequestHeaders {
  std::vector<HttpHeader> plain;
  std::vector<HttpHeader> stream;
};

/// Content-Type and Accept "application/json" (Accept `stream_accept` for streams), then `more`
/// defaults, merged with `extras` (MergeHeaders).
RequestHeaders JsonHeaders(std::string_view stream_accept, const std::vector<HttpHeader>& more,
                           const std::vector<HttpHeader>& extras);

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_PROVIDER_CONFIG_H_
