// Soak: pushes many requests through one MultiLLMOrchestrator against prsm-fake-provider, with
// random faults and random cancellations, and checks that nothing was lost, doubled or leaked.
// A program, not a timed test: the full run (200,000 requests) takes a minute or two; figures are
// recorded in docs/BENCHMARKS.md ("Soak"); CI runs it under ASan at a reduced count (the ctest
// `prsm_soak_asan`, registered in sanitizer builds by bench/CMakeLists.txt).
//
// The server is a separate process, so its CPU and memory stay out of this process's figures.
// Its script (kScript) gives each model name a behaviour: three healthy models on two protocols
// (OpenAI, Anthropic), one with a heavy tail so hedges fire, and faulty ones — 503, 529, 429 with
// a 50 ms Retry-After, a reset connection, a malformed or truncated 200, a stall past the attempt
// timeout, and for streams a reset or a truncation after the commit point and a stall before the
// first token. Each request picks its model at random (seeded: --seed): --fault-share (10%) of
// requests name a faulty model first. --fallback-share (40%) of requests may fall back to a
// healthy model (MakeSingleModelRouting(true) over QueryContext::models), the others name one
// model only. Retries back off a few ms; breakers open after 5 failures and half-open after
// 100 ms, so faulty models keep being probed and breakers keep cycling; hedges fire after 40 ms.
// --stream-share (30%) of requests are streamed. --cancel-share (5%) of requests are cancelled
// by the submitting thread, right after Submit or a random number of submissions later; and
// callbacks of other requests (on_done, stream events) cancel random recent requests.
// At most --in-flight (256) requests are in flight; the submitting thread waits for room.
//
// Checks (printed; any failure makes the exit status 1):
//   exactly once   every on_done ran exactly once, on the loop thread, none missing when the
//                  run drained (guard: 120 s), none twice, none more at destruction;
//   streams        no event after on_done or after a kError event; a kError event is followed by
//                  on_done failing with the same code; a streamed answer equals its deltas;
//   answers        a success comes from a healthy model with that model's text; a request that
//                  named only faulty models never succeeds; only cancelled requests end
//                  kCancelled;
//   accounting     stats(): submitted == succeeded + failed == requests, and once drained
//                  in_flight == 0, open_transfers == 0, pending_timers == 0 (both sampled
//                  above 0 during the run, so the counters are known to be live);
//   memory         the peak RSS after warm-up (the first --warmup-share, 10%, of requests, and
//                  at least until the orchestrator's feedback store is full: 10,000 successes)
//                  is within --max-drift (5%) of the RSS at warm-up. Enforced from 100,000 requests
//                  on (a shorter run's warm-up is not steady state, and sanitizers hold freed
//                  memory in quarantine); --rss-check / --no-rss-check force either way.
// Requests to healthy models that failed without being cancelled are reported, not failed: under
// overload an attempt may time out, which is not a bug.
//
// Usage: prsm_soak [--requests N] [--in-flight C] [--seed S] [--fault-share F]
//                  [--stream-share F] [--fallback-share F] [--cancel-share F]
//                  [--warmup-share F] [--max-drift PCT] [--rss-check | --no-rss-check]
//                  [--fake PATH]
#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fake_process.h"
#include "proc_status.h"
#include "prsm/prsm.h"

namespace {

using Clock = std::chrono::steady_clock;
using prsm::ErrorCode;

// Every healthy model answers "Hello from <model>." (plain or streamed word by word).
const char* const kScript = R"({
  "default": {"status": 404, "error_message": "no such model in the soak script"},
  "models": {
    "ok": {"latency_ms": 2, "text": "Hello from {model}.", "chunk_latency_ms": 1},
    "ok-tail": {"latency_ms": 2, "slow_every": 40, "slow_latency_ms": 150,
                "text": "Hello from {model}.", "chunk_latency_ms": 1},
    "ok-anth": {"latency_ms": 3, "text": "Hello from {model}.", "chunk_latency_ms": 1},
    "f503": {"latency_ms": 1, "status": 503},
    "f529-anth": {"latency_ms": 1, "status": 529},
    "f429": {"latency_ms": 1, "status": 429, "retry_after": "0.05"},
    "freset": {"latency_ms": 1, "body": "reset"},
    "fmalformed": {"latency_ms": 1, "body": "malformed"},
    "ftrunc": {"latency_ms": 1, "body": "truncated"},
    "fstall": {"latency_ms": 10000},
    "fmidreset": {"latency_ms": 1, "text": "one two three four five six",
                  "chunk_latency_ms": 1, "reset_after_chunks": 2},
    "ftruncstream": {"latency_ms": 1, "text": "one two three four five six",
                     "chunk_latency_ms": 1, "truncate_after_chunks": 2},
    "fstallfirst": {"latency_ms": 1, "stall_before_first_token_ms": 10000}
  }
})";

