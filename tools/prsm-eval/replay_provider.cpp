// Replays recorded outcomes; see replay_provider.h.
#include "replay_provider.h"

#include <charconv>
#include <utility>

#include <fmt/format.h>

namespace prsm_eval {

void ReplayProvider::SetRecord(const Record* record) {
  std::lock_guard<std::mutex> lock(mutex_);
  record_ = record;
  calls_per_model_.assign(dataset_.models.size(), 0);
  served_.clear();
}

std::vector<ServedCall> ReplayProvider::Served() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return served_;
}

void ReplayProvider::Call(const prsm::CompletionRequest& request, prsm::CompletionCallback done) {
  prsm::Result<prsm::Completion> result =
      prsm::Error(prsm::ErrorCode::kUnavailable, "replay: no record selected");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const int model = dataset_.ModelIndex(request.model);
    if (record_ == nullptr) {
      // keep the error above
    } else if (model < 0) {
      result = prsm::Error(prsm::ErrorCode::kNotFound,
                           fmt::format("replay: unknown model '{}'", request.model));
    } else if (!record_->outcomes[static_cast<std::size_t>(model)]) {
      result = prsm::Error(prsm::ErrorCode::kUnavailable,
                           fmt::format("replay: no recorded outcome of '{}' for query '{}'",
                                       request.model, record_->id));
    } else {
      const Outcome& outcome = *record_->outcomes[static_cast<std::size_t>(model)];
      const int call = calls_per_model_[static_cast<std::size_t>(model)]++;
      ServedCall served{model, 0, outcome.cost_usd.value_or(0.0), outcome.score};
      prsm::Completion completion;
      completion.finish_reason = prsm::FinishReason::kStop;
      completion.raw_finish_reason = "stop";
      completion.model = request.model;
      if (call >= 1 && static_cast<std::size_t>(call) < outcome.samples.size()) {
        const Sample& sample = outcome.samples[static_cast<std::size_t>(call)];
        served.sample = call;
        served.cost_usd = sample.cost_usd.value_or(0.0);
        served.score = sample.score;
        completion.text = sample.answer.value_or("");
        completion.usage.input_tokens = sample.input_tokens.value_or(0);
        completion.usage.output_tokens = sample.output_tokens.value_or(0);
      } else {
        completion.text = outcome.response ? *outcome.response : outcome.answer.value_or("");
        completion.usage.input_tokens = outcome.input_tokens.value_or(0);
        completion.usage.output_tokens = outcome.output_tokens.value_or(0);
        completion.usage.reasoning_tokens = outcome.thinking_tokens.value_or(0);
      }
      completion.id = fmt::format("replay:{}:{}", served.model, served.sample);
      served_.push_back(served);
      result = std::move(completion);
    }
  }
  done(std::move(result));
}

std::optional<ServedCall> ReplayProvider::FromCompletionId(std::string_view completion_id) const {
  constexpr std::string_view kPrefix = "replay:";
  if (completion_id.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  completion_id.remove_prefix(kPrefix.size());
  const std::size_t colon = completion_id.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int model = -1;
  int sample = -1;
  const std::string_view model_text = completion_id.substr(0, colon);
  const std::string_view sample_text = completion_id.substr(colon + 1);
  if (std::from_chars(model_text.data(), model_text.data() + model_text.size(), model).ec !=
          std::errc() ||
      std::from_chars(sample_text.data(), sample_text.data() + sample_text.size(), sample).ec !=
          std::errc()) {
    return std::nullopt;
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (record_ == nullptr || model < 0 ||
      static_cast<std::size_t>(model) >= dataset_.models.size()) {
    return std::nullopt;
  }
  const auto& outcome = record_->outcomes[static_cast<std::size_t>(model)];
  if (!outcome) return std::nullopt;
  if (sample == 0) return ServedCall{model, 0, outcome->cost_usd.value_or(0.0), outcome->score};
  if (sample < 0 || static_cast<std::size_t>(sample) >= outcome->samples.size())
    return std::nullopt;
  const Sample& s = outcome->samples[static_cast<std::size_t>(sample)];
  return ServedCall{model, sample, s.cost_usd.value_or(0.0), s.score};
}

}  // namespace prsm_eval
