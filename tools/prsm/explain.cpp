// The explanation of an answer; see explain.h.
#include "explain.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include <fmt/format.h>

namespace prsm_cli {

std::string FormatUsd(double usd) {
  if (!(usd > 0.0) || !std::isfinite(usd)) return "$0";
  // Three significant digits, at least two decimals: $0.000123, $0.0042, $1.25.
  const int decimals = std::clamp(2 - static_cast<int>(std::floor(std::log10(usd))), 2, 12);
  std::string text = fmt::format("{:.{}f}", usd, decimals);
  const std::size_t keep = text.find('.') + 3;  // at least two decimals: $12.00
  while (text.size() > keep && text.back() == '0') text.pop_back();
  return "$" + text;
}

std::string FormatDuration(std::chrono::microseconds duration) {
  const auto us = duration.count();
  if (us < 1000) return fmt::format("{} us", us);
  if (us < 1'000'000) return fmt::format("{:.1f} ms", static_cast<double>(us) / 1e3);
  return fmt::format("{:.2f} s", static_cast<double>(us) / 1e6);
}

namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

std::string Tokens(const prsm::Usage& usage) {
  std::string text = fmt::format("{} in / {} out tokens", usage.input_tokens, usage.output_tokens);
  if (usage.cached_input_tokens > 0) text += fmt::format(", {} cached", usage.cached_input_tokens);
  if (usage.reasoning_tokens > 0) text += fmt::format(", {} reasoning", usage.reasoning_tokens);
  return text;
}

// Long explanations from strategies and rules stay readable under their heading.
void AppendIndented(std::string* out, std::string_view text) {
  if (text.empty()) return;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    fmt::format_to(std::back_inserter(*out), "    {}\n", text.substr(start, end - start));
    start = end + 1;
  }
}

}  // namespace

std::string FormatExplain(const prsm::Response& response) {
  std::string out;
  auto line = [&out](auto&&... args) {
    fmt::format_to(std::back_inserter(out), std::forward<decltype(args)>(args)...);
    out += '\n';
  };

  line("Route: {} ({} stage{})", response.route.strategy, response.route.stages.size(),
       response.route.stages.size() == 1 ? "" : "s");
  for (std::size_t i = 0; i < response.route.stages.size(); ++i) {
    line("  stage {}: {}", i + 1, Join(response.route.stages[i]));
  }
  if (!response.route.explanation.empty()) {
    line("  why:");
    AppendIndented(&out, response.route.explanation);
  }

  line("Attempts ({}):", response.attempts.size());
  for (std::size_t i = 0; i < response.attempts.size(); ++i) {
    const prsm::Attempt& attempt = response.attempts[i];
    std::string head =
        fmt::format("  {}. {} via {} (stage {}, started at +{})", i + 1, attempt.model,
                    attempt.provider, attempt.stage + 1, FormatDuration(attempt.started_after));
    switch (attempt.outcome) {
      case prsm::Attempt::Outcome::kSucceeded:
        line("{}: succeeded in {}, {}, {}", head, FormatDuration(attempt.latency),
             Tokens(attempt.usage), FormatUsd(attempt.cost_usd));
        break;
      case prsm::Attempt::Outcome::kFailed:
        line("{}: failed after {}: {}", head, FormatDuration(attempt.latency),
             attempt.error ? attempt.error->ToString() : std::string("no error recorded"));
        break;
      case prsm::Attempt::Outcome::kCancelled:
        line("{}: cancelled after {} ({}), {}", head, FormatDuration(attempt.latency),
             attempt.error ? attempt.error->message() : std::string("not needed"),
             FormatUsd(attempt.cost_usd));
        break;
    }
  }

  const prsm::ConsensusReport& consensus = response.consensus;
  line("Consensus: {}: agreement {:.0f}%, confidence {:.2f}{}", consensus.rule,
       consensus.agreement * 100.0, consensus.confidence,
       consensus.agreeing_models.empty() ? std::string()
                                         : "; agreeing: " + Join(consensus.agreeing_models));
  if (!consensus.explanation.empty()) {
    line("  why:");
    AppendIndented(&out, consensus.explanation);
  }

  line("Total: answer from {} (request {}), {} attempt{}, {}, {}, {}", response.model,
       response.request_id, response.attempts.size(), response.attempts.size() == 1 ? "" : "s",
       Tokens(response.usage), FormatUsd(response.cost_usd), FormatDuration(response.latency));
  return out;
}

}  // namespace prsm_cli