struct ModelInfo {
  const char* name;
  const char* provider;
};

const std::array<ModelInfo, 3> kHealthy{
    {{"ok", "good"}, {"ok-tail", "good"}, {"ok-anth", "good-anth"}}};
// Faulty for plain and streamed requests alike.
const std::array<ModelInfo, 7> kFaulty{{{"f503", "bad"},
                                        {"f529-anth", "bad-anth"},
                                        {"f429", "bad"},
                                        {"freset", "bad"},
                                        {"fmalformed", "bad"},
                                        {"ftrunc", "bad"},
                                        {"fstall", "bad"}}};
// Faulty for streams only (a plain request to them succeeds): never named by plain requests.
const std::array<ModelInfo, 3> kStreamFaulty{
    {{"fmidreset", "bad"}, {"ftruncstream", "bad"}, {"fstallfirst", "bad"}}};
// Their streams fail after the commit point, which no fallback may hide.
const std::array<const char*, 2> kFailAfterCommit{{"fmidreset", "ftruncstream"}};

// OrchestratorOptions::feedback_window, the default: the memory it holds is part of the
// steady state the drift is measured from.
constexpr std::size_t kFeedbackWindow = 10000;

struct Options {
  std::size_t requests = 200000;
  std::size_t in_flight = 256;
  std::uint64_t seed = 1;
  double fault_share = 0.10;
  double stream_share = 0.30;
  double fallback_share = 0.40;
  double cancel_share = 0.05;
  double warmup_share = 0.10;
  double max_drift_pct = 5.0;
  int rss_check = -1;  // -1: from 100,000 requests on
  std::string fake_path;
};

// What the soak knows of one request. The submitting thread fills the plain fields before
// Submit() (which publishes them to the loop thread); callbacks, all on the loop thread, own the
// rest; the atomics are read by both.
struct Track {
  std::atomic<std::uint32_t> done_calls{0};
  std::atomic<bool> cancel_requested{false};
  std::string first_model;
  bool stream = false;
  bool cannot_succeed = false;  // only faulty models in its plan
  bool may_fail = false;        // cannot_succeed, or a stream that may fail after commit
  bool error_event = false;
  ErrorCode error_event_code = ErrorCode::kOk;
  std::string streamed;
};

std::string Kib(std::size_t kib) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(kib) / 1024.0);
  return text;
}

class Soak {
 public:
  explicit Soak(Options options)
      : options_(std::move(options)),
        tracks_(options_.requests),
        callback_rng_(options_.seed + 1) {}

  int Run();

 private:
  std::unique_ptr<prsm::MultiLLMOrchestrator> Make(const std::string& base_url);
  prsm::RequestHandle SubmitOne(std::size_t index, std::mt19937_64& rng);
  void OnEvent(std::size_t index, const prsm::StreamEvent& event);
  void OnDone(std::size_t index, prsm::Result<prsm::Response> result);
  void CancelFromCallback(double probability);
  void Cancel(std::size_t index, const prsm::RequestHandle& handle, bool from_callback);
  void Violation(const char* format, ...) __attribute__((format(printf, 2, 3)));
  bool Check(const char* name, bool passed, const std::string& detail);

  Options options_;
  std::vector<Track> tracks_;
  std::thread::id submitting_thread_ = std::this_thread::get_id();
  prsm::MultiLLMOrchestrator* orchestrator_ = nullptr;

  std::mutex mutex_;  // guards running_, finished_
  std::condition_variable changed_;
  std::size_t running_ = 0;
  std::size_t finished_ = 0;

