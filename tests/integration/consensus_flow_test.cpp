// What the orchestrator does around routing and consensus, end to end over loopback: per-stage
// acceptance tests, cross-validation by verifier models, escalation to a human, request and
// orchestrator budgets, Feedback() and the routing state. Strategies and rules here are small
// test plug-ins with fixed behaviour, so each case checks the orchestrator's part only.
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <catch2/catch.hpp>

#include "api_test_util.h"
#include "fake_provider_server.h"
#include "prsm/prsm.h"

using namespace std::chrono_literals;
using prsm::Attempt;
using prsm::Candidate;
using prsm::ConsensusRule;
using prsm::Decision;
using prsm::ErrorCode;
using prsm::ModelSpec;
using prsm::MultiLLMOrchestrator;
using prsm::OrchestratorOptions;
using prsm::PlanStage;
using prsm::Query;
using prsm::Response;
using prsm::Result;
using prsm::RoutePlan;
using prsm::StageTrigger;
using prsm::testing::FakeOrchestrator;
using prsm::testing::FakeProviderServer;
using prsm::testing::Model;
using prsm::testing::Models;
using prsm::testing::ModelScript;
using prsm::testing::Says;
using prsm::testing::StartFake;

namespace {

// A strategy that plans what it is told and records what it hears.
class FixedStrategy final : public prsm::RoutingStrategy {
 public:
  explicit FixedStrategy(std::vector<PlanStage> stages) : stages_(std::move(stages)) {}
  std::string_view name() const noexcept override { return "fixed"; }
  Result<RoutePlan> Plan(const Query&, const prsm::RoutingContext&) override {
    RoutePlan plan;
    plan.stages = stages_;
    plan.explanation = "as the test says";
    return plan;
  }
  void Feedback(const Query& query, const Response& response, double score) override {
    std::lock_guard<std::mutex> lock(mutex_);
    feedback_.push_back({query.request.messages.at(0).content, response.request_id, score});
    changed_.notify_all();
  }
  Result<std::string> SaveState() const override { return state_; }
  Result<void> LoadState(std::string_view state) override {
    if (state.rfind("state:", 0) != 0) {
      return prsm::Error(ErrorCode::kInvalidArgument, "not a state of the fixed strategy");
    }
    state_ = std::string(state);
    return {};
  }

  struct Heard {
    std::string prompt;
    std::uint64_t request_id;
    double score;
  };
  std::vector<Heard> WaitForFeedback(std::size_t count) {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, 10s, [&] { return feedback_.size() >= count; });
    return feedback_;
  }

 private:
  std::vector<PlanStage> stages_;
  std::string state_ = "state:empty";
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Heard> feedback_;
};

// Accepts the first successful answer, or rejects everything; remembers what it was shown.
class TestRule final : public ConsensusRule {
 public:
  TestRule(std::string name, bool accepts) : name_(std::move(name)), accepts_(accepts) {}
  std::string_view name() const noexcept override { return name_; }
  bool IsDecided(const std::vector<Candidate>&, std::size_t) const override { return false; }
  Decision Decide(const std::vector<Candidate>& candidates) const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      seen_ = candidates;
    }
    Decision decision;
    decision.explanation = accepts_ ? "the test rule accepts" : "the test rule rejects";
    for (std::size_t i = 0; accepts_ && i < candidates.size(); ++i) {
      if (!candidates[i].result) continue;
      decision.accepted = true;
      decision.chosen = i;
      decision.supporters = {i};
      decision.agreement = 1.0;
      decision.confidence = 1.0;
      break;
    }
    return decision;
  }
  std::vector<Candidate> seen() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return seen_;
  }

 private:
  std::string name_;
  bool accepts_;
  mutable std::mutex mutex_;
  mutable std::vector<Candidate> seen_;
};

PlanStage Stage(std::vector<std::string> models, StageTrigger trigger = StageTrigger::kOnFailure,
                std::shared_ptr<const ConsensusRule> rule = nullptr) {
  PlanStage stage;
  stage.models = std::move(models);
  stage.trigger = trigger;
  stage.rule = std::move(rule);
  return stage;
}

