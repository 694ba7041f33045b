// An orchestrator built from a configuration file (prsm/config.h) answers over loopback: the
// file names its providers' base URLs through environment variables (injected here), as
// examples/config/prsm.json does for the demo's fake provider.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "fake_provider_server.h"
#include "prsm/prsm.h"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using prsm::ErrorCode;
using prsm::testing::FakeProviderServer;
using prsm::testing::ModelScript;
using prsm::testing::StartFake;

namespace {

// A temporary file holding `text`, removed on destruction.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/prsm-config-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

prsm::ConfigLoadOptions EnvOf(std::map<std::string, std::string> vars) {
  prsm::ConfigLoadOptions options;
  options.getenv = [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto found = vars.find(std::string(name));
    if (found == vars.end()) return std::nullopt;
    return found->second;
  };
  return options;
}

constexpr const char* kConfig = R"({
  "providers": {
    "oai": {"kind": "openai", "base_url_env": "TEST_OPENAI_URL"},
    "ant": {"kind": "anthropic", "base_url_env": "TEST_ANTHROPIC_URL"}
  },
  "models": [
    {"name": "fast", "provider": "oai", "provider_model": "fast-wire",
     "price": {"input_per_mtok": 1, "output_per_mtok": 2}},
    {"name": "careful", "provider": "ant", "provider_model": "careful-wire",
     "price": {"input_per_mtok": 3, "output_per_mtok": 15}},
    {"name": "third", "provider": "oai", "provider_model": "third-wire"}
  ],
  "routing": {"strategy": "fan-out", "n": 3},
  "consensus": {"rule": "majority", "threshold": 0.6, "min_agreeing": 2, "decide_early": false,
                "answer": {"kind": "number"}},
  "limits": {"request_timeout": "30s"},
  "retry": {"max_retries": 0}
})";

}  // namespace

TEST_CASE("An orchestrator created from a configuration file answers", "[config]") {
  auto fake = StartFake();
  ModelScript agree;
  agree.text = "The answer is 42.";
  ModelScript dissent;
  dissent.text = "The answer is 7.";
  fake->SetScript("fast-wire", agree);
  fake->SetScript("careful-wire", agree);
  fake->SetScript("third-wire", dissent);

  TempFile file(kConfig);
  auto config = prsm::LoadConfigFile(
      file.path(),
      EnvOf({{"TEST_OPENAI_URL", fake->base_url()}, {"TEST_ANTHROPIC_URL", fake->root_url()}}));
  REQUIRE(config);
  CHECK(config->provider_info.at(0).base_url == fake->base_url());
  CHECK(config->provider_info.at(1).base_url == fake->root_url());
  auto orchestrator = prsm::MultiLLMOrchestrator::Create(std::move(*config));
  REQUIRE(orchestrator);
  CHECK((*orchestrator)->models().size() == 3);

  auto response = (*orchestrator)->ProcessAndWait(prsm::Query::FromText("What is 6 x 7?"));
  INFO((response ? std::string() : response.error().ToString()));
  REQUIRE(response);
  CHECK_THAT(response->answer, Contains("42"));
  CHECK((response->model == "fast" || response->model == "careful"));
  // Fan-out of three from the file's routing: every model was asked, each on its protocol.
  CHECK(fake->RequestCount("fast-wire") == 1);
  CHECK(fake->RequestCount("careful-wire") == 1);
  CHECK(fake->RequestCount("third-wire") == 1);
  bool anthropic_seen = false;
  for (const auto& request : fake->recorded_requests()) {
    if (request.model == "careful-wire") anthropic_seen = request.protocol == "anthropic";
  }
  CHECK(anthropic_seen);
  // The file's prices priced it.
  CHECK(response->cost_usd > 0.0);
}

TEST_CASE("Create(OrchestratorConfig) names the source and the model it refused", "[config]") {
  auto config = prsm::ParseConfig(
      R"({"providers": {"p": {"kind": "openai", "base_url": "http://127.0.0.1:9/v1"}},
          "models": [{"name": "m", "provider": "p"}]})",
      "refused.json", EnvOf({}));
  REQUIRE(config);
  prsm::OrchestratorConfig duplicate = *config;
  duplicate.models.push_back(duplicate.models.front());  // the same name twice
  auto created = prsm::MultiLLMOrchestrator::Create(std::move(duplicate));
  REQUIRE_FALSE(created);
  CHECK(created.error().code() == ErrorCode::kAlreadyExists);
  CHECK_THAT(created.error().message(), StartsWith("refused.json: model 'm': "));
  CHECK(created.error().model() == "m");

  prsm::OrchestratorConfig bad_options = *config;
  bad_options.options.max_in_flight = 0;
  auto refused = prsm::MultiLLMOrchestrator::Create(std::move(bad_options));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  CHECK_THAT(refused.error().message(), StartsWith("refused.json: "));
}