  // Recent handles, for cancellations from callbacks (bounded: the oldest are overwritten).
  std::mutex ring_mutex_;
  std::vector<std::pair<std::size_t, prsm::RequestHandle>> ring_;
  std::size_t ring_next_ = 0;
  std::mt19937_64 callback_rng_;  // under ring_mutex_

  std::array<std::atomic<std::uint64_t>, 32> by_code_{};
  std::atomic<std::uint64_t> violations_{0};
  std::atomic<std::uint64_t> cancels_submitter_{0};
  std::atomic<std::uint64_t> cancels_callback_{0};
  std::atomic<std::uint64_t> cancels_accepted_{0};  // Cancel() returned true
  std::atomic<std::uint64_t> streams_errored_{0};
  std::atomic<std::uint64_t> named_faulty_{0};  // requests whose first model is faulty
  std::atomic<std::uint64_t> healthy_failed_{0};
  std::atomic<std::uint64_t> circuits_opened_{0};
  std::mutex healthy_mutex_;
  std::map<std::string, std::uint64_t> healthy_failures_;  // by "code: first model"
  std::string healthy_example_;

  std::mutex violation_mutex_;
  std::vector<std::string> violation_examples_;
  bool all_passed_ = true;
};

void Soak::Violation(const char* format, ...) {
  violations_.fetch_add(1, std::memory_order_relaxed);
  char text[512];
  va_list args;
  va_start(args, format);
  std::vsnprintf(text, sizeof(text), format, args);
  va_end(args);
  std::lock_guard<std::mutex> lock(violation_mutex_);
  if (violation_examples_.size() < 20) violation_examples_.emplace_back(text);
}

bool Soak::Check(const char* name, bool passed, const std::string& detail) {
  std::printf("  [%s] %-34s %s\n", passed ? "pass" : "FAIL", name, detail.c_str());
  all_passed_ = all_passed_ && passed;
  return passed;
}

std::unique_ptr<prsm::MultiLLMOrchestrator> Soak::Make(const std::string& base_url) {
  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeSingleModelRouting(/*fallback=*/true);
  options.max_in_flight = 4 * options_.in_flight;
  options.request_timeout = std::chrono::seconds(5);
  options.attempt_timeout = std::chrono::milliseconds(1000);
  options.first_token_timeout = std::chrono::milliseconds(1000);
  options.stream_idle_timeout = std::chrono::milliseconds(1000);
  options.connect_timeout = std::chrono::seconds(1);
  options.max_connections_per_host = 128;
  options.retry.max_retries = 2;
  options.retry.initial_backoff = std::chrono::milliseconds(1);
  options.retry.max_backoff = std::chrono::milliseconds(8);
  options.breaker.consecutive_failures = 5;
  options.breaker.open_for = std::chrono::milliseconds(100);
  options.breaker.half_open_probes = 1;
  options.hedge.enabled = true;
  options.hedge.delay = std::chrono::milliseconds(40);
  options.hedge.max_share = 0.05;
  options.feedback_window = kFeedbackWindow;
  options.on_circuit_change = [this](const prsm::CircuitEvent& event) {
    if (event.to == prsm::CircuitState::kOpen) {
      circuits_opened_.fetch_add(1, std::memory_order_relaxed);
    }
  };
  auto created = prsm::MultiLLMOrchestrator::Create(std::move(options));
  if (!created) {
    std::fprintf(stderr, "error: %s\n", created.error().ToString().c_str());
    return nullptr;
  }
  auto orchestrator = std::move(*created);
  const std::string root = base_url.substr(0, base_url.size() - 3);  // without "/v1"
  for (const char* id : {"good", "bad"}) {
    prsm::OpenAIConfig config;
    config.id = id;
    config.base_url = base_url;
    config.api_key = "sk-soak";
    auto provider = prsm::MakeOpenAIProvider(config);
    if (!provider || !orchestrator->AddProvider(*provider)) return nullptr;
  }
  for (const char* id : {"good-anth", "bad-anth"}) {
    prsm::AnthropicConfig config;
    config.id = id;
    config.base_url = root;
    config.api_key = "sk-soak";
    auto provider = prsm::MakeAnthropicProvider(config);
    if (!provider || !orchestrator->AddProvider(*provider)) return nullptr;
  }
  auto add = [&](const ModelInfo& info) {
    prsm::ModelSpec spec;
    spec.name = info.name;
    spec.provider = info.provider;
    auto added = orchestrator->AddModel(spec);
    if (!added) std::fprintf(stderr, "error: %s\n", added.error().ToString().c_str());
    return static_cast<bool>(added);
  };
  for (const auto& info : kHealthy) {
    if (!add(info)) return nullptr;
  }
  for (const auto& info : kFaulty) {
    if (!add(info)) return nullptr;
  }
  for (const auto& info : kStreamFaulty) {
    if (!add(info)) return nullptr;
  }
  return orchestrator;
}

