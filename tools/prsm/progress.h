// prsm CLI: batch progress on stderr — done/total, rate, cost so far and ETA. On a terminal a
// bar rewritten in place a few times a second; otherwise (a log, CI, a test) a plain line every
// few seconds, so logs stay short. Either way a summary line at the end.
//
// Thread safety: one thread (the batch's main thread). Lifetime: plain object; Finish() prints
// the summary once.
#ifndef PRSM_CLI_PROGRESS_H_
#define PRSM_CLI_PROGRESS_H_

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>

namespace prsm_cli {

class BatchProgress {
 public:
  enum class Mode { kAuto, kBar, kLines, kNone };

  /// `total`: input queries; `already_done`: those answered by an earlier run.
  BatchProgress(std::size_t total, std::size_t already_done, Mode mode, std::FILE* out = stderr);

  /// How often Update() wants to be called when nothing else happens (a poll timeout).
  int refresh_ms() const;

  /// Records this run's counts; prints when a refresh is due.
  void Update(std::size_t done, std::size_t failed, double cost_usd);

  /// Prints the summary line; `how` is "done" or "interrupted".
  void Finish(std::string_view how);

  /// "[#####-----] 5000/10000  50%  1234/s  $0.0123  ETA 4s" for this run's counts.
  std::string Line(bool bar) const;

 private:
  std::size_t total_;
  std::size_t already_done_;
  Mode mode_;
  std::FILE* out_;
  std::size_t done_ = 0;
  std::size_t failed_ = 0;
  double cost_usd_ = 0.0;
  bool finished_ = false;
  bool bar_shown_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace prsm_cli

#endif  // PRSM_CLI_PROGRESS_H_
