// prsm batch against the fake provider: 10,000 queries killed with SIGKILL half-way and
// resumed (exactly one line per id, a torn last line repaired), SIGINT (every finished line
// written, exit 130), a second SIGINT (in-flight queries cancelled, none written), input errors.
#include <signal.h>

#include <set>
#include <unordered_set>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <rapidjson/document.h>

#include "cli_test_util.h"
#include "fake_provider_server.h"
#include "test_servers.h"

using prsm::testing::FakeProviderServer;
using prsm::testing::ModelScript;
using prsm::testing::WaitUntil;
using prsm_cli_test::AppendFile;
using prsm_cli_test::CompleteLines;
using prsm_cli_test::FakeConfig;
using prsm_cli_test::kKeyEnv;
using prsm_cli_test::PrsmProcess;
using prsm_cli_test::ReadFile;
using prsm_cli_test::RunPrsm;
using prsm_cli_test::TempDir;
using prsm_cli_test::WriteFile;

namespace {

struct BatchFixture {
  explicit BatchFixture(ModelScript script) {
    std::string error;
    server = FakeProviderServer::Start({}, &error);
    REQUIRE(server != nullptr);
    server->SetDefaultScript(std::move(script));
    config = dir.File("prsm.json");
    WriteFile(config, FakeConfig(server->port(), {"fast", "other"}));
  }
  TempDir dir;
  std::unique_ptr<FakeProviderServer> server;
  std::string config;
};

// n queries; every 1000th has no id (its id is then its line number), every 7th names a model
// and every 5th carries context.
std::vector<std::string> WriteInput(const std::string& path, std::size_t n) {
  std::string text;
  std::vector<std::string> ids;
  for (std::size_t i = 1; i <= n; ++i) {
    std::string id = fmt::format("q{}", i);
    std::string id_member = fmt::format(R"("id": "{}", )", id);
    if (i % 1000 == 0) {
      id = std::to_string(i);  // the line number
      id_member.clear();
    }
    std::string extra;
    if (i % 7 == 0) extra += R"(, "models": ["other"])";
    if (i % 5 == 0) extra += R"(, "context": {"domain": "math", "priority": 1})";
    text += fmt::format(R"({{{}"query": "question {}"{}}})", id_member, i, extra) + "\n";
    ids.push_back(id);
  }
  WriteFile(path, text);
  return ids;
}

// Counts the '\n' in a growing file, reading only what was appended since the last call.
class LineCounter {
 public:
  explicit LineCounter(std::string path) : path_(std::move(path)) {}
  std::size_t Count() {
    const std::string text = ReadFile(path_);
    for (; offset_ < text.size(); ++offset_) {
      if (text[offset_] == '\n') ++lines_;
    }
    return lines_;
  }

 private:
  std::string path_;
  std::size_t offset_ = 0;
  std::size_t lines_ = 0;
};

struct ParsedLine {
  std::string id;
  std::string answer;
  bool error = false;
};

// Every complete line must be a full result; returns them (the test fails on a bad one).
std::vector<ParsedLine> ParseOutput(const std::string& text) {
  std::vector<ParsedLine> parsed;
  for (const std::string& line : CompleteLines(text)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    INFO(line);
    REQUIRE_FALSE(doc.HasParseError());
    REQUIRE(doc.IsObject());
    REQUIRE(doc.HasMember("id"));
    REQUIRE(doc.HasMember("cost_usd"));
    REQUIRE(doc.HasMember("latency_ms"));
    REQUIRE(doc.HasMember("usage"));
    ParsedLine item;
    item.id = doc["id"].GetString();
    item.error = doc.HasMember("error");
    if (doc["answer"].IsString()) item.answer = doc["answer"].GetString();
    parsed.push_back(std::move(item));
  }
  return parsed;
}

}  // namespace

