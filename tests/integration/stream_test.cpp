// MultiLLMOrchestrator::Stream end to end: events in order, the commit point, first-token and
// idle deadlines, failures before and after the commit, cancellation. Against the fake
// provider over loopback (every protocol it speaks) and in-process providers. Every case runs
// once per executor backend.
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "fake_provider_server.h"
#include "prsm/prsm.h"
#include "test_servers.h"

using namespace std::chrono_literals;
using prsm::ErrorCode;
using prsm::MultiLLMOrchestrator;
using prsm::OrchestratorOptions;
using prsm::Query;
using prsm::Response;
using prsm::Result;
using prsm::StreamEvent;

namespace {

// Collects one stream: its events and its single on_done.
class Collected {
 public:
  prsm::StreamEventCallback OnEvent() {
    return [this](const StreamEvent& event) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (done_calls_ > 0) ++events_after_done_;
      events_.push_back(event);
    };
  }
  prsm::ResponseCallback OnDone() {
    return [this](Result<Response> outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++done_calls_;
      outcome_.emplace(std::move(outcome));
      changed_.notify_all();
    };
  }
  bool Wait(std::chrono::seconds limit = 30s) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return outcome_.has_value(); });
  }
  std::vector<StreamEvent> events() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_;
  }
  const Result<Response>& outcome() {
    std::lock_guard<std::mutex> lock(mutex_);
    return *outcome_;
  }
  int done_calls() {
    std::lock_guard<std::mutex> lock(mutex_);
    return done_calls_;
  }
  int events_after_done() {
    std::lock_guard<std::mutex> lock(mutex_);
    return events_after_done_;
  }
  std::string Text() {
    std::string text;
    for (const StreamEvent& event : events()) {
      if (event.kind == StreamEvent::Kind::kTextDelta) text += event.text;
    }
    return text;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<StreamEvent> events_;
  std::optional<Result<Response>> outcome_;
  int done_calls_ = 0;
  int events_after_done_ = 0;
};

prsm::ModelSpec Model(std::string name, std::string provider) {
  prsm::ModelSpec spec;
  spec.name = std::move(name);
  spec.provider = std::move(provider);
  spec.price.input_per_mtok = 1.0;
  spec.price.output_per_mtok = 2.0;
  return spec;
}

// Answers whole, from the calling thread.
class LocalModel final : public prsm::InProcessProvider {
 public:
  std::string_view id() const noexcept override { return "local"; }
  void Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) override {
    prsm::Completion completion;
    completion.text = "local answer to " + request.messages.back().content;
    completion.finish_reason = prsm::FinishReason::kStop;
    completion.usage.input_tokens = 10;
    completion.usage.output_tokens = 4;
    done(completion);
  }
};

// An HTTP codec that cannot stream (the default NewStreamDecoder).
class PlainOnlyProvider final : public prsm::Provider {
 public:
  std::string_view id() const noexcept override { return "plain-only"; }
  Result<prsm::HttpRequest> BuildRequest(const prsm::CompletionRequest&) const override {
    prsm::HttpRequest request;
    request.url = "http://127.0.0.1:1/never";
    return request;
  }
  Result<prsm::Completion> ParseResponse(const prsm::HttpResponse&) const override {
    return prsm::Error(ErrorCode::kInternal, "never called");
  }
};

}  // namespace

TEST_CASE("an in-process answer streams as one set of events, then on_done", "[stream]") {
  auto created = MultiLLMOrchestrator::Create();
  REQUIRE(created);
  auto& orchestrator = **created;
  REQUIRE(orchestrator.AddProvider(std::make_shared<LocalModel>()));
  REQUIRE(orchestrator.AddModel(Model("local-model", "local")));
  Collected collected;
  orchestrator.Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
  REQUIRE(collected.Wait());
  CHECK(collected.done_calls() == 1);
  CHECK(collected.events_after_done() == 0);
  REQUIRE(collected.outcome());
  CHECK(collected.outcome()->answer == "local answer to hi");
  CHECK(collected.Text() == "local answer to hi");
  const auto events = collected.events();
  REQUIRE(events.size() == 3);
  CHECK(events[0].kind == StreamEvent::Kind::kTextDelta);
  CHECK(events[0].model == "local-model");
  CHECK(events[1].kind == StreamEvent::Kind::kUsage);
  CHECK(events[1].usage.total_tokens() == 14);
  CHECK(events[2].kind == StreamEvent::Kind::kFinish);
  CHECK(collected.outcome()->cost_usd == Approx(18.0 / 1e6));
}

TEST_CASE("a provider that cannot stream fails with kUnimplemented; fallback still streams",
          "[stream]") {
  OrchestratorOptions options;
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
  auto created = MultiLLMOrchestrator::Create(options);
  REQUIRE(created);
  auto& orchestrator = **created;
  REQUIRE(orchestrator.AddProvider(std::make_shared<PlainOnlyProvider>()));
  REQUIRE(orchestrator.AddProvider(std::make_shared<LocalModel>()));
  REQUIRE(orchestrator.AddModel(Model("plain", "plain-only")));
  REQUIRE(orchestrator.AddModel(Model("local-model", "local")));

  SECTION("alone") {
    Query query = Query::FromText("hi");
    query.context.models = {"plain"};
    Collected collected;
    orchestrator.Stream(query, collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE_FALSE(collected.outcome());
    CHECK(collected.outcome().error().code() == ErrorCode::kUnimplemented);
    CHECK(collected.events().empty());
  }
  SECTION("with a fallback") {
    Collected collected;
    orchestrator.Stream(Query::FromText("hi"), collected.OnEvent(), collected.OnDone());
    REQUIRE(collected.Wait());
    REQUIRE(collected.outcome());
    CHECK(collected.outcome()->model == "local-model");
    REQUIRE(collected.outcome()->attempts.size() == 2);
    CHECK(collected.outcome()->attempts[0].error->code() == ErrorCode::kUnimplemented);
  }
}
