// routing/token_norms.h — how many output tokens each model typically spends, learned online
// from every answer the cascade sees (labelled or not), so that the acceptance test can ask "did
// this answer cost the model unusually much?". A reasoning model that thinks far longer than
// usual is often a model that struggled, and its answer is less trustworthy; what is "long"
// depends on the model and on the kind of question, so the norm is kept per model and per
// (model, domain), as a running mean and variance of log(1 + output tokens).
//
// The running statistics weigh every answer equally up to kWindow answers, then exponentially
// (the last few hundred answers dominate), so a norm follows a model whose habits drift.
//
// Thread safety: none; owned by the cascade strategy and read by its rules, all on the
// orchestrator's loop thread. Errors: Read reports kInvalidArgument naming the bad element.
#ifndef PRSM_ROUTING_TOKEN_NORMS_H_
#define PRSM_ROUTING_TOKEN_NORMS_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "json/json_read.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::routing {

class TokenNorms {
 public:
  /// Answers a norm needs before it is used; the answers it weighs equally.
  static constexpr std::uint64_t kMinCount = 8;
  static constexpr std::uint64_t kWindow = 500;
  /// The most domains kept per model (host-defined domains are open-ended); answers in other
  /// domains update the model's overall norm only.
  static constexpr std::size_t kMaxDomains = 64;

  /// Records one answer of `model` to a query of `domain`. Ignored when the usage reports no
  /// output tokens (not every provider does).
  void Add(const std::string& model, const std::string& domain, const Usage& usage);

  /// How unusual `usage.output_tokens` is for `model` on `domain`: (log(1 + tokens) - mean) /
  /// standard deviation, from the (model, domain) norm when it has kMinCount answers, else the
  /// model's; 0 when neither has, or the usage reports no output tokens.
  double Relative(const std::string& model, const std::string& domain, const Usage& usage) const;

  bool empty() const { return models_.empty(); }

  /// Writes the norms as a JSON array of {"model", "domain" (absent for the overall norm),
  /// "count", "mean", "variance"}.
  void Write(json::Writer& writer) const;
  /// Reads what Write wrote.
  static Result<TokenNorms> Read(const json::Value& value, const json::Path& path);

 private:
  struct Norm {
    std::uint64_t count = 0;
    double mean = 0.0;
    double variance = 0.0;
    void Add(double x);
  };
  struct ModelNorms {
    Norm overall;
    std::map<std::string, Norm, std::less<>> domains;
  };
  static void WriteNorm(json::Writer& writer, std::string_view model, const std::string* domain,
                        const Norm& norm);

  std::map<std::string, ModelNorms, std::less<>> models_;
};

}  // namespace prsm::routing

#endif  // PRSM_ROUTING_TOKEN_NORMS_H_