TEST_CASE("prsm batch: 10,000 queries, kill -9 half-way, resume: exactly one line per id",
          "[cli][batch]") {
  ModelScript script;  // no latency: the batch runs as fast as prsm can go
  script.text = "answer from {model}";
  BatchFixture f(script);
  constexpr std::size_t kTotal = 10'000;
  const std::string in = f.dir.File("in.jsonl");
  const std::string out = f.dir.File("out.jsonl");
  const std::vector<std::string> ids = WriteInput(in, kTotal);
  const std::vector<std::string> args = {"--config", f.config,        "batch", in,
                                         out,        "--concurrency", "64"};

  std::size_t at_kill = 0;
  {
    PrsmProcess first(args, f.dir, {kKeyEnv});
    LineCounter counter(out);
    // Polls the output until about half is written (the guard only catches a hang).
    REQUIRE(WaitUntil([&] { return counter.Count() >= kTotal / 2 || !first.running(); },
                      std::chrono::seconds(240)));
    REQUIRE(kill(first.pid(), SIGKILL) == 0);
    CHECK(first.Wait() == 128 + SIGKILL);  // killed, not finished on its own
    at_kill = CompleteLines(ReadFile(out)).size();
  }
  INFO("lines at the kill: " << at_kill);
  REQUIRE(at_kill >= kTotal / 2);
  REQUIRE(at_kill < kTotal);
  const std::vector<ParsedLine> before = ParseOutput(ReadFile(out));
  std::set<std::string> done_before;
  for (const ParsedLine& line : before) CHECK(done_before.insert(line.id).second);

  // A write cut short by a crash leaves a torn last line; simulate one for a query not done.
  std::string torn_id;
  for (const std::string& id : ids) {
    if (done_before.count(id) == 0) {
      torn_id = id;
      break;
    }
  }
  const std::string text_before = ReadFile(out);
  if (!text_before.empty() && text_before.back() != '\n') {
    WARN("the kill itself tore the last line");
  } else {
    AppendFile(out, fmt::format(R"({{"id":"{}","answer":"answer fr)", torn_id));
  }

  auto second = RunPrsm(args, f.dir, {kKeyEnv});
  INFO(second.err);
  CHECK(second.exit_code == 0);
  CHECK(second.err.find("removed a torn last line") != std::string::npos);
  CHECK(second.err.find(fmt::format("resuming: {} of {} queries already in", done_before.size(),
                                    kTotal)) != std::string::npos);

  const std::string final_text = ReadFile(out);
  REQUIRE_FALSE(final_text.empty());
  CHECK(final_text.back() == '\n');
  const std::vector<ParsedLine> after = ParseOutput(final_text);
  CHECK(after.size() == kTotal);
  std::unordered_set<std::string> seen;
  std::size_t duplicates = 0;
  std::size_t errors = 0;
  for (const ParsedLine& line : after) {
    if (!seen.insert(line.id).second) ++duplicates;
    if (line.error) ++errors;
  }
  CHECK(duplicates == 0);
  CHECK(errors == 0);
  std::size_t missing = 0;
  for (const std::string& id : ids) missing += seen.count(id) == 0 ? 1 : 0;
  CHECK(missing == 0);
  // The lines written before the kill are still there, first, untouched.
  for (std::size_t i = 0; i < before.size(); ++i) {
    REQUIRE(after[i].id == before[i].id);
  }
  // Queries that named a model were answered by it.
  for (const ParsedLine& line : after) {
    if (line.id.size() > 1 && line.id[0] == 'q' && std::stoul(line.id.substr(1)) % 7 == 0) {
      REQUIRE(line.answer == "answer from other");
    }
  }
}

TEST_CASE("prsm batch: SIGINT stops submitting, writes what finishes and exits 130",
          "[cli][batch]") {
  ModelScript script;
  script.latency = std::chrono::milliseconds(40);
  BatchFixture f(script);
  constexpr std::size_t kTotal = 400;
  const std::string in = f.dir.File("in.jsonl");
  const std::string out = f.dir.File("out.jsonl");
  WriteInput(in, kTotal);
  const std::vector<std::string> args = {"--config", f.config,        "batch", in,
                                         out,        "--concurrency", "8"};

  PrsmProcess run(args, f.dir, {kKeyEnv});
  LineCounter counter(out);
  REQUIRE(WaitUntil([&] { return counter.Count() >= 40 || !run.running(); },
                    std::chrono::seconds(120)));
  REQUIRE(kill(run.pid(), SIGINT) == 0);
  CHECK(run.Wait() == 130);
  INFO(run.err());
  CHECK(run.err().find("interrupted") != std::string::npos);

  const std::string text = ReadFile(out);
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');  // nothing torn
  const std::vector<ParsedLine> lines = ParseOutput(text);
  CHECK(lines.size() < kTotal);
  // Every query sent to the model was waited for and written: none lost to the interrupt.
  CHECK(lines.size() == f.server->total_requests());

  auto rest = RunPrsm(args, f.dir, {kKeyEnv});
  CHECK(rest.exit_code == 0);
  const std::vector<ParsedLine> all = ParseOutput(ReadFile(out));
  CHECK(all.size() == kTotal);
  std::unordered_set<std::string> ids;
  for (const ParsedLine& line : all) CHECK(ids.insert(line.id).second);
}

TEST_CASE("prsm batch: a second SIGINT cancels the queries in flight, which are not written",
          "[cli][batch]") {
  ModelScript script;
  script.latency = std::chrono::minutes(5);  // never answers within the test
  BatchFixture f(script);
  const std::string in = f.dir.File("in.jsonl");
  const std::string out = f.dir.File("out.jsonl");
  WriteInput(in, 20);
  PrsmProcess run({"--config", f.config, "batch", in, out, "--concurrency", "4"}, f.dir, {kKeyEnv});
  REQUIRE(WaitUntil([&] { return f.server->total_requests() >= 4 || !run.running(); },
                    std::chrono::seconds(60)));
  REQUIRE(kill(run.pid(), SIGINT) == 0);
  // The second signal only after the first was handled (signals do not queue).
  REQUIRE(WaitUntil(
      [&] { return run.err().find("interrupted") != std::string::npos || !run.running(); },
      std::chrono::seconds(60)));
  REQUIRE(kill(run.pid(), SIGINT) == 0);
  CHECK(run.Wait() == 130);
  CHECK(ReadFile(out).empty());
  CHECK(f.server->total_requests() == 4);  // nothing submitted after the first signal
}

TEST_CASE("prsm batch: bad input exits 2 naming the line, before anything is sent",
          "[cli][batch]") {
  BatchFixture f(ModelScript{});
  const std::string in = f.dir.File("in.jsonl");
  WriteFile(in, "{\"query\": \"fine\"}\n{\"query\": \"x\", \"models\": [\"nope\"]}\n");
  auto run =
      RunPrsm({"--config", f.config, "batch", in, f.dir.File("out.jsonl")}, f.dir, {kKeyEnv});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("in.jsonl:2: unknown model 'nope'") != std::string::npos);
  WriteFile(in, "{\"query\": \"fine\"}\n{\"qury\": \"typo\"}\n");
  run = RunPrsm({"--config", f.config, "batch", in, f.dir.File("out.jsonl")}, f.dir, {kKeyEnv});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("in.jsonl:2: unknown key \"qury\"") != std::string::npos);
  run = RunPrsm({"--config", f.config, "batch", in}, f.dir, {kKeyEnv});
  CHECK(run.exit_code == 2);
  CHECK(run.err.find("expected IN.jsonl and OUT.jsonl") != std::string::npos);
  CHECK(f.server->total_requests() == 0);
}

TEST_CASE("prsm batch: failed queries get a line with the error and exit 1", "[cli][batch]") {
  ModelScript script;
  script.status = 400;  // final: not retried
  script.error_message = "bad request, scripted";
  BatchFixture f(script);
  const std::string in = f.dir.File("in.jsonl");
  const std::string out = f.dir.File("out.jsonl");
  WriteInput(in, 3);
  auto run = RunPrsm({"--config", f.config, "batch", in, out}, f.dir, {kKeyEnv});
  CHECK(run.exit_code == 1);
  const std::vector<ParsedLine> lines = ParseOutput(ReadFile(out));
  REQUIRE(lines.size() == 3);
  for (const ParsedLine& line : lines) CHECK(line.error);
  CHECK(ReadFile(out).find("\"code\":\"InvalidArgument\"") != std::string::npos);
  // Resuming skips them (they have their line) and still reports the failure.
  auto again = RunPrsm({"--config", f.config, "batch", in, out}, f.dir, {kKeyEnv});
  CHECK(again.exit_code == 1);
  CHECK(CompleteLines(ReadFile(out)).size() == 3);
}
