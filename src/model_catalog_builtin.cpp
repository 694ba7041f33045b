// The built-in, dated table of well-known models and their list prices (ModelCatalog::BuiltIn).
//
// Prices in USD per million tokens, from the vendors' public pricing pages on kDate. Where a
// vendor prices by prompt size (Gemini 2.5 Pro above 200k tokens), the table has the smaller
// tier. Anthropic's cache write is the 5-minute one. Reasoning ("thinking") tokens are billed as
// output by every vendor, which ModelSpec::CostUsd does; Gemini's cached input is the
// context-caching read price.
#include <string_view>

#include "prsm/model.h"

namespace prsm {
namespace {

constexpr std::string_view kDate = "2025-10-15";

struct Row {
  const char* name;
  const char* provider;
  double input;
  double cached_input;
  double cache_write;  // < 0: the vendor has no separate price for it
  double output;
  std::int64_t context_window;
  std::int64_t max_output_tokens;
};

constexpr Row kRows[] = {
    // OpenAI: cached input is the automatic prompt cache's price; no cache-write charge.
    {"gpt-5", "openai", 1.25, 0.125, -1, 10.00, 400'000, 128'000},
    {"gpt-5-mini", "openai", 0.25, 0.025, -1, 2.00, 400'000, 128'000},
    {"gpt-5-nano", "openai", 0.05, 0.005, -1, 0.40, 400'000, 128'000},
    {"gpt-4.1", "openai", 2.00, 0.50, -1, 8.00, 1'047'576, 32'768},
    {"gpt-4.1-mini", "openai", 0.40, 0.10, -1, 1.60, 1'047'576, 32'768},
    {"gpt-4.1-nano", "openai", 0.10, 0.025, -1, 0.40, 1'047'576, 32'768},
    {"gpt-4o", "openai", 2.50, 1.25, -1, 10.00, 128'000, 16'384},
    {"gpt-4o-mini", "openai", 0.15, 0.075, -1, 0.60, 128'000, 16'384},
    {"o3", "openai", 2.00, 0.50, -1, 8.00, 200'000, 100'000},
    {"o4-mini", "openai", 1.10, 0.275, -1, 4.40, 200'000, 100'000},
    // Anthropic: cache reads at a tenth of input, 5-minute cache writes at 1.25x input.
    {"claude-opus-4-1", "anthropic", 15.00, 1.50, 18.75, 75.00, 200'000, 32'000},
    {"claude-sonnet-4-5", "anthropic", 3.00, 0.30, 3.75, 15.00, 200'000, 64'000},
    {"claude-sonnet-4", "anthropic", 3.00, 0.30, 3.75, 15.00, 200'000, 64'000},
    {"claude-haiku-4-5", "anthropic", 1.00, 0.10, 1.25, 5.00, 200'000, 64'000},
    {"claude-3-5-haiku", "anthropic", 0.80, 0.08, 1.00, 4.00, 200'000, 8'192},
    // Google Gemini (paid tier); cached input is the context-caching price.
    {"gemini-2.5-pro", "gemini", 1.25, 0.31, -1, 10.00, 1'048'576, 65'536},
    {"gemini-2.5-flash", "gemini", 0.30, 0.075, -1, 2.50, 1'048'576, 65'536},
    {"gemini-2.5-flash-lite", "gemini", 0.10, 0.025, -1, 0.40, 1'048'576, 65'536},
    {"gemini-2.0-flash", "gemini", 0.10, 0.025, -1, 0.40, 1'048'576, 8'192},
};

}  // namespace

std::string_view ModelCatalog::BuiltInDate() noexcept { return kDate; }

ModelCatalog ModelCatalog::BuiltIn() {
  ModelCatalog catalog;
  for (const Row& row : kRows) {
    ModelSpec spec;
    spec.name = row.name;
    spec.provider = row.provider;
    spec.price.input_per_mtok = row.input;
    spec.price.output_per_mtok = row.output;
    spec.price.cached_input_per_mtok = row.cached_input;
    if (row.cache_write >= 0) spec.price.cache_write_per_mtok = row.cache_write;
    spec.context_window = row.context_window;
    spec.max_output_tokens = row.max_output_tokens;
    // Every row is valid by construction; Add cannot fail on them (checked by a test).
    (void)catalog.Add(std::move(spec));
  }
  return catalog;
}

}  // namespace prsm
