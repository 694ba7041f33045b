// The sections of plain OrchestratorOptions: "limits" (admission, deadlines, sizes), "network"
// (executor and connections), "budget" and "observability".
#include "config/sections.h"
#include "prsm/log.h"

namespace prsm::config {

namespace {

constexpr std::chrono::milliseconds kPositive{1};

}  // namespace

Result<void> ReadLimits(const ObjectReader& root, OrchestratorConfig& config) {
  OrchestratorOptions& options = config.options;
  auto limits =
      root.Object("limits", {"max_in_flight", "request_timeout", "attempt_timeout",
                             "connect_timeout", "first_token_timeout", "stream_idle_timeout",
                             "max_response_bytes", "feedback_window"});
  if (!limits) return std::move(limits).error();
  if (const auto& l = *limits) {
    if (auto r = l->Read("max_in_flight", options.max_in_flight, 1); !r) return r;
    if (auto r = l->Read("request_timeout", options.request_timeout, kPositive); !r) return r;
    if (auto r = l->Read("attempt_timeout", options.attempt_timeout, kPositive); !r) return r;
    if (auto r = l->Read("connect_timeout", options.connect_timeout, kPositive); !r) return r;
    if (auto r = l->Read("first_token_timeout", options.first_token_timeout, kPositive); !r) {
      return r;
    }
    if (auto r = l->Read("stream_idle_timeout", options.stream_idle_timeout, kPositive); !r) {
      return r;
    }
    if (auto r = l->Read("max_response_bytes", options.max_response_bytes, 1); !r) return r;
    if (auto r = l->Read("feedback_window", options.feedback_window); !r) return r;
  }

  auto network =
      root.Object("network", {"executor", "max_connections_per_host", "http2", "ca_bundle_path"});
  if (!network) return std::move(network).error();
  if (const auto& n = *network) {
    if (auto r = n->ReadEnum<ExecutorBackend>("executor", options.executor,
                                              {{"default", ExecutorBackend::kDefault},
                                               {"epoll", ExecutorBackend::kEpoll},
                                               {"poll", ExecutorBackend::kPoll}});
        !r) {
      return r;
    }
    if (auto r = n->Read("max_connections_per_host", options.max_connections_per_host); !r) {
      return r;
    }
    if (auto r = n->Read("http2", options.http2); !r) return r;
    if (auto r = n->Read("ca_bundle_path", options.ca_bundle_path); !r) return r;
  }

  auto budget = root.Object("budget", {"usd", "window"});
  if (!budget) return std::move(budget).error();
  if (const auto& b = *budget) {
    if (auto r = b->Read("usd", options.budget.usd); !r) return r;
    if (auto r = b->Read("window", options.budget.window); !r) return r;
  }

  auto observability =
      root.Object("observability", {"log_level", "trace_header", "observer_queue_capacity"});
  if (!observability) return std::move(observability).error();
  if (const auto& o = *observability) {
    if (auto r = o->ReadEnum<LogLevel>("log_level", options.min_log_level,
                                       {{"debug", LogLevel::kDebug},
                                        {"info", LogLevel::kInfo},
                                        {"warning", LogLevel::kWarning},
                                        {"error", LogLevel::kError}});
        !r) {
      return r;
    }
    if (auto r = o->Read("trace_header", options.trace_header); !r) return r;
    if (auto r = o->Read("observer_queue_capacity", options.observer_queue_capacity, 1); !r) {
      return r;
    }
  }
  return {};
}

}  // namespace prsm::config
