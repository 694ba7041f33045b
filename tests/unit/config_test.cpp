// The configuration loader (prsm/config.h, src/config): duration strings, every section's keys
// reaching the structs they configure, environment lookups through the injected getenv, and
// every error naming the file, the JSON path and what was expected.
#include "prsm/config.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "config/duration.h"
#include "config/reader.h"
#include "config/sections.h"
#include "json/json_read.h"
#include "prsm/log.h"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using prsm::ConfigLoadOptions;
using prsm::ErrorCode;
using prsm::OrchestratorConfig;
using prsm::ParseConfig;
using prsm::Result;

namespace {

// An environment of its own, recording what was asked.
struct FakeEnv {
  std::map<std::string, std::string> vars;
  std::set<std::string> asked;
  ConfigLoadOptions Options(bool require_keys = true) {
    ConfigLoadOptions options;
    options.getenv = [this](std::string_view name) -> std::optional<std::string> {
      asked.insert(std::string(name));
      auto found = vars.find(std::string(name));
      if (found == vars.end()) return std::nullopt;
      return found->second;
    };
    options.require_keys = require_keys;
    return options;
  }
};

// A loopback OpenAI-protocol provider "p" (no key needed) plus `rest` at the root.
std::string WithProvider(const std::string& rest) {
  std::string text =
      R"({"providers": {"p": {"kind": "openai", "base_url": "http://127.0.0.1:9/v1"}})";
  if (!rest.empty()) text += ", " + rest;
  return text + "}";
}

Result<OrchestratorConfig> Parse(const std::string& json) {
  FakeEnv env;
  return ParseConfig(json, "test.json", env.Options());
}

// The error of parsing `json`: kInvalidArgument, its message starting with the source and path.
std::string ErrorOf(const std::string& json, const std::string& path) {
  auto parsed = Parse(json);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code() == ErrorCode::kInvalidArgument);
  const std::string& message = parsed.error().message();
  CHECK_THAT(message, StartsWith("test.json: " + path + ": expected "));
  CHECK_THAT(message, Contains(", got "));
  return message;
}

prsm::HttpRequest BuildRequest(const prsm::Provider& provider, bool stream = false) {
  prsm::CompletionRequest request;
  request.model = "m";
  request.messages = {prsm::Message::User("hi")};
  request.stream = stream;
  auto built = provider.BuildRequest(request);
  REQUIRE(built);
  return *built;
}

std::string HeaderOf(const prsm::HttpRequest& request, std::string_view name) {
  for (const auto& header : request.headers) {
    if (header.name == name) return header.value;
  }
  return "(absent)";
}

// The section choices, read straight from a document (the factories' products are opaque).
template <typename Choice, typename Reader>
Choice ReadChoice(const std::string& json, Reader reader) {
  FakeEnv env;
  auto options = env.Options();
  auto config = ParseConfig(json, "test.json", options);
  REQUIRE(config);
  prsm::json::Document doc;
  REQUIRE(prsm::json::ParseJson(json, doc));
  prsm::config::LoadContext context{"test.json", &options};
  auto root = prsm::config::ObjectReader::Open(
      context, doc, "$",
      {"providers", "models", "routing", "consensus", "limits", "network", "retry", "retry_budget",
       "breaker", "hedge", "rate_limits", "budget", "observability"});
  REQUIRE(root);
  auto choice = reader(*root, *config);
  REQUIRE(choice);
  REQUIRE(*choice);
  return **choice;
}

const char* kThreeModels = R"("models": [{"name": "a", "provider": "p"},
                                         {"name": "b", "provider": "p"},
                                         {"name": "c", "provider": "p"}])";

}  // namespace

TEST_CASE("Durations: ms, s, m and h, decimals, and nothing else", "[config]") {
  using prsm::config::ParseDuration;
  CHECK(ParseDuration("250ms") == 250ms);
  CHECK(ParseDuration("2s") == 2000ms);
  CHECK(ParseDuration("1.5m") == 90000ms);
  CHECK(ParseDuration("1h") == 3600000ms);
  CHECK(ParseDuration("0.25s") == 250ms);
  CHECK(ParseDuration(".5s") == 500ms);
  CHECK(ParseDuration("0ms") == 0ms);
  CHECK(ParseDuration("1.0004s") == 1000ms);  // rounded to the millisecond
  for (const char* bad : {"", "5", "s", "1.", "-1s", "+1s", "1e3s", " 1s", "1s ", "1 s", "1d",
                          "1.5.5s", "1sec", "1S", "1000000h", "0x10s", "inf s", "nanms"}) {
    INFO(bad);
    CHECK_FALSE(ParseDuration(bad).has_value());
  }
}

TEST_CASE("Config: a missing file is kNotFound naming the path", "[config]") {
  auto loaded = prsm::LoadConfigFile("/nonexistent/dir/prsm.json");
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code() == ErrorCode::kNotFound);
  CHECK_THAT(loaded.error().message(), Contains("/nonexistent/dir/prsm.json"));
}

