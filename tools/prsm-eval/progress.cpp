// Progress lines; see progress.h.
#include "progress.h"

#include <unistd.h>

#include <utility>

#include <fmt/format.h>

namespace prsm_eval {

Progress::Progress(std::string label, std::size_t total, std::FILE* out)
    : label_(std::move(label)),
      total_(total),
      out_(out),
      tty_(isatty(fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() { Finish(); }

void Progress::Tick(std::size_t n) {
  done_ += n;
  const auto now = std::chrono::steady_clock::now();
  const auto every = tty_ ? std::chrono::milliseconds(200) : std::chrono::milliseconds(5000);
  if (now - last_print_ >= every) {
    last_print_ = now;
    Print(false);
  }
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  // Short steps are not worth a line in a log.
  if (!tty_ && seconds < 2.0) return;
  Print(true);
}

void Progress::Print(bool final_line) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0.0 ? static_cast<double>(done_) / seconds : 0.0;
  const double eta =
      rate > 0.0 ? static_cast<double>(total_ - std::min(done_, total_)) / rate : 0.0;
  const std::string line =
      final_line
          ? fmt::format("{}: {}/{} in {:.1f}s ({:.0f}/s)", label_, done_, total_, seconds, rate)
          : fmt::format("{}: {}/{} ({:.0f}/s, ETA {:.0f}s)", label_, done_, total_, rate, eta);
  if (tty_) {
    fmt::print(out_, "\r\x1b[K{}{}", line, final_line ? "\n" : "");
  } else {
    fmt::print(out_, "{}\n", line);
  }
  std::fflush(out_);
}

}  // namespace prsm_eval
