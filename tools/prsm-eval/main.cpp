// prsm-eval: scores prsm's routing strategies and consensus rules on recorded model answers.
//
//   prsm-eval --data DIR --out OUTDIR [--systems a,b,...] [--seed N]
//
// DIR is one prsm-replay-1 dataset folder or a folder of them. Prints a table per dataset on
// stdout, progress on stderr, and writes OUTDIR/results.csv, OUTDIR/<dataset>.svg and, for
// each system that trains, OUTDIR/<dataset>.<system>.state.json (its SaveRoutingState).
// Exit status: 0 on success, 2 for bad arguments, 1 when a dataset cannot be read or an output
// cannot be written (the message names the file, line and field).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "csv_writer.h"
#include "dataset.h"
#include "evaluate.h"
#include "report.h"
#include "svg_plot.h"
#include "systems.h"

namespace {

constexpr const char* kUsage =
    "usage: prsm-eval --data DIR --out OUTDIR [--systems NAME,...] [--seed N]\n"
    "  --data DIR      a prsm-replay-1 dataset folder, or a folder of them\n"
    "  --out OUTDIR    receives results.csv and one <dataset>.svg per dataset\n"
    "  --systems LIST  only these prsm systems (comma-separated; single models and the oracle\n"
    "                  always run); known: {}\n"
    "  --seed N        seed of the random router and of exploration (default 1)\n";

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string item =
        text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) items.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

std::string KnownSystems() {
  std::string names;
  for (const auto& def : prsm_eval::BuiltInSystems()) {
    names += (names.empty() ? "" : ",") + def.name;
  }
  return names;
}

int Usage(const std::string& problem) {
  if (!problem.empty()) fmt::print(stderr, "prsm-eval: {}\n", problem);
  fmt::print(stderr, kUsage, KnownSystems());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string data;
  std::string out;
  std::vector<std::string> systems;
  std::uint64_t seed = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&](std::string& target) {
      if (i + 1 >= argc) return false;
      target = argv[++i];
      return true;
    };
    std::string text;
    if (arg == "--help" || arg == "-h") {
      fmt::print(kUsage, KnownSystems());
      return 0;
    } else if (arg == "--data") {
      if (!value(data)) return Usage("--data needs a folder");
    } else if (arg == "--out") {
      if (!value(out)) return Usage("--out needs a folder");
    } else if (arg == "--systems") {
      if (!value(text)) return Usage("--systems needs a list");
      systems = SplitList(text);
    } else if (arg == "--seed") {
      if (!value(text)) return Usage("--seed needs a number");
      try {
        std::size_t used = 0;
        seed = std::stoull(text, &used);
        if (used != text.size()) return Usage("--seed needs a number");
      } catch (...) {
        return Usage("--seed needs a number");
      }
    } else {
      return Usage(fmt::format("unknown argument '{}'", arg));
    }
  }
  if (data.empty() || out.empty()) return Usage("--data and --out are required");
  for (const std::string& name : systems) {
    bool known = false;
    for (const auto& def : prsm_eval::BuiltInSystems()) known = known || def.name == name;
    if (!known) return Usage(fmt::format("unknown system '{}'", name));
  }

  auto dirs = prsm_eval::FindDatasetDirs(data);
  if (!dirs) {
    fmt::print(stderr, "prsm-eval: {}\n", dirs.error().message());
    return 1;
  }
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) {
    fmt::print(stderr, "prsm-eval: cannot create {}: {}\n", out, ec.message());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  std::vector<prsm_eval::SystemRow> all_rows;
  for (const std::string& dir : *dirs) {
    auto dataset = prsm_eval::ReadDataset(dir);
    if (!dataset) {
      fmt::print(stderr, "prsm-eval: {}: {}\n", dir, dataset.error().message());
      return 1;
    }
    fmt::print(stderr, "prsm-eval: {} ({} queries, {} models)\n", dataset->name,
               dataset->records.size(), dataset->models.size());
    const prsm_eval::DatasetReport report = prsm_eval::EvaluateDataset(*dataset, systems, seed);
    fmt::print("{}", prsm_eval::FormatReport(report));
    std::fflush(stdout);
    const std::string svg = (std::filesystem::path(out) / (dataset->name + ".svg")).string();
    if (auto written = prsm_eval::WriteScoreCostSvg(
            svg, fmt::format("{}: score against cost", dataset->name), report.rows);
        !written) {
      fmt::print(stderr, "prsm-eval: {}\n", written.error().message());
      return 1;
    }
    // What the training systems learned, for inspection (and for a host to start from).
    for (const auto& [system, state] : report.states) {
      const auto path =
          std::filesystem::path(out) / fmt::format("{}.{}.state.json", dataset->name, system);
      std::ofstream(path, std::ios::binary | std::ios::trunc) << state;
    }
    all_rows.insert(all_rows.end(), report.rows.begin(), report.rows.end());
  }
  const std::string csv = (std::filesystem::path(out) / "results.csv").string();
  if (auto written = prsm_eval::WriteResultsCsv(csv, all_rows); !written) {
    fmt::print(stderr, "prsm-eval: {}\n", written.error().message());
    return 1;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("\nwrote {} ({} rows) and {} plot(s) in {:.1f}s\n", csv, all_rows.size(), dirs->size(),
             seconds);
  return 0;
}
