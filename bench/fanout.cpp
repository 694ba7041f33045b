// Wall time of asking three models at once against asking one, side by side.
//
// prsm-fake-provider (a separate process) answers every model after the same latency
// (100 ms by default). Each round sends one single-model query and one 3-model fan-out
// (first success wins), alternating which goes first; the figure of merit is the median of the
// per-round ratios fan-out / single. An ideal fan-out costs nothing in wall time: the three
// calls overlap, so the ratio is 1.
//
// Usage: prsm_bench_fanout [--rounds R] [--latency-ms L] [--fake PATH]
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fake_process.h"
#include "prsm/prsm.h"

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2.0;
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = 40;
  int latency_ms = 100;
  std::string fake_path;
  for (int i = 1; i < argc; i += 2) {
    const std::string arg = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    if (arg == "--rounds" && value) {
      rounds = std::atoi(value);
    } else if (arg == "--latency-ms" && value) {
      latency_ms = std::atoi(value);
    } else if (arg == "--fake" && value) {
      fake_path = value;
    } else {
      std::fprintf(stderr, "usage: %s [--rounds R] [--latency-ms L] [--fake PATH]\n", argv[0]);
      return 2;
    }
  }
  if (rounds <= 0 || latency_ms < 0) return 2;

  const std::string script = "{\"default\": {\"latency_ms\": " + std::to_string(latency_ms) + "}}";
  prsm::bench::FakeProcess fake(script, fake_path);
  if (!fake.ok()) {
    std::fprintf(stderr, "error: %s\n", fake.error().c_str());
    return 1;
  }

  prsm::OrchestratorOptions options;
  options.routing = prsm::MakeFanOutRouting(3);  // the query's model list decides: 1 or 3
  auto created = prsm::MultiLLMOrchestrator::Create(options);
  prsm::OpenAIConfig config;
  config.id = "fake";
  config.base_url = fake.base_url();
  auto provider = prsm::MakeOpenAIProvider(config);
  if (!created || !provider) return 1;
  prsm::MultiLLMOrchestrator& orchestrator = **created;
  if (!orchestrator.AddProvider(*provider)) return 1;
  for (const char* name : {"m1", "m2", "m3"}) {
    prsm::ModelSpec spec;
    spec.name = name;
    spec.provider = "fake";
    if (!orchestrator.AddModel(spec)) return 1;
  }

  auto timed = [&](std::vector<std::string> models) -> double {
    prsm::Query query = prsm::Query::FromText("ping");
    query.context.models = std::move(models);
    const auto start = Clock::now();
    auto response = orchestrator.ProcessAndWait(std::move(query));
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    if (!response) {
      std::fprintf(stderr, "error: %s\n", response.error().ToString().c_str());
      std::exit(1);
    }
    return ms;
  };
  const std::vector<std::string> one = {"m1"};
  const std::vector<std::string> three = {"m1", "m2", "m3"};

  timed(three);  // warm-up: opens the connections both kinds will reuse
  timed(one);

  std::vector<double> singles;
  std::vector<double> fanouts;
  std::vector<double> ratios;
  for (int round = 0; round < rounds; ++round) {
    double single = 0;
    double fanout = 0;
    if (round % 2 == 0) {
      single = timed(one);
      fanout = timed(three);
    } else {
      fanout = timed(three);
      single = timed(one);
    }
    singles.push_back(single);
    fanouts.push_back(fanout);
    ratios.push_back(fanout / single);
  }
  std::printf("server latency %d ms, %d rounds\n", latency_ms, rounds);
  std::printf("single call: median %.2f ms; 3-model fan-out: median %.2f ms\n", Median(singles),
              Median(fanouts));
  std::printf("median ratio fan-out/single: %.4f (target <= 1.05)\n", Median(ratios));
  return 0;
}
