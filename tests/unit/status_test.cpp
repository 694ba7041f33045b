#include "prsm/status.h"

#include <memory>
#include <set>
#include <string>

#include <catch2/catch.hpp>

using prsm::BadResultAccess;
using prsm::Error;
using prsm::ErrorCode;
using prsm::Result;

TEST_CASE("every ErrorCode has its own name", "[status]") {
  std::set<std::string_view> names;
  for (int code = 0; code <= static_cast<int>(ErrorCode::kBudgetExceeded); ++code) {
    names.insert(prsm::ToString(static_cast<ErrorCode>(code)));
  }
  CHECK(names.size() == static_cast<std::size_t>(ErrorCode::kBudgetExceeded) + 1);
  CHECK(prsm::ToString(ErrorCode::kUnavailable) == "Unavailable");
  CHECK(prsm::ToString(ErrorCode::kNoConsensus) == "NoConsensus");
}

TEST_CASE("Error carries its context and prints it", "[status]") {
  Error error = Error(ErrorCode::kResourceExhausted, "slow down")
                    .WithProvider("openai")
                    .WithModel("gpt-4o")
                    .WithHttpStatus(429)
                    .WithRetryAfter(std::chrono::milliseconds(1500));
  CHECK(error.code() == ErrorCode::kResourceExhausted);
  CHECK(error.provider() == "openai");
  CHECK(error.model() == "gpt-4o");
  CHECK(error.http_status() == 429);
  CHECK(error.retry_after() == std::chrono::milliseconds(1500));
  CHECK(error.ToString() ==
        "ResourceExhausted: slow down [provider=openai model=gpt-4o http=429 retry_after=1500ms]");
  CHECK(Error(ErrorCode::kInternal, "x").ToString() == "Internal: x");
}

TEST_CASE("Result holds a value or an error", "[status]") {
  Result<int> good = 42;
  REQUIRE(good.has_value());
  CHECK(*good == 42);
  CHECK(good.value() == 42);
  CHECK(good.value_or(7) == 42);

  Result<int> bad = Error(ErrorCode::kNotFound, "nope");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kNotFound);
  CHECK(bad.value_or(7) == 7);
  CHECK_THROWS_AS(bad.value(), BadResultAccess);
  try {
    (void)bad.value();
  } catch (const BadResultAccess& e) {
    CHECK(e.error().message() == "nope");
  }
}

TEST_CASE("Result works with move-only values", "[status]") {
  Result<std::unique_ptr<int>> result = std::make_unique<int>(5);
  std::unique_ptr<int> taken = std::move(result).value();
  CHECK(*taken == 5);
  Result<std::unique_ptr<int>> in_place(std::in_place, new int(9));
  CHECK(**in_place == 9);
}

TEST_CASE("Result<void>", "[status]") {
  Result<void> ok;
  CHECK(ok.has_value());
  CHECK_NOTHROW(ok.value());
  Result<void> failed = Error(ErrorCode::kAlreadyExists, "twice");
  CHECK_FALSE(failed);
  CHECK(failed.error().code() == ErrorCode::kAlreadyExists);
  CHECK_THROWS_AS(failed.value(), BadResultAccess);
}
