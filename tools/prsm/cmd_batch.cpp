// prsm batch: many queries from a JSON-lines file, resumable, safe against kill -9; see
// commands.h, batch_input.h and batch_output.h.
//
// The main thread owns the output file and submits; the orchestrator's callbacks only queue
// the results (ResultQueue). The main thread waits in poll(2) on the queue, the signal pipe and
// the progress refresh, keeps at most --concurrency queries in flight, and writes each result
// as it arrives. First SIGINT/SIGTERM: submit nothing more, write what finishes, exit 130.
// Second: cancel what is still in flight (cancelled queries are not written; the next run
// redoes them) and exit 130.
#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

#include "batch_input.h"
#include "batch_output.h"
#include "commands.h"
#include "json_format.h"
#include "progress.h"
#include "prsm/config.h"
#include "prsm/orchestrator.h"
#include "signal_watch.h"
#include "wake_fd.h"

namespace prsm_cli {
namespace {

constexpr const char* kBatchUsage =
    "usage: prsm [--config FILE] batch IN.jsonl OUT.jsonl [options]\n"
    "\n"
    "Answers every query of IN.jsonl (\"-\" = standard input), one JSON object a line:\n"
    "  {\"id\": \"q1\", \"query\": \"...\", \"context\": {\"domain\": \"finance\"}, \"models\": "
    "[\"gpt-4\"]}\n"
    "(only \"query\" is required; \"id\" defaults to the line number), and appends one line\n"
    "per query to OUT.jsonl, in the order they finish:\n"
    "  {\"id\", \"answer\", \"model\", \"cost_usd\", \"latency_ms\", \"usage\", \"attempts\"}\n"
    "or, for a query that failed, \"answer\": null and \"error\": {\"code\", \"message\", ...}.\n"
    "\n"
    "Resuming: run the same command again. The ids already in OUT.jsonl are skipped (failed\n"
    "ones too); a torn last line (a write cut short) is removed and its query redone.\n"
    "\n"
    "  --concurrency N     queries in flight at once (default 16)\n"
    "  --timeout DURATION  deadline of each query (default: the configuration's)\n"
    "  --progress MODE     auto (a bar on a terminal, else a line every 5 s), bar, lines,\n"
    "                      none (default auto); a summary line is always printed\n"
    "  --config FILE       configuration file (default: $PRSM_CONFIG, else ./prsm.json)\n"
    "\n"
    "Exit status: 0 every query has a result line without error, 1 some query failed (see\n"
    "its \"error\") or OUT.jsonl could not be written, 2 usage, input or configuration error,\n"
    "130 interrupted: the first SIGINT/SIGTERM stops submitting and waits for the queries in\n"
    "flight (each is written), a second cancels them (not written; the next run redoes them).\n";

struct Finished {
  std::size_t index;  ///< Into the pending list.
  prsm::Result<prsm::Response> result;
};

BatchProgress::Mode ParseProgressMode(const std::string& text, bool* ok) {
  *ok = true;
  if (text == "auto") return BatchProgress::Mode::kAuto;
  if (text == "bar") return BatchProgress::Mode::kBar;
  if (text == "lines") return BatchProgress::Mode::kLines;
  if (text == "none") return BatchProgress::Mode::kNone;
  *ok = false;
  return BatchProgress::Mode::kAuto;
}

}  // namespace

int RunBatch(const GlobalOptions& global_in, const std::vector<std::string>& args) {
  GlobalOptions global = global_in;
  ParsedArgs parsed;
  const int early = ParseCommandArgs(
      "batch", kBatchUsage, {{"--concurrency", true}, {"--timeout", true}, {"--progress", true}},
      args, &global, &parsed);
  if (early >= 0) return early;
  if (parsed.positionals.size() != 2) {
    return UsageError(
        "batch", fmt::format("expected IN.jsonl and OUT.jsonl, got {} argument{}",
                             parsed.positionals.size(), parsed.positionals.size() == 1 ? "" : "s"));
  }
  const std::string& in_path = parsed.positionals[0];
  const std::string& out_path = parsed.positionals[1];
  std::size_t concurrency = 16;
  if (auto text = parsed.Last("--concurrency")) {
    auto value = ParseCount(*text, 1, 1'000'000);
    if (!value) return UsageError("batch", "--concurrency expects a whole number >= 1");
    concurrency = *value;
  }
  std::optional<std::chrono::milliseconds> timeout;
  if (auto text = parsed.Last("--timeout")) {
    timeout = ParseDuration(*text);
    if (!timeout) {
      return UsageError("batch",
                        "--timeout expects a duration like 250ms, 30s or 2m, got '" + *text + "'");
    }
  }
  BatchProgress::Mode progress_mode = BatchProgress::Mode::kAuto;
  if (auto text = parsed.Last("--progress")) {
    bool ok = false;
    progress_mode = ParseProgressMode(*text, &ok);
    if (!ok) return UsageError("batch", "--progress expects auto, bar, lines or none");
  }

  auto config = LoadCliConfig(global, /*require_keys=*/true);
  if (!config) {
    fmt::print(stderr, "prsm batch: {}\n", config.error().message());
    return kExitUsage;
  }
  std::vector<BatchItem> items;
  std::string error;
  if (!ReadBatchInput(in_path, &items, &error)) {
    fmt::print(stderr, "prsm batch: {}\n", error);
    return kExitUsage;
  }
  for (const BatchItem& item : items) {
    for (const std::string& model : item.models) {
      const bool known =
          std::any_of(config->models.begin(), config->models.end(),
                      [&](const prsm::ModelSpec& spec) { return spec.name == model; });
      if (!known) {
        fmt::print(stderr, "prsm batch: {}:{}: unknown model '{}' (configured in {}: {})\n",
                   in_path, item.line, model, config->source, ModelNames(*config));
        return kExitUsage;
      }
    }
  }

  auto output = BatchOutput::Open(out_path, &error);
  if (!output) {
    fmt::print(stderr, "prsm batch: {}\n", error);
    return kExitUsage;
  }
  const ExistingOutput& existing = output->existing();
  if (existing.torn_bytes > 0) {
    fmt::print(stderr,
               "prsm batch: {}: removed a torn last line ({} bytes, a write cut short); its "
               "query runs again\n",
               out_path, existing.torn_bytes);
  }
  std::vector<const BatchItem*> pending;
  std::size_t already_done = 0;
  std::size_t already_failed = 0;
  for (const BatchItem& item : items) {
    if (existing.done.count(item.id) == 0) {
      pending.push_back(&item);
    } else {
      ++already_done;
      if (existing.failed.count(item.id) != 0) ++already_failed;
    }
  }
  if (existing.lines > 0) {
    fmt::print(stderr, "prsm batch: resuming: {} of {} queries already in {}, {} to run\n",
               already_done, items.size(), out_path, pending.size());
    if (existing.done.size() > already_done) {
      fmt::print(stderr, "prsm batch: note: {} ids in {} are not in {}\n",
                 existing.done.size() - already_done, out_path, in_path);
    }
  }
  if (concurrency > config->options.max_in_flight) {
    concurrency = config->options.max_in_flight;  // more would fail admission
  }

  // Declared before the orchestrator: its callbacks push here until it is destroyed.
  ResultQueue<Finished> results;
  auto orchestrator = prsm::MultiLLMOrchestrator::Create(std::move(*config));
  if (!orchestrator) {
    fmt::print(stderr, "prsm batch: {}\n", orchestrator.error().ToString());
    return kExitUsage;
  }
  std::string signal_error;
  auto signals = SignalWatch::Install(&signal_error);
  if (!signals) {
    fmt::print(stderr, "prsm batch: {}\n", signal_error);
    return kExitFailed;
  }

  BatchProgress progress(items.size(), already_done, progress_mode);
  std::unordered_map<std::size_t, prsm::RequestHandle> in_flight;
  std::vector<std::chrono::steady_clock::time_point> submitted_at(pending.size());
  std::size_t next = 0;
  std::size_t written = 0;
  std::size_t failed = 0;
  double cost_usd = 0.0;
  int signal_count = 0;
  bool write_failed = false;
  std::size_t cancelled = 0;  // not written: the next run asks them again

  for (;;) {
    const bool stopping = signal_count > 0 || write_failed;
    while (!stopping && in_flight.size() < concurrency && next < pending.size()) {
      const BatchItem& item = *pending[next];
      prsm::Query query = prsm::Query::FromText(item.query);
      query.context.attributes = item.context;
      query.context.models = item.models;
      query.context.timeout = timeout;
      const std::size_t index = next++;
      submitted_at[index] = std::chrono::steady_clock::now();
      in_flight.emplace(index, (*orchestrator)
                                   ->Submit(std::move(query),
                                            [&results, index](prsm::Result<prsm::Response> result) {
                                              results.Push(Finished{index, std::move(result)});
                                            }));
    }
    if (in_flight.empty() && (stopping || next == pending.size())) break;

    WaitReadable(signals->fd(), results.fd(), progress.refresh_ms());
    if (const int count = signals->Take(); count > 0) {
      if (signal_count == 0) {
        fmt::print(stderr,
                   "\nprsm batch: interrupted: waiting for the {} queries in flight (again to "
                   "cancel them)\n",
                   in_flight.size());
      }
      signal_count += count;
      if (signal_count >= 2) {
        for (const auto& [index, handle] : in_flight) handle.Cancel();
      }
    }
    for (Finished& done : results.TakeAll()) {
      in_flight.erase(done.index);
      // A cancelled query has no answer: left out, so that the next run asks it again.
      if (!done.result && done.result.error().code() == prsm::ErrorCode::kCancelled) {
        ++cancelled;
        continue;
      }
      if (write_failed) continue;
      const auto measured = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - submitted_at[done.index]);
      const std::string line = BatchResultLine(pending[done.index]->id, done.result, measured);
      if (!output->Append(line, &error)) {
        fmt::print(stderr, "\nprsm batch: {}\n", error);
        write_failed = true;
        // Nothing more can be recorded: answers still coming would only cost money.
        for (const auto& [index, handle] : in_flight) handle.Cancel();
        continue;
      }
      ++written;
      if (done.result) {
        cost_usd += done.result->cost_usd;
      } else {
        ++failed;
      }
    }
    progress.Update(written, failed, cost_usd);
  }

  const bool interrupted = signal_count > 0;
  progress.Finish(interrupted ? "interrupted" : write_failed ? "stopped" : "done");
  if (already_failed > 0) {
    fmt::print(stderr,
               "prsm batch: {} queries failed in an earlier run (their lines in {} have an "
               "\"error\"; remove those lines and run again to retry them)\n",
               already_failed, out_path);
  }
  if (write_failed) return kExitFailed;
  if (interrupted) return kExitInterrupted;
  if (cancelled > 0) {
    // Only our own Cancel() should do this; say so rather than exit 0 with lines missing.
    fmt::print(stderr, "prsm batch: {} queries were cancelled and have no line; run again\n",
               cancelled);
    return kExitFailed;
  }
  return failed + already_failed > 0 ? kExitFailed : kExitOk;
}

}  // namespace prsm_cli