void Soak::Cancel(std::size_t index, const prsm::RequestHandle& handle, bool from_callback) {
  // The flag first: a request that ends kCancelled must have been asked to.
  tracks_[index].cancel_requested.store(true, std::memory_order_release);
  (from_callback ? cancels_callback_ : cancels_submitter_).fetch_add(1, std::memory_order_relaxed);
  if (handle.Cancel()) cancels_accepted_.fetch_add(1, std::memory_order_relaxed);
}

// From a callback (on the loop thread): with `probability`, cancels a random recent request.
void Soak::CancelFromCallback(double probability) {
  std::size_t index = 0;
  prsm::RequestHandle handle;
  {
    std::lock_guard<std::mutex> lock(ring_mutex_);
    if (ring_.empty() ||
        std::uniform_real_distribution<double>(0.0, 1.0)(callback_rng_) >= probability) {
      return;
    }
    const auto& entry = ring_[callback_rng_() % ring_.size()];
    index = entry.first;
    handle = entry.second;
  }
  Cancel(index, handle, /*from_callback=*/true);
}

void Soak::OnEvent(std::size_t index, const prsm::StreamEvent& event) {
  Track& track = tracks_[index];
  if (track.done_calls.load(std::memory_order_acquire) != 0) {
    Violation("request #%zu (%s): stream event after on_done", index, track.first_model.c_str());
  }
  if (track.error_event) {
    Violation("request #%zu (%s): stream event after the kError event", index,
              track.first_model.c_str());
  }
  if (event.kind == prsm::StreamEvent::Kind::kError) {
    track.error_event = true;
    track.error_event_code = event.error ? event.error->code() : ErrorCode::kUnknown;
  } else if (event.kind == prsm::StreamEvent::Kind::kTextDelta) {
    track.streamed += event.text;
  }
  CancelFromCallback(0.002);
}

void Soak::OnDone(std::size_t index, prsm::Result<prsm::Response> result) {
  Track& track = tracks_[index];
  const std::uint32_t calls = track.done_calls.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (calls > 1) {
    Violation("request #%zu (%s): on_done ran %u times", index, track.first_model.c_str(), calls);
    return;  // counted once already
  }
  if (std::this_thread::get_id() == submitting_thread_) {
    Violation("request #%zu: on_done ran on the submitting thread", index);
  }
  const ErrorCode code = result ? ErrorCode::kOk : result.error().code();
  by_code_[static_cast<std::size_t>(code) % by_code_.size()].fetch_add(1,
                                                                       std::memory_order_relaxed);
  const bool cancelled = track.cancel_requested.load(std::memory_order_acquire);
  if (code == ErrorCode::kCancelled && !cancelled) {
    Violation("request #%zu (%s): kCancelled but never cancelled: %s", index,
              track.first_model.c_str(), result.error().ToString().c_str());
  }
  if (track.error_event) {
    streams_errored_.fetch_add(1, std::memory_order_relaxed);
    if (code != track.error_event_code) {
      Violation("request #%zu (%s): kError event %s but on_done %s", index,
                track.first_model.c_str(),
                std::string(prsm::ToString(track.error_event_code)).c_str(),
                std::string(prsm::ToString(code)).c_str());
    }
  }
  if (result) {
    const prsm::Response& response = *result;
    const bool healthy = std::any_of(kHealthy.begin(), kHealthy.end(),
                                     [&](const ModelInfo& m) { return response.model == m.name; });
    if (track.cannot_succeed) {
      Violation(
          "request #%zu (%s): succeeded although it cannot (faulty models only, or a "
          "stream failing after its commit point)",
          index, track.first_model.c_str());
    } else if (!healthy || response.answer != "Hello from " + response.model + ".") {
      Violation("request #%zu (%s): wrong answer \"%s\" from \"%s\"", index,
                track.first_model.c_str(), response.answer.c_str(), response.model.c_str());
    }
    if (track.stream && track.streamed != response.answer) {
      Violation("request #%zu (%s): streamed \"%s\" but answered \"%s\"", index,
                track.first_model.c_str(), track.streamed.c_str(), response.answer.c_str());
    }
  } else if (!track.may_fail && !cancelled) {
    healthy_failed_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(healthy_mutex_);
    ++healthy_failures_[std::string(prsm::ToString(code)) + " (first " + track.first_model + ")"];
    if (healthy_example_.empty()) healthy_example_ = result.error().ToString();
  }
  std::string().swap(track.streamed);
  CancelFromCallback(0.01);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    --running_;
    ++finished_;
  }
  changed_.notify_all();
}