TEST_CASE("Config: a file on disk is read and named in errors", "[config]") {
  char name[] = "/tmp/prsm-config-test-XXXXXX";
  const int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  close(fd);
  {
    std::ofstream out(name);
    out << R"({"limits": {"request_timeout": 5}})";
  }
  auto loaded = prsm::LoadConfigFile(name);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(loaded.error().message(),
             StartsWith(std::string(name) + ": $.limits.request_timeout: expected a duration"));
  CHECK_THAT(loaded.error().message(), Contains("got number 5"));
  {
    std::ofstream out(name);
    out << R"({"limits": {"request_timeout": "5s"}})";
  }
  auto good = prsm::LoadConfigFile(name);
  std::remove(name);
  REQUIRE(good);
  CHECK(good->source == name);
  CHECK(good->options.request_timeout == 5000ms);
}

TEST_CASE("Config: invalid JSON, a root that is not an object, unknown and repeated keys",
          "[config]") {
  CHECK_THAT(ErrorOf("{\"providers\": ", "$"), Contains("expected a JSON document"));
  CHECK_THAT(ErrorOf("[1, 2]", "$"), Contains("expected an object, got an array"));
  const std::string unknown = ErrorOf(R"({"provider": {}})", "$.provider");
  CHECK_THAT(unknown, Contains("unknown key \"provider\""));
  CHECK_THAT(unknown, Contains("providers"));
  CHECK_THAT(unknown, Contains("observability"));
  const std::string nested =
      ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p", "price": {"input": 1}}])"),
              "$.models[0].price.input");
  CHECK_THAT(nested, Contains("input_per_mtok"));
  CHECK_THAT(nested, Contains("cache_write_per_mtok"));
  CHECK_THAT(ErrorOf(R"({"limits": {}, "limits": {}})", "$.limits"), Contains("each key once"));
  CHECK_THAT(ErrorOf(R"({"providers": {"my id": {"kind": "x"}}})", R"($.providers["my id"].kind)"),
             Contains("openai-compatible"));
  // An empty object is a valid configuration: the defaults of OrchestratorOptions.
  auto empty = Parse("{}");
  REQUIRE(empty);
  CHECK(empty->providers.empty());
  CHECK(empty->options.max_in_flight == prsm::OrchestratorOptions{}.max_in_flight);
}

TEST_CASE("Config: an api_key key is refused anywhere, never echoed", "[config]") {
  const std::string message =
      ErrorOf(R"({"providers": {"p": {"kind": "openai", "api_key": "sk-secret-123"}}})",
              "$.providers.p.api_key");
  CHECK_THAT(message, Contains("api_key_env"));
  CHECK_THAT(message, Contains("never written in the file"));
  CHECK_THAT(message, !Contains("sk-secret-123"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p", "api_key": "k"}])"),
                     "$.models[0].api_key"),
             Contains("api_key_env"));
}

TEST_CASE("Config: keys and base URLs come from the injected environment", "[config]") {
  FakeEnv env;
  env.vars = {{"MY_URL", "http://127.0.0.1:4444/v1"}, {"MY_KEY", " sk-test-1 \n"}};
  auto config = ParseConfig(R"({"providers": {"p": {"kind": "openai", "base_url_env": "MY_URL",
                                                    "api_key_env": "MY_KEY"}}})",
                            "env.json", env.Options());
  REQUIRE(config);
  CHECK(env.asked.count("MY_URL") == 1);
  CHECK(env.asked.count("MY_KEY") == 1);
  REQUIRE(config->provider_info.size() == 1);
  const prsm::ProviderInfo& info = config->provider_info[0];
  CHECK(info.id == "p");
  CHECK(info.kind == "openai");
  CHECK(info.base_url == "http://127.0.0.1:4444/v1");
  CHECK(info.api_key_env == "MY_KEY");
  CHECK(info.has_key);
  REQUIRE(config->providers.size() == 1);
  CHECK(config->providers[0]->id() == "p");
  const prsm::HttpRequest request = BuildRequest(*config->providers[0]);
  CHECK(request.url == "http://127.0.0.1:4444/v1/chat/completions");
  CHECK(HeaderOf(request, "Authorization") == "Bearer sk-test-1");  // trimmed
  // The key is among the values the orchestrator's logs redact.
  CHECK(std::find(config->options.redact.begin(), config->options.redact.end(), "sk-test-1") !=
        config->options.redact.end());

  // The file's base_url wins over the variable.
  auto explicit_url = ParseConfig(
      R"({"providers": {"p": {"kind": "openai", "base_url": "http://localhost:1/v1",
                              "base_url_env": "MY_URL", "api_key_env": "MY_KEY"}}})",
      "env.json", env.Options());
  REQUIRE(explicit_url);
  CHECK(explicit_url->provider_info[0].base_url == "http://localhost:1/v1");
}

