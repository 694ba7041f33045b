// results.csv; see csv_writer.h.
#include "csv_writer.h"

#include <fstream>

#include <fmt/format.h>

namespace prsm_eval {
namespace {

std::string Field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace

std::string_view KindName(SystemKind kind) noexcept {
  switch (kind) {
    case SystemKind::kModel:
      return "model";
    case SystemKind::kRandom:
      return "random";
    case SystemKind::kOracle:
      return "oracle";
    case SystemKind::kPrsm:
      return "prsm";
  }
  return "prsm";
}

std::string ResultsCsv(const std::vector<SystemRow>& rows) {
  std::string csv = "dataset,system,kind,score,usd_per_query,cost_pct_of_best,calls_per_query\n";
  for (const SystemRow& row : rows) {
    csv += fmt::format("{},{},{},{:.6f},{:.9g},{},{:.4f}\n", Field(row.dataset), Field(row.system),
                       KindName(row.kind), row.score, row.usd_per_query,
                       row.cost_pct_of_best ? fmt::format("{:.4f}", *row.cost_pct_of_best) : "",
                       row.calls_per_query);
  }
  return csv;
}

prsm::Result<void> WriteResultsCsv(const std::string& path, const std::vector<SystemRow>& rows) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::string csv = ResultsCsv(rows);
  out << csv;
  out.flush();
  if (!out) {
    return prsm::Error(prsm::ErrorCode::kUnavailable, fmt::format("cannot write {}", path));
  }
  return {};
}

}  // namespace prsm_eval
