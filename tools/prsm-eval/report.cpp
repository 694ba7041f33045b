// The stdout report; see report.h.
#include "report.h"

#include <fmt/format.h>

namespace prsm_eval {
namespace {

std::string Pct(const std::optional<double>& value) {
  return value ? fmt::format("{:.2f}%", *value) : "n/a";
}

std::string Row(const SystemRow& row, bool two_models) {
  std::string line =
      fmt::format("| {} | {} | {:.4f} | {:.6g} | {} | {:.2f} |", row.system, KindName(row.kind),
                  row.score, row.usd_per_query, Pct(row.cost_pct_of_best), row.calls_per_query);
  if (two_models) line += fmt::format(" {} |", Pct(row.strong_pct));
  line += fmt::format(" {} |\n", row.failed);
  return line;
}

}  // namespace

std::string FormatReport(const DatasetReport& report) {
  const bool two_models = !report.strong_model.empty();
  std::string out = fmt::format(
      "\n## {}\n\nanswer format for votes: {}; best single model: {} "
      "(score {:.4f}, ${:.6g}/query); {:.1f}s\n\n",
      report.dataset, report.answer_format, report.best_model, report.best_score, report.best_cost,
      report.seconds);
  std::string header = "| system | kind | score | $/query | cost % of best | calls/query |";
  std::string rule = "|---|---|---|---|---|---|";
  if (two_models) {
    header += " % strong |";
    rule += "---|";
  }
  out += header + " failed |\n" + rule + "---|\n";
  for (const SystemRow& row : report.rows) {
    if (row.family.empty()) out += Row(row, two_models);
  }
  bool any_sweep = false;
  for (const SystemRow& row : report.rows) {
    if (row.family.empty()) continue;
    if (!any_sweep) {
      out += "\noperating points (quality bar swept; trained once, state reloaded):\n\n" + header +
             " failed |\n" + rule + "---|\n";
      any_sweep = true;
    }
    out += Row(row, two_models);
  }
  if (two_models) {
    out +=
        fmt::format("\nRouteLLM metrics (weak {}, strong {}; % of calls to the strong model):\n\n",
                    report.weak_model, report.strong_model);
    out += "| router | CPT(50%) | CPT(80%) | APGR | points |\n|---|---|---|---|---|\n";
    for (const RoutingCurve& curve : report.curves) {
      out += fmt::format("| {} | {} | {} | {} | {} |\n", curve.family, Pct(curve.cpt50),
                         Pct(curve.cpt80), curve.apgr ? fmt::format("{:.3f}", *curve.apgr) : "n/a",
                         curve.points);
    }
  }
  out += fmt::format("\ncost at 95% of the best model's score: {}\n",
                     report.at95_cost_pct
                         ? fmt::format("{:.2f}% of {}'s cost ({})", *report.at95_cost_pct,
                                       report.best_model, *report.at95_system)
                         : std::string("no prsm system reaches it"));
  out += fmt::format(
      "prsm systems strictly dominating a Pareto-efficient single model (higher score, lower "
      "cost): {}\n",
      report.frontier_dominations.empty()
          ? "none"
          : fmt::format("{}", fmt::join(report.frontier_dominations, "; ")));
  out += fmt::format(
      "(dominating any single model, the inefficient ones included: {} system/model pairs)\n",
      report.dominations.size());
  out += fmt::format("votes/cascades above every model they use, below the best's cost: {}\n",
                     report.consensus_wins.empty()
                         ? "none"
                         : fmt::format("{}", fmt::join(report.consensus_wins, ", ")));
  out += fmt::format(
      "orchestrator cost vs recorded cost_usd, largest deviation per attempt: ${:.3g} "
      "(relative {:.3g})\n",
      report.max_cost_dev_abs, report.max_cost_dev_rel);
  if (!report.models_used.empty()) out += "\nmodels each prsm system called on test:\n";
  for (const auto& [system, models] : report.models_used) {
    out += fmt::format("- {}: {}\n", system, fmt::join(models, ", "));
  }
  for (const std::string& note : report.notes) out += "note: " + note + "\n";
  return out;
}

}  // namespace prsm_eval
