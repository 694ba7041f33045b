#include "routing_test_util.h"

#include <catch2/catch.hpp>

namespace prsm::test {

Result<RoutePlan> PlanFor(RoutingStrategy& strategy, const ModelCatalog& catalog,
                          const Query& query, const std::map<std::string, ModelStats>& stats) {
  const QueryFeatures features = AnalyzeQuery(query);
  return strategy.Plan(query, RoutingContext{catalog, stats, features});
}

std::string Replaced(const std::string& text, const std::string& from, const std::string& to) {
  std::string copy = text;
  const auto at = copy.find(from);
  REQUIRE(at != std::string::npos);
  return copy.replace(at, from.size(), to);
}

Error CheckLoadRefused(RoutingStrategy& strategy, const std::string& state,
                       const std::string& saved) {
  auto loaded = strategy.LoadState(state);
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code() == ErrorCode::kInvalidArgument);
  CHECK(*strategy.SaveState() == saved);
  return loaded.error();
}

}  // namespace prsm::test
