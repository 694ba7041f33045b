// Security properties of the public API, end to end over loopback:
// - TLS verification: a self-signed certificate is refused (kFailedPrecondition) unless
//   OrchestratorOptions::ca_bundle_path names it; a trusted certificate for another host name is
//   refused too; a CA bundle that does not exist fails Create.
// - Redirects are never followed: the server they point to sees nothing, and the error says so.
// - The API key never shows: a canary key, registered with every kind of provider, goes through
//   every failure the fake server can script (including error bodies that echo it), and every
//   error, response field, attempt, stream event, log line and statistic is searched for it.
//
// The certificates are made at test time (openssl) in a temporary directory and removed after;
// no key is committed. The TLS and redirecting servers are node (security_server.js).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "prsm/providers/anthropic.h"
#include "prsm/providers/gemini.h"
#include "prsm/providers/ollama.h"
#include "prsm/providers/openai.h"
#include "prsm/prsm.h"
#include "server_process.h"
#include "test_servers.h"

extern char** environ;

namespace prsm {
namespace {

using testing::FakeProviderServer;
using testing::ModelScript;
using testing::RunQuietly;
using testing::ServerProcess;

constexpr std::string_view kCanary = "sk-canary-0b5e7d9f1a3c4e6082a4c6e8f0b2d4f6";
// A key cut this short still identifies it (see providers::kSecretPrefixBytes).
constexpr std::size_t kCanaryPrefix = 12;

std::string ScriptPath() {
  return std::string(PRSM_TEST_SOURCE_DIR) + "/integration/security_server.js";
}

// A temporary directory of self-signed certificates, removed with its files.
class Certificates {
 public:
  Certificates() {
    char dir_template[] = "/tmp/prsm-security-XXXXXX";
    REQUIRE(mkdtemp(dir_template) != nullptr);
    dir_ = dir_template;
  }
  ~Certificates() {
    for (const std::string& file : files_) std::remove(file.c_str());
    rmdir(dir_.c_str());
  }
  Certificates(const Certificates&) = delete;
  Certificates& operator=(const Certificates&) = delete;

