/// \file
/// prsm/providers/anthropic.h — the Anthropic Messages codec.
///
/// Speaks `POST {base_url}/v1/messages` as Anthropic documents it (API version 2023-06-01),
/// plain and streamed (server-sent events), for Anthropic itself and for servers that offer the
/// same API. A request written once in prsm's types is translated as follows:
///
/// - System messages, wherever they stand, become the top-level `system` string, joined with a
///   blank line. The other messages become content blocks in turns that alternate: consecutive
///   messages of one role are merged into one turn; an assistant's tool calls become `tool_use`
///   blocks whose `input` is the parsed arguments JSON (an object; empty arguments send {});
///   tool messages become `tool_result` blocks of a user turn, placed before any text of that turn
///   as Anthropic requires.
/// - `max_tokens` is required by Anthropic: a request without one sends
///   `AnthropicConfig::default_max_tokens`. `stop` is sent as `stop_sequences`; tools as
///   {name, description, input_schema}; tool_choice as {"type": auto|any|none|tool}.
/// - Structured output (ResponseFormat kJsonSchema or kJsonObject), for which the Messages API has
///   no field, is sent as one more tool, named "prsm_respond_<ResponseFormat::name>", whose
///   input_schema is the schema (any object for kJsonObject), and a tool_choice that forces it
///   (or, when the request has tools of its own and lets the model choose, "any" tool, this one
///   included). The answer's call to that tool comes back as the completion's `text`: the tool's
///   input as compact JSON, with finish reason kStop. Tool names with that prefix are reserved.
///   `ResponseFormat::strict` cannot be expressed and is not sent.
/// - Not sent, because the API has no such parameter: `seed`, `logprobs`/`top_logprobs` (the
///   completion simply has no logprobs) and message names. `temperature` and `top_p` must be in
///   0..1.
/// - Thinking blocks and deltas, should a server send them, are not part of the answer and are
///   skipped. Usage is normalised as types.h says: input_tokens = input_tokens +
///   cache_read_input_tokens + cache_creation_input_tokens, cached_input_tokens =
///   cache_read_input_tokens, cache_write_tokens = cache_creation_input_tokens.
///
/// Keys: `api_key` if set, else the environment variable named by `api_key_env`
/// (ANTHROPIC_API_KEY). It is sent as `x-api-key` and never appears in an error, log line or
/// metric. Base URL likewise: `base_url`, else $ANTHROPIC_BASE_URL, else https://api.anthropic.com.
///
/// Errors from the provider's methods: BuildRequest gives kInvalidArgument naming the field;
/// ParseResponse and the stream decoder give kDataLoss naming the JSON path for a body that is not
/// a Messages response (wrong shape, invalid JSON, not UTF-8, an unknown stream event type), and
/// the vendor's error mapped to its canonical code for an error inside a 2xx body or stream
/// (overloaded_error and api_error kUnavailable, rate_limit_error kResourceExhausted,
/// authentication_error kUnauthenticated, permission_error kPermissionDenied, not_found_error
/// kNotFound, invalid_request_error and request_too_large kInvalidArgument); ParseError keeps the
/// code of the HTTP status and adds the vendor's message: "HTTP 529: Overloaded
/// (type=overloaded_error)". Every error names the provider.
///
/// Thread safety: the returned provider is immutable and safe to share; each stream decoder is
/// used by one thread at a time.
#ifndef PRSM_PROVIDERS_ANTHROPIC_H_
#define PRSM_PROVIDERS_ANTHROPIC_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "prsm/export.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm {

/// How to reach one Anthropic Messages endpoint.
struct AnthropicConfig {
  /// The provider id models refer to.
  std::string id = "anthropic";
  /// e.g. "http://127.0.0.1:4010"; empty = $`base_url_env`, else https://api.anthropic.com.
  /// The endpoint is base_url + "/v1/messages" (a base URL that already ends in "/v1" gets
  /// "/messages" only).
  std::string base_url;
  std::string base_url_env = "ANTHROPIC_BASE_URL";  ///< Read when `base_url` is empty.
  /// Empty = $`api_key_env`. No key at all is allowed for servers that need none, but not for
  /// api.anthropic.com.
  std::string api_key;
  std::string api_key_env = "ANTHROPIC_API_KEY";  ///< Read when `api_key` is empty.
  /// Sent as the `anthropic-version` header.
  std::string anthropic_version = "2023-06-01";
  /// The `max_tokens` sent when a request sets none (Anthropic requires one). At least 1.
  std::int32_t default_max_tokens = 4096;
  /// Beta features to enable, sent as one `anthropic-beta` header (comma-separated), e.g.
  /// "prompt-caching-2024-07-31". Empty: the header is not sent.
  std::vector<std::string> betas;
  /// Sent with every request; a header of the same name as a default one replaces it.
  std::vector<HttpHeader> extra_headers;
  /// Allow cleartext http:// to a host that is not loopback; see OpenAIConfig.
  bool allow_insecure_http = false;
};

/// Creates the codec. Reads the environment once, here. Errors: kInvalidArgument for an empty
/// id, a base URL that is not http(s):// (or cleartext http:// to a host that is not loopback
/// without allow_insecure_http), default_max_tokens < 1, or a header name or value
/// that cannot be sent; kUnauthenticated when talking to api.anthropic.com without a key (the
/// message names the variable, never a key). Thread-safe.
PRSM_EXPORT Result<std::shared_ptr<const Provider>> MakeAnthropicProvider(
    AnthropicConfig config = {});

}  // namespace prsm

#endif  // PRSM_PROVIDERS_ANTHROPIC_H_
