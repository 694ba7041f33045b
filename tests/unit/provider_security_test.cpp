// Tests of the providers' security rules: which hosts count as loopback (the only ones plain
// http:// may reach without the config's allow_insecure_http), the refusal every factory gives
// otherwise, the redaction of a key a vendor echoes cut short, and the error for a redirect
// that the transport did not follow.
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "codec_test_util.h"
#include "net/error_map.h"
#include "providers/error_text.h"
#include "providers/provider_config.h"
#include "prsm/providers/anthropic.h"
#include "prsm/providers/gemini.h"
#include "prsm/providers/ollama.h"
#include "prsm/providers/openai.h"

namespace prsm {
namespace {

using providers::IsLoopbackHost;
using providers::IsLoopbackUrl;
using test::ErrorOf;
using test::ScopedEnv;

constexpr std::string_view kKey = "sk-canary-5e1d9b7c3a2f40681d2c4b6a8e0f9713";

TEST_CASE("Loopback hosts: names and addresses whose traffic stays on this machine",
          "[providers][security]") {
  for (const char* host :
       {"localhost", "LocalHost", "localhost.", "LOCALHOST.", "127.0.0.1", "127.1.2.3",
        "127.255.255.255", "0.0.0.0", "[::1]", "[0:0:0:0:0:0:0:1]", "[::]", "[::ffff:127.0.0.1]"}) {
    INFO(host);
    CHECK(IsLoopbackHost(host));
  }
  for (const char* host : {"",
                           "example.com",
                           "localhost.example.com",
                           "mylocalhost",
                           "localhost..",
                           "127.0.0.1.evil.com",
                           "evil.com.127.0.0.1",
                           "128.0.0.1",
                           "10.0.0.1",
                           "126.255.255.255",
                           "0127.0.0.1",  // octal to inet_aton and libcurl: 87.0.0.1
                           "0x7f.0.0.1",
                           "127.0.0.1.",
                           "127.0.0",
                           "127.0.0.1.5",
                           "127.0.0.256",
                           "127.00.0.1",
                           "2130706433",
                           "::1",
                           "[::1",
                           "[::2]",
                           "[::1%25lo]",
                           "[fe80::1]",
                           "[::ffff:10.0.0.1]",
                           "[127.0.0.1]"}) {
    INFO(host);
    CHECK_FALSE(IsLoopbackHost(host));
  }
}

TEST_CASE("Loopback URLs: the host is found the way a URL parser finds it",
          "[providers][security]") {
  for (const char* url :
       {"http://127.0.0.1:8080/v1", "HTTP://LOCALHOST:11434", "http://[::1]:8080/v1",
        "http://user:pw@127.0.0.1:9/v1", "http://localhost./v1?x=evil.com",
        "http://127.0.0.1#@evil.com", "http://127.0.0.1/@evil.com"}) {
    INFO(url);
    CHECK(IsLoopbackUrl(url));
  }
  for (const char* url :
       {"http://127.0.0.1.evil.com/v1", "http://evil.com/127.0.0.1",
        "http://127.0.0.1@evil.com/v1",     // userinfo "127.0.0.1", host evil.com
        "http://127.0.0.1:80@evil.com/v1",  // likewise, with a "port" in the userinfo
        "http://user@evil.com@127.0.0.1/",  // two '@': parsers disagree, so never loopback
        "http://127.0.0.1\\@evil.com/", "http://evil.com#@127.0.0.1", "http://evil.com?@127.0.0.1",
        "http://[::1]evil.com/", "http://localhost:8080@evil.com"}) {
    INFO(url);
    CHECK_FALSE(IsLoopbackUrl(url));
  }
}

// The error of a factory that must refuse cleartext to a remote host.
void CheckRefused(const Error& error, std::string_view source, std::string_view host,
                  std::string_view option) {
  INFO(error.ToString());
  CHECK(error.code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(error.message(), Catch::StartsWith(std::string(source) + ": refusing cleartext"));
  CHECK_THAT(error.message(), Catch::Contains("'" + std::string(host) + "'"));
  CHECK_THAT(error.message(), Catch::Contains(std::string(option)));
}

TEST_CASE("Cleartext: every factory refuses http:// to a remote host unless allowed",
          "[providers][security]") {
  SECTION("OpenAI") {
    OpenAIConfig config;
    config.base_url_env.clear();
    config.api_key = std::string(kKey);
    config.base_url = "http://user:secret@Gateway.example:8080/v1?token=t";
    const Error error = ErrorOf(MakeOpenAIProvider(config));
    CheckRefused(error, "OpenAIConfig::base_url", "Gateway.example",
                 "OpenAIConfig::allow_insecure_http");
    CHECK_THAT(error.message(), !Catch::Contains("secret") && !Catch::Contains("token"));
    config.allow_insecure_http = true;
    CHECK(MakeOpenAIProvider(config).has_value());
    config.allow_insecure_http = false;
    for (const char* fine : {"https://gateway.example/v1", "HTTPS://gateway.example",
                             "http://127.0.0.1:8000/v1", "http://[::1]:8000/v1"}) {
      config.base_url = fine;
      INFO(fine);
      CHECK(MakeOpenAIProvider(config).has_value());
    }
  }
  SECTION("OpenAI, from the environment") {
    const ScopedEnv base("PRSM_TEST_SECURITY_BASE_URL", "http://127.0.0.1.evil.com/v1");
    OpenAIConfig config;
    config.base_url_env = "PRSM_TEST_SECURITY_BASE_URL";
    config.api_key_env.clear();
    CheckRefused(ErrorOf(MakeOpenAIProvider(config)), "$PRSM_TEST_SECURITY_BASE_URL",
                 "127.0.0.1.evil.com", "OpenAIConfig::allow_insecure_http");
  }
  SECTION("Azure OpenAI") {
    AzureOpenAIConfig config;
    config.endpoint_env.clear();
    config.api_key = std::string(kKey);
    config.endpoint = "http://my-resource.openai.azure.com";
    CheckRefused(ErrorOf(MakeAzureOpenAIProvider(config)), "AzureOpenAIConfig::endpoint",
                 "my-resource.openai.azure.com", "AzureOpenAIConfig::allow_insecure_http");
    config.allow_insecure_http = true;
    CHECK(MakeAzureOpenAIProvider(config).has_value());
    config.allow_insecure_http = false;
    config.endpoint = "http://localhost:9000";
    CHECK(MakeAzureOpenAIProvider(config).has_value());
  }
  SECTION("Anthropic") {
    AnthropicConfig config;
    config.base_url_env.clear();
    config.base_url = "http://10.0.0.7:4010";
    CheckRefused(ErrorOf(MakeAnthropicProvider(config)), "AnthropicConfig::base_url", "10.0.0.7",
                 "AnthropicConfig::allow_insecure_http");
    config.allow_insecure_http = true;
    CHECK(MakeAnthropicProvider(config).has_value());
  }
  SECTION("Gemini") {
    GeminiConfig config;
    config.base_url_env.clear();
    config.base_url = "http://proxy.internal/v1beta";
    CheckRefused(ErrorOf(MakeGeminiProvider(config)), "GeminiConfig::base_url", "proxy.internal",
                 "GeminiConfig::allow_insecure_http");
    config.allow_insecure_http = true;
    CHECK(MakeGeminiProvider(config).has_value());
  }
  SECTION("Ollama: a host without a scheme means http://") {
    OllamaConfig config;
    config.base_url_env.clear();
    config.api_key_env.clear();
    config.base_url = "gpu-box:11434";
    CheckRefused(ErrorOf(MakeOllamaProvider(config)), "OllamaConfig::base_url", "gpu-box",
                 "OllamaConfig::allow_insecure_http");
    config.base_url = "::1";
    CHECK(MakeOllamaProvider(config).has_value());
    config.base_url = "0.0.0.0";  // what `ollama serve` users often export as OLLAMA_HOST
    CHECK(MakeOllamaProvider(config).has_value());
    config.base_url = "https://gpu-box";
    CHECK(MakeOllamaProvider(config).has_value());
    config.base_url = "gpu-box:11434";
    config.allow_insecure_http = true;
    CHECK(MakeOllamaProvider(config).has_value());
  }
  SECTION("the built-in defaults need no opt-in") {
    OllamaConfig ollama;  // http://127.0.0.1:11434
    ollama.base_url_env.clear();
    ollama.api_key_env.clear();
    CHECK(MakeOllamaProvider(ollama).has_value());
    OpenAIConfig openai;  // https://api.openai.com/v1
    openai.base_url_env.clear();
    openai.api_key = std::string(kKey);
    CHECK(MakeOpenAIProvider(openai).has_value());
  }
}

TEST_CASE("Redaction: the configured key, whole or cut short, never survives",
          "[providers][security]") {
  const std::string key(kKey);
  std::string text = "Incorrect API key provided: " + key + ". Also " + key.substr(0, 20) +
                     "... and " + key.substr(0, 12) + "*****9713, and sk-canary-5 (too short).";
  providers::RedactSecret(text, key);
  CHECK(text ==
        "Incorrect API key provided: [REDACTED]. Also [REDACTED]... and [REDACTED]*****9713, "
        "and sk-canary-5 (too short).");
  std::string short_key_text = "key=abc123 and abc12";
  providers::RedactSecret(short_key_text, "abc123");
  CHECK(short_key_text == "key=[REDACTED] and abc12");
  // The quoting helpers take the same path: a cut key straddling the 64-byte cut is gone too.
  const std::string quoted =
      providers::Quoted("0123456789012345678901234567890123456789012345" + key.substr(0, 30), key);
  CHECK(quoted.find(key.substr(0, 12)) == std::string::npos);
  CHECK_THAT(quoted, Catch::Contains("[REDACTED]"));
}

// The error an OpenAI provider (any codec provider) makes of a 3xx.
Error RedirectError(int status, std::vector<HttpHeader> headers) {
  OpenAIConfig config;
  config.base_url_env.clear();
  config.base_url = "http://127.0.0.1:9/v1";
  config.api_key = std::string(kKey);
  const std::shared_ptr<const Provider> provider =
      test::RequireProvider(MakeOpenAIProvider(config));
  HttpResponse response;
  response.status = status;
  response.headers = std::move(headers);
  response.body = R"({"error":{"message":"moved"}})";
  const Error mapped = Error(net::ErrorCodeForHttpStatus(status), "HTTP " + std::to_string(status))
                           .WithHttpStatus(status);
  return provider->ParseError(response, mapped);
}

TEST_CASE("Redirects: the error says it was not followed and where it pointed",
          "[providers][security]") {
  const Error moved = RedirectError(
      301,
      {{"Location", "https://user:pw@Elsewhere.example:8443/v1/chat?key=" + std::string(kKey)}});
  INFO(moved.ToString());
  CHECK(moved.code() == ErrorCode::kFailedPrecondition);
  CHECK(moved.http_status() == 301);
  CHECK(moved.provider() == "openai");
  CHECK_THAT(moved.message(),
             Catch::StartsWith("HTTP 301: redirect to host 'Elsewhere.example' not followed"));
  CHECK_THAT(moved.message(), !Catch::Contains("pw") && !Catch::Contains("8443") &&
                                  !Catch::Contains(std::string(kKey.substr(0, 12))));

  const Error relative = RedirectError(307, {{"location", "/v2/chat/completions"}});
  CHECK(relative.code() == ErrorCode::kFailedPrecondition);
  CHECK_THAT(relative.message(),
             Catch::StartsWith("HTTP 307: redirect to another path on the same host not followed"));

  const Error nowhere = RedirectError(302, {});
  CHECK_THAT(nowhere.message(), Catch::StartsWith("HTTP 302: redirect to nowhere"));

  // A Location whose host is the key itself is redacted like any other quoted text.
  const Error keyed = RedirectError(308, {{"Location", "http://" + std::string(kKey) + "/"}});
  CHECK_THAT(keyed.message(), Catch::Contains("'[REDACTED]'"));
}

}  // namespace
}  // namespace prsm
