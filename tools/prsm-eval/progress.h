// prsm-eval: progress on stderr for long runs: count, rate and ETA. On a terminal one line is
// rewritten in place; otherwise (a log, CI) a plain line at most every few seconds and at the
// end, so logs stay short.
//
// Thread safety: one thread. Lifetime: prints the final line from Finish() (or the destructor).
#ifndef PRSM_EVAL_PROGRESS_H_
#define PRSM_EVAL_PROGRESS_H_

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <string>

namespace prsm_eval {

class Progress {
 public:
  Progress(std::string label, std::size_t total, std::FILE* out = stderr);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Tick(std::size_t n = 1);
  void Finish();

 private:
  void Print(bool final_line);

  std::string label_;
  std::size_t total_;
  std::size_t done_ = 0;
  std::FILE* out_;
  bool tty_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace prsm_eval

#endif  // PRSM_EVAL_PROGRESS_H_
