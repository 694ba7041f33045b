// A host program that embeds prsm's source tree (add_subdirectory): it registers an in-process
// model, submits one question with a callback and checks the callback contract and the answer.
// Exit status 0 on success.
#include <cstdio>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
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

// Answers at once, from the calling thread.
class UpperProvider final : public prsm::InProcessProvider {
 public:
  std::string_view id() const noexcept override { return "upper"; }

  void Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) override {
    prsm::Completion completion;
    for (char c : request.messages.empty() ? std::string() : request.messages.back().content) {
      completion.text += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    completion.finish_reason = prsm::FinishReason::kStop;
    completion.usage.input_tokens = 2;
    completion.usage.output_tokens = 1;
    done(std::move(completion));
  }
};

}  // namespace

int main() {
  std::printf("prsm %s\n", PRSM_VERSION_STRING);
#ifdef PRSM_EXPECTED_VERSION
  Expect(std::strcmp(PRSM_VERSION_STRING, PRSM_EXPECTED_VERSION) == 0,
         "PRSM_VERSION_STRING is the source tree's version");
#endif

  auto created = prsm::MultiLLMOrchestrator::Create();
  if (!created) {
    std::fprintf(stderr, "FAILED: Create(): %s\n", created.error().ToString().c_str());
    return 1;
  }
  std::unique_ptr<prsm::MultiLLMOrchestrator> orchestrator = std::move(*created);
  Expect(orchestrator->AddProvider(std::make_shared<UpperProvider>()).ok(), "AddProvider()");
  prsm::ModelSpec spec;
  spec.name = "upper-1";
  spec.provider = "upper";
  Expect(orchestrator->AddModel(spec).ok(), "AddModel()");

  const std::thread::id main_thread = std::this_thread::get_id();
  std::promise<std::pair<prsm::Result<prsm::Response>, bool>> promise;
  std::future<std::pair<prsm::Result<prsm::Response>, bool>> future = promise.get_future();
  prsm::RequestHandle handle = orchestrator->Submit(
      prsm::Query::FromText("hello"), [&promise, main_thread](prsm::Result<prsm::Response> r) {
        // Callbacks run on the orchestrator's loop thread, never inside Submit().
        promise.set_value({std::move(r), std::this_thread::get_id() != main_thread});
      });
  Expect(handle.id() != 0, "Submit() returns a handle with an id");
  auto [response, on_loop_thread] = future.get();
  Expect(on_loop_thread, "the callback ran on the loop thread");
  Expect(handle.done(), "the handle reports completion");
  if (!response) {
    std::fprintf(stderr, "FAILED: Submit(): %s\n", response.error().ToString().c_str());
    return 1;
  }
  std::printf("answer: %s (model %s)\n", response->answer.c_str(), response->model.c_str());
  Expect(response->answer == "HELLO", "the answer is the provider's");
  Expect(response->model == "upper-1", "the answer names the registered model");
  Expect(response->request_id == handle.id(), "the response carries the handle's id");

  orchestrator.reset();  // joins the loop thread; the handle outlives it harmlessly
  Expect(!handle.Cancel(), "Cancel() after completion returns false");
  return failures == 0 ? 0 : 1;
}
