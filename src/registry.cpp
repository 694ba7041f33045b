#include "registry.h"

#include <fmt/format.h>

namespace prsm::internal {

Result<void> Registry::AddProvider(std::string_view id, ProviderEntry entry) {
  if (id.empty()) return Error(ErrorCode::kInvalidArgument, "provider id is empty");
  std::lock_guard<std::mutex> lock(mutex_);
  if (current_->providers.count(std::string(id)) > 0) {
    return Error(ErrorCode::kAlreadyExists,
                 fmt::format("a provider with id '{}' is already registered", id))
        .WithProvider(std::string(id));
  }
  auto next = std::make_shared<RegistrySnapshot>(*current_);
  next->providers.emplace(std::string(id), std::move(entry));
  current_ = std::move(next);
  return {};
}

Result<void> Registry::AddModel(ModelSpec spec) {
  if (auto valid = spec.Validate(); !valid) return valid;
  std::lock_guard<std::mutex> lock(mutex_);
  if (current_->providers.count(spec.provider) == 0) {
    return Error(ErrorCode::kNotFound,
                 fmt::format("model '{}' names provider '{}', which is not registered; call "
                             "AddProvider() first",
                             spec.name, spec.provider))
        .WithModel(spec.name)
        .WithProvider(spec.provider);
  }
  auto next = std::make_shared<RegistrySnapshot>(*current_);
  if (auto added = next->models.Add(std::move(spec)); !added) return added;
  current_ = std::move(next);
  return {};
}

}  // namespace prsm::internal