prsm::RequestHandle Soak::SubmitOne(std::size_t index, std::mt19937_64& rng) {
  auto chance = [&rng](double p) {
    return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p;
  };
  auto pick = [&rng](auto& list) -> const ModelInfo& { return list[rng() % list.size()]; };
  Track& track = tracks_[index];
  track.stream = chance(options_.stream_share);
  const ModelInfo* first = nullptr;
  bool faulty = false;
  if (chance(options_.fault_share)) {
    faulty = true;
    named_faulty_.fetch_add(1, std::memory_order_relaxed);
    const std::size_t choices = kFaulty.size() + (track.stream ? kStreamFaulty.size() : 0);
    const std::size_t choice = rng() % choices;
    first = choice < kFaulty.size() ? &kFaulty[choice] : &kStreamFaulty[choice - kFaulty.size()];
  } else {
    first = &pick(kHealthy);
  }
  prsm::Query query = prsm::Query::FromText("soak request " + std::to_string(index));
  query.context.models.push_back(first->name);
  if (chance(options_.fallback_share)) {
    const ModelInfo* second = &pick(kHealthy);
    while (second == first) second = &pick(kHealthy);
    query.context.models.push_back(second->name);
  }
  if (chance(0.1)) {  // a query's own policy: no retries
    query.context.retry = prsm::RetryPolicy{};
    query.context.retry->max_retries = 0;
  }
  track.first_model = first->name;
  track.cannot_succeed = faulty && query.context.models.size() == 1;
  // A stream that fails after its commit point is not rescued by its fallback (by contract),
  // unless its circuit was open and the plan started at the fallback.
  track.may_fail =
      faulty && (track.cannot_succeed ||
                 std::any_of(kFailAfterCommit.begin(), kFailAfterCommit.end(),
                             [first](const char* name) { return name == first->name; }));

  auto done = [this, index](prsm::Result<prsm::Response> result) {
    OnDone(index, std::move(result));
  };
  const prsm::RequestHandle handle =
      track.stream ? orchestrator_->Stream(
                         std::move(query),
                         [this, index](const prsm::StreamEvent& event) { OnEvent(index, event); },
                         std::move(done))
                   : orchestrator_->Submit(std::move(query), std::move(done));
  std::lock_guard<std::mutex> lock(ring_mutex_);
  if (ring_.size() < 1024) {
    ring_.emplace_back(index, handle);
  } else {
    ring_[ring_next_++ % ring_.size()] = {index, handle};
  }
  return handle;
}

