// FormatPrometheus: the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/). Every metric family is
// written once, HELP then TYPE then its samples, so a scraper (or `promtool check metrics`)
// accepts it; label values are escaped as the format requires.
#include <cmath>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "prsm/metrics.h"

namespace prsm {
namespace {

// Label values: backslash, double quote and line feed are the only escapes the format knows.
void AppendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);  // shortest round-trip form
}

struct Label {
  std::string_view name;
  std::string_view value;
};

class Writer {
 public:
  // HELP and TYPE; `help` is ours, free of backslashes and line feeds.
  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  }

  void Sample(std::string_view name, std::initializer_list<Label> labels, std::string_view value) {
    out_ += name;
    if (labels.size() > 0) {
      out_ += '{';
      bool first = true;
      for (const Label& label : labels) {
        if (!first) out_ += ',';
        first = false;
        out_ += label.name;
        out_ += "=\"";
        AppendEscaped(out_, label.value);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    out_ += value;
    out_ += '\n';
  }

  void Sample(std::string_view name, std::initializer_list<Label> labels, std::uint64_t value) {
    Sample(name, labels, std::string_view(std::to_string(value)));
  }

  void Sample(std::string_view name, std::initializer_list<Label> labels, double value) {
    Sample(name, labels, std::string_view(FormatValue(value)));
  }

  void Histogram(std::string_view name, std::string_view model, std::string_view provider,
                 const HistogramSnapshot& histogram) {
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < histogram.upper_bounds.size(); ++i) {
      if (i < histogram.counts.size()) cumulative += histogram.counts[i];
      const std::string le = FormatValue(histogram.upper_bounds[i]);
      Sample(bucket, {{"model", model}, {"provider", provider}, {"le", le}}, cumulative);
    }
    Sample(bucket, {{"model", model}, {"provider", provider}, {"le", "+Inf"}}, histogram.count);
    Sample(std::string(name) + "_sum", {{"model", model}, {"provider", provider}}, histogram.sum);
    Sample(std::string(name) + "_count", {{"model", model}, {"provider", provider}},
           histogram.count);
  }

  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

}  // namespace

const std::vector<double>& DefaultLatencyBuckets() {
  static const std::vector<double> kBuckets = {0.005, 0.01, 0.025, 0.05, 0.1,  0.25, 0.5,
                                               1.0,   2.5,  5.0,   10.0, 30.0, 60.0, 120.0};
  return kBuckets;
}

