#include "prsm/model.h"

#include <cmath>
#include <limits>
#include <set>

#include <catch2/catch.hpp>

using prsm::ErrorCode;
using prsm::ModelCatalog;
using prsm::ModelSpec;
using prsm::Usage;

namespace {
ModelSpec Spec(std::string name, double in, double out) {
  ModelSpec spec;
  spec.name = std::move(name);
  spec.provider = "p";
  spec.price.input_per_mtok = in;
  spec.price.output_per_mtok = out;
  return spec;
}
}  // namespace

TEST_CASE("cost prices uncached input, cached input, cache writes and output", "[model]") {
  ModelSpec spec = Spec("m", 2.50, 10.00);
  spec.price.cached_input_per_mtok = 1.25;
  spec.price.cache_write_per_mtok = 3.75;
  Usage usage;
  usage.input_tokens = 1'000'000;       // of which:
  usage.cached_input_tokens = 400'000;  //   read from cache
  usage.cache_write_tokens = 100'000;   //   written to cache
  usage.output_tokens = 200'000;        // reasoning tokens are part of output, billed as output
  usage.reasoning_tokens = 150'000;
  // 500k uncached * 2.50 + 400k * 1.25 + 100k * 3.75 + 200k * 10 (per million)
  CHECK(spec.CostUsd(usage) == Approx(1.25 + 0.50 + 0.375 + 2.00));
}

TEST_CASE("unset cache prices fall back to the input price", "[model]") {
  ModelSpec spec = Spec("m", 1.0, 4.0);
  Usage usage;
  usage.input_tokens = 3'000;
  usage.cached_input_tokens = 1'000;
  usage.output_tokens = 500;
  CHECK(spec.CostUsd(usage) == Approx((3'000 * 1.0 + 500 * 4.0) / 1e6));
}

TEST_CASE("inconsistent vendor numbers never make cost negative", "[model]") {
  ModelSpec spec = Spec("m", 1.0, 1.0);
  Usage usage;
  usage.input_tokens = 10;
  usage.cached_input_tokens = 50;  // more cached than total: a vendor bug
  CHECK(spec.CostUsd(usage) >= 0.0);
}

TEST_CASE("ModelSpec::Validate names the bad field", "[model]") {
  ModelSpec spec = Spec("m", 1.0, 1.0);
  CHECK(spec.Validate());

  SECTION("empty name") {
    spec.name.clear();
    CHECK(spec.Validate().error().code() == ErrorCode::kInvalidArgument);
  }
  SECTION("empty provider") {
    spec.provider.clear();
    CHECK(spec.Validate().error().message().find("provider") != std::string::npos);
  }
  SECTION("negative price") {
    spec.price.output_per_mtok = -1;
    CHECK(spec.Validate().error().message().find("output_per_mtok") != std::string::npos);
  }
  SECTION("NaN price") {
    spec.price.input_per_mtok = std::numeric_limits<double>::quiet_NaN();
    CHECK(spec.Validate().error().message().find("input_per_mtok") != std::string::npos);
  }
  SECTION("quality out of range") {
    spec.domain_quality["math"] = 1.5;
    CHECK(spec.Validate().error().message().find("math") != std::string::npos);
  }
}

TEST_CASE("the catalog keeps order and unique names", "[model]") {
  ModelCatalog catalog;
  REQUIRE(catalog.Add(Spec("b", 1, 1)));
  REQUIRE(catalog.Add(Spec("a", 2, 2)));
  CHECK(catalog.Add(Spec("b", 3, 3)).error().code() == ErrorCode::kAlreadyExists);
  CHECK(catalog.Add(Spec("", 3, 3)).error().code() == ErrorCode::kInvalidArgument);
  REQUIRE(catalog.size() == 2);
  CHECK(catalog.models()[0].name == "b");
  CHECK(catalog.Find("a")->price.input_per_mtok == 2);
  CHECK(catalog.Find("zzz") == nullptr);
  REQUIRE(catalog.Upsert(Spec("b", 9, 9)));
  CHECK(catalog.Find("b")->price.input_per_mtok == 9);
  CHECK(catalog.models()[0].name == "b");
}

TEST_CASE("wire model defaults to the name", "[model]") {
  ModelSpec spec = Spec("fast", 1, 1);
  CHECK(spec.wire_model() == "fast");
  spec.provider_model = "gpt-4o-mini-2024-07-18";
  CHECK(spec.wire_model() == "gpt-4o-mini-2024-07-18");
}

TEST_CASE("the built-in catalog is dated, complete and prices every kind of token", "[model]") {
  CHECK(ModelCatalog::BuiltInDate().size() == 10);  // YYYY-MM-DD
  const ModelCatalog catalog = ModelCatalog::BuiltIn();
  CHECK(catalog.size() >= 15);
  std::set<std::string> providers;
  for (const ModelSpec& spec : catalog.models()) {
    INFO(spec.name);
    CHECK(spec.Validate());
    CHECK(spec.price.input_per_mtok > 0);
    CHECK(spec.price.output_per_mtok >= spec.price.input_per_mtok);
    REQUIRE(spec.price.cached_input_per_mtok);
    CHECK(*spec.price.cached_input_per_mtok < spec.price.input_per_mtok);
    CHECK(spec.context_window > 0);
    providers.insert(spec.provider);
  }
  CHECK(providers == std::set<std::string>{"anthropic", "gemini", "openai"});

  // Cached input and cache writes are priced at their own rates, reasoning as output.
  const ModelSpec* sonnet = catalog.Find("claude-sonnet-4-5");
  REQUIRE(sonnet != nullptr);
  Usage usage;
  usage.input_tokens = 1'000'000;  // 600k uncached + 300k read from cache + 100k written
  usage.cached_input_tokens = 300'000;
  usage.cache_write_tokens = 100'000;
  usage.output_tokens = 100'000;
  usage.reasoning_tokens = 40'000;
  CHECK(sonnet->CostUsd(usage) == Approx(0.6 * 3.00 + 0.3 * 0.30 + 0.1 * 3.75 + 0.1 * 15.00));
  const ModelSpec* mini = catalog.Find("gpt-4o-mini");
  REQUIRE(mini != nullptr);
  Usage openai_usage;
  openai_usage.input_tokens = 2'000'000;
  openai_usage.cached_input_tokens = 1'000'000;
  openai_usage.output_tokens = 1'000'000;
  CHECK(mini->CostUsd(openai_usage) == Approx(0.15 + 0.075 + 0.60));
}