TEST_CASE("Config: a key variable that is unset", "[config]") {
  FakeEnv env;  // empty
  SECTION("named in the file: refused when keys are required, naming the variable") {
    const char* json = R"({"providers": {"p": {"kind": "openai-compatible",
                           "base_url": "http://127.0.0.1:9/v1", "api_key_env": "VLLM_KEY"}}})";
    auto refused = ParseConfig(json, "k.json", env.Options());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(refused.error().message(),
               StartsWith("k.json: $.providers.p.api_key_env: expected $VLLM_KEY to be set"));
    CHECK_THAT(refused.error().message(), Contains("got it unset"));

    auto loaded = ParseConfig(json, "k.json", env.Options(/*require_keys=*/false));
    REQUIRE(loaded);
    CHECK_FALSE(loaded->provider_info[0].has_key);
    CHECK(loaded->provider_info[0].api_key_env == "VLLM_KEY");
    prsm::CompletionRequest request;
    request.model = "m";
    request.messages = {prsm::Message::User("hi")};
    auto built = loaded->providers[0]->BuildRequest(request);
    REQUIRE_FALSE(built);
    CHECK(built.error().code() == ErrorCode::kUnauthenticated);
    CHECK_THAT(built.error().message(), Contains("$VLLM_KEY is not set"));
    CHECK(built.error().provider() == "p");
  }
  SECTION("the vendor's default host needs one: refused, naming the default variable") {
    auto refused =
        ParseConfig(R"({"providers": {"openai": {"kind": "openai"}}})", "k.json", env.Options());
    REQUIRE_FALSE(refused);
    CHECK_THAT(refused.error().message(),
               StartsWith("k.json: $.providers.openai.api_key_env: expected $OPENAI_API_KEY"));
    CHECK(env.asked.count("OPENAI_BASE_URL") == 1);  // the default base_url_env was tried
  }
  SECTION("a loopback server needs none") {
    auto loaded = ParseConfig(
        R"({"providers": {"p": {"kind": "anthropic", "base_url": "http://127.0.0.1:9"}}})",
        "k.json", env.Options());
    INFO((loaded ? std::string() : loaded.error().message()));
    REQUIRE(loaded);
    CHECK_FALSE(loaded->provider_info[0].has_key);
    CHECK(loaded->provider_info[0].api_key_env == "ANTHROPIC_API_KEY");
  }
  SECTION("Gemini falls back to its second variable") {
    env.vars["GOOGLE_API_KEY"] = "g-key";
    auto loaded =
        ParseConfig(R"({"providers": {"g": {"kind": "gemini"}}})", "k.json", env.Options());
    REQUIRE(loaded);
    CHECK(loaded->provider_info[0].api_key_env == "GOOGLE_API_KEY");
    CHECK(HeaderOf(BuildRequest(*loaded->providers[0]), "x-goog-api-key") == "g-key");
  }
}

TEST_CASE("Config: every provider kind and its own keys", "[config]") {
  FakeEnv env;
  env.vars = {{"AZ_KEY", "az"}, {"AZ_VERSION", "2025-01-01"}};
  auto config = ParseConfig(R"({"providers": {
      "o": {"kind": "openai", "base_url": "http://127.0.0.1:9/v1", "organization": "org-1",
            "project": "proj-1", "use_max_completion_tokens": true, "stream_usage": false,
            "headers": {"X-Extra": "1"}, "allow_insecure_http": false},
      "c": {"kind": "openai-compatible", "base_url": "http://10.0.0.5:8000/v1",
            "allow_insecure_http": true},
      "z": {"kind": "azure-openai", "endpoint": "https://res.openai.azure.com",
            "api_key_env": "AZ_KEY", "api_version_env": "AZ_VERSION"},
      "a": {"kind": "anthropic", "base_url": "http://127.0.0.1:9", "anthropic_version": "2099-01-01",
            "default_max_tokens": 77, "betas": ["b1", "b2"]},
      "g": {"kind": "gemini", "base_url": "http://127.0.0.1:9", "api_version": "v1"},
      "l": {"kind": "ollama", "base_url": "127.0.0.1:9", "keep_alive": "5m"}}})",
                            "kinds.json", env.Options());
  REQUIRE(config);
  REQUIRE(config->providers.size() == 6);
  std::vector<std::string> kinds;
  for (const auto& info : config->provider_info) kinds.push_back(info.kind);
  CHECK(kinds == std::vector<std::string>{"openai", "openai-compatible", "azure-openai",
                                          "anthropic", "gemini", "ollama"});

  prsm::CompletionRequest request;
  request.model = "m";
  request.messages = {prsm::Message::User("hi")};
  request.max_tokens = 5;
  auto o = config->providers[0]->BuildRequest(request);
  REQUIRE(o);
  CHECK(HeaderOf(*o, "OpenAI-Organization") == "org-1");
  CHECK(HeaderOf(*o, "OpenAI-Project") == "proj-1");
  CHECK(HeaderOf(*o, "X-Extra") == "1");
  CHECK_THAT(o->body, Contains("\"max_completion_tokens\":5"));
  auto c = BuildRequest(*config->providers[1]);
  CHECK(c.url == "http://10.0.0.5:8000/v1/chat/completions");
  auto z = BuildRequest(*config->providers[2]);
  CHECK_THAT(z.url, StartsWith("https://res.openai.azure.com/openai/deployments/m/"));
  CHECK_THAT(z.url, Contains("api-version=2025-01-01"));
  CHECK(HeaderOf(z, "api-key") == "az");
  auto a = config->providers[3]->BuildRequest([] {
    prsm::CompletionRequest r;
    r.model = "m";
    r.messages = {prsm::Message::User("hi")};
    return r;
  }());
  REQUIRE(a);
  CHECK(HeaderOf(*a, "anthropic-version") == "2099-01-01");
  CHECK(HeaderOf(*a, "anthropic-beta") == "b1,b2");
  CHECK_THAT(a->body, Contains("\"max_tokens\":77"));
  CHECK_THAT(BuildRequest(*config->providers[4]).url, StartsWith("http://127.0.0.1:9/v1/models/m"));
  CHECK_THAT(BuildRequest(*config->providers[5]).body, Contains("\"keep_alive\":\"5m\""));
}