// An orchestrator with the fake server's OpenAI endpoint and the given models, each rated 0.9
// in the math domain.
std::unique_ptr<MultiLLMOrchestrator> Orchestrator(const FakeProviderServer& server,
                                                   const std::vector<std::string>& models,
                                                   OrchestratorOptions options) {
  std::vector<ModelSpec> specs = Models(models);
  for (ModelSpec& spec : specs) spec.domain_quality["math"] = 0.9;
  return FakeOrchestrator(server, specs, std::move(options));
}

OrchestratorOptions WithStrategy(std::vector<PlanStage> stages) {
  OrchestratorOptions options;
  options.routing = std::make_shared<FixedStrategy>(std::move(stages));
  return options;
}

}  // namespace

TEST_CASE("each stage is judged by its own rule", "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("cheap", Says("cheap answer"));
  server->SetScript("strong", Says("strong answer"));
  auto strict = std::make_shared<TestRule>("strict", false);
  auto lenient = std::make_shared<TestRule>("lenient", true);
  auto orchestrator =
      Orchestrator(*server, {"cheap", "strong"},
                   WithStrategy({Stage({"cheap"}, StageTrigger::kOnFailure, strict),
                                 Stage({"strong"}, StageTrigger::kOnRejection, lenient)}));

  Query query = Query::FromText("What is 6 * 7?");
  query.context.attributes["domain"] = "math";
  auto response = orchestrator->ProcessAndWait(query);
  REQUIRE(response);
  CHECK(response->model == "strong");
  CHECK(response->answer == "strong answer");
  CHECK(response->consensus.rule == "lenient");
  REQUIRE(response->attempts.size() == 2);
  CHECK(response->attempts[0].model == "cheap");
  CHECK(response->attempts[0].outcome == Attempt::Outcome::kSucceeded);
  // The rules saw the candidates with the query's domain and the model's prior for it.
  REQUIRE(strict->seen().size() == 1);
  CHECK(strict->seen()[0].model == "cheap");
  CHECK(strict->seen()[0].domain == "math");
  CHECK(strict->seen()[0].prior_quality == Approx(0.9));
  CHECK_FALSE(strict->seen()[0].confidence.has_value());  // no logprobs were asked for
}

TEST_CASE("a stage rule that rejects the last stage fails with its reason", "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("cheap", Says("cheap answer"));
  auto orchestrator =
      Orchestrator(*server, {"cheap"},
                   WithStrategy({Stage({"cheap"}, StageTrigger::kOnFailure,
                                       std::make_shared<TestRule>("strict", false))}));
  auto response = orchestrator->ProcessAndWait(Query::FromText("hi"));
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kNoConsensus);
  CHECK(response.error().message().find("strict") != std::string::npos);
  CHECK(response.error().message().find("the test rule rejects") != std::string::npos);
}