std::string FormatPrometheus(const MetricsSnapshot& snapshot) {
  Writer w;
  w.Family("prsm_requests_total", "counter", "Requests completed, by outcome.");
  w.Sample("prsm_requests_total", {{"outcome", "succeeded"}}, snapshot.requests_succeeded);
  w.Sample("prsm_requests_total", {{"outcome", "failed"}}, snapshot.requests_failed);
  w.Family("prsm_requests_in_flight", "gauge", "Requests admitted and not yet completed.");
  w.Sample("prsm_requests_in_flight", {}, static_cast<std::uint64_t>(snapshot.in_flight));
  w.Family("prsm_attempts_total", "counter", "Attempts made (calls to a model).");
  w.Sample("prsm_attempts_total", {}, snapshot.attempts);
  w.Family("prsm_cost_usd_total", "counter", "USD spent, every attempt included.");
  w.Sample("prsm_cost_usd_total", {}, snapshot.cost_usd);

  struct Counter {
    const char* name;
    const char* help;
    std::uint64_t value;
  };
  const Counter counters[] = {
      {"prsm_retries_total", "Retry attempts started.", snapshot.retries},
      {"prsm_retries_refused_total", "Retries not made: over the retry budget.",
       snapshot.retries_refused},
      {"prsm_hedges_total", "Hedge attempts started.", snapshot.hedges},
      {"prsm_circuit_rejections_total", "Attempts not sent because a circuit was open.",
       snapshot.circuit_rejections},
      {"prsm_rate_limited_total", "Attempts that waited for, or failed on, a rate limit.",
       snapshot.rate_limited},
      {"prsm_budget_refusals_total", "Attempts not sent for lack of budget.",
       snapshot.budget_refusals},
      {"prsm_escalations_total", "Requests handed to the escalation handler.",
       snapshot.escalations},
      {"prsm_observer_events_dropped_total", "Observer events dropped: the queue was full.",
       snapshot.observer_events_dropped},
  };
  for (const Counter& counter : counters) {
    w.Family(counter.name, "counter", counter.help);
    w.Sample(counter.name, {}, counter.value);
  }

  w.Family("prsm_circuit_state", "gauge",
           "Circuit breakers: 1 for the state each is in, 0 for the others.");
  for (const CircuitStatus& circuit : snapshot.circuits) {
    for (CircuitState state :
         {CircuitState::kClosed, CircuitState::kOpen, CircuitState::kHalfOpen}) {
      w.Sample("prsm_circuit_state", {{"circuit", circuit.name}, {"state", ToString(state)}},
               std::uint64_t{circuit.state == state ? 1u : 0u});
    }
  }

  const auto& models = snapshot.models;
  w.Family("prsm_model_requests_total", "counter",
           "Requests that made at least one attempt of the model.");
  for (const auto& [name, m] : models) {
    w.Sample("prsm_model_requests_total", {{"model", name}, {"provider", m.provider}}, m.requests);
  }
  w.Family("prsm_model_attempts_total", "counter", "Attempts of the model, by outcome.");
  for (const auto& [name, m] : models) {
    const std::pair<const char*, std::uint64_t> outcomes[] = {{"succeeded", m.attempts_succeeded},
                                                              {"failed", m.attempts_failed},
                                                              {"cancelled", m.attempts_cancelled}};
    for (const auto& [outcome, count] : outcomes) {
      w.Sample("prsm_model_attempts_total",
               {{"model", name}, {"provider", m.provider}, {"outcome", outcome}}, count);
    }
  }
  w.Family("prsm_model_errors_total", "counter", "Failed attempts of the model, by error code.");
  for (const auto& [name, m] : models) {
    for (const auto& [code, count] : m.errors) {
      w.Sample("prsm_model_errors_total",
               {{"model", name}, {"provider", m.provider}, {"code", ToString(code)}}, count);
    }
  }
  w.Family("prsm_model_tokens_total", "counter",
           "Tokens of the model's attempts, by kind (input and output include the others).");
  for (const auto& [name, m] : models) {
    const std::pair<const char*, std::int64_t> kinds[] = {
        {"input", m.tokens.input_tokens},
        {"output", m.tokens.output_tokens},
        {"cached_input", m.tokens.cached_input_tokens},
        {"cache_write", m.tokens.cache_write_tokens},
        {"reasoning", m.tokens.reasoning_tokens}};
    for (const auto& [kind, count] : kinds) {
      w.Sample("prsm_model_tokens_total",
               {{"model", name}, {"provider", m.provider}, {"kind", kind}},
               static_cast<std::uint64_t>(count < 0 ? 0 : count));
    }
  }
  w.Family("prsm_model_cost_usd_total", "counter", "USD spent on the model's attempts.");
  for (const auto& [name, m] : models) {
    w.Sample("prsm_model_cost_usd_total", {{"model", name}, {"provider", m.provider}}, m.cost_usd);
  }
  w.Family("prsm_model_attempt_duration_seconds", "histogram",
           "Latency of the model's attempts that answered or failed.");
  for (const auto& [name, m] : models) {
    w.Histogram("prsm_model_attempt_duration_seconds", name, m.provider, m.latency);
  }
  w.Family("prsm_model_time_to_first_token_seconds", "histogram",
           "Streams: time from an attempt's start to its first content.");
  for (const auto& [name, m] : models) {
    w.Histogram("prsm_model_time_to_first_token_seconds", name, m.provider, m.time_to_first_token);
  }
  return w.Take();
}

}  // namespace prsm