TEST_CASE("Config: provider errors name the path", "[config]") {
  CHECK_THAT(ErrorOf(R"({"providers": {"p": {}}})", "$.providers.p.kind"), Contains("got nothing"));
  CHECK_THAT(ErrorOf(R"({"providers": []})", "$.providers"), Contains("got an array"));
  CHECK_THAT(ErrorOf(R"({"providers": {"p": {"kind": "anthropic", "organization": "x"}}})",
                     "$.providers.p.organization"),
             Contains("default_max_tokens"));
  CHECK_THAT(
      ErrorOf(R"({"providers": {"p": {"kind": "openai-compatible"}}})", "$.providers.p.base_url"),
      Contains("got none"));
  CHECK_THAT(
      ErrorOf(R"({"providers": {"p": {"kind": "openai", "base_url": "http://10.1.1.1/v1"}}})",
              "$.providers.p"),
      Contains("cleartext"));
  CHECK_THAT(ErrorOf(R"({"providers": {"p": {"kind": "anthropic", "base_url": "http://127.0.0.1:9",
                                            "default_max_tokens": 0}}})",
                     "$.providers.p.default_max_tokens"),
             Contains("got number 0"));
  CHECK_THAT(ErrorOf(R"({"providers": {"p": {"kind": "openai", "base_url": "http://127.0.0.1:9",
                                            "headers": {"X": 1}}}})",
                     "$.providers.p.headers.X"),
             Contains("expected a string, got number 1"));
}

TEST_CASE("Config: every model field reaches the ModelSpec", "[config]") {
  auto config = Parse(WithProvider(R"("models": [{
      "name": "m1", "provider": "p", "provider_model": "wire-1",
      "price": {"input_per_mtok": 2.5, "output_per_mtok": 10, "cached_input_per_mtok": 1.25,
                "cache_write_per_mtok": 3},
      "context_window": 128000, "max_output_tokens": 16384, "quality": 0.9,
      "domain_quality": {"code": 0.95, "math": 0.8}, "typical_latency": "800ms",
      "capabilities": {"tools": false, "json_schema": false, "logprobs": true, "streaming": false},
      "retry": {"max_retries": 4, "initial_backoff": "100ms", "max_backoff": "3s",
                "multiplier": 3, "retry_on": ["Unavailable", "Internal"],
                "max_retry_after": "30s", "retry_before_fallback": true},
      "rate_limit": {"rpm": 500, "tpm": 200000, "on_limit": "fail"}},
     {"name": "m2", "provider": "p", "rate_limit": {"requests_per_minute": 7,
                                                   "tokens_per_minute": 9}}])"));
  REQUIRE(config);
  REQUIRE(config->models.size() == 2);
  const prsm::ModelSpec& m = config->models[0];
  CHECK(m.name == "m1");
  CHECK(m.provider == "p");
  CHECK(m.provider_model == "wire-1");
  CHECK(m.price.input_per_mtok == 2.5);
  CHECK(m.price.output_per_mtok == 10);
  CHECK(m.price.cached_input_per_mtok == 1.25);
  CHECK(m.price.cache_write_per_mtok == 3);
  CHECK(m.context_window == 128000);
  CHECK(m.max_output_tokens == 16384);
  CHECK(m.quality == 0.9);
  CHECK(m.domain_quality == std::map<std::string, double>{{"code", 0.95}, {"math", 0.8}});
  CHECK(m.typical_latency == 800ms);
  CHECK_FALSE(m.capabilities.tools);
  CHECK_FALSE(m.capabilities.json_schema);
  CHECK(m.capabilities.logprobs);
  CHECK_FALSE(m.capabilities.streaming);
  REQUIRE(m.resilience.retry);
  CHECK(m.resilience.retry->max_retries == 4);
  CHECK(m.resilience.retry->initial_backoff == 100ms);
  CHECK(m.resilience.retry->max_backoff == 3000ms);
  CHECK(m.resilience.retry->multiplier == 3);
  CHECK(m.resilience.retry->retry_on ==
        std::vector<ErrorCode>{ErrorCode::kUnavailable, ErrorCode::kInternal});
  CHECK(m.resilience.retry->max_retry_after == 30000ms);
  CHECK(m.resilience.retry->retry_before_fallback);
  CHECK(m.resilience.rate_limit.requests_per_minute == 500);
  CHECK(m.resilience.rate_limit.tokens_per_minute == 200000);
  CHECK(m.resilience.rate_limit.on_limit == prsm::RateLimit::OnLimit::kFail);
  const prsm::ModelSpec& m2 = config->models[1];
  CHECK_FALSE(m2.resilience.retry.has_value());
  CHECK(m2.resilience.rate_limit.requests_per_minute == 7);
  CHECK(m2.resilience.rate_limit.tokens_per_minute == 9);
  CHECK(m2.resilience.rate_limit.on_limit == prsm::RateLimit::OnLimit::kWait);
}

