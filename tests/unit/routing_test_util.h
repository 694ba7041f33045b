// tests/unit/routing_test_util.h — what the tests of the learning strategies (cascade and
// learned) share: planning a query as the orchestrator would, editing a saved state into a bad
// one, and checking that loading it is refused and leaves the strategy as it was.
//
// Why a module: both tests had copied these helpers. They are Catch2 helpers: a failed REQUIRE
// inside them fails the calling test, so call them only from a running test case's thread.
#ifndef PRSM_TESTS_UNIT_ROUTING_TEST_UTIL_H_
#define PRSM_TESTS_UNIT_ROUTING_TEST_UTIL_H_

#include <map>
#include <string>

#include "prsm/routing.h"

namespace prsm::test {

/// `strategy`'s plan for `query` over `catalog`, with the query's analysed features and
/// `stats` (none by default), as the orchestrator asks for it.
Result<RoutePlan> PlanFor(RoutingStrategy& strategy, const ModelCatalog& catalog,
                          const Query& query, const std::map<std::string, ModelStats>& stats = {});

/// `text` with the first `from` replaced by `to`; fails the test when `from` is not in it.
std::string Replaced(const std::string& text, const std::string& from, const std::string& to);

/// Checks that `strategy` refuses `state` with kInvalidArgument and still saves `saved` (what
/// it saved before the attempt): loading is all or nothing. Returns the refusal.
Error CheckLoadRefused(RoutingStrategy& strategy, const std::string& state,
                       const std::string& saved);

}  // namespace prsm::test

#endif  // PRSM_TESTS_UNIT_ROUTING_TEST_UTIL_H_
