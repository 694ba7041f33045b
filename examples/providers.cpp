// providers.cpp — one question, four vendors: OpenAI, Anthropic, Google Gemini and Ollama,
// asked at once through one orchestrator, each answer accounted in the same terms.
//
// Each vendor is configured from its usual environment variables: OPENAI_API_KEY /
// OPENAI_BASE_URL, ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL, GEMINI_API_KEY / GEMINI_BASE_URL,
// OLLAMA_HOST. A vendor that cannot be configured (no key for its public API) is skipped with a
// note. scripts/demo points all four at prsm's fake provider, which speaks every protocol.
//
// Usage: providers ["your question"]
#include <cstdio>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include <prsm/prsm.h>

namespace {

struct Vendor {
  const char* label;
  const char* model;  // a model of the built-in catalog (prices), or a local one
  prsm::Result<std::shared_ptr<const prsm::Provider>> provider;
};

}  // namespace

int main(int argc, char** argv) {
  auto created = prsm::MultiLLMOrchestrator::Create();
  if (!created) {
    std::fprintf(stderr, "error: %s\n", created.error().ToString().c_str());
    return 1;
  }
  prsm::MultiLLMOrchestrator& orchestrator = **created;

  std::vector<Vendor> vendors;
  vendors.push_back({"OpenAI", "gpt-4o-mini", prsm::MakeOpenAIProvider()});
  vendors.push_back({"Anthropic", "claude-haiku-4-5", prsm::MakeAnthropicProvider()});
  vendors.push_back({"Gemini", "gemini-2.5-flash", prsm::MakeGeminiProvider()});
  vendors.push_back({"Ollama", "llama3.2", prsm::MakeOllamaProvider()});

  const prsm::ModelCatalog known = prsm::ModelCatalog::BuiltIn();
  std::vector<const Vendor*> ready;
  for (const Vendor& vendor : vendors) {
    if (!vendor.provider) {
      std::printf("%-10s skipped: %s\n", vendor.label, vendor.provider.error().message().c_str());
      continue;
    }
    prsm::ModelSpec spec = known.Find(vendor.model) != nullptr ? *known.Find(vendor.model)
                                                               : prsm::ModelSpec{};  // local: free
    spec.name = vendor.model;
    spec.provider = std::string((*vendor.provider)->id());
    if (!orchestrator.AddProvider(*vendor.provider) || !orchestrator.AddModel(spec)) {
      std::printf("%-10s skipped: could not register\n", vendor.label);
      continue;
    }
    ready.push_back(&vendor);
  }
  if (ready.empty()) {
    std::fprintf(stderr, "error: no vendor is configured\n");
    return 1;
  }

  const std::string question =
      argc > 1 ? argv[1] : "Name one advantage of asking several language models. One sentence.";
  std::printf("Q: %s\n\n", question.c_str());

  // All vendors at once: one query per model, each restricted to that model.
  std::vector<std::future<prsm::Result<prsm::Response>>> answers;
  for (const Vendor* vendor : ready) {
    prsm::Query query = prsm::Query::FromText(question);
    query.request.max_tokens = 120;
    query.context.models = {vendor->model};
    answers.push_back(orchestrator.Process(std::move(query)));
  }

  int failures = 0;
  for (std::size_t i = 0; i < ready.size(); ++i) {
    prsm::Result<prsm::Response> answer = answers[i].get();
    if (!answer) {
      ++failures;
      std::printf("%-10s %-18s error: %s\n\n", ready[i]->label, ready[i]->model,
                  answer.error().ToString().c_str());
      continue;
    }
    std::printf("%-10s %-18s %6.0f ms  in %4lld  out %4lld  %.6f$\n  %s\n\n", ready[i]->label,
                answer->model.c_str(), static_cast<double>(answer->latency.count()) / 1000.0,
                static_cast<long long>(answer->usage.input_tokens),
                static_cast<long long>(answer->usage.output_tokens), answer->cost_usd,
                answer->answer.c_str());
  }
  return failures == 0 ? 0 : 1;
}
