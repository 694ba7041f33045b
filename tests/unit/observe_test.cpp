// Observability internals: trace ids, the histogram buckets, log redaction and the JSON-lines
// sink, the observer hub's bounded queue, and FormatPrometheus checked by promtool.
#include <atomic>
#include <future>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <rapidjson/document.h>

#include "../integration/promtool_check.h"
#include "observe/logger.h"
#include "observe/metrics_registry.h"
#include "observe/observer_hub.h"
#include "observe/trace_id.h"
#include "prsm/log.h"
#include "prsm/metrics.h"
#include "prsm/observer.h"

using prsm::EventKind;
using prsm::LogLevel;
using prsm::LogRecord;
using prsm::ObserverEvent;

TEST_CASE("trace ids: generated ids are valid, distinct, and validation refuses the rest") {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    const std::string trace = prsm::internal::NewTraceId();
    const std::string span = prsm::internal::NewSpanId();
    CHECK(prsm::internal::IsValidTraceId(trace));
    CHECK(prsm::internal::IsValidSpanId(span));
    seen.insert(trace);
  }
  CHECK(seen.size() == 200);
  CHECK(prsm::internal::IsValidTraceId("4bf92f3577b34da6a3ce929d0e0e4736"));
  CHECK_FALSE(prsm::internal::IsValidTraceId("4BF92F3577B34DA6A3CE929D0E0E4736"));  // upper case
  CHECK_FALSE(prsm::internal::IsValidTraceId("00000000000000000000000000000000"));  // all zero
  CHECK_FALSE(prsm::internal::IsValidTraceId("4bf92f3577b34da6a3ce929d0e0e473"));   // 31 digits
  CHECK_FALSE(prsm::internal::IsValidTraceId("4bf92f3577b34da6a3ce929d0e0e473g"));
  CHECK_FALSE(prsm::internal::IsValidSpanId("00f067aa0ba902b"));
  CHECK(prsm::internal::Traceparent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7") ==
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
}

TEST_CASE("histograms: a value lands in the first bucket whose bound holds it") {
  prsm::HistogramSnapshot histogram = prsm::internal::EmptyHistogram();
  const auto& bounds = prsm::DefaultLatencyBuckets();
  REQUIRE(histogram.counts.size() == bounds.size() + 1);
  prsm::internal::Observe(histogram, 0.0);        // bucket 0
  prsm::internal::Observe(histogram, bounds[0]);  // <= bound: still bucket 0
  prsm::internal::Observe(histogram, 0.3);        // (0.25, 0.5]
  prsm::internal::Observe(histogram, 1e6);        // above every bound: +Inf
  CHECK(histogram.counts[0] == 2);
  CHECK(histogram.counts[6] == 1);
  CHECK(bounds[6] == 0.5);
  CHECK(histogram.counts.back() == 1);
  CHECK(histogram.count == 4);
  CHECK(histogram.sum == Approx(0.0 + bounds[0] + 0.3 + 1e6));
}

TEST_CASE("redaction: secret field names, configured values and bearer credentials") {
  using prsm::internal::IsSecretFieldName;
  CHECK(IsSecretFieldName("api_key"));
  CHECK(IsSecretFieldName("Authorization"));
  CHECK(IsSecretFieldName("x-api-key"));
  CHECK(IsSecretFieldName("refresh_token"));
  CHECK(IsSecretFieldName("password"));
  CHECK_FALSE(IsSecretFieldName("input_tokens"));
  CHECK_FALSE(IsSecretFieldName("model"));
  CHECK_FALSE(IsSecretFieldName("trace_id"));
  const std::string redacted = prsm::internal::Redact(
      "sent sk-live-123 with header Authorization: Bearer abc.def and sk-live-123 again",
      {"sk-live-123", ""});
  CHECK(redacted ==
        "sent [REDACTED] with header Authorization: Bearer [REDACTED] and [REDACTED] again");
}

TEST_CASE("logger: level filter, redaction of messages and fields, both sinks") {
  std::vector<std::string> plain;
  std::vector<LogRecord> structured;
  prsm::internal::Logger logger([&](LogLevel, std::string_view line) { plain.emplace_back(line); },
                                [&](const LogRecord& record) { structured.push_back(record); },
                                LogLevel::kInfo, {"s3cr3t-value"});
  CHECK_FALSE(logger.Enabled(LogLevel::kDebug));
  CHECK(logger.Enabled(LogLevel::kWarning));
  logger.Log(LogLevel::kDebug, "not shown");
  logger.Log(LogLevel::kWarning, "key s3cr3t-value leaked",
             {{"api_key", "whatever"}, {"model", "m s3cr3t-value"}, {"input_tokens", "12"}});
  REQUIRE(structured.size() == 1);
  REQUIRE(plain.size() == 1);
  const LogRecord& record = structured[0];
  CHECK(record.level == LogLevel::kWarning);
  CHECK(record.message == "key [REDACTED] leaked");
  CHECK(record.fields.at("api_key") == "[REDACTED]");
  CHECK(record.fields.at("model") == "m [REDACTED]");
  CHECK(record.fields.at("input_tokens") == "12");
  CHECK(plain[0] ==
        "key [REDACTED] leaked [api_key=[REDACTED] input_tokens=12 model=m [REDACTED]]");
  prsm::internal::Logger silent({}, {}, LogLevel::kDebug, {});
  CHECK_FALSE(silent.Enabled(LogLevel::kError));
}