int Soak::Run() {
  prsm::bench::FakeProcess fake(kScript, options_.fake_path);
  if (!fake.ok()) {
    std::fprintf(stderr, "error: %s\n", fake.error().c_str());
    return 1;
  }
  auto orchestrator = Make(fake.base_url());
  if (!orchestrator) return 1;
  orchestrator_ = orchestrator.get();

  const std::size_t requests = options_.requests;
  // The warm-up ends at the first submission past --warmup-share once the orchestrator's
  // feedback store is full (it keeps the last kFeedbackWindow successful requests: memory that
  // grows until then by design), or at half the run if it never fills.
  const auto warmup_share_at = static_cast<std::size_t>(options_.warmup_share * requests);
  std::size_t warmup_at = requests;  // set when reached
  const bool rss_check = options_.rss_check >= 0 ? options_.rss_check == 1 : requests >= 100000;
  std::mt19937_64 rng(options_.seed);
  // Cancellations the submitting thread makes later: (submission number due, request index).
  std::deque<std::pair<std::size_t, std::pair<std::size_t, prsm::RequestHandle>>> later;
  std::size_t rss_warm = 0;
  std::size_t rss_max = 0;
  std::size_t fds_warm = 0;
  bool peak_reset = false;
  std::size_t transfers_seen = 0;  // the most open transfers and pending timers sampled
  std::size_t timers_seen = 0;

  std::printf(
      "prsm soak: %zu requests, %zu in flight, seed %llu; faults %.0f%%, streams %.0f%%, "
      "fallback %.0f%%, cancelled %.0f%% + from callbacks\n",
      requests, options_.in_flight, static_cast<unsigned long long>(options_.seed),
      100 * options_.fault_share, 100 * options_.stream_share, 100 * options_.fallback_share,
      100 * options_.cancel_share);
  std::fflush(stdout);
  const auto start = Clock::now();
  for (std::size_t i = 0; i < requests; ++i) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return running_ < options_.in_flight; });
      ++running_;
    }
    if (warmup_at == requests && i >= warmup_share_at &&
        (i >= requests / 2 || orchestrator->stats().succeeded >= kFeedbackWindow)) {
      warmup_at = i;
      rss_warm = prsm::bench::ResidentKib();
      rss_max = rss_warm;
      fds_warm = prsm::bench::OpenDescriptors();
      peak_reset = prsm::bench::ResetPeakResident();
    } else if (warmup_at < i && i % 512 == 0) {
      rss_max = std::max(rss_max, prsm::bench::ResidentKib());
      // The leak counters must be live, or their 0 at the end proves nothing.
      const prsm::OrchestratorStats running = orchestrator->stats();
      transfers_seen = std::max(transfers_seen, running.open_transfers);
      timers_seen = std::max(timers_seen, running.pending_timers);
    }
    const prsm::RequestHandle handle = SubmitOne(i, rng);
    if (std::uniform_real_distribution<double>(0.0, 1.0)(rng) < options_.cancel_share) {
      // A third at once (often before the loop has seen it), a third within a few
      // submissions, a third much later (often after it completed).
      const std::size_t band = rng() % 3;
      const std::size_t delay = band == 0 ? 0 : band == 1 ? 1 + rng() % 16 : 17 + rng() % 512;
      if (delay == 0) {
        Cancel(i, handle, /*from_callback=*/false);
      } else {
        later.push_back({i + delay, {i, handle}});
      }
    }
    while (!later.empty()) {
      // Not sorted by due time: scan the few pending ones.
      auto due = std::find_if(later.begin(), later.end(),
                              [i](const auto& entry) { return entry.first <= i; });
      if (due == later.end()) break;
      Cancel(due->second.first, due->second.second, /*from_callback=*/false);
      later.erase(due);
    }
  }
  for (const auto& entry : later) Cancel(entry.second.first, entry.second.second, false);
  later.clear();

  bool drained = false;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    drained =
        changed_.wait_for(lock, std::chrono::seconds(120), [&] { return finished_ == requests; });
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  {
    std::lock_guard<std::mutex> lock(ring_mutex_);
    ring_.clear();  // the handles' shared state goes now, before the end-of-run figures
  }
  // The loop publishes its transfer and timer counts after each pass, a moment after the last
  // callback: poll briefly (a guard, not a timing assumption).
  prsm::OrchestratorStats stats = orchestrator->stats();
  for (int tries = 0; tries < 500; ++tries) {
    if (stats.in_flight == 0 && stats.open_transfers == 0 && stats.pending_timers == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    stats = orchestrator->stats();
  }
  const std::size_t rss_end = prsm::bench::ResidentKib();
  const std::size_t fds_end = prsm::bench::OpenDescriptors();
  rss_max = std::max(rss_max, rss_end);
  if (peak_reset) rss_max = std::max(rss_max, prsm::bench::PeakResidentKib());
  std::uint64_t times_opened = 0;
  for (const auto& circuit : orchestrator->circuits()) times_opened += circuit.times_opened;

  std::size_t missing = 0;
  std::size_t twice = 0;
  std::string missing_example;
  for (std::size_t i = 0; i < requests; ++i) {
    const std::uint32_t calls = tracks_[i].done_calls.load(std::memory_order_acquire);
    if (calls == 0 && missing++ == 0) {
      missing_example = "#" + std::to_string(i) + " (" + tracks_[i].first_model +
                        (tracks_[i].stream ? ", stream" : "") + ")";
    }
    if (calls > 1) ++twice;
  }
  orchestrator.reset();  // completes anything left with kCancelled: must be nothing
  orchestrator_ = nullptr;
  std::size_t after_destruction = 0;
  for (std::size_t i = 0; i < requests; ++i) {
    after_destruction += tracks_[i].done_calls.load(std::memory_order_acquire);
  }

  // --- figures ---
  std::printf(
      "duration %.1f s, %.0f requests/s; %llu requests (%.1f%%) named a faulty model first\n",
      seconds, static_cast<double>(requests) / seconds,
      static_cast<unsigned long long>(named_faulty_.load()),
      100.0 * static_cast<double>(named_faulty_.load()) / static_cast<double>(requests));
  std::printf("outcomes:");
  for (std::size_t code = 0; code < by_code_.size(); ++code) {
    const auto count = by_code_[code].load();
    if (count == 0) continue;
    std::printf(" %s %llu", std::string(prsm::ToString(static_cast<ErrorCode>(code))).c_str(),
                static_cast<unsigned long long>(count));
  }
  std::printf("\n");
  std::printf(
      "attempts %llu, retries %llu (refused by the budget %llu), hedges %llu, circuit "
      "rejections %llu, rate limited %llu, circuits opened %llu (callbacks %llu)\n",
      static_cast<unsigned long long>(stats.attempts),
      static_cast<unsigned long long>(stats.retries),
      static_cast<unsigned long long>(stats.retries_refused),
      static_cast<unsigned long long>(stats.hedges),
      static_cast<unsigned long long>(stats.circuit_rejections),
      static_cast<unsigned long long>(stats.rate_limited),
      static_cast<unsigned long long>(times_opened),
      static_cast<unsigned long long>(circuits_opened_.load()));
  std::printf(
      "cancellations: %llu asked (%llu by the submitting thread, %llu from callbacks), %llu "
      "before completion, %llu requests ended Cancelled; streams ended by a kError event %llu\n",
      static_cast<unsigned long long>(cancels_submitter_ + cancels_callback_),
      static_cast<unsigned long long>(cancels_submitter_.load()),
      static_cast<unsigned long long>(cancels_callback_.load()),
      static_cast<unsigned long long>(cancels_accepted_.load()),
      static_cast<unsigned long long>(by_code_[static_cast<std::size_t>(ErrorCode::kCancelled)]),
      static_cast<unsigned long long>(streams_errored_.load()));
  std::printf("requests with a healthy model, not cancelled, that failed: %llu",
              static_cast<unsigned long long>(healthy_failed_.load()));
  const char* separator = ":";
  for (const auto& [what, count] : healthy_failures_) {
    std::printf("%s %s x%llu", separator, what.c_str(), static_cast<unsigned long long>(count));
    separator = ",";
  }
  std::printf("\n");
  if (!healthy_example_.empty()) std::printf("  e.g. %s\n", healthy_example_.c_str());
  const double drift =
      rss_warm == 0 ? 0.0
                    : 100.0 * (static_cast<double>(rss_max) - static_cast<double>(rss_warm)) /
                          static_cast<double>(rss_warm);
  std::printf(
      "RSS: at warm-up (request %zu) %s, peak after warm-up %s (%+.2f%%), at end %s; VmHWM "
      "reset at warm-up: %s; open descriptors %zu at warm-up, %zu at end\n",
      warmup_at, Kib(rss_warm).c_str(), Kib(rss_max).c_str(), drift, Kib(rss_end).c_str(),
      peak_reset ? "yes" : "no (peak from samples every 512 requests)", fds_warm, fds_end);

  // --- checks ---
  std::printf("checks:\n");
  char detail[256];
  std::snprintf(detail, sizeof(detail), "%zu missing%s%s, %zu twice", missing,
                missing ? ", first " : "", missing_example.c_str(), twice);
  Check("on_done exactly once", drained && missing == 0 && twice == 0, detail);
  std::snprintf(detail, sizeof(detail), "%zu calls for %zu requests", after_destruction, requests);
  Check("none more at destruction", after_destruction == requests, detail);
  std::snprintf(detail, sizeof(detail), "%llu",
                static_cast<unsigned long long>(violations_.load()));
  Check("stream, answer and cancel checks", violations_.load() == 0, detail);
  for (const auto& example : violation_examples_) std::printf("      %s\n", example.c_str());
  std::snprintf(detail, sizeof(detail), "submitted %llu, succeeded %llu + failed %llu",
                static_cast<unsigned long long>(stats.submitted),
                static_cast<unsigned long long>(stats.succeeded),
                static_cast<unsigned long long>(stats.failed));
  Check("stats add up", stats.submitted == requests && stats.succeeded + stats.failed == requests,
        detail);
  std::snprintf(detail, sizeof(detail),
                "in flight %zu, open transfers %zu, pending timers %zu (during the run up to %zu "
                "and %zu)",
                stats.in_flight, stats.open_transfers, stats.pending_timers, transfers_seen,
                timers_seen);
  Check("nothing left running",
        stats.in_flight == 0 && stats.open_transfers == 0 && stats.pending_timers == 0 &&
            transfers_seen > 0 && timers_seen > 0,
        detail);
  std::snprintf(detail, sizeof(detail), "%+.2f%% (limit %.1f%%)%s", drift, options_.max_drift_pct,
                rss_check ? "" : ", reported only");
  Check("peak RSS after warm-up", !rss_check || (rss_warm > 0 && drift <= options_.max_drift_pct),
        detail);
  std::printf("%s\n", all_passed_ ? "soak passed" : "SOAK FAILED");
  return all_passed_ ? 0 : 1;
}

