// The "providers" section: one provider per member, created by its kind's factory.
//
// The loader resolves every environment variable itself, through ConfigLoadOptions::getenv, and
// hands the factory explicit values with the *_env names cleared, so that an injected
// environment is the only one read (tests, `prsm check` on a borrowed environment).
#include <fmt/format.h>

#include "config/sections.h"
#include "json/json_read.h"
#include "prsm/providers/anthropic.h"
#include "prsm/providers/gemini.h"
#include "prsm/providers/ollama.h"
#include "prsm/providers/openai.h"

namespace prsm::config {

namespace {

const std::vector<std::string_view> kKinds = {
    "openai", "openai-compatible", "azure-openai", "anthropic", "gemini", "ollama"};
const std::vector<std::string_view> kCommonKeys = {
    "kind", "base_url", "base_url_env", "api_key_env", "headers", "allow_insecure_http"};

// A provider whose key variable was unset, loaded anyway (ConfigLoadOptions::require_keys
// false): every request fails kUnauthenticated before anything is sent, naming the variable.
class MissingKeyProvider final : public Provider {
 public:
  MissingKeyProvider(std::shared_ptr<const Provider> inner, std::string variable)
      : inner_(std::move(inner)), variable_(std::move(variable)) {}
  std::string_view id() const noexcept override { return inner_->id(); }
  Result<HttpRequest> BuildRequest(const CompletionRequest& /*request*/) const override {
    return Error(ErrorCode::kUnauthenticated,
                 variable_.empty() ? std::string("no API key, and no api_key_env names one")
                                   : fmt::format("no API key: ${} is not set", variable_))
        .WithProvider(std::string(inner_->id()));
  }
  Result<Completion> ParseResponse(const HttpResponse& response) const override {
    return inner_->ParseResponse(response);
  }
  Error ParseError(const HttpResponse& response, Error mapped) const override {
    return inner_->ParseError(response, std::move(mapped));
  }
  std::unique_ptr<StreamDecoder> NewStreamDecoder() const override {
    return inner_->NewStreamDecoder();
  }