TEST_CASE("JSON-lines sink: one parseable object per line, fields flattened") {
  std::vector<std::string> lines;
  auto sink = prsm::MakeJsonLinesLogSink([&](std::string_view line) { lines.emplace_back(line); });
  LogRecord record;
  record.level = LogLevel::kError;
  record.message = "a \"quoted\"\nmessage\twith\x01control";
  record.fields = {{"model", "gpt"}, {"message", "clash"}};
  record.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  sink(record);
  REQUIRE(lines.size() == 1);
  const std::string& line = lines[0];
  REQUIRE(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size() - 1);
  REQUIRE_FALSE(doc.HasParseError());
  CHECK(std::string(doc["time"].GetString()) == "2023-11-14T22:13:20.123Z");
  CHECK(std::string(doc["level"].GetString()) == "error");
  CHECK(std::string(doc["message"].GetString()) == record.message);
  CHECK(std::string(doc["model"].GetString()) == "gpt");
  CHECK(std::string(doc["field.message"].GetString()) == "clash");
}

namespace {

// Blocks on its first event until released; records everything it gets.
class GatedObserver : public prsm::Observer {
 public:
  explicit GatedObserver(std::shared_future<void> gate) : gate_(std::move(gate)) {}
  void OnEvent(const ObserverEvent& event) override {
    entered_.set_value_once();
    gate_.wait();
    std::lock_guard<std::mutex> lock(mutex_);
    ids_.push_back(event.request_id);
    threads_.insert(std::this_thread::get_id());
  }
  std::vector<std::uint64_t> ids() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ids_;
  }
  std::set<std::thread::id> threads() {
    std::lock_guard<std::mutex> lock(mutex_);
    return threads_;
  }
  // Set once the observer thread is inside OnEvent.
  struct Once {
    std::promise<void> promise;
    std::atomic<bool> set{false};
    void set_value_once() {
      if (!set.exchange(true)) promise.set_value();
    }
  } entered_;

 private:
  std::shared_future<void> gate_;
  std::mutex mutex_;
  std::vector<std::uint64_t> ids_;
  std::set<std::thread::id> threads_;
};

ObserverEvent EventFor(std::uint64_t id) {
  ObserverEvent event;
  event.kind = EventKind::kRequestFinished;
  event.request_id = id;
  return event;
}

}  // namespace

TEST_CASE("observer hub: a blocked observer never blocks Publish; overflow is dropped, counted") {
  std::promise<void> release;
  auto observer = std::make_shared<GatedObserver>(release.get_future().share());
  auto entered = observer->entered_.promise.get_future();
  constexpr std::size_t kCapacity = 8;
  constexpr std::uint64_t kEvents = 100;
  std::uint64_t dropped = 0;
  {
    prsm::internal::ObserverHub hub({observer}, kCapacity, {});
    hub.Publish(EventFor(1));
    entered.wait();  // the observer thread holds event 1 and waits for the gate
    for (std::uint64_t id = 2; id <= kEvents; ++id) hub.Publish(EventFor(id));
    dropped = hub.dropped();
    CHECK(dropped == kEvents - 1 - kCapacity);  // 1 delivering, kCapacity queued, rest dropped
    release.set_value();
  }  // the destructor delivers what is queued
  const auto ids = observer->ids();
  CHECK(ids.size() + dropped == kEvents);
  REQUIRE(ids.size() == kCapacity + 1);
  for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == i + 1);  // in order
  CHECK(observer->threads().count(std::this_thread::get_id()) == 0);
}

TEST_CASE("observer hub: observers in order, an exception reported and the others still called") {
  struct Recorder : prsm::Observer {
    std::vector<std::string>* log;
    std::string name;
    bool fail;
    Recorder(std::vector<std::string>* l, std::string n, bool f)
        : log(l), name(std::move(n)), fail(f) {}
    void OnEvent(const ObserverEvent& event) override {
      log->push_back(name + std::to_string(event.request_id));
      if (fail) throw std::runtime_error("boom");
    }
  };
  std::vector<std::string> log;  // written on the observer thread only, read after the join
  std::vector<std::string> errors;
  {
    prsm::internal::ObserverHub hub(
        {std::make_shared<Recorder>(&log, "a", true), std::make_shared<Recorder>(&log, "b", false)},
        16, [&](const std::string& message) { errors.push_back(message); });
    hub.Publish(EventFor(1));
    hub.Publish(EventFor(2));
  }
  CHECK(log == std::vector<std::string>{"a1", "b1", "a2", "b2"});
  REQUIRE(errors.size() == 2);
  CHECK(errors[0] == "an observer threw: boom");
}

