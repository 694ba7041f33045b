// CPU per request of the orchestrator against a bare libcurl-multi loop, side by side.
//
// Both send the same N requests (the same bytes: the baseline reuses the body and headers the
// OpenAI codec builds) at the same concurrency to prsm-fake-provider, which runs as a separate
// process so its CPU is not counted. CPU is this process's user + system time, all threads.
// Rounds alternate A (bare), B (orchestrator), so drift on a noisy machine hits both alike; the
// figure of merit is the median of the per-round ratios B/A.
//
// Usage: prsm_bench_overhead [--requests N] [--concurrency C] [--rounds R]
//                            [--submit host|callback] [--only bare|prsm] [--no-pin]
//                            [--fake PATH] [--observer]
// By default this process is pinned to the first CPU and the server to the last (--no-pin: not).
// (--only runs one side, for a profiler; it prints no ratio.) --observer registers an Observer
// that counts the events (prsm/observer.h): the cost of building and delivering them.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "bare_curl_loop.h"
#include "fake_process.h"
#include "prsm/prsm.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::size_t requests = 20'000;
  std::size_t concurrency = 64;
  int rounds = 5;
  bool submit_from_callback = false;
  std::string only;  // "bare" or "prsm": run one side only (for profiling)
  bool pin = true;
  std::string fake;
  bool observer = false;
};

// Counts events on the observer thread: what observing costs, without a slow observer's work.
class CountingObserver : public prsm::Observer {
 public:
  void OnEvent(const prsm::ObserverEvent&) override { ++events; }
  std::size_t events = 0;  // observer thread only; read after the orchestrator is gone
};

struct Measurement {
  double cpu_us_per_request = 0;
  double requests_per_second = 0;
  std::size_t failed = 0;
};

const char* kScript = R"({"default": {"latency_ms": 0, "prompt_tokens": 24, "completion_tokens": 9,
  "text": "The capital of France is Paris."}})";

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

template <typename F>
Measurement Measure(std::size_t requests, F&& run) {
  const auto cpu_before = prsm::bench::ProcessCpuTime();
  const auto wall_before = Clock::now();
  const std::size_t failed = run();
  const auto wall = std::chrono::duration<double>(Clock::now() - wall_before).count();
  const auto cpu = prsm::bench::ProcessCpuTime() - cpu_before;
  return {static_cast<double>(cpu.count()) / static_cast<double>(requests),
          static_cast<double>(requests) / wall, failed};
}

