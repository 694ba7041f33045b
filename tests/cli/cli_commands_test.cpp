// The real `prsm` binary against the fake provider server: ask (plain, --explain, --json, bad
// usage, unknown model, a failing model, SIGTERM), models, check, help and configuration errors.
#include <signal.h>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "cli_test_util.h"
#include "fake_provider_server.h"
#include "test_servers.h"

using prsm::testing::FakeProviderServer;
using prsm::testing::ModelScript;
using prsm_cli_test::FakeConfig;
using prsm_cli_test::kKeyEnv;
using prsm_cli_test::RunPrsm;
using prsm_cli_test::TempDir;
using prsm_cli_test::WriteFile;

namespace {

// 100 tokens in at $1/M and 10 out at $2/M: $0.00012 a call.
ModelScript Says(std::string text) {
  ModelScript script;
  script.text = std::move(text);
  script.prompt_tokens = 100;
  script.completion_tokens = 10;
  return script;
}

struct Fixture {
  Fixture() {
    std::string error;
    server = FakeProviderServer::Start({}, &error);
    REQUIRE(server != nullptr);
    server->SetScript("fast", Says("Paris is the capital of France."));
    ModelScript broken;
    broken.status = 500;
    broken.error_message = "the fake model is broken";
    server->SetScript("broken", broken);
    config = dir.File("prsm.json");
    WriteFile(config, FakeConfig(server->port(), {"fast", "broken"}));
  }
  std::vector<std::string> Args(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--config", config});
    return args;
  }
  TempDir dir;
  std::unique_ptr<FakeProviderServer> server;
  std::string config;
};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("prsm --help, --version and each command's --help", "[cli]") {
  TempDir dir;
  auto help = RunPrsm({"--help"}, dir);
  CHECK(help.exit_code == 0);
  CHECK(Contains(help.out, "usage: prsm [--config FILE] <command>"));
  auto version = RunPrsm({"--version"}, dir);
  CHECK(version.exit_code == 0);
  CHECK(version.out.rfind("prsm 0.", 0) == 0);
  for (const char* command : {"ask", "batch", "models", "check"}) {
    INFO(command);
    auto run = RunPrsm({command, "--help"}, dir);
    CHECK(run.exit_code == 0);
    CHECK(Contains(run.out, std::string("usage: prsm [--config FILE] ") + command));
    CHECK(Contains(run.out, "Exit status"));
  }
  auto nothing = RunPrsm({}, dir);
  CHECK(nothing.exit_code == 2);
  CHECK(Contains(nothing.err, "missing the command"));
  auto unknown = RunPrsm({"frobnicate"}, dir);
  CHECK(unknown.exit_code == 2);
  CHECK(Contains(unknown.err, "unknown command 'frobnicate'"));
}

TEST_CASE("prsm ask prints the answer", "[cli]") {
  Fixture f;
  auto run = RunPrsm(f.Args({"ask", "What is the capital of France?", "--model", "fast"}), f.dir,
                     {kKeyEnv});
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out == "Paris is the capital of France.\n");
  CHECK(f.server->RequestCount("fast") == 1);
  // The question reached the model.
  const auto requests = f.server->recorded_requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(Contains(requests.back().body, "What is the capital of France?"));
}

TEST_CASE("prsm ask --explain shows the route, each attempt, the consensus and the totals",
          "[cli]") {
  Fixture f;
  auto run = RunPrsm(f.Args({"ask", "Capital of France?", "--model", "fast", "--explain",
                             "--context", "domain=geography"}),
                     f.dir, {kKeyEnv});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(run.out.rfind("Paris is the capital of France.\n\nRoute: ", 0) == 0);
  CHECK(Contains(run.out, "  stage 1: fast\n"));
  CHECK(Contains(run.out, "Attempts (1):\n  1. fast via fake (stage 1"));
  CHECK(Contains(run.out, "succeeded in "));
  CHECK(Contains(run.out, "100 in / 10 out tokens, $0.00012"));
  CHECK(Contains(run.out, "\nConsensus: "));
  CHECK(Contains(run.out, "\nTotal: answer from fast (request "));
}