  struct Pair {
    std::string key;
    std::string cert;
  };
  /// A self-signed certificate (its own CA) for `subject_alt_name`, e.g. "IP:127.0.0.1".
  Pair Make(const std::string& name, const std::string& common_name,
            const std::string& subject_alt_name) {
    Pair pair{dir_ + "/" + name + ".key", dir_ + "/" + name + ".pem"};
    files_.push_back(pair.key);
    files_.push_back(pair.cert);
    const int status = RunQuietly({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                   "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", pair.key,
                                   "-out", pair.cert, "-days", "1", "-subj", "/CN=" + common_name,
                                   "-addext", "subjectAltName=" + subject_alt_name});
    INFO("openssl (Debian package openssl, installed by scripts/install-deps)");
    REQUIRE(status == 0);
    return pair;
  }
  /// A file in the directory with `content`.
  std::string Write(const std::string& name, const std::string& content) {
    const std::string path = dir_ + "/" + name;
    files_.push_back(path);
    std::FILE* file = std::fopen(path.c_str(), "w");
    REQUIRE(file != nullptr);
    std::fputs(content.c_str(), file);
    std::fclose(file);
    return path;
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

std::unique_ptr<ServerProcess> StartNode(std::vector<std::string> args) {
  args.insert(args.begin(), {"node", ScriptPath()});
  auto server = std::make_unique<ServerProcess>(std::move(args));
  INFO(server->error());
  REQUIRE(server->ok());
  return server;
}

std::shared_ptr<const Provider> OpenAIAt(const std::string& base_url, std::string id = "sec") {
  OpenAIConfig config;
  config.id = std::move(id);
  config.base_url = base_url;
  config.base_url_env.clear();
  config.api_key = std::string(kCanary);
  config.api_key_env.clear();
  auto provider = MakeOpenAIProvider(config);
  REQUIRE(provider);
  return *provider;
}

std::unique_ptr<MultiLLMOrchestrator> Orchestrator(std::shared_ptr<const Provider> provider,
                                                   OrchestratorOptions options = {}) {
  auto orchestrator = MultiLLMOrchestrator::Create(std::move(options));
  REQUIRE(orchestrator);
  REQUIRE((*orchestrator)->AddProvider(std::move(provider)));
  REQUIRE((*orchestrator)->AddModel(testing::Model("m", 1.0, 2.0, "sec")));
  return std::move(*orchestrator);
}

// --- TLS --------------------------------------------------------------------------------------

TEST_CASE("TLS: a self-signed certificate is refused unless its CA is given", "[security][tls]") {
  Certificates certificates;
  const Certificates::Pair loopback =
      certificates.Make("loopback", "127.0.0.1", "IP:127.0.0.1,DNS:localhost");
  const auto server = StartNode({"tls", loopback.key, loopback.cert});
  const std::string base_url = "https://127.0.0.1:" + std::to_string(server->port()) + "/v1";

  SECTION("the system's trust store does not know it: kFailedPrecondition") {
    auto orchestrator = Orchestrator(OpenAIAt(base_url));
    const Result<Response> response = orchestrator->ProcessAndWait(Query::FromText("hi"));
    REQUIRE_FALSE(response);
    INFO(response.error().ToString());
    CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
    CHECK_THAT(response.error().message(), Catch::Contains("certificate"));
    CHECK(response.error().provider() == "sec");
  }
  SECTION("streaming is refused the same way") {
    auto orchestrator = Orchestrator(OpenAIAt(base_url));
    std::promise<Result<Response>> done;
    orchestrator->Stream(
        Query::FromText("hi"), [](const StreamEvent&) {},
        [&done](Result<Response> response) { done.set_value(std::move(response)); });
    const Result<Response> response = done.get_future().get();
    REQUIRE_FALSE(response);
    CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
  }
  SECTION("ca_bundle_path naming the certificate: the answer comes through") {
    OrchestratorOptions options;
    options.ca_bundle_path = loopback.cert;
    auto orchestrator = Orchestrator(OpenAIAt(base_url), std::move(options));
    const Result<Response> response = orchestrator->ProcessAndWait(Query::FromText("hi"));
    INFO((response ? std::string() : response.error().ToString()));
    REQUIRE(response);
    CHECK(response->answer == "hello over tls");
    CHECK(response->usage.output_tokens == 4);
  }
  SECTION("the name localhost is in the certificate too") {
    OrchestratorOptions options;
    options.ca_bundle_path = loopback.cert;
    auto orchestrator = Orchestrator(
        OpenAIAt("https://localhost:" + std::to_string(server->port()) + "/v1"), options);
    const Result<Response> response = orchestrator->ProcessAndWait(Query::FromText("hi"));
    INFO((response ? std::string() : response.error().ToString()));
    REQUIRE(response);
    CHECK(response->answer == "hello over tls");
  }
}

TEST_CASE("TLS: a trusted certificate for another host name is refused", "[security][tls]") {
  Certificates certificates;
  const Certificates::Pair other =
      certificates.Make("other", "api.example.com", "DNS:api.example.com");
  const auto server = StartNode({"tls", other.key, other.cert});
  OrchestratorOptions options;
  options.ca_bundle_path = other.cert;  // trusted: only the name is wrong
  auto orchestrator = Orchestrator(
      OpenAIAt("https://127.0.0.1:" + std::to_string(server->port()) + "/v1"), options);
  const Result<Response> response = orchestrator->ProcessAndWait(Query::FromText("hi"));
  REQUIRE_FALSE(response);
  INFO(response.error().ToString());
  CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
  CHECK_THAT(response.error().message(), Catch::Contains("127.0.0.1"));
}

TEST_CASE("TLS: a CA bundle that cannot be used fails clearly", "[security][tls]") {
  Certificates certificates;
  SECTION("a path that does not exist: Create fails, naming the option and the file") {
    OrchestratorOptions options;
    options.ca_bundle_path = certificates.dir() + "/missing.pem";
    const auto created = MultiLLMOrchestrator::Create(options);
    REQUIRE_FALSE(created);
    INFO(created.error().ToString());
    CHECK(created.error().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(created.error().message(), Catch::Contains("ca_bundle_path") &&
                                              Catch::Contains(options.ca_bundle_path) &&
                                              Catch::Contains("No such file"));
  }
  SECTION("a directory: Create fails") {
    OrchestratorOptions options;
    options.ca_bundle_path = certificates.dir();
    const auto created = MultiLLMOrchestrator::Create(options);
    REQUIRE_FALSE(created);
    CHECK(created.error().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(created.error().message(), Catch::Contains("not a file"));
  }
  SECTION("a file that holds no certificate: the HTTPS request fails, kFailedPrecondition") {
    const Certificates::Pair loopback = certificates.Make("loopback", "127.0.0.1", "IP:127.0.0.1");
    const auto server = StartNode({"tls", loopback.key, loopback.cert});
    OrchestratorOptions options;
    options.ca_bundle_path = certificates.Write("junk.pem", "not a certificate\n");
    auto orchestrator = Orchestrator(
        OpenAIAt("https://127.0.0.1:" + std::to_string(server->port()) + "/v1"), options);
    const Result<Response> response = orchestrator->ProcessAndWait(Query::FromText("hi"));
    REQUIRE_FALSE(response);
    INFO(response.error().ToString());
    CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
  }
}

// --- redirects --------------------------------------------------------------------------------

TEST_CASE("Redirects are not followed and the key never reaches the other host",
          "[security][redirect]") {
  // The fake provider plays the host a redirect points to: it records every request.
  const auto target = testing::StartFake();
  const auto redirector = StartNode({"redirect", target->root_url()});
  const std::string redirector_url = "http://127.0.0.1:" + std::to_string(redirector->port());

  for (const int status : {301, 302, 303, 307, 308}) {
    for (const bool stream : {false, true}) {
      INFO("HTTP " << status << (stream ? ", streaming" : ""));
      auto orchestrator =
          Orchestrator(OpenAIAt(redirector_url + "/" + std::to_string(status) + "/v1"));
      std::promise<Result<Response>> done;
      auto on_done = [&done](Result<Response> response) { done.set_value(std::move(response)); };
      if (stream) {
        orchestrator->Stream(
            Query::FromText("hi"), [](const StreamEvent&) {}, on_done);
      } else {
        orchestrator->Submit(Query::FromText("hi"), on_done);
      }
      const Result<Response> response = done.get_future().get();
      REQUIRE_FALSE(response);
      INFO(response.error().ToString());
      CHECK(response.error().code() == ErrorCode::kFailedPrecondition);
      CHECK(response.error().http_status() == status);
      CHECK_THAT(response.error().message(),
                 Catch::Contains("redirect to host '127.0.0.1' not followed"));
    }
  }
  CHECK(target->total_requests() == 0);

  // The control: the same key sent straight to the target arrives, and is counted.
  auto direct = Orchestrator(OpenAIAt(target->base_url()));
  REQUIRE(direct->ProcessAndWait(Query::FromText("hi")));
  CHECK(target->total_requests() == 1);
}

// --- the canary key ---------------------------------------------------------------------------

// Everything a host can see of a run, as text.
class Observed {
 public:
  LogSink Sink() {
    return [this](LogLevel, std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex_);
      texts_.emplace_back(line);
    };
  }
  void Add(std::string text) {
    std::lock_guard<std::mutex> lock(mutex_);
    texts_.push_back(std::move(text));
  }
  void Add(const Error& error) {
    Add(error.ToString());
    Add(error.provider() + " " + error.model());
  }
  void Add(const Completion& completion) {
    Add(completion.text + completion.raw_finish_reason + completion.model + completion.id);
    for (const ToolCall& call : completion.tool_calls)
      Add(call.id + call.name + call.arguments_json);
  }
  void Add(const Result<Response>& result) {
    if (!result) {
      Add(result.error());
      return;
    }
    const Response& response = *result;
    Add(response.answer + response.model);
    Add(response.completion);
    for (const Attempt& attempt : response.attempts) {
      Add(attempt.model + attempt.provider + attempt.text);
      if (attempt.error) Add(*attempt.error);
    }
    Add(response.consensus.rule + response.consensus.explanation);
    for (const std::string& model : response.consensus.agreeing_models) Add(model);
    Add(response.route.strategy + response.route.explanation);
    for (const auto& stage : response.route.stages) {
      for (const std::string& model : stage) Add(model);
    }
  }
  void Add(const StreamEvent& event) {
    Add(event.text + event.tool_call.id + event.tool_call.name + event.tool_call.arguments_delta +
        event.raw_finish_reason + event.model);
    if (event.error) Add(*event.error);
  }
  void Add(const OrchestratorStats& stats) {
    for (const auto& [model, totals] : stats.by_model) {
      Add(model + " " + std::to_string(totals.attempts) + " " + std::to_string(totals.failed));
    }
  }
  std::vector<std::string> texts() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return texts_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> texts_;
};

// Every failure the fake server can script, each with a vendor message that echoes the key
// (whole, or cut short as some vendors do), and a success.
std::vector<std::pair<std::string, ModelScript>> Scenarios() {
  const std::string key(kCanary);
  std::vector<std::pair<std::string, ModelScript>> scenarios;
  const auto error = [&](std::string name, int status, std::string message,
                         std::string retry_after = {}) {
    ModelScript script;
    script.status = status;
    script.error_type = "invalid_request_error";
    script.error_code = "invalid_api_key";
    script.error_message = std::move(message);
    script.retry_after = std::move(retry_after);
    scenarios.emplace_back(std::move(name), std::move(script));
  };
  scenarios.emplace_back("ok", ModelScript{});
  error("e401", 401,
        "Incorrect API key provided: " + key +
            ". You can find your API key at https://platform.openai.com/account/api-keys.");
  error("e403", 403, "key " + key.substr(0, 20) + "... may not use {model}");
  error("e429", 429, "Rate limit reached for key " + key, "3600");
  error("e500", 500, "internal error while checking " + key);
  error("e503", 503, "overloaded (key=" + key + ")");
  const auto mode = [&](std::string name, testing::BodyMode body) {
    ModelScript script;
    script.body = body;
    script.error_message = "echo " + key;
    scenarios.emplace_back(std::move(name), std::move(script));
  };
  mode("reset", testing::BodyMode::kReset);
  mode("malformed", testing::BodyMode::kMalformed);
  mode("truncated", testing::BodyMode::kTruncated);
  mode("empty", testing::BodyMode::kEmpty);
  mode("error-body", testing::BodyMode::kError);
  ModelScript slow;  // outlives the query's deadline
  slow.latency = std::chrono::minutes(1);
  scenarios.emplace_back("timeout", slow);
  ModelScript cut;  // streams only: a reset after the first token
  cut.reset_after_chunks = 1;
  scenarios.emplace_back("midstream-reset", cut);
  return scenarios;
}

// Every kind of provider, each with the canary key, pointed at `fake`.
std::vector<std::shared_ptr<const Provider>> CanaryProviders(const FakeProviderServer& fake) {
  const std::string key(kCanary);
  std::vector<Result<std::shared_ptr<const Provider>>> made;
  OpenAIConfig openai;
  openai.base_url = fake.base_url();
  openai.base_url_env.clear();
  openai.api_key = key;
  openai.api_key_env.clear();
  made.push_back(MakeOpenAIProvider(openai));
  AzureOpenAIConfig azure;
  azure.endpoint = fake.root_url();
  azure.endpoint_env.clear();
  azure.api_key = key;
  azure.api_key_env.clear();
  azure.api_version_env.clear();
  made.push_back(MakeAzureOpenAIProvider(azure));
  AnthropicConfig anthropic;
  anthropic.base_url = fake.root_url();
  anthropic.base_url_env.clear();
  anthropic.api_key = key;
  anthropic.api_key_env.clear();
  made.push_back(MakeAnthropicProvider(anthropic));
  GeminiConfig gemini;
  gemini.base_url = fake.root_url();
  gemini.base_url_env.clear();
  gemini.api_key = key;
  gemini.api_key_env.clear();
  gemini.fallback_api_key_env.clear();
  made.push_back(MakeGeminiProvider(gemini));
  OllamaConfig ollama;
  ollama.base_url = fake.root_url();
  ollama.base_url_env.clear();
  ollama.api_key = key;
  ollama.api_key_env.clear();
  made.push_back(MakeOllamaProvider(ollama));
  std::vector<std::shared_ptr<const Provider>> providers;
  for (auto& provider : made) {
    REQUIRE(provider);
    providers.push_back(std::move(*provider));
  }
  return providers;
}

TEST_CASE("The API key never appears in an error, response, event, log line or statistic",
          "[security][canary]") {
  const auto fake = testing::StartFake();
  Observed observed;
  OrchestratorOptions options;
  options.log_sink = observed.Sink();
  auto created = MultiLLMOrchestrator::Create(std::move(options));
  REQUIRE(created);
  MultiLLMOrchestrator& orchestrator = **created;

  const auto scenarios = Scenarios();
  std::vector<std::string> models;
  for (const auto& provider : CanaryProviders(*fake)) {
    REQUIRE(orchestrator.AddProvider(provider));
    for (const auto& [scenario, script] : scenarios) {
      const std::string model = std::string(provider->id()) + "-" + scenario;
      fake->SetScript(model, script);
      REQUIRE(orchestrator.AddModel(testing::Model(model, 1.0, 2.0, std::string(provider->id()))));
      models.push_back(model);
    }
  }

  // Every model, plain and streamed, all at once.
  std::vector<std::future<Result<Response>>> results;
  std::vector<std::shared_ptr<std::promise<Result<Response>>>> promises;
  for (const std::string& model : models) {
    for (const bool stream : {false, true}) {
      Query query = Query::FromText("hello " + model);
      query.context.models = {model};
      // Long enough for every scripted answer, short for the one that never comes.
      query.context.timeout =
          std::chrono::seconds(model.find("timeout") != std::string::npos ? 1 : 60);
      auto promise = std::make_shared<std::promise<Result<Response>>>();
      results.push_back(promise->get_future());
      auto on_done = [promise, &observed](Result<Response> response) {
        observed.Add(response);
        promise->set_value(std::move(response));
      };
      if (stream) {
        orchestrator.Stream(
            std::move(query), [&observed](const StreamEvent& event) { observed.Add(event); },
            on_done);
      } else {
        orchestrator.Submit(std::move(query), on_done);
      }
      promises.push_back(std::move(promise));
    }
  }
  std::size_t succeeded = 0;
  std::size_t failed = 0;
  std::vector<std::string> error_messages;
  for (auto& result : results) {
    const Result<Response> response = result.get();
    if (response) {
      ++succeeded;
    } else {
      ++failed;
      error_messages.push_back(response.error().ToString());
    }
  }
  observed.Add(orchestrator.stats());

  // The run did exercise what it claims: successes and failures, and the key was really sent
  // (so the server could echo it) by every kind of provider.
  CHECK(succeeded >= 5);
  CHECK(failed >= 5 * 10);
  std::size_t requests_with_key = 0;
  for (const testing::RecordedRequest& request : fake->recorded_requests()) {
    for (const auto& [name, value] : request.headers) {
      if (value.find(kCanary) != std::string::npos) ++requests_with_key;
    }
  }
  CHECK(requests_with_key >= 5);
  // The vendors' messages came through, with the key redacted rather than the message dropped.
  bool saw_redacted_vendor_message = false;
  for (const std::string& message : error_messages) {
    saw_redacted_vendor_message =
        saw_redacted_vendor_message ||
        message.find("Incorrect API key provided: [REDACTED]") != std::string::npos;
  }
  CHECK(saw_redacted_vendor_message);

  const std::vector<std::string> texts = observed.texts();
  CHECK(texts.size() > models.size());
  std::size_t leaks = 0;
  for (const std::string& text : texts) {
    if (text.find(kCanary.substr(0, kCanaryPrefix)) != std::string::npos) {
      ++leaks;
      UNSCOPED_INFO("leaked: " << text);
    }
  }
  CHECK(leaks == 0);
}

}  // namespace
}  // namespace prsm