TEST_CASE("verifiers cross-validate an accepted answer", "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("solver", Says("42"));
  server->SetScript("backup", Says("41"));
  PlanStage first = Stage({"solver"});
  first.verifiers = {"checker-a", "checker-b"};
  first.verify_threshold = 0.5;

  SECTION("the verifiers agree: the answer stands") {
    server->SetScript("checker-a", Says("Yes."));
    server->SetScript("checker-b", Says("yes, that is correct"));
    auto orchestrator =
        Orchestrator(*server, {"solver", "checker-a", "checker-b", "backup"},
                     WithStrategy({first, Stage({"backup"}, StageTrigger::kOnRejection)}));
    auto response = orchestrator->ProcessAndWait(Query::FromText("What is 6 * 7?"));
    REQUIRE(response);
    CHECK(response->model == "solver");
    CHECK(response->answer == "42");
    CHECK(response->consensus.explanation.find("2 of 2 verifiers said yes") != std::string::npos);
    REQUIRE(response->attempts.size() == 3);
    CHECK(response->attempts[1].model == "checker-a");
    CHECK(response->attempts[2].model == "checker-b");
    CHECK(response->cost_usd == Approx(3 * (100 * 1.0 + 10 * 2.0) / 1e6));
    // The verifiers saw the question and the proposed answer.
    for (const auto& request : server->recorded_requests()) {
      if (request.model != "checker-a") continue;
      CHECK(request.body.find("What is 6 * 7?") != std::string::npos);
      CHECK(request.body.find("The proposed answer:\\n42") != std::string::npos);
    }
  }
  SECTION("the verifiers disagree: the next stage runs") {
    server->SetScript("checker-a", Says("No"));
    server->SetScript("checker-b", Says("yes"));
    first.verify_threshold = 0.75;
    auto orchestrator =
        Orchestrator(*server, {"solver", "checker-a", "checker-b", "backup"},
                     WithStrategy({first, Stage({"backup"}, StageTrigger::kOnRejection)}));
    auto response = orchestrator->ProcessAndWait(Query::FromText("What is 6 * 7?"));
    REQUIRE(response);
    CHECK(response->model == "backup");
    CHECK(response->attempts.size() == 4);
  }
  SECTION("no verifier gives a verdict: rejected, and said so") {
    server->SetScript("checker-a", Says("Perhaps."));
    ModelScript down;
    down.status = 503;
    server->SetScript("checker-b", down);
    auto orchestrator =
        Orchestrator(*server, {"solver", "checker-a", "checker-b"}, WithStrategy({first}));
    auto response = orchestrator->ProcessAndWait(Query::FromText("What is 6 * 7?"));
    REQUIRE_FALSE(response);
    CHECK(response.error().code() == ErrorCode::kNoConsensus);
    CHECK(response.error().message().find("none of the 2 verifiers") != std::string::npos);
  }
}