bool ParseArgs(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    auto share = [&](double& out) {
      out = std::atof(argv[++i]);
      return out >= 0.0 && out <= 1.0;
    };
    bool ok = true;
    if (arg == "--rss-check") {
      options.rss_check = 1;
    } else if (arg == "--no-rss-check") {
      options.rss_check = 0;
    } else if (value == nullptr) {
      ok = false;
    } else if (arg == "--requests") {
      options.requests = std::strtoull(argv[++i], nullptr, 10);
      ok = options.requests >= 100;
    } else if (arg == "--in-flight") {
      options.in_flight = std::strtoull(argv[++i], nullptr, 10);
      ok = options.in_flight > 0;
    } else if (arg == "--seed") {
      options.seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--fault-share") {
      ok = share(options.fault_share);
    } else if (arg == "--stream-share") {
      ok = share(options.stream_share);
    } else if (arg == "--fallback-share") {
      ok = share(options.fallback_share);
    } else if (arg == "--cancel-share") {
      ok = share(options.cancel_share);
    } else if (arg == "--warmup-share") {
      ok = share(options.warmup_share) && options.warmup_share < 1.0;
    } else if (arg == "--max-drift") {
      options.max_drift_pct = std::atof(argv[++i]);
    } else if (arg == "--fake") {
      options.fake_path = argv[++i];
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, options)) {
    std::fprintf(stderr,
                 "usage: %s [--requests N>=100] [--in-flight C] [--seed S] [--fault-share F] "
                 "[--stream-share F] [--fallback-share F] [--cancel-share F] [--warmup-share F] "
                 "[--max-drift PCT] [--rss-check | --no-rss-check] [--fake PATH]\n",
                 argv[0]);
    return 2;
  }
  return Soak(std::move(options)).Run();
}
