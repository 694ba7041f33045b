// cascade.cpp — cheap models first, a strong one only when the cheap answer is not trusted.
//
// prsm::MakeCascadeRouting plans stages from cheap to dear; every stage but the last must pass
// an acceptance test, and only a rejected answer pays for the next stage. Three tests:
//   1. self-consistency: mixtral-8x7b asked twice; its two answers agree, so the answer stands
//      and gpt-4 is never asked;
//   2. cross-checking: mistral-7b and mixtral-8x7b asked at once; they disagree (no vs yes),
//      so gpt-4 is asked and its answer is taken;
//   3. a verifier: llama-2 answers and claude-3 cross-validates it; not confirmed, so gpt-4.
// Each prints who answered, the calls made and what the whole request cost. (With Feedback()
// the cascade also learns how much agreement to demand: see docs/ROUTING.md.)
//
// The models are simulated by an OpenAI-compatible server named by OPENAI_BASE_URL
// (scripts/demo starts prsm's fake provider, whose simulated models answer the same question
// differently).
//
// Usage: scripts/demo cascade          (or: cascade)
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <prsm/prsm.h>

namespace {

int Fail(const prsm::Error& error) {
  std::fprintf(stderr, "error: %s\n", error.ToString().c_str());
  return 1;
}

// An orchestrator with the cascade and five models, priced from cheap to dear.
prsm::Result<std::unique_ptr<prsm::MultiLLMOrchestrator>> Make(prsm::CascadeOptions cascade) {
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeCascadeRouting(std::move(cascade));
  auto created = prsm::MultiLLMOrchestrator::Create(std::move(options));
  if (!created) return created;
  auto provider = prsm::MakeOpenAIProvider();
  if (!provider) return provider.error();
  if (auto added = (*created)->AddProvider(*provider); !added) return added.error();
  struct Model {
    const char* name;
    double input_price, output_price;
  };
  for (const Model& model :
       {Model{"mistral-7b", 0.1, 0.1}, Model{"mixtral-8x7b", 0.5, 0.5}, Model{"llama-2", 0.2, 0.2},
        Model{"claude-3", 3.0, 15.0}, Model{"gpt-4", 30.0, 60.0}}) {
    prsm::ModelSpec spec;
    spec.name = model.name;
    spec.provider = "openai";
    spec.price.input_per_mtok = model.input_price;
    spec.price.output_per_mtok = model.output_price;
    if (auto added = (*created)->AddModel(spec); !added) return added.error();
  }
  return created;
}

int Run(const char* title, prsm::CascadeOptions cascade) {
  std::printf("%s\n", title);
  auto orchestrator = Make(std::move(cascade));
  if (!orchestrator) return Fail(orchestrator.error());
  prsm::Query query = prsm::Query::FromText(
      "Should a mid-size exporter hedge its EUR receivables for the next two quarters? Start "
      "with yes or no.");
  query.request.max_tokens = 200;
  auto response = (*orchestrator)->ProcessAndWait(std::move(query));
  if (!response) return Fail(response.error());
  std::printf("  answer from %s after %zu calls, $%.6f: %s\n", response->model.c_str(),
              response->attempts.size(), response->cost_usd, response->answer.c_str());
  for (const prsm::Attempt& attempt : response->attempts) {
    std::printf("    stage %zu  %-13s $%.6f  %s\n", attempt.stage, attempt.model.c_str(),
                attempt.cost_usd, attempt.text.substr(0, 50).c_str());
  }
  std::printf("  %s\n\n", response->consensus.explanation.c_str());
  return 0;
}

}  // namespace

int main() {
  if (std::getenv("OPENAI_BASE_URL") == nullptr) {
    // Its model names are the simulated ones; a real OpenAI account has none of them.
    std::printf(
        "cascade needs OPENAI_BASE_URL: run it with scripts/demo, which simulates its models "
        "when OPENAI_BASE_URL is unset\n");
    return 0;
  }
  // The cheap stages compare yes/no answers; the last stage accepts whatever it is given.
  prsm::CascadeOptions base;
  base.accept.answer.kind = prsm::AnswerFormat::Kind::kYesNo;
  base.learn_acceptance = false;  // no feedback in this demo: a plain vote decides

  prsm::CascadeOptions twice = base;
  twice.stages = {{"mixtral-8x7b", "mixtral-8x7b"}, {"gpt-4"}};
  if (int status = Run("1. mixtral-8x7b twice, then gpt-4 if its answers differ", twice)) {
    return status;
  }

  prsm::CascadeOptions pair = base;
  pair.stages = {{"mistral-7b", "mixtral-8x7b"}, {"gpt-4"}};
  if (int status = Run("2. mistral-7b and mixtral-8x7b, then gpt-4 if they disagree", pair)) {
    return status;
  }

  prsm::CascadeOptions verified;
  verified.models = {"llama-2", "gpt-4"};
  verified.samples = 1;
  verified.learn_acceptance = false;
  verified.verifiers = {"claude-3"};
  return Run("3. llama-2 cross-validated by claude-3, then gpt-4 if not confirmed", verified);
}
