// results.csv and the SVG plot.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "csv_writer.h"
#include "svg_plot.h"

namespace {

prsm_eval::SystemRow MakeRow(std::string system, prsm_eval::SystemKind kind, double score,
                             double cost) {
  prsm_eval::SystemRow row;
  row.dataset = "d";
  row.system = std::move(system);
  row.kind = kind;
  row.score = score;
  row.usd_per_query = cost;
  row.cost_pct_of_best = 100.0 * cost / 0.04;
  row.calls_per_query = 1.0;
  return row;
}

std::size_t Count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("results.csv has exactly the agreed columns, one line per row", "[eval][csv]") {
  std::vector<prsm_eval::SystemRow> rows = {
      MakeRow("strong", prsm_eval::SystemKind::kModel, 0.75, 0.04),
      MakeRow("learned@0.70", prsm_eval::SystemKind::kPrsm, 0.7, 0.01),
      MakeRow("odd, \"name\"", prsm_eval::SystemKind::kRandom, 0.5, 0.02)};
  rows[2].cost_pct_of_best.reset();
  const std::string csv = prsm_eval::ResultsCsv(rows);
  CHECK(csv ==
        "dataset,system,kind,score,usd_per_query,cost_pct_of_best,calls_per_query\n"
        "d,strong,model,0.750000,0.04,100.0000,1.0000\n"
        "d,learned@0.70,prsm,0.700000,0.01,25.0000,1.0000\n"
        "d,\"odd, \"\"name\"\"\",random,0.500000,0.02,,1.0000\n");
  const auto path = std::filesystem::temp_directory_path() / "prsm-eval-test-results.csv";
  REQUIRE(prsm_eval::WriteResultsCsv(path.string(), rows).has_value());
  std::ifstream in(path);
  std::stringstream read;
  read << in.rdbuf();
  CHECK(read.str() == csv);
  CHECK_FALSE(prsm_eval::WriteResultsCsv("/nonexistent-dir/x/results.csv", rows).has_value());
}

TEST_CASE("the SVG plots every row, labels it and draws the frontier", "[eval][svg]") {
  std::vector<prsm_eval::SystemRow> rows = {
      MakeRow("cheap", prsm_eval::SystemKind::kModel, 0.5, 0.003),
      MakeRow("strong", prsm_eval::SystemKind::kModel, 0.75, 0.04),
      MakeRow("oracle", prsm_eval::SystemKind::kOracle, 1.0, 0.0215),
      MakeRow("a<b&c", prsm_eval::SystemKind::kPrsm, 0.6, 0.0),
      MakeRow("learned@0.50", prsm_eval::SystemKind::kPrsm, 0.6, 0.01)};
  rows[4].family = "learned";
  const std::string svg = prsm_eval::ScoreCostSvg("d: score against cost", rows);
  CHECK(svg.rfind("<svg", 0) == 0);
  CHECK(svg.find("</svg>") != std::string::npos);
  // One circle per row plus four in the legend.
  CHECK(Count(svg, "<circle") == rows.size() + 4);
  CHECK(svg.find(">cheap</text>") != std::string::npos);
  CHECK(svg.find(">oracle</text>") != std::string::npos);
  CHECK(svg.find("a&lt;b&amp;c") != std::string::npos);
  CHECK(svg.find("a<b") == std::string::npos);
  // Sweep points are not labelled one by one but joined by their family's line.
  CHECK(svg.find(">learned@0.50</text>") == std::string::npos);
  CHECK(Count(svg, "<polyline") == 2);  // the family and the Pareto staircase
  CHECK(svg.find("stroke-dasharray") != std::string::npos);
  CHECK(svg.find("USD per query (log scale)") != std::string::npos);
  CHECK(svg.find("nan") == std::string::npos);
  CHECK(svg.find("inf") == std::string::npos);
  // No rows at all still gives a well-formed document.
  const std::string empty = prsm_eval::ScoreCostSvg("empty", {});
  CHECK(empty.find("</svg>") != std::string::npos);
  CHECK(empty.find("nan") == std::string::npos);
}