 private:
  std::shared_ptr<const Provider> inner_;
  std::string variable_;
};

// What the common keys resolve to.
struct Resolved {
  std::string base_url;  // the file's, else $base_url_env's, else empty (the factory default)
  std::string api_key;   // never leaves the provider
  std::string api_key_env;
  bool key_env_explicit = false;  // the file named api_key_env (so a key is expected)
  std::vector<HttpHeader> headers;
  bool allow_insecure_http = false;
};

// Reads base_url/base_url_env (named `url_key`, `url_env_key`), api_key_env (and, for Gemini,
// fallback_api_key_env), headers and allow_insecure_http.
Result<Resolved> ResolveCommon(const ObjectReader& object, std::string_view url_key,
                               std::string_view url_env_key, std::string default_url_env,
                               std::string default_key_env, std::string default_fallback_env) {
  Resolved resolved;
  std::string url_env = std::move(default_url_env);
  if (auto r = object.Read(url_key, resolved.base_url); !r) return std::move(r).error();
  if (auto r = object.Read(url_env_key, url_env); !r) return std::move(r).error();
  if (resolved.base_url.empty()) {
    resolved.base_url = object.context().GetEnv(url_env).value_or("");
  }
  std::string key_env = std::move(default_key_env);
  resolved.key_env_explicit = object.Has("api_key_env");
  if (auto r = object.Read("api_key_env", key_env); !r) return std::move(r).error();
  resolved.key_env_explicit = resolved.key_env_explicit && !key_env.empty();
  std::string fallback_env = std::move(default_fallback_env);
  if (object.Has("fallback_api_key_env")) {
    if (auto r = object.Read("fallback_api_key_env", fallback_env); !r) {
      return std::move(r).error();
    }
  }
  resolved.api_key_env = key_env;
  if (auto key = object.context().GetEnv(key_env)) {
    resolved.api_key = std::move(*key);
  } else if (auto fallback = object.context().GetEnv(fallback_env)) {
    resolved.api_key = std::move(*fallback);
    resolved.api_key_env = fallback_env;
  }
  std::vector<std::pair<std::string, std::string>> headers;
  if (auto r = object.Read("headers", headers); !r) return std::move(r).error();
  for (auto& [name, value] : headers) {
    resolved.headers.push_back(HttpHeader{std::move(name), std::move(value)});
  }
  if (auto r = object.Read("allow_insecure_http", resolved.allow_insecure_http); !r) {
    return std::move(r).error();
  }
  return resolved;
}

using Factory = std::function<Result<std::shared_ptr<const Provider>>(std::string api_key)>;

Result<void> ReadOne(const LoadContext& context, const std::string& id, const json::Value& value,
                     const std::string& path, OrchestratorConfig& config) {
  if (!value.IsObject()) return ConfigError(context, path, "an object", Describe(value));
  const json::Value* kind_value = json::FindMember(value, "kind");
  const std::string kind_path = MemberPath(path, "kind");
  if (kind_value == nullptr) {
    return ConfigError(context, kind_path, "one of " + JoinNames(kKinds), "nothing");
  }
  const std::string kind = kind_value->IsString() ? kind_value->GetString() : std::string();
  if (std::find(kKinds.begin(), kKinds.end(), kind) == kKinds.end()) {
    return ConfigError(context, kind_path, "one of " + JoinNames(kKinds), Describe(*kind_value));
  }

  std::vector<std::string_view> allowed;
  if (kind == "openai" || kind == "openai-compatible") {
    allowed = Concat(kCommonKeys,
                     {"organization", "project", "use_max_completion_tokens", "stream_usage"});
  } else if (kind == "azure-openai") {
    allowed = {"kind",        "endpoint",     "endpoint_env",
               "api_key_env", "api_version",  "api_version_env",
               "headers",     "stream_usage", "allow_insecure_http"};
  } else if (kind == "anthropic") {
    allowed = Concat(kCommonKeys, {"anthropic_version", "default_max_tokens", "betas"});
  } else if (kind == "gemini") {
    allowed = Concat(kCommonKeys, {"fallback_api_key_env", "api_version"});
  } else {
    allowed = Concat(kCommonKeys, {"keep_alive"});
  }
  auto opened = ObjectReader::Open(context, value, path, allowed);
  if (!opened) return std::move(opened).error();
  const ObjectReader& object = *opened;

  Result<Resolved> resolved = Error(ErrorCode::kInternal, "unset");
  Factory factory;
  if (kind == "openai" || kind == "openai-compatible") {
    const bool compatible = kind == "openai-compatible";
    OpenAIConfig defaults;
    resolved =
        ResolveCommon(object, "base_url", "base_url_env", compatible ? "" : defaults.base_url_env,
                      compatible ? "" : defaults.api_key_env, "");
    if (!resolved) return std::move(resolved).error();
    if (compatible && resolved->base_url.empty()) {
      return ConfigError(context, MemberPath(path, "base_url"),
                         "the server's base URL (or base_url_env naming a variable that is set)",
                         "none");
    }
    OpenAIConfig c;
    c.id = id;
    c.base_url = resolved->base_url;
    c.base_url_env.clear();
    c.api_key_env.clear();
    c.extra_headers = resolved->headers;
    c.allow_insecure_http = resolved->allow_insecure_http;
    if (auto r = object.Read("organization", c.organization); !r) return r;
    if (auto r = object.Read("project", c.project); !r) return r;
    if (object.Has("use_max_completion_tokens")) {
      bool use = false;
      if (auto r = object.Read("use_max_completion_tokens", use); !r) return r;
      c.use_max_completion_tokens = use;
    }
    if (auto r = object.Read("stream_usage", c.stream_usage); !r) return r;
    factory = [c](std::string api_key) mutable {
      c.api_key = std::move(api_key);
      return MakeOpenAIProvider(c);
    };
  } else if (kind == "azure-openai") {
    AzureOpenAIConfig c;
    resolved = ResolveCommon(object, "endpoint", "endpoint_env", c.endpoint_env, c.api_key_env, "");
    if (!resolved) return std::move(resolved).error();
    c.id = id;
    c.endpoint = resolved->base_url;
    c.endpoint_env.clear();
    c.api_key_env.clear();
    std::string version_env = c.api_version_env;
    if (auto r = object.Read("api_version", c.api_version); !r) return r;
    if (auto r = object.Read("api_version_env", version_env); !r) return r;
    if (c.api_version.empty()) c.api_version = context.GetEnv(version_env).value_or("");
    c.api_version_env.clear();
    c.extra_headers = resolved->headers;
    c.allow_insecure_http = resolved->allow_insecure_http;
    if (auto r = object.Read("stream_usage", c.stream_usage); !r) return r;
    if (c.endpoint.empty()) {
      return ConfigError(context, MemberPath(path, "endpoint"),
                         "the resource's endpoint (or endpoint_env naming a variable that is set)",
                         "none");
    }
    factory = [c](std::string api_key) mutable {
      c.api_key = std::move(api_key);
      return MakeAzureOpenAIProvider(c);
    };
  } else if (kind == "anthropic") {
    AnthropicConfig c;
    resolved = ResolveCommon(object, "base_url", "base_url_env", c.base_url_env, c.api_key_env, "");
    if (!resolved) return std::move(resolved).error();
    c.id = id;
    c.base_url = resolved->base_url;
    c.base_url_env.clear();
    c.api_key_env.clear();
    c.extra_headers = resolved->headers;
    c.allow_insecure_http = resolved->allow_insecure_http;
    if (auto r = object.Read("anthropic_version", c.anthropic_version); !r) return r;
    if (auto r = object.Read("default_max_tokens", c.default_max_tokens, 1); !r) return r;
    if (auto r = object.Read("betas", c.betas); !r) return r;
    factory = [c](std::string api_key) mutable {
      c.api_key = std::move(api_key);
      return MakeAnthropicProvider(c);
    };
  } else if (kind == "gemini") {
    GeminiConfig c;
    resolved = ResolveCommon(object, "base_url", "base_url_env", c.base_url_env, c.api_key_env,
                             c.fallback_api_key_env);
    if (!resolved) return std::move(resolved).error();
    c.id = id;
    c.base_url = resolved->base_url;
    c.base_url_env.clear();
    c.api_key_env.clear();
    c.fallback_api_key_env.clear();
    c.extra_headers = resolved->headers;
    c.allow_insecure_http = resolved->allow_insecure_http;
    if (auto r = object.Read("api_version", c.api_version); !r) return r;
    factory = [c](std::string api_key) mutable {
      c.api_key = std::move(api_key);
      return MakeGeminiProvider(c);
    };
  } else {
    OllamaConfig c;
    // OLLAMA_API_KEY is optional (only ollama.com needs one): not expected unless named.
    resolved = ResolveCommon(object, "base_url", "base_url_env", c.base_url_env, c.api_key_env, "");
    if (!resolved) return std::move(resolved).error();
    c.id = id;
    c.base_url = resolved->base_url;
    c.base_url_env.clear();
    c.api_key_env.clear();
    c.extra_headers = resolved->headers;
    c.allow_insecure_http = resolved->allow_insecure_http;
    if (auto r = object.Read("keep_alive", c.keep_alive); !r) return r;
    factory = [c](std::string api_key) mutable {
      c.api_key = std::move(api_key);
      return MakeOllamaProvider(c);
    };
  }

  const bool require_keys = context.options == nullptr || context.options->require_keys;
  const std::string key_path = MemberPath(path, "api_key_env");
  const bool has_key = !resolved->api_key.empty();
  bool missing_key = !has_key && resolved->key_env_explicit;
  auto provider = factory(resolved->api_key);
  if (!provider && provider.error().code() == ErrorCode::kUnauthenticated && !has_key) {
    missing_key = true;  // the vendor's own host, which needs a key
  }
  if (missing_key) {
    const std::string variable =
        resolved->api_key_env.empty() ? std::string("api_key_env") : "$" + resolved->api_key_env;
    if (require_keys) {
      return ConfigError(context, key_path,
                         fmt::format("{} to be set (provider '{}' needs an API key)", variable, id),
                         "it unset");
    }
    // Loaded anyway; a placeholder satisfies the factory and is never sent.
    provider = factory("unset");
    if (provider) {
      provider = std::shared_ptr<const Provider>(
          std::make_shared<MissingKeyProvider>(std::move(*provider), resolved->api_key_env));
    }
  }
  if (!provider) {
    return ConfigError(context, path, fmt::format("settings the {} factory accepts", kind),
                       provider.error().message());
  }
  config.providers.push_back(std::move(*provider));
  config.provider_info.push_back(
      ProviderInfo{id, kind, resolved->base_url, resolved->api_key_env, has_key});
  if (has_key) config.options.redact.push_back(resolved->api_key);
  return {};
}

}  // namespace

std::vector<std::string_view> Concat(std::vector<std::string_view> a,
                                     const std::vector<std::string_view>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

Result<void> ReadProviders(const ObjectReader& root, OrchestratorConfig& config) {
  const json::Value* providers = root.Find("providers");
  if (providers == nullptr) return {};
  const std::string path = root.PathOf("providers");
  if (!providers->IsObject()) {
    return ConfigError(root.context(), path, "an object of providers by id", Describe(*providers));
  }
  for (const auto& member : providers->GetObject()) {
    const std::string id(json::StringView(member.name));
    const std::string member_path = MemberPath(path, id);
    if (id.empty()) return ConfigError(root.context(), member_path, "a provider id", "\"\"");
    for (const ProviderInfo& seen : config.provider_info) {
      if (seen.id == id) {
        return ConfigError(root.context(), member_path, "each provider id once", "it twice");
      }
    }
    if (auto read = ReadOne(root.context(), id, member.value, member_path, config); !read) {
      return read;
    }
  }
  return {};
}

}  // namespace prsm::config
