#include "prism_harness.h"

#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <string_view>
#include <utility>

#include <catch2/catch.hpp>

#include "child_process.h"
#include "conformance_env.h"
#include "prsm/prsm.h"
#include "recording_provider.h"

namespace prsm::conformance {
namespace {

// Prism's own words in its log, one line per validated request.
constexpr std::string_view kPassedLine = "The request passed the validation rules";
constexpr std::string_view kFailedLine = "Request did not pass the validation rules";

int CountOf(const std::string& text, std::string_view needle) {
  int count = 0;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

PeerOptions PrismOptions(const std::string& name, const std::string& served_spec) {
  PeerOptions options;
  options.name = "prism-" + name;
  options.argv = {NodeBin("prism"), "mock", "-h", "127.0.0.1", "-p", "{port}", served_spec};
  options.ready_line = "Prism is listening on http://127.0.0.1:{port}";
  return options;
}

struct Sent {
  Result<Response> result;
  Exchange exchange;
  std::vector<std::string> log_lines;  ///< What prsm logged meanwhile.
};

Sent Send(const std::shared_ptr<const Provider>& provider, const std::string& wire_model,
          const RequestCase& request_case, std::string body_override = {}) {
  auto recorder = std::make_shared<RecordingProvider>(provider);
  recorder->set_force_stream(request_case.stream);
  recorder->set_body_override(std::move(body_override));
  auto log_lines = std::make_shared<std::vector<std::string>>();
  auto log_mutex = std::make_shared<std::mutex>();
  OrchestratorOptions options;
  options.log_sink = [log_lines, log_mutex](LogLevel, std::string_view line) {
    std::lock_guard<std::mutex> lock(*log_mutex);
    log_lines->emplace_back(line);
  };
  options.attempt_timeout = std::chrono::seconds(30);
  options.request_timeout = std::chrono::seconds(60);
  // One exchange per case: Prism's verdicts are counted against the requests sent, so a
  // retried answer would count twice.
  options.retry.max_retries = 0;
  auto created = MultiLLMOrchestrator::Create(std::move(options));
  if (!created) return {created.error(), {}, {}};
  std::unique_ptr<MultiLLMOrchestrator> orchestrator = std::move(created).value();
  if (auto added = orchestrator->AddProvider(recorder); !added) return {added.error(), {}, {}};
  ModelSpec model;
  model.name = "conformance-model";
  model.provider = std::string(provider->id());
  model.provider_model = wire_model;
  if (auto added = orchestrator->AddModel(model); !added) return {added.error(), {}, {}};
  Query query;
  query.request = request_case.request;
  Result<Response> result = orchestrator->ProcessAndWait(std::move(query));
  orchestrator.reset();  // joins the loop thread: no more log lines
  return {std::move(result), recorder->last(), *log_lines};
}

// Prism cannot stream: a streaming request it validated gets a 500 when the client accepts
// only the streaming media type (NO_COMPLEX_OBJECT_TEXT for text/event-stream, "Cannot find
// serializer" for application/x-ndjson). Validation came first; its log line counts it.
bool ValidatedButNotServable(const Exchange& exchange) {
  return exchange.status == 500 &&
         (exchange.response_body.find("NO_COMPLEX_OBJECT_TEXT") != std::string::npos ||
          exchange.response_body.find("Cannot find serializer for") != std::string::npos);
}

// Whatever prsm reported about this exchange must not contain the key it was given.
void CheckKeyNotLeaked(const Sent& sent) {
  if (!sent.result) CHECK(sent.result.error().ToString().find(kCanaryKey) == std::string::npos);
  for (const std::string& line : sent.log_lines) {
    CHECK(line.find(kCanaryKey) == std::string::npos);
  }
}

}  // namespace

PrismHarness::PrismHarness(const std::string& name, const std::string& served_spec,
                           std::string trimmed_copy)
    : trimmed_copy_{std::move(trimmed_copy)}, server_(PrismOptions(name, served_spec)) {}

PrismHarness::OwnedFile::~OwnedFile() {
  if (!path.empty()) std::remove(path.c_str());
}

PrismHarness* PrismHarness::For(const std::string& spec, const std::vector<std::string>& paths) {
  static std::map<std::string, std::unique_ptr<PrismHarness>> harnesses;
  auto& harness = harnesses[spec];
  if (!harness) {
    std::string name = spec;
    for (char& c : name) {
      if (c == '/' || c == '.') c = '-';
    }
    std::string served = SpecPath(spec);
    const char* full = std::getenv("PRSM_CONFORMANCE_FULL_SPECS");  // "1": never cut
    if (!paths.empty() && !(full != nullptr && std::string_view(full) == "1")) {
      // One file per process: ctest may run two test processes at once.
      served = LogDir() + "/" + name + "-" + std::to_string(getpid()) + ".trimmed.json";
      std::vector<std::string> argv = {"node", ConformanceDir() + "/trim_spec.mjs", SpecPath(spec),
                                       served};
      argv.insert(argv.end(), paths.begin(), paths.end());
      const ProgramRun trim = RunProgram(argv, {}, kScriptLimit);
      if (!trim.succeeded()) {
        FAIL_CHECK("could not cut " << spec << " down: " << trim.Describe());
        return nullptr;
      }
      std::cout << trim.output;
    }
    harness = std::make_unique<PrismHarness>(name, served,
                                             served != SpecPath(spec) ? served : std::string());
  }
  if (!harness->server_.ok()) {
    FAIL_CHECK("Prism could not serve " << spec << ": " << harness->server_.error());
    return nullptr;
  }
  return harness.get();
}

PrismHarness::Tally PrismHarness::CheckAccepted(const std::shared_ptr<const Provider>& provider,
                                                const std::string& wire_model,
                                                const std::vector<RequestCase>& cases) {
  Tally tally;
  for (const RequestCase& request_case : cases) {
    const Sent sent = Send(provider, wire_model, request_case);
    const Exchange& exchange = sent.exchange;
    CheckKeyNotLeaked(sent);
    if (exchange.url.empty() && !sent.result &&
        (sent.result.error().code() == ErrorCode::kInvalidArgument ||
         sent.result.error().code() == ErrorCode::kUnimplemented)) {
      tally.refused.push_back(request_case.name + ": " + sent.result.error().message());
      continue;
    }
    ++tally.sent;
    INFO("case '" << request_case.name << "': prsm sent POST " << exchange.url << "\n"
                  << exchange.request_body);
    if (exchange.status == 0) {
      FAIL_CHECK("no answer from Prism: " << (sent.result ? std::string("?")
                                                          : sent.result.error().ToString()));
      continue;
    }
    const bool validated =
        (exchange.status >= 200 && exchange.status < 300) || ValidatedButNotServable(exchange);
    if (!validated) {
      FAIL_CHECK("Prism rejected it with HTTP " << exchange.status << ": "
                                                << exchange.response_body);
      continue;
    }
    ++tally.accepted;
    if (exchange.status >= 300) continue;  // nothing for prsm to read
    INFO("Prism's answer (" << exchange.response_content_type << "): " << exchange.response_body);
    CHECK(sent.result.has_value());
    if (!sent.result) UNSCOPED_INFO("prsm: " << sent.result.error().ToString());
  }
  return tally;
}

void PrismHarness::CheckRejected(const std::shared_ptr<const Provider>& provider,
                                 const std::string& wire_model) {
  RequestCase bad{"no messages", {}, false};
  bad.request.messages.push_back(Message::User("Hello?"));
  const Sent sent =
      Send(provider, wire_model, bad, R"({"model":")" + wire_model + R"(","max_tokens":16})");
  INFO("negative control '" << bad.name << "': sent " << sent.exchange.request_body
                            << "\nPrism answered HTTP " << sent.exchange.status << ": "
                            << sent.exchange.response_body);
  CHECK(sent.exchange.status == 422);
  CheckKeyNotLeaked(sent);
  REQUIRE_FALSE(sent.result.has_value());
  CHECK(sent.result.error().code() == ErrorCode::kInvalidArgument);
  CHECK(sent.result.error().http_status() == 422);
}

PrismVerdicts PrismHarness::verdicts() const {
  const std::string log = server_.ReadLog();
  return {CountOf(log, kPassedLine), CountOf(log, kFailedLine)};
}

PrismVerdicts PrismHarness::WaitForVerdicts(int passed, int failed) const {
  // Prism logs after it answered, so the last line may trail the response a little.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  PrismVerdicts seen = verdicts();
  while ((seen.passed < passed || seen.failed < failed) &&
         std::chrono::steady_clock::now() < deadline) {
    poll(nullptr, 0, 50);
    seen = verdicts();
  }
  return seen;
}

}  // namespace prsm::conformance