TEST_CASE("Config: a model may start from the built-in catalog", "[config]") {
  const prsm::ModelCatalog catalog = prsm::ModelCatalog::BuiltIn();
  REQUIRE_FALSE(catalog.empty());
  const prsm::ModelSpec& known = catalog.models().front();
  auto config = Parse(R"({"providers": {")" + known.provider +
                      R"(": {"kind": "openai", "base_url": "http://127.0.0.1:9/v1"}},
          "models": [{"builtin": ")" +
                      known.name + R"("},
                     {"builtin": ")" +
                      known.name + R"(", "name": "renamed", "quality": 0.3,
                      "price": {"output_per_mtok": 99}}]})");
  REQUIRE(config);
  REQUIRE(config->models.size() == 2);
  CHECK(config->models[0].name == known.name);
  CHECK(config->models[0].provider == known.provider);
  CHECK(config->models[0].price.input_per_mtok == known.price.input_per_mtok);
  CHECK(config->models[0].context_window == known.context_window);
  const prsm::ModelSpec& renamed = config->models[1];
  CHECK(renamed.name == "renamed");
  CHECK(renamed.wire_model() == known.wire_model());  // still the vendor's id on the wire
  CHECK(renamed.quality == 0.3);
  CHECK(renamed.price.output_per_mtok == 99);
  CHECK(renamed.price.input_per_mtok == known.price.input_per_mtok);  // the rest kept

  CHECK_THAT(
      ErrorOf(WithProvider(R"("models": [{"builtin": "no-such-model"}])"), "$.models[0].builtin"),
      Contains(known.name));
  // The built-in spec's provider must exist too.
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"builtin": ")" + known.name + R"("}])"),
                     "$.models[0].provider"),
             Contains("(from the built-in spec)"));
}

TEST_CASE("Config: model errors name the model's path and the expectation", "[config]") {
  const std::string prefix =
      R"("models": [{"name": "a", "provider": "p"}, {"name": "b", "provider": "p"}, )";
  CHECK_THAT(ErrorOf(WithProvider(prefix + R"({"name": "c", "provider": "p",
                                    "price": {"input_per_mtok": "2.5"}}])"),
                     "$.models[2].price.input_per_mtok"),
             Contains("expected a number >= 0, got string \"2.5\""));
  CHECK_THAT(ErrorOf(WithProvider(prefix + R"({"name": "c", "provider": "p",
                                    "price": {"output_per_mtok": -1}}])"),
                     "$.models[2].price.output_per_mtok"),
             Contains("got number -1"));
  CHECK_THAT(
      ErrorOf(WithProvider(prefix + R"({"name": "c", "provider": "q"}])"), "$.models[2].provider"),
      Contains("expected one of the providers p, got \"q\""));
  CHECK_THAT(
      ErrorOf(WithProvider(prefix + R"({"name": "a", "provider": "p"}])"), "$.models[2].name"),
      Contains("a name no other model has"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"provider": "p"}])"), "$.models[0].name"),
             Contains("got nothing"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p", "quality": 1.5}])"),
                     "$.models[0].quality"),
             Contains("a number in [0, 1]"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p",
                                     "domain_quality": {"code": 2}}])"),
                     "$.models[0].domain_quality.code"),
             Contains("got number 2"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p",
                                     "context_window": 1.5}])"),
                     "$.models[0].context_window"),
             Contains("an integer"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p",
                                     "typical_latency": "fast"}])"),
                     "$.models[0].typical_latency"),
             Contains("\"250ms\""));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p",
                                     "rate_limit": {"on_limit": "queue"}}])"),
                     "$.models[0].rate_limit.on_limit"),
             Contains("expected one of wait or fail, got string \"queue\""));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p",
                                     "rate_limit": {"rpm": 1, "requests_per_minute": 2}}])"),
                     "$.models[0].rate_limit.requests_per_minute"),
             Contains("not both"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p",
                                     "retry": {"retry_on": ["Unavailable", "Flaky"]}}])"),
                     "$.models[0].retry.retry_on[1]"),
             Contains("ResourceExhausted"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": [{"name": "a", "provider": "p",
                                     "retry": {"initial_backoff": "2s", "max_backoff": "1s"}}])"),
                     "$.models[0].retry.max_backoff"),
             Contains("max_backoff (1000ms) >= initial_backoff (2000ms)"));
  CHECK_THAT(ErrorOf(WithProvider(R"("models": {})"), "$.models"), Contains("an array of models"));
  CHECK_THAT(ErrorOf(R"({"models": [{"name": "a", "provider": "p"}]})", "$.models[0].provider"),
             Contains("there is none"));
}

