// The score/cost SVG; see svg_plot.h.
#include "svg_plot.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>

#include <fmt/format.h>

#include "metrics.h"

namespace prsm_eval {
namespace {

constexpr double kWidth = 960;
constexpr double kHeight = 640;
constexpr double kLeft = 70;
constexpr double kRight = 30;
constexpr double kTop = 50;
constexpr double kBottom = 60;

std::string Escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

const char* Colour(SystemKind kind) {
  switch (kind) {
    case SystemKind::kModel:
      return "#1f77b4";
    case SystemKind::kRandom:
      return "#7f7f7f";
    case SystemKind::kOracle:
      return "#2ca02c";
    case SystemKind::kPrsm:
      return "#d62728";
  }
  return "#000000";
}

}  // namespace

std::string ScoreCostSvg(const std::string& title, const std::vector<SystemRow>& rows) {
  double min_cost = 0.0;
  double max_cost = 0.0;
  double min_score = 1.0;
  double max_score = 0.0;
  for (const SystemRow& row : rows) {
    if (row.usd_per_query > 0.0) {
      min_cost = min_cost == 0.0 ? row.usd_per_query : std::min(min_cost, row.usd_per_query);
      max_cost = std::max(max_cost, row.usd_per_query);
    }
    min_score = std::min(min_score, row.score);
    max_score = std::max(max_score, row.score);
  }
  if (min_cost == 0.0) min_cost = max_cost = 1e-6;
  // A margin around the data (more on the right, where labels go); grid lines on 10^k.
  const double lo = std::log10(min_cost) - 0.15;
  const double hi = std::max(lo + 1.0, std::log10(max_cost) + 0.4);
  const double y_lo = std::max(0.0, std::floor((min_score - 0.02) * 20.0) / 20.0);
  const double y_hi = std::min(1.0, std::ceil((max_score + 0.02) * 20.0) / 20.0);
  const double plot_w = kWidth - kLeft - kRight;
  const double plot_h = kHeight - kTop - kBottom;
  auto x_of = [&](double cost) {
    const double l = cost > 0.0 ? std::log10(cost) : lo;
    return kLeft + (std::clamp(l, lo, hi) - lo) / (hi - lo) * plot_w;
  };
  auto y_of = [&](double score) {
    const double span = y_hi > y_lo ? y_hi - y_lo : 1.0;
    return kTop + (1.0 - (score - y_lo) / span) * plot_h;
  };

  std::string svg = fmt::format(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" font-family=\"sans-serif\" font-size=\"11\">\n"
      "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      "<text x=\"{2}\" y=\"28\" font-size=\"16\">{3}</text>\n",
      kWidth, kHeight, kLeft, Escape(title));
  // Axes and grid.
  for (double d = std::ceil(lo); d <= hi + 1e-9; d += 1.0) {
    const double x = x_of(std::pow(10.0, d));
    svg += fmt::format(
        "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#ddd\"/>\n"
        "<text x=\"{0:.1f}\" y=\"{3}\" text-anchor=\"middle\">1e{4:.0f}</text>\n",
        x, kTop, kTop + plot_h, kTop + plot_h + 16, d);
  }
  for (int i = 0; i <= 10; ++i) {
    const double score = y_lo + (y_hi - y_lo) * i / 10.0;
    const double y = y_of(score);
    svg += fmt::format(
        "<line x1=\"{0}\" y1=\"{1:.1f}\" x2=\"{2}\" y2=\"{1:.1f}\" stroke=\"#eee\"/>\n"
        "<text x=\"{3}\" y=\"{4:.1f}\" text-anchor=\"end\">{5:.3f}</text>\n",
        kLeft, y, kLeft + plot_w, kLeft - 6, y + 4, score);
  }
  svg += fmt::format(
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"#333\"/>\n"
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">USD per query (log scale)</text>\n"
      "<text transform=\"translate(18 {}) rotate(-90)\" text-anchor=\"middle\">mean score</text>\n",
      kLeft, kTop, plot_w, plot_h, kLeft + plot_w / 2, kHeight - 18, kTop + plot_h / 2);

  // Sweep families as thin lines, in order of cost.
  std::map<std::string, std::vector<const SystemRow*>> families;
  for (const SystemRow& row : rows) {
    if (!row.family.empty()) families[row.family].push_back(&row);
  }
  for (auto& [family, members] : families) {
    std::sort(members.begin(), members.end(), [](const SystemRow* a, const SystemRow* b) {
      return a->usd_per_query < b->usd_per_query;
    });
    std::string points;
    for (const SystemRow* row : members) {
      points += fmt::format("{:.1f},{:.1f} ", x_of(row->usd_per_query), y_of(row->score));
    }
    svg += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#f4a6a6\" stroke-width=\"1\"/>\n", points);
  }

  // The Pareto frontier of what can be run (single models and prsm systems; the oracle knows
  // the scores and the random router is a baseline), as a staircase.
  std::vector<CostScore> points;
  for (const SystemRow& row : rows) {
    if (row.kind == SystemKind::kModel || row.kind == SystemKind::kPrsm) {
      points.push_back({row.usd_per_query, row.score});
    }
  }
  const std::vector<std::size_t> frontier = ParetoFrontier(points);
  if (!frontier.empty()) {
    std::string stair;
    for (std::size_t i = 0; i < frontier.size(); ++i) {
      const CostScore& p = points[frontier[i]];
      if (i > 0)
        stair += fmt::format("{:.1f},{:.1f} ", x_of(p.cost), y_of(points[frontier[i - 1]].score));
      stair += fmt::format("{:.1f},{:.1f} ", x_of(p.cost), y_of(p.score));
    }
    stair += fmt::format("{:.1f},{:.1f}", kLeft + plot_w, y_of(points[frontier.back()].score));
    svg += fmt::format(
        "<polyline points=\"{}\" fill=\"none\" stroke=\"#2ca02c\" stroke-width=\"1.5\" "
        "stroke-dasharray=\"5,3\"/>\n",
        stair);
  }

  // Points and labels; sweep points small and unlabelled except the family's name once.
  for (const SystemRow& row : rows) {
    const double x = x_of(row.usd_per_query);
    const double y = y_of(row.score);
    const bool sweep = !row.family.empty();
    svg += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"{}\" fill=\"{}\"><title>{} "
        "({}): score {:.4f}, ${:.6g}/query</title></circle>\n",
        x, y, sweep ? 2 : 4, Colour(row.kind), Escape(row.system), KindName(row.kind), row.score,
        row.usd_per_query);
    if (!sweep) {
      // Labels of points near the right edge go to their left, so they stay inside.
      const bool left = x > kLeft + 0.8 * plot_w;
      svg += fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" fill=\"{}\"{}>{}</text>\n",
                         left ? x - 6 : x + 6, y - 4, Colour(row.kind),
                         left ? " text-anchor=\"end\"" : "", Escape(row.system));
    }
  }
  // Legend.
  const SystemKind kinds[] = {SystemKind::kModel, SystemKind::kRandom, SystemKind::kOracle,
                              SystemKind::kPrsm};
  for (std::size_t i = 0; i < 4; ++i) {
    const double x = kLeft + plot_w - 330 + 70.0 * static_cast<double>(i);
    svg += fmt::format(
        "<circle cx=\"{0:.1f}\" cy=\"30\" r=\"4\" fill=\"{1}\"/><text x=\"{2:.1f}\" y=\"34\">{3}"
        "</text>\n",
        x, Colour(kinds[i]), x + 8, KindName(kinds[i]));
  }
  svg += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"30\" x2=\"{1:.1f}\" y2=\"30\" stroke=\"#2ca02c\" "
      "stroke-dasharray=\"5,3\"/><text x=\"{2:.1f}\" y=\"34\">Pareto</text>\n",
      kLeft + plot_w - 60, kLeft + plot_w - 45, kLeft + plot_w - 40);
  svg += "</svg>\n";
  return svg;
}

prsm::Result<void> WriteScoreCostSvg(const std::string& path, const std::string& title,
                                     const std::vector<SystemRow>& rows) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << ScoreCostSvg(title, rows);
  out.flush();
  if (!out) {
    return prsm::Error(prsm::ErrorCode::kUnavailable, fmt::format("cannot write {}", path));
  }
  return {};
}

}  // namespace prsm_eval
