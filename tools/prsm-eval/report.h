// prsm-eval: the human-readable report of one dataset on stdout: the table (main rows, then
// the sweep's operating points), RouteLLM's metrics, the target figures, notes.
//
// Thread safety: stateless.
#ifndef PRSM_EVAL_REPORT_H_
#define PRSM_EVAL_REPORT_H_

#include <string>

#include "evaluate.h"

namespace prsm_eval {

/// The report as Markdown-ish text (tables are Markdown, so they paste into docs).
std::string FormatReport(const DatasetReport& report);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_REPORT_H_