TEST_CASE("Config: every routing strategy and its options", "[config]") {
  using prsm::config::ReadRoutingChoice;
  using prsm::config::RoutingChoice;
  auto read = [](const std::string& routing) {
    return ReadChoice<RoutingChoice>(
        WithProvider(std::string(kThreeModels) + R"(, "routing": )" + routing), ReadRoutingChoice);
  };
  CHECK(read(R"({"strategy": "single", "fallback": true})").single_fallback);
  CHECK(read(R"({"strategy": "fan-out", "n": 2})").fan_out_n == 2);
  auto cost = read(R"({"strategy": "cost-optimized", "min_quality": 0.7, "fallback": false,
                       "max_quality_gap": 0.1})");
  CHECK(cost.weighing.min_quality == 0.7);
  CHECK_FALSE(cost.weighing.fallback);
  CHECK(cost.weighing.max_quality_gap == 0.1);
  CHECK(read(R"({"strategy": "quality-focused", "min_quality": 0.2})").weighing.min_quality == 0.2);
  auto balanced = read(R"({"strategy": "balanced", "min_quality": 0.3, "quality_weight": 2,
                           "cost_weight": 0.1, "latency_weight": 0.7})");
  CHECK(balanced.balanced.base.min_quality == 0.3);
  CHECK(balanced.balanced.quality_weight == 2);
  CHECK(balanced.balanced.cost_weight == 0.1);
  CHECK(balanced.balanced.latency_weight == 0.7);
  auto intelligent = read(R"({"strategy": "intelligent", "base_quality_bar": 0.5,
                              "hard_quality_bar": 0.95, "escalate_on_rejection": false,
                              "fallback": false})");
  CHECK(intelligent.intelligent.base_quality_bar == 0.5);
  CHECK(intelligent.intelligent.hard_quality_bar == 0.95);
  CHECK_FALSE(intelligent.intelligent.escalate_on_rejection);
  CHECK_FALSE(intelligent.intelligent.base.fallback);
  auto cascade = read(R"({"strategy": "cascade", "models": ["a", "c"], "samples": 5,
      "accept": {"answer": {"kind": "number"}, "threshold": 0.8, "min_agreeing": 2,
                 "decide_early": false},
      "min_confidence": 0.6, "verifiers": ["b"], "target_quality": 0.85,
      "stages": [["a", "b"], ["c"]], "learn_acceptance": false, "min_calibration_labels": 12})");
  const prsm::CascadeOptions& c = cascade.cascade;
  CHECK(c.models == std::vector<std::string>{"a", "c"});
  CHECK(c.samples == 5);
  CHECK(c.accept.answer.kind == prsm::AnswerFormat::Kind::kNumber);
  CHECK(c.accept.threshold == 0.8);
  CHECK(c.accept.min_agreeing == 2);
  CHECK_FALSE(c.accept.decide_early);
  CHECK(c.min_confidence == 0.6);
  CHECK(c.verifiers == std::vector<std::string>{"b"});
  CHECK(c.target_quality == 0.85);
  CHECK(c.stages == std::vector<std::vector<std::string>>{{"a", "b"}, {"c"}});
  CHECK_FALSE(c.learn_acceptance);
  CHECK(c.min_calibration_labels == 12);
  auto learned = read(R"({"strategy": "learned", "quality_bar": 0.7, "exploration": 0.5,
                          "latency_weight": 0.2, "prior_strength": 8, "seed": 7,
                          "max_quality_gap": 0.4})");
  CHECK(learned.learned.quality_bar == 0.7);
  CHECK(learned.learned.exploration == 0.5);
  CHECK(learned.learned.latency_weight == 0.2);
  CHECK(learned.learned.prior_strength == 8);
  CHECK(learned.learned.seed == 7);
  CHECK(learned.learned.base.max_quality_gap == 0.4);

  // The factory built what was named.
  for (const char* name : {"single", "fan-out", "cost-optimized", "quality-focused", "balanced",
                           "intelligent", "cascade", "learned"}) {
    auto config = Parse(WithProvider(std::string(kThreeModels) + R"(, "routing": {"strategy": ")" +
                                     name + R"("})"));
    REQUIRE(config);
    REQUIRE(config->options.routing);
    CHECK(config->options.routing->name() == name);
  }
}

TEST_CASE("Config: routing errors", "[config]") {
  const std::string models = std::string(kThreeModels) + ", ";
  CHECK_THAT(
      ErrorOf(WithProvider(models + R"("routing": {"fallback": true})"), "$.routing.strategy"),
      Contains("cost-optimized"));
  CHECK_THAT(
      ErrorOf(WithProvider(models + R"("routing": {"strategy": "random"})"), "$.routing.strategy"),
      Contains("got string \"random\""));
  CHECK_THAT(
      ErrorOf(WithProvider(models + R"("routing": {"strategy": "single", "n": 3})"), "$.routing.n"),
      Contains("one of the keys fallback or strategy"));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("routing": {"strategy": "fan-out", "n": -1})"),
                     "$.routing.n"),
             Contains("an integer in [0, "));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("routing": {"strategy": "cascade",
                                               "models": ["a", "zz"]})"),
                     "$.routing.models[1]"),
             Contains("expected one of the models a, b or c, got \"zz\""));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("routing": {"strategy": "cascade",
                                               "stages": [["a"], []]})"),
                     "$.routing.stages[1]"),
             Contains("non-empty array"));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("routing": {"strategy": "cascade",
                                    "accept": {"answer": {"kind": "json-field"}}})"),
                     "$.routing.accept.answer.json_field"),
             Contains("got nothing"));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("routing": {"strategy": "balanced",
                                               "min_quality": 2})"),
                     "$.routing.min_quality"),
             Contains("a number in [0, 1]"));
}

