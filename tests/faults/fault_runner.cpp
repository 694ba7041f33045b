#include "fault_runner.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>
#include <utility>

#include "unique_fd.h"

namespace prsm::testing::faults {
namespace {

using namespace std::chrono_literals;

// Collects the callbacks of one request. Thread-safe: they run on the loop thread, the test
// reads on its own.
class Recorder {
 public:
  StreamEventCallback OnEvent() {
    return [this](const StreamEvent& event) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (done_calls_ > 0) ++events_after_done_;
      events_.push_back(event);
    };
  }

  ResponseCallback OnDone() {
    return [this](Result<Response> outcome) {
      std::lock_guard<std::mutex> lock(mutex_);
      ++done_calls_;
      if (!outcome_) outcome_.emplace(std::move(outcome));
      changed_.notify_all();
    };
  }

  bool Wait(std::chrono::seconds limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, limit, [&] { return outcome_.has_value(); });
  }

  void MoveInto(Observation* observed) {
    std::lock_guard<std::mutex> lock(mutex_);
    observed->done_calls = done_calls_;
    observed->events_after_done = events_after_done_;
    observed->events = std::move(events_);
    observed->outcome = std::move(outcome_);
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int done_calls_ = 0;
  int events_after_done_ = 0;
  std::vector<StreamEvent> events_;
  std::optional<Result<Response>> outcome_;
};

// A loopback port that refuses connections: bound, never listening, so the kernel answers a
// SYN with a reset and no other program can take the port meanwhile. Revive() (called from the
// orchestrator's log sink when it schedules the retry) frees it and starts a healthy fake
// server there, so the retry finds the port open.
class RefusingPort {
 public:
  bool Open(std::string* error) {
    fd_.reset(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof address;
    if (!fd_ || bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      *error = std::string("cannot bind a loopback port: ") + std::strerror(errno);
      return false;
    }
    port_ = ntohs(address.sin_port);
    return true;
  }

  std::uint16_t port() const { return port_; }

  void Revive() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (revived_ || !fd_) return;
    fd_.reset();
    FakeProviderOptions options;
    options.port = port_;
    revived_ = FakeProviderServer::Start(options, &error_);
    if (revived_) revived_->SetScript(kFaultyModel, HealthyScript());
  }

  std::uint64_t RequestCount(const std::string& model) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return revived_ ? revived_->RequestCount(model) : 0;
  }

  std::string error() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return error_.empty() ? std::string() : "reviving the refusing port: " + error_;
  }

 private:
  mutable std::mutex mutex_;
  fake::UniqueFd fd_;
  std::uint16_t port_ = 0;
  std::unique_ptr<FakeProviderServer> revived_;
  std::string error_;
};

// The codec of `protocol` at `root` (scheme, host and port) under `id`.
Result<std::shared_ptr<const Provider>> MakeProvider(Protocol protocol, const std::string& root,
                                                     std::string id) {
  switch (protocol) {
    case Protocol::kOpenAI: {
      OpenAIConfig config;
      config.id = std::move(id);
      config.base_url = root + "/v1";
      config.api_key = "sk-fault-test";
      return MakeOpenAIProvider(config);
    }
    case Protocol::kAzure: {
      AzureOpenAIConfig config;
      config.id = std::move(id);
      config.endpoint = root;
      config.api_key = "azure-fault-test";
      config.api_version = "2024-10-21";
      return MakeAzureOpenAIProvider(config);
    }
    case Protocol::kAnthropic: {
      AnthropicConfig config;
      config.id = std::move(id);
      config.base_url = root;
      config.api_key = "sk-ant-fault-test";
      return MakeAnthropicProvider(config);
    }
    case Protocol::kGemini: {
      GeminiConfig config;
      config.id = std::move(id);
      config.base_url = root;
      config.api_key = "gemini-fault-test";
      return MakeGeminiProvider(config);
    }
    case Protocol::kOllama: {
      OllamaConfig config;
      config.id = std::move(id);
      config.base_url = root;
      return MakeOllamaProvider(config);
    }
  }
  return Error(ErrorCode::kInternal, "unknown protocol");
}

ModelSpec Spec(std::string name, std::string provider) {
  ModelSpec spec;
  spec.name = std::move(name);
  spec.provider = std::move(provider);
  spec.price.input_per_mtok = 1.0;
  spec.price.output_per_mtok = 2.0;
  return spec;
}

RetryPolicy NoRetries() {
  RetryPolicy policy;
  policy.max_retries = 0;
  return policy;
}

