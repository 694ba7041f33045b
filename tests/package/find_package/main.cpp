// A host program outside prsm's tree, built against the installed package (find_package and
// pkg-config): it includes only <prsm/prsm.h>, registers an in-process model, asks one question
// through the real orchestrator and checks the accounted answer. Exit status 0 on success.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <prsm/prsm.h>

namespace {

int failures = 0;

void Expect(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "FAILED: %s\n", what);
    ++failures;
  }
}

// The smallest model there is: answers at once, from the calling thread.
class EchoProvider final : public prsm::InProcessProvider {
 public:
  std::string_view id() const noexcept override { return "echo"; }

  void Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) override {
    prsm::Completion completion;
    completion.text =
        "echo: " + (request.messages.empty() ? std::string() : request.messages.back().content);
    completion.finish_reason = prsm::FinishReason::kStop;
    completion.model = request.model;
    completion.usage.input_tokens = 5;
    completion.usage.output_tokens = 3;
    done(std::move(completion));
  }
};

}  // namespace

int main() {
  std::printf("prsm %s\n", PRSM_VERSION_STRING);
#ifdef PRSM_EXPECTED_VERSION
  Expect(std::strcmp(PRSM_VERSION_STRING, PRSM_EXPECTED_VERSION) == 0,
         "PRSM_VERSION_STRING is the packaged version");
#endif
  Expect(prsm::ToString(prsm::ErrorCode::kOk) == "Ok", "ToString(ErrorCode::kOk) is \"Ok\"");

  prsm::Result<std::unique_ptr<prsm::MultiLLMOrchestrator>> created =
      prsm::MultiLLMOrchestrator::Create();
  if (!created) {
    std::fprintf(stderr, "FAILED: Create(): %s\n", created.error().ToString().c_str());
    return 1;
  }
  prsm::MultiLLMOrchestrator& orchestrator = **created;

  std::shared_ptr<prsm::InProcessProvider> provider = std::make_shared<EchoProvider>();
  prsm::Result<void> added = orchestrator.AddProvider(provider);
  if (!added) {
    std::fprintf(stderr, "FAILED: AddProvider(): %s\n", added.error().ToString().c_str());
    return 1;
  }
  prsm::ModelSpec spec;
  spec.name = "echo-1";
  spec.provider = "echo";
  spec.price.input_per_mtok = 1.0;   // USD per million input tokens
  spec.price.output_per_mtok = 2.0;  // USD per million output tokens
  added = orchestrator.AddModel(spec);
  if (!added) {
    std::fprintf(stderr, "FAILED: AddModel(): %s\n", added.error().ToString().c_str());
    return 1;
  }

  prsm::Result<prsm::Response> response =
      orchestrator.ProcessAndWait(prsm::Query::FromText("ping"));
  if (!response) {
    std::fprintf(stderr, "FAILED: ProcessAndWait(): %s\n", response.error().ToString().c_str());
    return 1;
  }
  std::printf("answer: %s (model %s, %.8f USD)\n", response->answer.c_str(),
              response->model.c_str(), response->cost_usd);
  Expect(response->answer == "echo: ping", "the answer is the provider's");
  Expect(response->model == "echo-1", "the answer names the registered model");
  Expect(response->attempts.size() == 1, "one attempt was made");
  Expect(response->usage.input_tokens == 5 && response->usage.output_tokens == 3,
         "the usage is the provider's");
  // 5 input tokens at $1/M + 3 output tokens at $2/M = $0.000011.
  Expect(std::fabs(response->cost_usd - 11e-6) < 1e-12, "the cost is priced at the model's rates");

  return failures == 0 ? 0 : 1;
}