TEST_CASE("Config: every consensus rule and its options", "[config]") {
  using prsm::config::ConsensusChoice;
  using prsm::config::ReadConsensusChoice;
  auto read = [](const std::string& consensus) {
    return ReadChoice<ConsensusChoice>(
        WithProvider(std::string(kThreeModels) + R"(, "consensus": )" + consensus),
        ReadConsensusChoice);
  };
  CHECK(read(R"({"rule": "confidence", "min_confidence": 0.75})").min_confidence == 0.75);
  auto majority = read(R"({"rule": "majority", "threshold": 0.8, "min_agreeing": 2,
                           "decide_early": false,
                           "answer": {"kind": "similar-text", "similarity": 0.4}})");
  CHECK(majority.vote.threshold == 0.8);
  CHECK(majority.vote.min_agreeing == 2);
  CHECK_FALSE(majority.vote.decide_early);
  CHECK(majority.vote.answer.kind == prsm::AnswerFormat::Kind::kSimilarText);
  CHECK(majority.vote.answer.similarity == 0.4);
  auto weighted = read(R"({"rule": "weighted-confidence", "threshold": 0.6,
                           "model_weights": {"a": 2, "b": 0.5}, "use_priors": false,
                           "use_confidence": false,
                           "answer": {"kind": "json-field", "json_field": "result.label"}})");
  CHECK(weighted.weighted.vote.threshold == 0.6);
  CHECK(weighted.weighted.model_weights == std::map<std::string, double>{{"a", 2}, {"b", 0.5}});
  CHECK_FALSE(weighted.weighted.use_priors);
  CHECK_FALSE(weighted.weighted.use_confidence);
  CHECK(weighted.weighted.vote.answer.json_field == "result.label");
  auto expert = read(R"({"rule": "expert", "experts": {"code": ["a", "b"], "math": ["c"]},
                         "min_support": 1, "threshold": 0.7, "model_weights": {"c": 3},
                         "use_priors": false, "answer": {"kind": "choice"}})");
  CHECK(expert.expert.experts ==
        std::map<std::string, std::vector<std::string>>{{"code", {"a", "b"}}, {"math", {"c"}}});
  CHECK(expert.expert.min_support == 1);
  CHECK(expert.expert.fallback.vote.threshold == 0.7);
  CHECK(expert.expert.fallback.model_weights.at("c") == 3);
  CHECK_FALSE(expert.expert.fallback.use_priors);
  CHECK(expert.expert.fallback.vote.answer.kind == prsm::AnswerFormat::Kind::kChoice);

  for (const char* name :
       {"first-success", "majority", "weighted-confidence", "expert", "confidence"}) {
    std::string rule = std::string(R"({"rule": ")") + name + "\"";
    if (std::string(name) == "confidence") rule += R"(, "min_confidence": 0.5)";
    auto config =
        Parse(WithProvider(std::string(kThreeModels) + R"(, "consensus": )" + rule + "}"));
    REQUIRE(config);
    REQUIRE(config->options.consensus);
    CHECK(config->options.consensus->name() == name);
  }
}

TEST_CASE("Config: consensus errors", "[config]") {
  const std::string models = std::string(kThreeModels) + ", ";
  CHECK_THAT(ErrorOf(WithProvider(models + R"("consensus": {"rule": "confidence"})"),
                     "$.consensus.min_confidence"),
             Contains("got nothing"));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("consensus": {"rule": "majority", "threshold": 0})"),
                     "$.consensus.threshold"),
             Contains("a number in (0, 1], got number 0"));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("consensus": {"rule": "majority",
                                                 "model_weights": {}})"),
                     "$.consensus.model_weights"),
             Contains("unknown key"));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("consensus": {"rule": "weighted-confidence",
                                                 "model_weights": {"x": 1}})"),
                     "$.consensus.model_weights.x"),
             Contains("one of the models"));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("consensus": {"rule": "expert",
                                                 "experts": {"code": ["a", "nope"]}})"),
                     "$.consensus.experts.code[1]"),
             Contains("got \"nope\""));
  CHECK_THAT(ErrorOf(WithProvider(models + R"("consensus": {"rule": "majority",
                                                 "answer": {"kind": "letter"}})"),
                     "$.consensus.answer.kind"),
             Contains("normalized-text"));
}

