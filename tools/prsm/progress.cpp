// Batch progress; see progress.h.
#include "progress.h"

#include <unistd.h>

#include <algorithm>

#include <fmt/format.h>

#include "explain.h"

namespace prsm_cli {
namespace {

constexpr auto kBarEvery = std::chrono::milliseconds(200);
constexpr auto kLineEvery = std::chrono::seconds(5);
constexpr int kBarWidth = 30;

std::string Eta(double seconds) {
  if (!(seconds >= 0.0) || seconds > 360'000.0) return "?";
  const auto s = static_cast<long>(seconds + 0.5);
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
}

}  // namespace

BatchProgress::BatchProgress(std::size_t total, std::size_t already_done, Mode mode, std::FILE* out)
    : total_(total),
      already_done_(already_done),
      mode_(mode),
      out_(out),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {
  if (mode_ == Mode::kAuto) mode_ = isatty(fileno(out_)) != 0 ? Mode::kBar : Mode::kLines;
}

int BatchProgress::refresh_ms() const {
  if (mode_ == Mode::kBar) return static_cast<int>(kBarEvery.count());
  return 1000;
}

std::string BatchProgress::Line(bool bar) const {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0.0 ? static_cast<double>(done_) / seconds : 0.0;
  const std::size_t done_total = std::min(already_done_ + done_, total_);
  const std::size_t remaining = total_ - done_total;
  const double fraction =
      total_ == 0 ? 1.0 : static_cast<double>(done_total) / static_cast<double>(total_);
  std::string text;
  if (bar) {
    const int filled = static_cast<int>(fraction * kBarWidth);
    text = "[" + std::string(static_cast<std::size_t>(filled), '#') +
           std::string(static_cast<std::size_t>(kBarWidth - filled), '-') + "] ";
  }
  text += fmt::format("{}/{} {:.0f}%  {:.0f}/s  {}  ETA {}", done_total, total_, fraction * 100.0,
                      rate, FormatUsd(cost_usd_),
                      rate > 0.0 ? Eta(static_cast<double>(remaining) / rate) : "?");
  if (failed_ > 0) text += fmt::format("  ({} failed)", failed_);
  return text;
}

void BatchProgress::Update(std::size_t done, std::size_t failed, double cost_usd) {
  done_ = done;
  failed_ = failed;
  cost_usd_ = cost_usd;
  if (mode_ == Mode::kNone) return;
  const auto now = std::chrono::steady_clock::now();
  if (mode_ == Mode::kBar && now - last_print_ >= kBarEvery) {
    fmt::print(out_, "\r\x1b[K{}", Line(true));
    bar_shown_ = true;
  } else if (mode_ == Mode::kLines && now - last_print_ >= kLineEvery) {
    fmt::print(out_, "prsm batch: {}\n", Line(false));
  } else {
    return;
  }
  last_print_ = now;
  std::fflush(out_);
}

void BatchProgress::Finish(std::string_view how) {
  if (finished_) return;
  finished_ = true;
  if (bar_shown_) fmt::print(out_, "\r\x1b[K");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = seconds > 0.0 ? static_cast<double>(done_) / seconds : 0.0;
  fmt::print(out_,
             "prsm batch: {}: {}/{} results ({} this run, {} failed) in {:.1f} s, {:.0f}/s, {}\n",
             how, std::min(already_done_ + done_, total_), total_, done_, failed_, seconds, rate,
             FormatUsd(cost_usd_));
  std::fflush(out_);
}

}  // namespace prsm_cli
