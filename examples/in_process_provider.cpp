// in_process_provider.cpp — a model that is a function, not an HTTP server.
//
// A prsm::InProcessProvider plugs anything callable into the orchestrator: a local model, a
// rules engine, a cache of approved answers, a test double. Here it is the company's FAQ: a
// function that answers the questions it knows, at no cost, and fails (kNotFound) on the
// others, so that single-model routing with fallback sends those to gpt-4 over HTTP. The
// orchestrator accounts for the function like any model: latency, tokens and cost at the
// model's prices (zero here), in the same Response.
//
// The function runs on the orchestrator's loop thread and must not block: a lookup answers at
// once (calling `done` inside Call() is allowed); slow work belongs on a thread of your own,
// which calls `done` when it is finished.
//
// The fallback model is served by an OpenAI-compatible server named by OPENAI_BASE_URL
// (scripts/demo starts prsm's fake provider, which simulates gpt-4).
//
// Usage: scripts/demo in_process_provider          (or: in_process_provider)
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include <prsm/prsm.h>

namespace {

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

// Whitespace-separated words: the token count the FAQ reports, so its answers are accounted.
std::int64_t Words(std::string_view text) {
  std::int64_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ' || c == '\n' || c == '\t';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

// The approved answers to frequent questions. Immutable after construction, so concurrent
// calls need no lock.
class FaqProvider final : public prsm::InProcessProvider {
 public:
  std::string_view id() const noexcept override { return "faq"; }

  void Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) override {
    const std::string& question = request.messages.back().content;
    const auto known = kAnswers.find(question);
    if (known == kAnswers.end()) {
      done(prsm::Error(prsm::ErrorCode::kNotFound, "not a frequent question"));
      return;
    }
    prsm::Completion completion;
    completion.text = known->second;
    completion.finish_reason = prsm::FinishReason::kStop;
    completion.usage.input_tokens = Words(question);
    completion.usage.output_tokens = Words(completion.text);
    done(std::move(completion));
  }

 private:
  const std::map<std::string, std::string> kAnswers = {
      {"What is our EUR hedging policy?",
       "Treasury hedges 60% of confirmed EUR receivables with three-month forwards."},
      {"Who approves a hedge above EUR 5 million?", "The CFO, within two business days."},
  };
};

}  // namespace

int main() {
  if (std::getenv("OPENAI_BASE_URL") == nullptr) {
    std::printf(
        "in_process_provider needs OPENAI_BASE_URL for its fallback model: run it with "
        "scripts/demo, which simulates it when OPENAI_BASE_URL is unset\n");
    return 0;
  }
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);  // the FAQ, then gpt-4
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  if (!created) return Fail(created.error());
  prsm::MultiLLMOrchestrator& orchestrator = **created;

  // The function first: single-model routing asks the first registered model.
  if (auto added = orchestrator.AddProvider(std::make_shared<FaqProvider>()); !added) {
    return Fail(added.error());
  }
  prsm::ModelSpec faq;
  faq.name = "faq";
  faq.provider = "faq";  // free: the price stays 0
  if (auto added = orchestrator.AddModel(faq); !added) return Fail(added.error());

  auto openai = prsm::MakeOpenAIProvider();
  if (!openai) return Fail(openai.error());
  if (auto added = orchestrator.AddProvider(*openai); !added) return Fail(added.error());
  prsm::ModelSpec gpt4;
  gpt4.name = "gpt-4";
  gpt4.provider = "openai";
  gpt4.price.input_per_mtok = 30.0;
  gpt4.price.output_per_mtok = 60.0;
  if (auto added = orchestrator.AddModel(gpt4); !added) return Fail(added.error());

  for (const char* question :
       {"What is our EUR hedging policy?",
        "Should a mid-size exporter hedge its EUR receivables for the next two quarters?"}) {
    auto response = orchestrator.ProcessAndWait(prsm::Query::FromText(question));
    if (!response) return Fail(response.error());
    std::printf("Q: %s\nA (from %s, $%.6f, %zu call(s)): %s\n", question, response->model.c_str(),
                response->cost_usd, response->attempts.size(), response->answer.c_str());
    for (const prsm::Attempt& attempt : response->attempts) {
      std::printf("   %-6s %-9s %lld tokens  %s\n", attempt.model.c_str(),
                  std::string(prsm::ToString(attempt.outcome)).c_str(),
                  static_cast<long long>(attempt.usage.total_tokens()),
                  attempt.error ? attempt.error->ToString().c_str() : "");
    }
    std::printf("\n");
  }
  return 0;
}
