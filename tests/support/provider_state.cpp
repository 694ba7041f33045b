#include "provider_state.h"

#include <algorithm>
#include <utility>

namespace prsm::testing::fake {

ProviderState::ProviderState(std::size_t max_recorded)
    : max_recorded_(max_recorded), default_script_(std::make_shared<const ModelScript>()) {}

void ProviderState::SetScript(const std::string& model, ModelScript script) {
  auto shared = std::make_shared<const ModelScript>(std::move(script));
  std::lock_guard<std::mutex> lock(mutex_);
  sequences_.erase(model);
  scripts_[model] = std::move(shared);
}

void ProviderState::SetScriptSequence(const std::string& model, std::vector<ModelScript> scripts) {
  Sequence sequence;
  for (ModelScript& script : scripts) {
    sequence.scripts.push_back(std::make_shared<const ModelScript>(std::move(script)));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  scripts_.erase(model);
  if (sequence.scripts.empty()) {
    sequences_.erase(model);
  } else {
    sequences_[model] = std::move(sequence);
  }
}

void ProviderState::ClearScript(const std::string& model) {
  std::lock_guard<std::mutex> lock(mutex_);
  scripts_.erase(model);
  sequences_.erase(model);
}

void ProviderState::SetDefaultScript(ModelScript script) {
  auto shared = std::make_shared<const ModelScript>(std::move(script));
  std::lock_guard<std::mutex> lock(mutex_);
  default_script_ = std::move(shared);
}

std::shared_ptr<const ModelScript> ProviderState::Admit(const std::string& model,
                                                        RecordedRequest record) {
  std::lock_guard<std::mutex> lock(mutex_);
  ++total_;
  if (!model.empty()) ++counts_[model];
  if (max_recorded_ > 0) {
    if (recorded_.size() == max_recorded_) recorded_.pop_front();
    recorded_.push_back(std::move(record));
  }
  if (auto sequence = sequences_.find(model); sequence != sequences_.end()) {
    Sequence& steps = sequence->second;
    const std::size_t k = std::min(steps.next, steps.scripts.size() - 1);
    ++steps.next;
    return steps.scripts[k];
  }
  const auto it = scripts_.find(model);
  return it != scripts_.end() ? it->second : default_script_;
}

std::uint64_t ProviderState::RequestCount(const std::string& model) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = counts_.find(model);
  return it == counts_.end() ? 0 : it->second;
}

std::uint64_t ProviderState::total_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_;
}

std::vector<RecordedRequest> ProviderState::recorded_requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return {recorded_.begin(), recorded_.end()};
}

void ProviderState::ResetCounters() {
  std::lock_guard<std::mutex> lock(mutex_);
  counts_.clear();
  total_ = 0;
  recorded_.clear();
}

}  // namespace prsm::testing::fake