namespace {

// Holds escalations; the test answers them from its own thread.
class HumanDesk final : public prsm::EscalationHandler {
 public:
  void Escalate(const prsm::Escalation& escalation, prsm::EscalationReply reply) override {
    std::lock_guard<std::mutex> lock(mutex_);
    escalations_.push_back(escalation);
    replies_.push_back(std::move(reply));
    changed_.notify_all();
  }
  prsm::EscalationReply WaitForOne(prsm::Escalation* seen) {
    std::unique_lock<std::mutex> lock(mutex_);
    REQUIRE(changed_.wait_for(lock, 10s, [&] { return !replies_.empty(); }));
    *seen = escalations_.front();
    return replies_.front();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<prsm::Escalation> escalations_;
  std::vector<prsm::EscalationReply> replies_;
};

}  // namespace

TEST_CASE("disagreement escalates to a human, who answers later", "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("a", Says("yes"));
  server->SetScript("b", Says("no"));
  auto desk = std::make_shared<HumanDesk>();
  OrchestratorOptions options = WithStrategy(
      {Stage({"a", "b"}, StageTrigger::kOnFailure, std::make_shared<TestRule>("strict", false))});
  options.escalation = desk;
  options.request_timeout = 20s;
  auto orchestrator = Orchestrator(*server, {"a", "b"}, options);

  auto future = orchestrator->Process(Query::FromText("Is it safe?"));
  prsm::Escalation seen;
  prsm::EscalationReply reply = desk->WaitForOne(&seen);
  CHECK(seen.query.request.messages.at(0).content == "Is it safe?");
  REQUIRE(seen.candidates.size() == 2);
  CHECK(seen.decision.explanation.find("the test rule rejects") != std::string::npos);
  CHECK(future.wait_for(0s) == std::future_status::timeout);  // it waits for the human

  SECTION("the human answers") {
    prsm::Completion human;
    human.text = "It is safe.";
    std::thread([reply, human] { reply(human); }).join();
  }
  SECTION("the human declines") {
    std::thread([reply] { reply(prsm::Error(ErrorCode::kCancelled, "nobody on duty")); }).join();
  }
  auto response = future.get();
  if (response) {
    CHECK(response->model == "human");
    CHECK(response->answer == "It is safe.");
    CHECK(response->consensus.explanation.find("escalated to a human") != std::string::npos);
    CHECK(response->attempts.size() == 3);
    CHECK(response->attempts.back().cost_usd == 0.0);
  } else {
    CHECK(response.error().code() == ErrorCode::kCancelled);
    CHECK(response.error().message() == "nobody on duty");
  }
  CHECK(orchestrator->stats().escalated == 1);
  // A second reply is ignored, as is one after the request finished.
  reply(prsm::Completion{});
  CHECK(orchestrator->stats().succeeded + orchestrator->stats().failed == 1);
}

TEST_CASE("an escalation nobody answers ends at the request deadline", "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("a", Says("yes"));
  auto desk = std::make_shared<HumanDesk>();
  OrchestratorOptions options = WithStrategy(
      {Stage({"a"}, StageTrigger::kOnFailure, std::make_shared<TestRule>("strict", false))});
  options.escalation = desk;
  auto orchestrator = Orchestrator(*server, {"a"}, options);
  Query query = Query::FromText("Is it safe?");
  query.context.timeout = 300ms;
  auto response = orchestrator->ProcessAndWait(query);
  REQUIRE_FALSE(response);
  CHECK(response.error().code() == ErrorCode::kDeadlineExceeded);
  prsm::Escalation seen;
  prsm::EscalationReply late = desk->WaitForOne(&seen);
  late(prsm::Completion{});  // too late: ignored, no crash
  orchestrator.reset();
  late(prsm::Completion{});  // after the orchestrator is gone: ignored too
}

TEST_CASE("a query's max_cost_usd stops attempts whose worst case does not fit",
          "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("a", Says("one"));
  server->SetScript("b", Says("two"));
  auto orchestrator = Orchestrator(*server, {"a", "b"}, WithStrategy({Stage({"a", "b"})}));
  Query query = Query::FromText("Say something.");
  query.request.max_tokens = 1000;
  const double worst = prsm::WorstCaseCostUsd(Model("a"), query);
  REQUIRE(worst > 0.0);

  SECTION("room for one of the two attempts") {
    query.context.max_cost_usd = worst * 1.5;
    auto response = orchestrator->ProcessAndWait(query);
    REQUIRE(response);
    CHECK(response->model == "a");
    REQUIRE(response->attempts.size() == 2);
    REQUIRE(response->attempts[1].error);
    CHECK(response->attempts[1].error->code() == ErrorCode::kBudgetExceeded);
    CHECK(server->RequestCount("b") == 0);  // never sent
    CHECK(orchestrator->stats().budget_refusals == 1);
  }
  SECTION("no room at all") {
    query.context.max_cost_usd = worst / 2;
    auto response = orchestrator->ProcessAndWait(query);
    REQUIRE_FALSE(response);
    CHECK(response.error().code() == ErrorCode::kBudgetExceeded);
    CHECK(response.error().message().find("max_cost_usd") != std::string::npos);
    CHECK(server->RequestCount("a") + server->RequestCount("b") == 0);
  }
}

TEST_CASE("the orchestrator's budget holds across requests and settles at the real cost",
          "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("a", Says("one"));
  Query query = Query::FromText("Say something.");
  query.request.max_tokens = 1000;
  const double worst = prsm::WorstCaseCostUsd(Model("a"), query);
  const double real = (100 * 1.0 + 10 * 2.0) / 1e6;
  REQUIRE(real < worst);
  OrchestratorOptions options = WithStrategy({Stage({"a"})});
  // Room for the worst case once, plus two real costs: after two answers settle at their real
  // cost, a third fits no more.
  options.budget.usd = worst + 1.5 * real;
  options.budget.window = std::chrono::hours(1);
  auto orchestrator = Orchestrator(*server, {"a"}, options);

  REQUIRE(orchestrator->ProcessAndWait(query));
  REQUIRE(orchestrator->ProcessAndWait(query));
  auto third = orchestrator->ProcessAndWait(query);
  REQUIRE_FALSE(third);
  CHECK(third.error().code() == ErrorCode::kBudgetExceeded);
  CHECK(third.error().message().find("OrchestratorOptions::budget") != std::string::npos);
  const auto stats = orchestrator->stats();
  CHECK(stats.budget_refusals == 1);
  CHECK(stats.budget_window_spent_usd == Approx(2 * real));
  CHECK(stats.cost_usd == Approx(2 * real));
  REQUIRE(stats.by_model.count("a") == 1);
  CHECK(stats.by_model.at("a").attempts == 3);
  CHECK(stats.by_model.at("a").succeeded == 2);
  CHECK(stats.by_model.at("a").failed == 1);
  CHECK(stats.by_model.at("a").usage.input_tokens == 200);
  CHECK(stats.by_model.at("a").cost_usd == Approx(2 * real));
}

TEST_CASE("bad budgets are refused at creation", "[consensus-flow]") {
  OrchestratorOptions options;
  options.budget.usd = -1.0;
  CHECK(MultiLLMOrchestrator::Create(options).error().code() == ErrorCode::kInvalidArgument);
  options.budget.usd = 1.0;
  options.budget.window = std::chrono::seconds(0);
  CHECK(MultiLLMOrchestrator::Create(options).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("Feedback reaches the strategy with the query and response it routed",
          "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("a", Says("one"));
  auto strategy = std::make_shared<FixedStrategy>(std::vector<PlanStage>{Stage({"a"})});
  OrchestratorOptions options;
  options.routing = strategy;
  options.feedback_window = 2;
  auto orchestrator = Orchestrator(*server, {"a"}, options);

  std::vector<std::uint64_t> ids;
  for (const char* prompt : {"first", "second", "third"}) {
    auto response = orchestrator->ProcessAndWait(Query::FromText(prompt));
    REQUIRE(response);
    ids.push_back(response->request_id);
  }
  CHECK(orchestrator->Feedback(ids[2], 0.25));
  CHECK(orchestrator->Feedback(ids[1], 1.0));
  auto heard = strategy->WaitForFeedback(2);
  REQUIRE(heard.size() == 2);
  CHECK(heard[0].prompt == "third");
  CHECK(heard[0].request_id == ids[2]);
  CHECK(heard[0].score == 0.25);
  CHECK(heard[1].prompt == "second");

  // The oldest fell out of the window of two; bad scores and unknown ids are refused.
  CHECK(orchestrator->Feedback(ids[0], 1.0).error().code() == ErrorCode::kNotFound);
  CHECK(orchestrator->Feedback(ids[1], 1.5).error().code() == ErrorCode::kInvalidArgument);
  CHECK(orchestrator->Feedback(ids[1], -0.1).error().code() == ErrorCode::kInvalidArgument);
  CHECK(orchestrator->Feedback(ids[1], std::nan("")).error().code() == ErrorCode::kInvalidArgument);
  CHECK(orchestrator->Feedback(987654, 1.0).error().code() == ErrorCode::kNotFound);
}

TEST_CASE("routing state is saved and loaded on the loop", "[consensus-flow]") {
  auto server = StartFake();
  server->SetScript("a", Says("one"));
  auto orchestrator = Orchestrator(*server, {"a"}, WithStrategy({Stage({"a"})}));
  CHECK(*orchestrator->SaveRoutingState() == "state:empty");
  REQUIRE(orchestrator->LoadRoutingState("state:learned"));
  CHECK(*orchestrator->SaveRoutingState() == "state:learned");
  auto refused = orchestrator->LoadRoutingState("garbage");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  CHECK(*orchestrator->SaveRoutingState() == "state:learned");

  // From a callback it would deadlock: refused instead.
  std::promise<ErrorCode> from_callback;
  orchestrator->Submit(Query::FromText("hi"), [&](Result<Response>) {
    from_callback.set_value(orchestrator->SaveRoutingState().error().code());
  });
  CHECK(from_callback.get_future().get() == ErrorCode::kFailedPrecondition);

  // A strategy that learns nothing has nothing to save.
  auto plain = Orchestrator(*server, {"a"}, OrchestratorOptions{});
  CHECK(plain->SaveRoutingState().error().code() == ErrorCode::kUnimplemented);
}