TEST_CASE("Config: resilience, limits, network, budget and observability", "[config]") {
  auto config = Parse(WithProvider(R"(
      "retry": {"max_retries": 1, "initial_backoff": "50ms", "max_backoff": "1s", "multiplier": 1.5,
                "retry_on": ["Unavailable"], "max_retry_after": "10s",
                "retry_before_fallback": true},
      "retry_budget": {"ratio": 0.5, "min_concurrent": 9},
      "breaker": {"enabled": false, "consecutive_failures": 3, "failure_rate": 0.25,
                  "min_calls": 8, "window": "10s", "open_for": "1m", "half_open_probes": 2,
                  "wait_for_half_open": true},
      "hedge": {"enabled": true, "delay": "150ms", "min_samples": 5, "max_share": 0.1, "burst": 3},
      "rate_limits": {"p": {"rpm": 60, "tpm": 1000, "on_limit": "fail"}},
      "limits": {"max_in_flight": 10, "request_timeout": "1.5m", "attempt_timeout": "20s",
                 "connect_timeout": "2s", "first_token_timeout": "4s",
                 "stream_idle_timeout": "6s", "max_response_bytes": 1024, "feedback_window": 5},
      "network": {"executor": "poll", "max_connections_per_host": 3, "http2": false,
                  "ca_bundle_path": "/etc/ssl/x.pem"},
      "budget": {"usd": 10.5, "window": "2h"},
      "observability": {"log_level": "warning", "trace_header": false,
                        "observer_queue_capacity": 77})"));
  REQUIRE(config);
  const prsm::OrchestratorOptions& o = config->options;
  CHECK(o.retry.max_retries == 1);
  CHECK(o.retry.initial_backoff == 50ms);
  CHECK(o.retry.max_backoff == 1000ms);
  CHECK(o.retry.multiplier == 1.5);
  CHECK(o.retry.retry_on == std::vector<ErrorCode>{ErrorCode::kUnavailable});
  CHECK(o.retry.max_retry_after == 10000ms);
  CHECK(o.retry.retry_before_fallback);
  CHECK(o.retry_budget.ratio == 0.5);
  CHECK(o.retry_budget.min_concurrent == 9);
  CHECK_FALSE(o.breaker.enabled);
  CHECK(o.breaker.consecutive_failures == 3);
  CHECK(o.breaker.failure_rate == 0.25);
  CHECK(o.breaker.min_calls == 8);
  CHECK(o.breaker.window == 10000ms);
  CHECK(o.breaker.open_for == 60000ms);
  CHECK(o.breaker.half_open_probes == 2);
  CHECK(o.breaker.wait_for_half_open);
  CHECK(o.hedge.enabled);
  CHECK(o.hedge.delay == 150ms);
  CHECK(o.hedge.min_samples == 5);
  CHECK(o.hedge.max_share == 0.1);
  CHECK(o.hedge.burst == 3);
  REQUIRE(o.provider_rate_limits.count("p") == 1);
  CHECK(o.provider_rate_limits.at("p").requests_per_minute == 60);
  CHECK(o.provider_rate_limits.at("p").tokens_per_minute == 1000);
  CHECK(o.provider_rate_limits.at("p").on_limit == prsm::RateLimit::OnLimit::kFail);
  CHECK(o.max_in_flight == 10);
  CHECK(o.request_timeout == 90000ms);
  CHECK(o.attempt_timeout == 20000ms);
  CHECK(o.connect_timeout == 2000ms);
  CHECK(o.first_token_timeout == 4000ms);
  CHECK(o.stream_idle_timeout == 6000ms);
  CHECK(o.max_response_bytes == 1024);
  CHECK(o.feedback_window == 5);
  CHECK(o.executor == prsm::ExecutorBackend::kPoll);
  CHECK(o.max_connections_per_host == 3);
  CHECK_FALSE(o.http2);
  CHECK(o.ca_bundle_path == "/etc/ssl/x.pem");
  CHECK(o.budget.usd == 10.5);
  CHECK(o.budget.window == std::chrono::hours(2));
  CHECK(o.min_log_level == prsm::LogLevel::kWarning);
  CHECK_FALSE(o.trace_header);
  CHECK(o.observer_queue_capacity == 77);
}

TEST_CASE("Config: errors of the option sections", "[config]") {
  CHECK_THAT(ErrorOf(WithProvider(R"("rate_limits": {"q": {"rpm": 1}})"), "$.rate_limits.q"),
             Contains("one of the keys p, got unknown key \"q\""));
  CHECK_THAT(ErrorOf(R"({"limits": {"max_in_flight": 0}})", "$.limits.max_in_flight"),
             Contains("got number 0"));
  CHECK_THAT(ErrorOf(R"({"limits": {"request_timeout": "0s"}})", "$.limits.request_timeout"),
             Contains("at least 1ms"));
  CHECK_THAT(ErrorOf(R"({"budget": {"window": "1.5s"}})", "$.budget.window"),
             Contains("whole number of seconds"));
  CHECK_THAT(ErrorOf(R"({"budget": {"usd": -1}})", "$.budget.usd"), Contains("got number -1"));
  CHECK_THAT(ErrorOf(R"({"network": {"executor": "select"}})", "$.network.executor"),
             Contains("epoll"));
  CHECK_THAT(ErrorOf(R"({"breaker": {"failure_rate": 1.5}})", "$.breaker.failure_rate"),
             Contains("(0, 1]"));
  CHECK_THAT(ErrorOf(R"({"hedge": {"burst": 0.5}})", "$.hedge.burst"), Contains("a number >= 1"));
  CHECK_THAT(ErrorOf(R"({"retry": {"multiplier": 0.5}})", "$.retry.multiplier"),
             Contains("a number >= 1"));
  CHECK_THAT(ErrorOf(R"({"retry": {"max_retries": 1000}})", "$.retry.max_retries"),
             Contains("an integer in [0, 100]"));
  CHECK_THAT(ErrorOf(R"({"observability": {"log_level": "trace"}})", "$.observability.log_level"),
             Contains("debug, info, warning or error"));
  CHECK_THAT(ErrorOf(R"({"retry": {"enabled": true}})", "$.retry.enabled"),
             Contains("max_retries"));
}

TEST_CASE("Config: a long string is cut in the message", "[config]") {
  const std::string long_value(500, 'x');
  const std::string message =
      ErrorOf(R"({"network": {"http2": ")" + long_value + R"("}})", "$.network.http2");
  CHECK(message.size() < 300);
  CHECK_THAT(message, Contains("...\""));
}
