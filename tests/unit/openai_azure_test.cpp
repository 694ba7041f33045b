// Azure OpenAI: deployment URLs, the api-key header, api-version, and the environment.
#include <string>

#include <catch2/catch.hpp>

#include "codec_test_util.h"
#include "prsm/providers/openai.h"

using prsm::AzureOpenAIConfig;
using prsm::ErrorCode;
using prsm::MakeAzureOpenAIProvider;
using prsm::test::ScopedEnv;

namespace {

prsm::CompletionRequest Request(std::string deployment) {
  return prsm::test::UserRequest(std::move(deployment), "hi");
}

std::string HeaderOf(const prsm::HttpRequest& request, std::string_view name) {
  const std::string* value = prsm::test::FindHeader(request, name);
  return value != nullptr ? *value : "(absent)";
}

}  // namespace

TEST_CASE("Azure: the deployment URL, api-version and api-key header", "[codec][azure]") {
  AzureOpenAIConfig config;
  config.endpoint = "https://my-resource.openai.azure.com/";
  config.api_key = "azure-key-123";
  config.api_version = "2024-10-21";
  auto provider = MakeAzureOpenAIProvider(config);
  REQUIRE(provider);
  CHECK((*provider)->id() == "azure-openai");
  auto http = (*provider)->BuildRequest(Request("gpt-4o-prod"));
  REQUIRE(http);
  CHECK(http->url ==
        "https://my-resource.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions"
        "?api-version=2024-10-21");
  CHECK(HeaderOf(*http, "api-key") == "azure-key-123");
  CHECK(HeaderOf(*http, "Authorization") == "(absent)");
  CHECK(http->body.find("\"max_completion_tokens\"") == std::string::npos);
  // The same provider serves every deployment of the resource.
  CHECK((*provider)->BuildRequest(Request("mini"))->url.find("/deployments/mini/") !=
        std::string::npos);
}

TEST_CASE("Azure: endpoint, key and version come from Azure's variables", "[codec][azure]") {
  AzureOpenAIConfig config;
  config.endpoint_env = "PRSM_TEST_AZURE_ENDPOINT";
  config.api_key_env = "PRSM_TEST_AZURE_KEY";
  config.api_version_env = "PRSM_TEST_AZURE_VERSION";
  SECTION("all set") {
    ScopedEnv endpoint("PRSM_TEST_AZURE_ENDPOINT", "http://127.0.0.1:9/");
    ScopedEnv key("PRSM_TEST_AZURE_KEY", " env-key \n");
    ScopedEnv version("PRSM_TEST_AZURE_VERSION", "2025-01-01-preview");
    auto provider = MakeAzureOpenAIProvider(config);
    REQUIRE(provider);
    auto http = (*provider)->BuildRequest(Request("d"));
    CHECK(http->url ==
          "http://127.0.0.1:9/openai/deployments/d/chat/completions"
          "?api-version=2025-01-01-preview");
    CHECK(HeaderOf(*http, "api-key") == "env-key");
  }
  SECTION("no key") {
    ScopedEnv endpoint("PRSM_TEST_AZURE_ENDPOINT", "https://r.openai.azure.com");
    auto provider = MakeAzureOpenAIProvider(config);
    REQUIRE_FALSE(provider);
    CHECK(provider.error().code() == ErrorCode::kUnauthenticated);
    CHECK(provider.error().message().find("PRSM_TEST_AZURE_KEY") != std::string::npos);
  }
  SECTION("no endpoint") {
    ScopedEnv key("PRSM_TEST_AZURE_KEY", "k");
    auto provider = MakeAzureOpenAIProvider(config);
    REQUIRE_FALSE(provider);
    CHECK(provider.error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("the default version") {
    ScopedEnv endpoint("PRSM_TEST_AZURE_ENDPOINT", "https://r.openai.azure.com");
    ScopedEnv key("PRSM_TEST_AZURE_KEY", "k");
    auto provider = MakeAzureOpenAIProvider(config);
    REQUIRE(provider);
    CHECK((*provider)->BuildRequest(Request("d"))->url.find("api-version=2024-10-21") !=
          std::string::npos);
  }
}

TEST_CASE("Azure: bad configuration and deployments are refused, the key never shown",
          "[codec][azure]") {
  const std::string canary = "sk-canary-azure-0123456789";
  AzureOpenAIConfig config;
  config.endpoint = "https://r.openai.azure.com";
  config.api_key = canary;
  SECTION("a deployment name with URL characters") {
    auto provider = MakeAzureOpenAIProvider(config);
    REQUIRE(provider);
    auto http = (*provider)->BuildRequest(Request("../admin?x=1"));
    REQUIRE_FALSE(http);
    CHECK(http.error().code() == ErrorCode::kInvalidArgument);
    CHECK(http.error().provider() == "azure-openai");
    CHECK(http.error().message().find(canary) == std::string::npos);
  }
  SECTION("an endpoint with a query") {
    config.endpoint = "https://r.openai.azure.com/?key=" + canary;
    auto provider = MakeAzureOpenAIProvider(config);
    REQUIRE_FALSE(provider);
    CHECK(provider.error().code() == ErrorCode::kInvalidArgument);
    CHECK(provider.error().message().find(canary) == std::string::npos);
  }
  SECTION("a version that would break the URL") {
    config.api_version = "2024&x=1";
    CHECK(MakeAzureOpenAIProvider(config).error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("a key with a line break") {
    config.api_key = "abc\r\nX-Evil: 1";
    auto provider = MakeAzureOpenAIProvider(config);
    REQUIRE_FALSE(provider);
    CHECK(provider.error().message().find("X-Evil") == std::string::npos);
  }
}
