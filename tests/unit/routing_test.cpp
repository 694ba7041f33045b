#include "prsm/routing.h"

#include <catch2/catch.hpp>

using prsm::ModelCatalog;
using prsm::ModelSpec;
using prsm::Query;
using prsm::RoutingContext;
using prsm::StageTrigger;

namespace {
ModelCatalog Catalog(std::initializer_list<const char*> names) {
  ModelCatalog catalog;
  for (const char* name : names) {
    ModelSpec spec;
    spec.name = name;
    spec.provider = "p";
    REQUIRE(catalog.Add(spec));
  }
  return catalog;
}
const std::map<std::string, prsm::ModelStats> kNoStats;
const prsm::QueryFeatures kFeatures;
}  // namespace

TEST_CASE("single-model routing asks the preferred model only", "[routing]") {
  auto catalog = Catalog({"a", "b", "c"});
  auto strategy = prsm::MakeSingleModelRouting();
  auto plan = strategy->Plan(Query::FromText("hi"), RoutingContext{catalog, kNoStats, kFeatures});
  REQUIRE(plan);
  REQUIRE(plan->stages.size() == 1);
  CHECK(plan->stages[0].models == std::vector<std::string>{"a"});
  CHECK(strategy->name() == "single");
  CHECK_FALSE(plan->explanation.empty());
}

TEST_CASE("single-model routing with fallback chains every model on failure", "[routing]") {
  auto catalog = Catalog({"a", "b", "c"});
  auto plan = prsm::MakeSingleModelRouting(true)->Plan(
      Query::FromText("hi"), RoutingContext{catalog, kNoStats, kFeatures});
  REQUIRE(plan);
  REQUIRE(plan->stages.size() == 3);
  CHECK(plan->stages[1].models == std::vector<std::string>{"b"});
  CHECK(plan->stages[1].trigger == StageTrigger::kOnFailure);
  CHECK(plan->stages[2].models == std::vector<std::string>{"c"});
  CHECK(plan->explanation.find("a -> b -> c") != std::string::npos);
}

TEST_CASE("fan-out routing asks the first n models in one stage", "[routing]") {
  auto catalog = Catalog({"a", "b", "c"});
  const RoutingContext context{catalog, kNoStats, kFeatures};
  auto two = prsm::MakeFanOutRouting(2)->Plan(Query::FromText("hi"), context);
  REQUIRE(two);
  REQUIRE(two->stages.size() == 1);
  CHECK(two->stages[0].models == std::vector<std::string>{"a", "b"});
  CHECK(two->stages[0].stagger.count() == 0);

  auto all = prsm::MakeFanOutRouting()->Plan(Query::FromText("hi"), context);
  CHECK(all->stages[0].models == std::vector<std::string>{"a", "b", "c"});
  auto more = prsm::MakeFanOutRouting(10)->Plan(Query::FromText("hi"), context);
  CHECK(more->stages[0].models.size() == 3);
}