TEST_CASE("prsm ask --json prints the whole response", "[cli]") {
  Fixture f;
  auto run = RunPrsm(f.Args({"ask", "--json", "Capital?", "--model", "fast"}), f.dir, {kKeyEnv});
  INFO(run.err);
  REQUIRE(run.exit_code == 0);
  rapidjson::Document doc;
  doc.Parse(run.out.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["answer"].GetString()) == "Paris is the capital of France.");
  CHECK(std::string(doc["model"].GetString()) == "fast");
  CHECK(doc["usage"]["input_tokens"].GetInt64() == 100);
  CHECK(doc["usage"]["output_tokens"].GetInt64() == 10);
  CHECK(doc["cost_usd"].GetDouble() == Approx(0.00012));
  REQUIRE(doc["attempts"].Size() == 1);
  CHECK(std::string(doc["attempts"][0]["outcome"].GetString()) == "succeeded");
  CHECK(std::string(doc["route"]["stages"][0][0].GetString()) == "fast");
  CHECK(doc["consensus"].HasMember("rule"));
}

TEST_CASE("prsm ask: bad usage exits 2 with a message and sends nothing", "[cli]") {
  Fixture f;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"ask"}, "prsm ask: missing the question"},
      {{"ask", "q", "--timeout", "soon"}, "--timeout expects a duration"},
      {{"ask", "q", "--bogus"}, "unknown option '--bogus'"},
      {{"ask", "q", "--context", "novalue"}, "--context expects KEY=VALUE"},
      {{"ask", "q", "--model"}, "option --model needs a value"},
  };
  for (const auto& [args, message] : cases) {
    INFO(message);
    auto run = RunPrsm(f.Args(args), f.dir, {kKeyEnv});
    CHECK(run.exit_code == 2);
    CHECK(Contains(run.err, message));
    CHECK(Contains(run.err, "prsm ask --help"));
    CHECK(run.out.empty());
  }
  CHECK(f.server->total_requests() == 0);
}

TEST_CASE("prsm ask: an unknown model exits 2 naming the configured ones", "[cli]") {
  Fixture f;
  auto run = RunPrsm(f.Args({"ask", "q", "--model", "gpt-17"}), f.dir, {kKeyEnv});
  CHECK(run.exit_code == 2);
  CHECK(Contains(run.err, "unknown model 'gpt-17'"));
  CHECK(Contains(run.err, "fast, broken"));
  CHECK(f.server->total_requests() == 0);
}

TEST_CASE("prsm ask: a failing model exits 1 with the error", "[cli]") {
  Fixture f;
  auto run = RunPrsm(f.Args({"ask", "q", "--model", "broken", "--json"}), f.dir, {kKeyEnv});
  CHECK(run.exit_code == 1);
  CHECK(Contains(run.err, "the fake model is broken"));
  rapidjson::Document doc;
  doc.Parse(run.out.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["error"]["code"].GetString()) == "Unavailable");
  CHECK(doc["error"]["http_status"].GetInt() == 500);
  CHECK(f.server->RequestCount("broken") >= 1);
}

TEST_CASE("prsm: configuration errors exit 2 and name the file", "[cli]") {
  Fixture f;
  auto missing = RunPrsm({"--config", f.dir.File("nope.json"), "models"}, f.dir);
  CHECK(missing.exit_code == 2);
  CHECK(Contains(missing.err, "nope.json"));
  // $PRSM_CONFIG is the fallback of --config.
  auto from_env = RunPrsm({"models"}, f.dir, {"PRSM_CONFIG=" + f.dir.File("gone.json")});
  CHECK(from_env.exit_code == 2);
  CHECK(Contains(from_env.err, "gone.json"));
  CHECK(Contains(from_env.err, "$PRSM_CONFIG"));
  auto via_env = RunPrsm({"models"}, f.dir, {"PRSM_CONFIG=" + f.config});
  CHECK(via_env.exit_code == 0);
  // ask needs the key variable the file names.
  auto no_key = RunPrsm(f.Args({"ask", "q"}), f.dir);
  CHECK(no_key.exit_code == 2);
  CHECK(Contains(no_key.err, "PRSM_CLI_TEST_KEY"));
  WriteFile(f.dir.File("bad.json"), R"({"providers": {}, "models": [], "colour": "blue"})");
  auto bad = RunPrsm({"--config", f.dir.File("bad.json"), "models"}, f.dir);
  CHECK(bad.exit_code == 2);
  CHECK(Contains(bad.err, "bad.json"));
  CHECK(Contains(bad.err, "colour"));
}

