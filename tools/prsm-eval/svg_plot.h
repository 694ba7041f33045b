// prsm-eval: the score-against-cost plot of one dataset, as a standalone SVG: $/query on a log
// x axis, mean score on y, every system a labelled point coloured by kind, sweep points of one
// family joined by a thin line, and the Pareto frontier of the runnable systems (single models and
// prsm systems, not the oracle or the random baseline) drawn as a dashed staircase.
//
// Thread safety: stateless. Errors: kUnavailable when the file cannot be written.
#ifndef PRSM_EVAL_SVG_PLOT_H_
#define PRSM_EVAL_SVG_PLOT_H_

#include <string>
#include <vector>

#include "prsm/status.h"
#include "results.h"

namespace prsm_eval {

/// The SVG document for `rows` (all of one dataset), titled `title`. Points of zero cost are
/// drawn at the left edge (a log axis has no 0).
std::string ScoreCostSvg(const std::string& title, const std::vector<SystemRow>& rows);

prsm::Result<void> WriteScoreCostSvg(const std::string& path, const std::string& title,
                                     const std::vector<SystemRow>& rows);

}  // namespace prsm_eval

#endif  // PRSM_EVAL_SVG_PLOT_H_
