// fake_provider_server.cpp — FakeProviderServer: owns the state, the HTTP server and its thread.
#include "fake_provider_server.h"

#include <sys/resource.h>

#include <cstdio>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include "http_server.h"
#include "provider_handler.h"
#include "provider_state.h"

namespace prsm::testing {
namespace {

// Thousands of test connections need thousands of descriptors on both ends, in one process
// when the test is the client. The hard limit is the most an unprivileged process may take.
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);  // Best effort: fewer descriptors is still a working server.
}

}  // namespace

struct FakeProviderServer::Impl {
  explicit Impl(std::size_t max_recorded) : state(max_recorded), handler(&state) {}

  fake::ProviderState state;
  fake::ProviderHandler handler;
  std::unique_ptr<fake::HttpServer> http;
  std::thread thread;
  std::once_flag stopped;
};

std::unique_ptr<FakeProviderServer> FakeProviderServer::Start(FakeProviderOptions options,
                                                              std::string* error) {
  RaiseFileLimit();
  auto impl = std::make_unique<Impl>(options.max_recorded);
  fake::HttpServerOptions http_options;
  http_options.port = options.port;
  impl->http = fake::HttpServer::Create(http_options, &impl->handler, error);
  if (!impl->http) return nullptr;
  fake::HttpServer* http = impl->http.get();
  try {
    impl->thread = std::thread([http] {
      try {
        http->Run();
      } catch (const std::exception& e) {  // Run() catches per connection; a last resort.
        std::fprintf(stderr, "fake provider: event loop failed: %s\n", e.what());
      }
    });
  } catch (const std::system_error& e) {
    if (error != nullptr) *error = std::string("cannot start the server thread: ") + e.what();
    return nullptr;
  }
  return std::unique_ptr<FakeProviderServer>(new FakeProviderServer(std::move(impl)));
}

FakeProviderServer::FakeProviderServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

FakeProviderServer::~FakeProviderServer() { Stop(); }

void FakeProviderServer::Stop() {
  std::call_once(impl_->stopped, [this] {
    impl_->http->Shutdown();
    if (impl_->thread.joinable()) impl_->thread.join();
    // The sockets close with `http`; keep the object so port() and counters stay readable.
  });
}

std::uint16_t FakeProviderServer::port() const { return impl_->http->port(); }

std::string FakeProviderServer::base_url() const { return root_url() + "/v1"; }

std::string FakeProviderServer::root_url() const {
  return "http://127.0.0.1:" + std::to_string(port());
}

void FakeProviderServer::SetScript(const std::string& model, ModelScript script) {
  impl_->state.SetScript(model, std::move(script));
}

void FakeProviderServer::SetScriptSequence(const std::string& model,
                                           std::vector<ModelScript> scripts) {
  impl_->state.SetScriptSequence(model, std::move(scripts));
}

void FakeProviderServer::ClearScript(const std::string& model) { impl_->state.ClearScript(model); }

void FakeProviderServer::SetDefaultScript(ModelScript script) {
  impl_->state.SetDefaultScript(std::move(script));
}

std::uint64_t FakeProviderServer::RequestCount(const std::string& model) const {
  return impl_->state.RequestCount(model);
}

std::uint64_t FakeProviderServer::total_requests() const { return impl_->state.total_requests(); }

std::size_t FakeProviderServer::open_connections() const { return impl_->http->open_connections(); }

std::uint64_t FakeProviderServer::accepted_connections() const {
  return impl_->http->accepted_connections();
}

std::size_t FakeProviderServer::pending_timers() const { return impl_->http->pending_timers(); }

std::vector<RecordedRequest> FakeProviderServer::recorded_requests() const {
  return impl_->state.recorded_requests();
}

void FakeProviderServer::ResetCounters() {
  impl_->state.ResetCounters();
  impl_->http->ResetAcceptedConnections();
}

}  // namespace prsm::testing
