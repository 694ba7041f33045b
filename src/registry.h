// The providers and models an orchestrator knows, published as immutable snapshots.
//
// Registration (any thread, rare) copies the current snapshot, changes the copy and publishes
// it; a request takes the snapshot current at its start and keeps it, so registering a model
// never races with requests in flight and a request never sees half a registration.
#ifndef PRSM_REGISTRY_H_
#define PRSM_REGISTRY_H_

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "prsm/model.h"
#include "prsm/provider.h"
#include "prsm/status.h"

namespace prsm::internal {

/// One registered provider: exactly one of the two pointers is set.
struct ProviderEntry {
  std::shared_ptr<const Provider> http;
  std::shared_ptr<InProcessProvider> in_process;
};

struct RegistrySnapshot {
  ModelCatalog models;
  std::unordered_map<std::string, ProviderEntry> providers;

  /// The provider serving `spec`; never null for a model of this snapshot.
  const ProviderEntry* ProviderFor(const ModelSpec& spec) const {
    auto it = providers.find(spec.provider);
    return it == providers.end() ? nullptr : &it->second;
  }
};

class Registry {
 public:
  Registry() : current_(std::make_shared<const RegistrySnapshot>()) {}

  /// Thread-safe. Errors: kInvalidArgument, kAlreadyExists.
  Result<void> AddProvider(std::string_view id, ProviderEntry entry);
  /// Thread-safe. Errors: kInvalidArgument, kNotFound (provider), kAlreadyExists.
  Result<void> AddModel(ModelSpec spec);
  /// Thread-safe; the snapshot is immutable and stays valid as long as it is held.
  std::shared_ptr<const RegistrySnapshot> snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return current_;
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const RegistrySnapshot> current_;
};

}  // namespace prsm::internal

#endif  // PRSM_REGISTRY_H_