// Keeps `concurrency` requests in flight until `total` have completed; returns the failures.
std::size_t RunOrchestrator(prsm::MultiLLMOrchestrator& orchestrator, const prsm::Query& query,
                            std::size_t total, std::size_t concurrency, bool from_callback) {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t in_flight = 0;
  std::size_t done = 0;
  std::size_t failed = 0;
  std::size_t submitted = 0;

  if (from_callback) {
    // Each completion submits the next request from the loop thread, as an asynchronous host
    // pipeline would; no thread hop per request.
    std::function<void(prsm::Result<prsm::Response>)> on_done;
    on_done = [&](prsm::Result<prsm::Response> outcome) {
      bool submit_next = false;
      {
        std::lock_guard<std::mutex> lock(mutex);
        ++done;
        if (!outcome) ++failed;
        if (submitted < total) {
          ++submitted;
          submit_next = true;
        }
        if (done == total) changed.notify_all();
      }
      if (submit_next) orchestrator.Submit(query, on_done);
    };
    {
      std::lock_guard<std::mutex> lock(mutex);
      submitted = std::min(concurrency, total);
    }
    for (std::size_t i = 0; i < std::min(concurrency, total); ++i)
      orchestrator.Submit(query, on_done);
    std::unique_lock<std::mutex> lock(mutex);
    changed.wait(lock, [&] { return done == total; });
    return failed;
  }

  // A host thread submits, holding `concurrency` in flight: every request crosses threads twice.
  for (std::size_t i = 0; i < total; ++i) {
    {
      std::unique_lock<std::mutex> lock(mutex);
      changed.wait(lock, [&] { return in_flight < concurrency; });
      ++in_flight;
    }
    orchestrator.Submit(query, [&](prsm::Result<prsm::Response> outcome) {
      std::lock_guard<std::mutex> lock(mutex);
      --in_flight;
      ++done;
      if (!outcome) ++failed;
      changed.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mutex);
  changed.wait(lock, [&] { return done == total; });
  return failed;
}

bool ParseArgs(int argc, char** argv, Options& options) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--requests" && value) {
      options.requests = std::strtoull(value, nullptr, 10);
    } else if (arg == "--concurrency" && value) {
      options.concurrency = std::strtoull(value, nullptr, 10);
    } else if (arg == "--rounds" && value) {
      options.rounds = std::atoi(value);
    } else if (arg == "--submit" && value) {
      options.submit_from_callback = std::strcmp(value, "callback") == 0;
    } else if (arg == "--fake" && value) {
      options.fake = value;
    } else if (arg == "--only" && value) {
      options.only = value;
    } else if (arg == "--no-pin") {
      options.pin = false;
      continue;
    } else if (arg == "--observer") {
      options.observer = true;
      continue;
    } else {
      std::fprintf(stderr,
                   "usage: %s [--requests N] [--concurrency C] [--rounds R] "
                   "[--submit host|callback] [--only bare|prsm] [--no-pin] [--fake PATH] "
                   "[--observer]\n",
                   argv[0]);
      return false;
    }
    ++i;
  }
  return options.requests > 0 && options.concurrency > 0 && options.rounds > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseArgs(argc, argv, options)) return 2;
  curl_global_init(CURL_GLOBAL_DEFAULT);

  prsm::bench::FakeProcess fake(kScript, options.fake);
  if (!fake.ok()) {
    std::fprintf(stderr, "error: %s\n", fake.error().c_str());
    return 1;
  }

  const bool pinned = options.pin && prsm::bench::PinApart(fake);

  prsm::OpenAIConfig config;
  config.id = "fake";
  config.base_url = fake.base_url();
  config.api_key = "sk-bench";
  auto provider = prsm::MakeOpenAIProvider(config);
  prsm::OrchestratorOptions orchestrator_options;
  auto observer = std::make_shared<CountingObserver>();
  if (options.observer) orchestrator_options.observers.push_back(observer);
  auto created = prsm::MultiLLMOrchestrator::Create(std::move(orchestrator_options));
  if (!provider || !created) {
    std::fprintf(stderr, "error: could not set up the orchestrator\n");
    return 1;
  }
  prsm::MultiLLMOrchestrator& orchestrator = **created;
  prsm::ModelSpec model;
  model.name = "bench-model";
  model.provider = "fake";
  model.price.input_per_mtok = 0.15;
  model.price.output_per_mtok = 0.60;
  if (!orchestrator.AddProvider(*provider) || !orchestrator.AddModel(model)) return 1;

  prsm::Query query = prsm::Query::FromText("What is the capital of France?");
  query.request.max_tokens = 16;

  // The baseline sends exactly the bytes prsm sends.
  prsm::CompletionRequest wire = query.request;
  wire.model = model.name;
  auto http = (*provider)->BuildRequest(wire);
  if (!http) {
    std::fprintf(stderr, "error: %s\n", http.error().ToString().c_str());
    return 1;
  }
  std::vector<std::string> headers;
  for (const prsm::HttpHeader& header : http->headers)
    headers.push_back(header.name + ": " + header.value);

  auto bare = [&](std::size_t n) {
    return Measure(n, [&] {
      auto result =
          prsm::bench::RunBareCurlLoop(http->url, http->body, headers, n, options.concurrency);
      return result.failed;
    });
  };
  auto orchestrated = [&](std::size_t n) {
    return Measure(n, [&] {
      return RunOrchestrator(orchestrator, query, n, options.concurrency,
                             options.submit_from_callback);
    });
  };

  if (!options.only.empty()) {
    const Measurement m =
        options.only == "bare" ? bare(options.requests) : orchestrated(options.requests);
    std::printf("%s: %.2f cpu us/req, %.0f req/s, %zu failed\n", options.only.c_str(),
                m.cpu_us_per_request, m.requests_per_second, m.failed);
    return m.failed == 0 ? 0 : 1;
  }

  // Warm-up: connections, allocator, caches.
  bare(options.requests / 10 + 1);
  orchestrated(options.requests / 10 + 1);

  std::printf("requests per round: %zu, concurrency: %zu, submit from: %s, %s\n", options.requests,
              options.concurrency, options.submit_from_callback ? "callback" : "host thread",
              pinned ? "client and server pinned to different CPUs" : "not pinned");
  if (options.observer) std::printf("prsm with an Observer registered (--observer)\n");
  std::printf("%-6s %18s %18s %8s %14s %14s\n", "round", "bare cpu us/req", "prsm cpu us/req",
              "ratio", "bare req/s", "prsm req/s");
  std::vector<double> ratios;
  std::vector<double> bare_cpu;
  std::vector<double> prsm_cpu;
  std::size_t failures = 0;
  for (int round = 1; round <= options.rounds; ++round) {
    const Measurement a = bare(options.requests);
    const Measurement b = orchestrated(options.requests);
    failures += a.failed + b.failed;
    const double ratio = b.cpu_us_per_request / a.cpu_us_per_request;
    ratios.push_back(ratio);
    bare_cpu.push_back(a.cpu_us_per_request);
    prsm_cpu.push_back(b.cpu_us_per_request);
    std::printf("%-6d %18.2f %18.2f %8.3f %14.0f %14.0f\n", round, a.cpu_us_per_request,
                b.cpu_us_per_request, ratio, a.requests_per_second, b.requests_per_second);
  }
  std::printf("median: bare %.2f us/req, prsm %.2f us/req, ratio prsm/bare %.3f (target <= 1.15)\n",
              Median(bare_cpu), Median(prsm_cpu), Median(ratios));
  if (failures > 0) {
    std::printf("FAILED requests: %zu\n", failures);
    return 1;
  }
  curl_global_cleanup();
  return 0;
}
