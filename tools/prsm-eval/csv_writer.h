// prsm-eval: results.csv, exactly the columns
// dataset,system,kind,score,usd_per_query,cost_pct_of_best,calls_per_query
// (RFC 4180 quoting where a name needs it; an unknown cost % is an empty cell).
//
// Thread safety: stateless. Errors: kUnavailable when the file cannot be written.
#ifndef PRSM_EVAL_CSV_WRITER_H_
#define PRSM_EVAL_CSV_WRITER_H_

#include <string>
#include <vector>

#include "prsm/status.h"
#include "results.h"

namespace prsm_eval {

/// The CSV text of `rows`, header first, one line per row, "\n" line ends.
std::string ResultsCsv(const std::vector<SystemRow>& rows);

/// Writes ResultsCsv(rows) to `path`.
prsm::Result<void> WriteResultsCsv(const std::string& path, const std::vector<SystemRow>& rows);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_CSV_WRITER_H_