TEST_CASE("prsm models lists the models with provider, prices and context window", "[cli]") {
  Fixture f;
  auto run = RunPrsm(f.Args({"models"}), f.dir);  // no key needed
  INFO(run.err);
  CHECK(run.exit_code == 0);
  CHECK(Contains(run.out, "MODEL"));
  CHECK(Contains(run.out, "fast"));
  CHECK(Contains(run.out, "128000"));
  CHECK(Contains(run.out, "2 models from"));
  auto json = RunPrsm(f.Args({"models", "--json"}), f.dir);
  REQUIRE(json.exit_code == 0);
  rapidjson::Document doc;
  doc.Parse(json.out.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  REQUIRE(doc["models"].Size() == 2);
  CHECK(std::string(doc["models"][0]["name"].GetString()) == "fast");
  CHECK(std::string(doc["models"][0]["provider"].GetString()) == "fake");
  CHECK(doc["models"][0]["input_per_mtok"].GetDouble() == 1.0);
  CHECK(doc["models"][0]["output_per_mtok"].GetDouble() == 2.0);
  CHECK(doc["models"][0]["context_window"].GetInt64() == 128000);
}

TEST_CASE("prsm check: one provider up and one down exits 1 and says which", "[cli]") {
  Fixture f;
  WriteFile(f.config, FakeConfig(f.server->port(), {"fast"}, prsm::testing::UnusedLoopbackPort()));
  auto run = RunPrsm(f.Args({"check"}), f.dir, {kKeyEnv});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 1);
  CHECK(Contains(run.out, "ok      fake"));
  CHECK(Contains(run.out, "failed  down"));
  CHECK(Contains(run.out, "1 of 2 providers failed"));
  CHECK(f.server->RequestCount("fast") == 1);  // one probe, no retry
  const auto requests = f.server->recorded_requests();
  REQUIRE_FALSE(requests.empty());
  CHECK(Contains(requests.back().body, "\"max_tokens\":1"));

  auto json = RunPrsm(f.Args({"check", "--json"}), f.dir, {kKeyEnv});
  CHECK(json.exit_code == 1);
  rapidjson::Document doc;
  doc.Parse(json.out.c_str());
  REQUIRE_FALSE(doc.HasParseError());
  CHECK_FALSE(doc["ok"].GetBool());
  REQUIRE(doc["providers"].Size() == 2);
  CHECK(std::string(doc["providers"][0]["status"].GetString()) == "ok");
  CHECK(std::string(doc["providers"][1]["status"].GetString()) == "failed");
  CHECK(std::string(doc["providers"][1]["error"]["code"].GetString()) == "Unavailable");
}

TEST_CASE("prsm check: every provider up exits 0, and an unset key fails without a request",
          "[cli]") {
  Fixture f;
  auto run = RunPrsm(f.Args({"check"}), f.dir, {kKeyEnv});
  INFO(run.out << run.err);
  CHECK(run.exit_code == 0);
  CHECK(Contains(run.out, "ok      fake"));
  const auto sent = f.server->total_requests();
  auto no_key = RunPrsm(f.Args({"check"}), f.dir);
  CHECK(no_key.exit_code == 1);
  CHECK(Contains(no_key.out, "failed  fake"));
  CHECK(Contains(no_key.out, "$PRSM_CLI_TEST_KEY is not set"));
  CHECK(f.server->total_requests() == sent);
}

TEST_CASE("prsm ask: SIGTERM cancels the request and exits 130", "[cli]") {
  Fixture f;
  ModelScript slow = Says("too late");
  slow.latency = std::chrono::minutes(5);  // never answers within the test
  f.server->SetScript("fast", slow);
  prsm_cli_test::PrsmProcess run(f.Args({"ask", "q", "--model", "fast"}), f.dir, {kKeyEnv});
  REQUIRE(prsm::testing::WaitUntil(
      [&] { return f.server->RequestCount("fast") == 1 || !run.running(); },
      std::chrono::seconds(60)));
  REQUIRE(kill(run.pid(), SIGTERM) == 0);
  CHECK(run.Wait() == 130);
  CHECK(run.out().empty());
  CHECK(Contains(run.err(), "prsm ask: interrupted"));
}