TEST_CASE("event kinds have snake_case names") {
  CHECK(prsm::ToString(EventKind::kRouteDecided) == "route_decided");
  CHECK(prsm::ToString(EventKind::kBudgetExhausted) == "budget_exhausted");
  CHECK(prsm::ToString(EventKind::kRequestFinished) == "request_finished");
}

namespace {

prsm::MetricsSnapshot SampleSnapshot() {
  prsm::MetricsSnapshot snapshot;
  snapshot.requests_succeeded = 3;
  snapshot.requests_failed = 1;
  snapshot.in_flight = 2;
  snapshot.cost_usd = 0.25;
  snapshot.retries = 4;
  snapshot.observer_events_dropped = 7;
  snapshot.circuits.push_back(
      {"provider:fake", prsm::CircuitState::kOpen, 5, 1, std::chrono::milliseconds(100)});
  prsm::ModelMetrics model;
  model.provider = "fake";
  model.requests = 3;
  model.attempts_succeeded = 3;
  model.attempts_failed = 1;
  model.errors[prsm::ErrorCode::kUnavailable] = 1;
  model.tokens.input_tokens = 300;
  model.tokens.output_tokens = 30;
  model.cost_usd = 0.125;
  model.latency = prsm::internal::EmptyHistogram();
  model.time_to_first_token = prsm::internal::EmptyHistogram();
  prsm::internal::Observe(model.latency, 0.02);
  prsm::internal::Observe(model.latency, 0.3);
  prsm::internal::Observe(model.latency, 500.0);
  // A name that needs every escape the format has.
  snapshot.models["we\"ird\\model\nname"] = model;
  snapshot.models["gpt-4o"] = model;
  return snapshot;
}

}  // namespace

TEST_CASE("FormatPrometheus: promtool accepts it, labels escaped, histograms cumulative") {
  const std::string text = prsm::FormatPrometheus(SampleSnapshot());
  CHECK(text.find("prsm_requests_total{outcome=\"succeeded\"} 3\n") != std::string::npos);
  CHECK(text.find("prsm_model_requests_total{model=\"we\\\"ird\\\\model\\nname\",provider="
                  "\"fake\"} 3\n") != std::string::npos);
  CHECK(text.find("prsm_model_errors_total{model=\"gpt-4o\",provider=\"fake\",code="
                  "\"Unavailable\"} 1\n") != std::string::npos);
  CHECK(text.find("prsm_circuit_state{circuit=\"provider:fake\",state=\"open\"} 1\n") !=
        std::string::npos);
  // Cumulative buckets: 0.02 in (0.01, 0.025], 0.3 in (0.25, 0.5], 500 only in +Inf.
  const std::string bucket =
      "prsm_model_attempt_duration_seconds_bucket{model=\"gpt-4o\","
      "provider=\"fake\",le=";
  CHECK(text.find(bucket + "\"0.01\"} 0\n") != std::string::npos);
  CHECK(text.find(bucket + "\"0.025\"} 1\n") != std::string::npos);
  CHECK(text.find(bucket + "\"0.5\"} 2\n") != std::string::npos);
  CHECK(text.find(bucket + "\"120\"} 2\n") != std::string::npos);
  CHECK(text.find(bucket + "\"+Inf\"} 3\n") != std::string::npos);
  const auto checked = prsm::testing::PromtoolCheckMetrics(text);
  INFO(checked.output);
  INFO(text);
  CHECK(checked.status == 0);
  CHECK(checked.output.empty());
}

TEST_CASE("FormatPrometheus: promtool rejects what the format forbids (the check can fail)") {
  std::string text = prsm::FormatPrometheus(SampleSnapshot());
  // Undo one escape: the raw line feed breaks the label value.
  const std::string escaped = "we\\\"ird\\\\model\\nname";
  const auto at = text.find(escaped);
  REQUIRE(at != std::string::npos);
  text.replace(at, escaped.size(), "we\"ird");
  const auto checked = prsm::testing::PromtoolCheckMetrics(text);
  INFO(checked.output);
  CHECK(checked.status == 1);
}

TEST_CASE("FormatPrometheus: an empty snapshot is valid too") {
  const auto checked = prsm::testing::PromtoolCheckMetrics(prsm::FormatPrometheus({}));
  INFO(checked.output);
  CHECK(checked.status == 0);
}
