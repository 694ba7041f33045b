// placeholder (issue 4): minimal definitions so the tree links while the analyser is written.
#include "prsm/routing.h"

namespace prsm {

QueryFeatures AnalyzeQuery(const Query& /*query*/) { return {}; }

double PriorQuality(const ModelSpec& model, const QueryFeatures& features) {
  auto it = model.domain_quality.find(features.domain);
  return it != model.domain_quality.end() ? it->second : model.quality;
}

double WorstCaseCostUsd(const ModelSpec& /*model*/, const Query& /*query*/) { return 0.0; }

}  // namespace prsm
