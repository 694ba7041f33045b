// consensus_escalation.cpp — three models vote; when they do not agree enough, a human decides.
//
// The seed's `consensus_threshold`: prsm::MakeMajorityVoteRule accepts the leading answer only
// when its share of the votes reaches the threshold. Here gpt-4 and mixtral-8x7b say yes and
// mistral-7b says no (answers compared as yes/no), so the leading answer has 2/3 of the votes:
//   1. at a threshold of 0.6 the vote accepts "yes" with no one else involved;
//   2. at 0.8 it rejects, and the request goes to the orchestrator's EscalationHandler: a
//      person on call sees the candidates and the rule's reason, and replies (from another
//      thread, later) with the answer the host receives, accounted as from the model "human".
//      The vote decides early: once mistral-7b's no and mixtral-8x7b's yes are in, 0.8 is out
//      of reach whatever gpt-4 says, so gpt-4 is cancelled and the human sees two answers.
// Without an EscalationHandler such a request fails with kNoConsensus.
//
// The models are simulated by an OpenAI-compatible server named by OPENAI_BASE_URL
// (scripts/demo starts prsm's fake provider).
//
// Usage: scripts/demo consensus_escalation          (or: consensus_escalation)
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <prsm/prsm.h>

namespace {

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

// A person on call. Escalate() runs on the loop thread and must not block, so the "person"
// answers from a thread of its own; the threads are joined when the handler is destroyed
// (after the orchestrator that holds it).
class OnCallAnalyst final : public prsm::EscalationHandler {
 public:
  ~OnCallAnalyst() override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::thread& thread : threads_) thread.join();
  }

  void Escalate(const prsm::Escalation& escalation, prsm::EscalationReply reply) override {
    std::printf("  escalated to a human: %zu answers; %s\n", escalation.candidates.size(),
                escalation.decision.explanation.c_str());
    for (const prsm::Candidate& candidate : escalation.candidates) {
      std::printf("    %-13s %s\n", candidate.model.c_str(),
                  candidate.result ? candidate.result->text.substr(0, 60).c_str() : "(failed)");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    threads_.emplace_back([reply = std::move(reply)] {
      prsm::Completion answer;
      answer.text = "Yes: hedge about 60% with forwards and review monthly. (treasury analyst)";
      reply(std::move(answer));
    });
  }

 private:
  std::mutex mutex_;
  std::vector<std::thread> threads_;
};

int Vote(double threshold) {
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeFanOutRouting(3);  // every model at once
  prsm::VoteOptions vote;
  vote.threshold = threshold;
  vote.answer.kind = prsm::AnswerFormat::Kind::kYesNo;
  options.consensus = prsm::MakeMajorityVoteRule(vote);
  options.escalation = std::make_shared<OnCallAnalyst>();
  auto created = prsm::MultiLLMOrchestrator::Create(std::move(options));
  if (!created) return Fail(created.error());
  prsm::MultiLLMOrchestrator& orchestrator = **created;
  auto provider = prsm::MakeOpenAIProvider();
  if (!provider) return Fail(provider.error());
  if (auto added = orchestrator.AddProvider(*provider); !added) return Fail(added.error());
  for (const char* name : {"gpt-4", "mixtral-8x7b", "mistral-7b"}) {
    prsm::ModelSpec spec;
    spec.name = name;
    spec.provider = "openai";
    if (auto added = orchestrator.AddModel(spec); !added) return Fail(added.error());
  }

  prsm::Query query = prsm::Query::FromText(
      "Should a mid-size exporter hedge its EUR receivables for the next two quarters? Start "
      "with yes or no.");
  query.request.max_tokens = 200;
  auto response = orchestrator.ProcessAndWait(std::move(query));
  if (!response) return Fail(response.error());
  std::printf("  answer from %s: %s\n  %s\n\n", response->model.c_str(), response->answer.c_str(),
              response->consensus.explanation.c_str());
  return 0;
}

}  // namespace

int main() {
  if (std::getenv("OPENAI_BASE_URL") == nullptr) {
    // Its model names are the simulated ones; a real OpenAI account has none of them.
    std::printf(
        "consensus_escalation needs OPENAI_BASE_URL: run it with scripts/demo, which simulates "
        "its models when OPENAI_BASE_URL is unset\n");
    return 0;
  }
  std::printf("1. Majority vote at 0.6 over three models\n");
  if (int status = Vote(0.6)) return status;
  std::printf("2. Majority vote at 0.8: the same answers, escalated to a human\n");
  return Vote(0.8);
}