RetryPolicy TinyBackoff() {
  RetryPolicy policy;
  policy.max_retries = 2;
  policy.initial_backoff = 1ms;
  policy.max_backoff = 5ms;
  return policy;
}

}  // namespace

std::string_view ToString(Check check) {
  switch (check) {
    case Check::kNoRetry:
      return "(a) no retry, no fallback";
    case Check::kRetry:
      return "(b) retry";
    case Check::kFallback:
      return "(c) fallback";
    case Check::kShortDeadline:
      return "(d) deadline shorter than Retry-After";
  }
  return "?";
}

Observation Run(const Cell& cell, Check check) {
  Observation observed;
  const Effect& effect = cell.effect();
  const Transport transport = cell.fault->transport;
  std::string error;
  auto server = FakeProviderServer::Start({}, &error);
  if (!server) {
    observed.setup_error = "fake provider server: " + error;
    return observed;
  }
  server->SetScript(kBackupModel, HealthyScript());
  if (check == Check::kRetry) {
    server->SetScriptSequence(kFaultyModel, {effect.script, HealthyScript()});
  } else {
    server->SetScript(kFaultyModel, effect.script);
  }

  RefusingPort refusing;
  std::string faulty_root = server->root_url();
  if (transport == Transport::kRefused) {
    if (!refusing.Open(&error)) {
      observed.setup_error = error;
      return observed;
    }
    faulty_root = "http://127.0.0.1:" + std::to_string(refusing.port());
  } else if (transport == Transport::kDns) {
    // https: cleartext http:// is refused for a host that is not loopback.
    faulty_root = "https://" + std::string(70, 'x') + ".invalid";
  }
  auto faulty = MakeProvider(cell.protocol, faulty_root, "faulty");
  auto healthy = MakeProvider(cell.protocol, server->root_url(), "healthy");
  if (!faulty || !healthy) {
    observed.setup_error = "provider: " + (faulty ? healthy.error() : faulty.error()).ToString();
    return observed;
  }

  OrchestratorOptions options;
  options.routing = MakeSingleModelRouting(/*fallback=*/check == Check::kFallback);
  options.request_timeout = 30s;
  options.attempt_timeout = Limits::kAttemptTimeout;
  options.first_token_timeout = Limits::kFirstTokenTimeout;
  options.stream_idle_timeout = Limits::kStreamIdleTimeout;
  options.connect_timeout = 5s;
  options.max_response_bytes = Limits::kMaxResponseBytes;
  options.retry =
      check == Check::kRetry || check == Check::kShortDeadline ? TinyBackoff() : NoRetries();
  if (transport == Transport::kRefused && check == Check::kRetry) {
    options.log_sink = [&refusing](LogLevel, std::string_view message) {
      if (message.find("retry 1 of") != std::string_view::npos) refusing.Revive();
    };
  }

  Recorder recorder;  // outlives the orchestrator, whose destruction may still call it
  auto created = MultiLLMOrchestrator::Create(std::move(options));
  if (!created) {
    observed.setup_error = "orchestrator: " + created.error().ToString();
    return observed;
  }
  std::unique_ptr<MultiLLMOrchestrator> orchestrator = std::move(*created);
  for (Result<void> added : {orchestrator->AddProvider(std::move(*faulty)),
                             orchestrator->AddProvider(std::move(*healthy)),
                             orchestrator->AddModel(Spec(kFaultyModel, "faulty")),
                             orchestrator->AddModel(Spec(kBackupModel, "healthy"))}) {
    if (!added) {
      observed.setup_error = "registration: " + added.error().ToString();
      return observed;
    }
  }

  Query query = Query::FromText("What is the answer?");
  if (check == Check::kNoRetry) query.context.retry = NoRetries();     // the per-query override
  if (check == Check::kShortDeadline) query.context.timeout = 1500ms;  // the Retry-After is 2 s
  if (cell.mode == Mode::kStream) {
    orchestrator->Stream(std::move(query), recorder.OnEvent(), recorder.OnDone());
  } else {
    orchestrator->Submit(std::move(query), recorder.OnDone());
  }
  observed.completed = recorder.Wait(30s);
  observed.stats = orchestrator->stats();
  orchestrator.reset();  // joins the loop: every callback that will ever run has run
  recorder.MoveInto(&observed);

  observed.faulty_requests = transport == Transport::kServer ? server->RequestCount(kFaultyModel)
                                                             : refusing.RequestCount(kFaultyModel);
  observed.backup_requests = server->RequestCount(kBackupModel);
  observed.setup_error = refusing.error();
  return observed;
}

}  // namespace prsm::testing::faults
