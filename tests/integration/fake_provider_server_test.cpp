// Tests of the fake provider server (tests/support): the wire formats it speaks (OpenAI, Azure
// OpenAI, Anthropic, Gemini, Ollama), plain and streamed, with tool calls and usage; every
// scripted failure mode, stream timing, resets, truncation and cancellation; its HTTP/1.1
// handling (keep-alive, pipelining, malformed input, limits), its capacity for thousands of
// connections, and the prsm-fake-provider program.
//
// Clients are libcurl's easy API (what prsm itself uses) and raw sockets where curl would hide
// the detail under test. No test sleeps to wait for something: conditions are polled with a
// deadline, and timing assertions are lower bounds only.
#include "fake_provider_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <curl/curl.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace {

using prsm::testing::BodyMode;
using prsm::testing::FakeProviderOptions;
using prsm::testing::FakeProviderServer;
using prsm::testing::LoadScriptFile;
using prsm::testing::ModelScript;
using prsm::testing::RecordedRequest;
using Clock = std::chrono::steady_clock;

constexpr auto kPollTimeout = std::chrono::seconds(20);

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Polls `condition` until it holds or kPollTimeout passes; returns its last value.
bool WaitFor(const std::function<bool()>& condition) {
  const auto deadline = Clock::now() + kPollTimeout;
  while (!condition()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::yield();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // Polling pace, not timing.
  }
  return true;
}

std::unique_ptr<FakeProviderServer> StartServer(FakeProviderOptions options = {}) {
  std::string error;
  auto server = FakeProviderServer::Start(options, &error);
  INFO(error);
  REQUIRE(server != nullptr);
  return server;
}

std::string ChatBody(const std::string& model, const std::string& extra = "") {
  return R"({"model":")" + model + R"(","messages":[{"role":"user","content":"hi"}])" + extra + "}";
}

// ---------------------------------------------------------------------------------------------
// libcurl client

struct CurlResponse {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;
  std::multimap<std::string, std::string> headers;  // Lower-case names.
  long num_connects = -1;
  Clock::time_point start;  // When the request was started.
  // Each delivery of body bytes: when, and the body's size after it.
  std::vector<std::pair<Clock::time_point, std::size_t>> arrivals;

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
  // When the first `size` bytes of the body had all arrived (the end of time if they never did).
  Clock::time_point ArrivalOf(std::size_t size) const {
    for (const auto& [when, total] : arrivals) {
      if (total >= size) return when;
    }
    return Clock::time_point::max();
  }
};

class CurlClient {
 public:
  CurlClient() : curl_(curl_easy_init()) { REQUIRE(curl_ != nullptr); }
  ~CurlClient() { curl_easy_cleanup(curl_); }
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  CurlResponse Request(const std::string& url, const std::string* body,
                       const std::vector<std::string>& headers = {}, const char* method = nullptr) {
    CurlResponse response;
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    list = curl_slist_append(list, "Content-Type: application/json");
    curl_easy_setopt(curl_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, 60000L);
    Sink sink{&response, &abort_when};
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &CurlClient::OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &CurlClient::OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &response);
    if (body != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
    response.start = Clock::now();
    response.code = curl_easy_perform(curl_);
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
    curl_easy_getinfo(curl_, CURLINFO_NUM_CONNECTS, &response.num_connects);
    curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    curl_slist_free_all(list);
    return response;
  }

  CurlResponse Post(const std::string& url, const std::string& body,
                    const std::vector<std::string>& headers = {}) {
    return Request(url, &body, headers);
  }

  // If set, the transfer is aborted (the client hangs up, CURLE_WRITE_ERROR) as soon as this
  // returns true for the body received so far.
  std::function<bool(const std::string& body)> abort_when;

 private:
  struct Sink {
    CurlResponse* response;
    const std::function<bool(const std::string&)>* abort_when;
  };

  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    const Sink& sink = *static_cast<Sink*>(user);
    sink.response->body.append(data, size * count);
    sink.response->arrivals.emplace_back(Clock::now(), sink.response->body.size());
    if (*sink.abort_when && (*sink.abort_when)(sink.response->body)) return 0;
    return size * count;
  }
  static size_t OnHeader(char* data, size_t size, size_t count, void* user) {
    std::string line(data, size * count);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string value = line.substr(colon + 1);
      const auto first = value.find_first_not_of(" \t");
      const auto last = value.find_last_not_of(" \t\r\n");
      value = first == std::string::npos ? std::string() : value.substr(first, last - first + 1);
      static_cast<CurlResponse*>(user)->headers.emplace(Lower(line.substr(0, colon)), value);
    }
    return size * count;
  }

  CURL* curl_;
};

std::string ChatUrl(const FakeProviderServer& server) {
  return server.base_url() + "/chat/completions";
}

// ---------------------------------------------------------------------------------------------
// Raw sockets

class Socket {
 public:
  explicit Socket(int fd = -1) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Socket& operator=(Socket&& other) noexcept {
    std::swap(fd_, other.fd_);
    return *this;
  }
  ~Socket() {
    if (fd_ >= 0) close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

Socket Connect(std::uint16_t port) {
  Socket s(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  REQUIRE(s.fd() >= 0);
  timeval timeout{30, 0};  // Blocking reads fail instead of hanging the suite.
  setsockopt(s.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(connect(s.fd(), reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
  return s;
}

void SendAll(const Socket& s, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = send(s.fd(), data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    REQUIRE(n > 0);
    sent += static_cast<std::size_t>(n);
  }
}

struct RawResponse {
  bool complete = false;
  int status = 0;
  std::map<std::string, std::string> headers;  // Lower-case names.
  std::string body;

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// Reads one response from `s`; `pending` carries bytes read past it (pipelining).
RawResponse ReadResponse(const Socket& s, std::string* pending) {
  RawResponse response;
  std::string& buf = *pending;
  char chunk[16384];
  auto fill = [&]() {
    const ssize_t n = recv(s.fd(), chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t head_end;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return response;
  }
  const std::string head = buf.substr(0, head_end);
  buf.erase(0, head_end + 4);
  if (head.compare(0, 9, "HTTP/1.1 ") != 0) return response;
  response.status = std::atoi(head.c_str() + 9);
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    const std::size_t next = head.find("\r\n", pos + 2);
    const std::string line =
        head.substr(pos + 2, next == std::string::npos ? next : next - pos - 2);
    const std::size_t colon = line.find(':');
    if (colon != std::string::npos) {
      response.headers[Lower(line.substr(0, colon))] = line.substr(colon + 2);
    }
    pos = next;
  }
  std::size_t length = 0;
  if (response.status >= 200) length = std::stoul(response.headers["content-length"]);
  while (buf.size() < length) {
    if (!fill()) return response;
  }
  response.body = buf.substr(0, length);
  buf.erase(0, length);
  response.complete = true;
  return response;
}

RawResponse ReadResponse(const Socket& s) {
  std::string pending;
  return ReadResponse(s, &pending);
}

// True once the peer has closed: recv returns 0 (FIN) or fails with a reset.
bool PeerClosed(const Socket& s) {
  char c;
  const ssize_t n = recv(s.fd(), &c, 1, 0);
  return n == 0 || (n < 0 && errno == ECONNRESET);
}

std::string RawPost(const std::string& body, const std::string& extra_headers = "") {
  return "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
         "\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  INFO(text.substr(0, 500));
  REQUIRE_FALSE(doc.HasParseError());
  return doc;
}

void RequireOpenAiError(const std::string& body, const std::string& type) {
  const auto doc = ParseJson(body);
  REQUIRE(doc.IsObject());
  REQUIRE(doc.HasMember("error"));
  const auto& error = doc["error"];
  CHECK(error["message"].IsString());
  CHECK(std::string(error["type"].GetString()) == type);
  CHECK(error.HasMember("param"));
  CHECK(error.HasMember("code"));
}

}  // namespace

// ---------------------------------------------------------------------------------------------

TEST_CASE("fake provider: a normal completion has the OpenAI shape and the scripted values",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "Answer from {model}: \"quoted\"\n\ttabbed \\ {model}";
  script.prompt_tokens = 101;
  script.completion_tokens = 23;
  script.cached_tokens = 40;
  script.reasoning_tokens = 5;
  script.finish_reason = "length";
  server->SetScript("gpt-test", script);

  CurlClient client;
  const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("gpt-test"));
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 200);
  CHECK(r.Header("content-type") == "application/json");
  CHECK(r.Header("content-length") == std::to_string(r.body.size()));
  CHECK_FALSE(r.Header("date").empty());
  CHECK(r.Header("date").size() == 29);  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  CHECK(r.Header("x-request-id").rfind("req_", 0) == 0);
  CHECK(r.Header("connection") == "keep-alive");

  const auto doc = ParseJson(r.body);
  CHECK(std::string(doc["id"].GetString()).rfind("chatcmpl-", 0) == 0);
  CHECK(std::string(doc["object"].GetString()) == "chat.completion");
  CHECK(doc["created"].IsInt64());
  CHECK(doc["created"].GetInt64() > 1600000000);
  CHECK(std::string(doc["model"].GetString()) == "gpt-test");
  CHECK(std::string(doc["system_fingerprint"].GetString()) == "fp_prsm_fake");
  CHECK(std::string(doc["service_tier"].GetString()) == "default");
  const auto& choices = doc["choices"];
  REQUIRE(choices.Size() == 1);
  CHECK(choices[0]["index"].GetInt() == 0);
  CHECK(choices[0]["logprobs"].IsNull());
  CHECK(std::string(choices[0]["finish_reason"].GetString()) == "length");
  const auto& message = choices[0]["message"];
  CHECK(std::string(message["role"].GetString()) == "assistant");
  CHECK(std::string(message["content"].GetString()) ==
        "Answer from gpt-test: \"quoted\"\n\ttabbed \\ gpt-test");
  CHECK(message["refusal"].IsNull());
  const auto& usage = doc["usage"];
  CHECK(usage["prompt_tokens"].GetInt64() == 101);
  CHECK(usage["completion_tokens"].GetInt64() == 23);
  CHECK(usage["total_tokens"].GetInt64() == 124);
  CHECK(usage["prompt_tokens_details"]["cached_tokens"].GetInt64() == 40);
  CHECK(usage["prompt_tokens_details"]["audio_tokens"].GetInt64() == 0);
  CHECK(usage["completion_tokens_details"]["reasoning_tokens"].GetInt64() == 5);
  CHECK(usage["completion_tokens_details"]["accepted_prediction_tokens"].GetInt64() == 0);
  CHECK(usage["completion_tokens_details"]["rejected_prediction_tokens"].GetInt64() == 0);

  // The id and x-request-id keep increasing per response.
  const CurlResponse second = client.Post(ChatUrl(*server), ChatBody("gpt-test"));
  REQUIRE(second.code == CURLE_OK);
  CHECK(second.Header("x-request-id") != r.Header("x-request-id"));
  CHECK(std::string(ParseJson(second.body)["id"].GetString()) != doc["id"].GetString());
}

TEST_CASE("fake provider: models without a script use the default script", "[fake_server]") {
  auto server = StartServer();
  CurlClient client;
  CurlResponse r = client.Post(ChatUrl(*server), ChatBody("anything"));
  REQUIRE(r.code == CURLE_OK);
  CHECK(std::string(ParseJson(r.body)["choices"][0]["message"]["content"].GetString()) ==
        "Hello from the fake provider.");

  ModelScript fallback;
  fallback.text = "default for {model}";
  server->SetDefaultScript(fallback);
  ModelScript own;
  own.text = "own script";
  server->SetScript("mine", own);
  r = client.Post(ChatUrl(*server), ChatBody("other"));
  CHECK(std::string(ParseJson(r.body)["choices"][0]["message"]["content"].GetString()) ==
        "default for other");
  r = client.Post(ChatUrl(*server), ChatBody("mine"));
  CHECK(std::string(ParseJson(r.body)["choices"][0]["message"]["content"].GetString()) ==
        "own script");
  server->ClearScript("mine");
  r = client.Post(ChatUrl(*server), ChatBody("mine"));
  CHECK(std::string(ParseJson(r.body)["choices"][0]["message"]["content"].GetString()) ==
        "default for mine");
  // The base URL without "/v1" works too.
  r = client.Post("http://127.0.0.1:" + std::to_string(server->port()) + "/chat/completions",
                  ChatBody("x"));
  CHECK(r.status == 200);
}

TEST_CASE("fake provider: latency delays the response", "[fake_server]") {
  auto server = StartServer();
  ModelScript slow;
  slow.latency = std::chrono::milliseconds(150);
  server->SetScript("slow", slow);
  CurlClient client;
  const auto start = Clock::now();
  const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("slow"));
  const auto elapsed = Clock::now() - start;
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 200);
  CHECK(elapsed >= std::chrono::milliseconds(150));
}

TEST_CASE(
    "fake provider: delayed responses do not block other clients; a client that hangs up "
    "while waiting is dropped",
    "[fake_server]") {
  auto server = StartServer();
  ModelScript stuck;
  stuck.latency = std::chrono::seconds(60);
  server->SetScript("stuck", stuck);
  {
    std::vector<Socket> clients;
    for (int i = 0; i < 20; ++i) {
      clients.push_back(Connect(server->port()));
      SendAll(clients.back(), RawPost(ChatBody("stuck")));
    }
    // A server that slept through the latency could not read request 2 before answering 1.
    REQUIRE(WaitFor([&] { return server->RequestCount("stuck") == 20; }));
    CHECK(server->open_connections() == 20);
    // And a fast model is answered meanwhile.
    CurlClient client;
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("fast"));
    CHECK(r.status == 200);
  }                                                                 // The 20 clients close.
  CHECK(WaitFor([&] { return server->open_connections() <= 1; }));  // curl's cached connection
}

TEST_CASE("fake provider: scripted status and Retry-After", "[fake_server]") {
  auto server = StartServer();
  ModelScript limited;
  limited.status = 429;
  limited.retry_after = "7";
  limited.error_type = "rate_limit_error";
  limited.error_message = "slow down, {model}";
  limited.error_code = "rate_limit_exceeded";
  server->SetScript("limited", limited);
  CurlClient client;
  const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("limited"));
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 429);
  CHECK(r.Header("retry-after") == "7");
  const auto doc = ParseJson(r.body);
  CHECK(std::string(doc["error"]["type"].GetString()) == "rate_limit_error");
  CHECK(std::string(doc["error"]["message"].GetString()) == "slow down, limited");
  CHECK(std::string(doc["error"]["code"].GetString()) == "rate_limit_exceeded");
  CHECK(doc["error"]["param"].IsNull());
  // An error response keeps the connection usable.
  const CurlResponse again = client.Post(ChatUrl(*server), ChatBody("limited"));
  CHECK(again.num_connects == 0);
}

TEST_CASE("fake provider: body modes", "[fake_server]") {
  auto server = StartServer();
  CurlClient client;
  ModelScript script;

  SECTION("truncated: curl sees a partial body") {
    script.body = BodyMode::kTruncated;
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    CHECK(r.code == CURLE_PARTIAL_FILE);
    CHECK(r.status == 200);
    CHECK(!r.body.empty());
    CHECK(r.body.size() < std::stoul(r.Header("content-length")));
  }
  SECTION("malformed: complete body that is not JSON") {
    script.body = BodyMode::kMalformed;
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 200);
    CHECK(r.Header("content-length") == std::to_string(r.body.size()));
    rapidjson::Document doc;
    doc.Parse(r.body.data(), r.body.size());
    CHECK(doc.HasParseError());
  }
  SECTION("huge: a valid JSON body of exactly huge_bytes") {
    script.body = BodyMode::kHuge;
    script.huge_bytes = std::size_t{8} << 20;
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 200);
    CHECK(r.body.size() == script.huge_bytes);
    const auto doc = ParseJson(r.body);
    CHECK(doc["padding"].IsString());
    // Tiny sizes are exact too.
    for (std::size_t size : {0, 1, 2, 5, 13, 14, 15}) {
      script.huge_bytes = size;
      server->SetScript("m", script);
      const CurlResponse small = client.Post(ChatUrl(*server), ChatBody("m"));
      CHECK(small.body.size() == size);
    }
  }
  SECTION("empty: Content-Length 0") {
    script.body = BodyMode::kEmpty;
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 200);
    CHECK(r.body.empty());
    CHECK(r.Header("content-length") == "0");
  }
  SECTION("reset: the connection is reset without a response") {
    script.body = BodyMode::kReset;
    script.latency = std::chrono::milliseconds(20);
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    CHECK((r.code == CURLE_GOT_NOTHING || r.code == CURLE_RECV_ERROR));
    CHECK(server->RequestCount("m") == 1);
  }
  SECTION("error: 500 by default, else the scripted status") {
    script.body = BodyMode::kError;
    script.error_type = "server_error";
    script.error_message = "boom";
    server->SetScript("m", script);
    CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 500);
    RequireOpenAiError(r.body, "server_error");
    CHECK(ParseJson(r.body)["error"]["code"].IsNull());
    script.status = 503;
    server->SetScript("m", script);
    r = client.Post(ChatUrl(*server), ChatBody("m"));
    CHECK(r.status == 503);
    RequireOpenAiError(r.body, "server_error");
  }
  SECTION("reset mid-body: the head and half the body, then a receive error") {
    script.body = BodyMode::kResetMidBody;
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    CHECK(r.code == CURLE_RECV_ERROR);
    CHECK(r.status == 200);
    CHECK(!r.body.empty());
    CHECK(r.Header("transfer-encoding") == "chunked");
    // Half of a valid completion is not valid JSON.
    rapidjson::Document doc;
    doc.Parse(r.body.data(), r.body.size());
    CHECK(doc.HasParseError());
  }
  SECTION("html: an HTML page as text/html") {
    script.body = BodyMode::kHtml;
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 200);
    CHECK(r.Header("content-type") == "text/html; charset=utf-8");
    CHECK(r.body.rfind("<!DOCTYPE html>", 0) == 0);
  }
  SECTION("trickle: a plain body in pieces, trickle_delay apart") {
    script.trickle_pieces = 4;
    script.trickle_delay = std::chrono::milliseconds(30);
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 200);
    CHECK(r.Header("transfer-encoding") == "chunked");
    CHECK(ParseJson(r.body)["choices"].IsArray());  // the whole completion, reassembled
    // Lower bound only: the last piece cannot arrive before three delays have passed.
    CHECK(r.ArrivalOf(r.body.size()) - r.start >= 3 * script.trickle_delay);
  }
  SECTION("content_type applies to scripted responses") {
    script.content_type = "text/html; charset=utf-8";
    server->SetScript("m", script);
    const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m"));
    CHECK(r.Header("content-type") == "text/html; charset=utf-8");
  }
}

TEST_CASE("fake provider: invalid requests get OpenAI-style errors", "[fake_server]") {
  auto server = StartServer();
  CurlClient client;
  const std::string url = ChatUrl(*server);
  struct Case {
    std::string body;
    std::string param;  // Expected error.param; empty = null.
  };
  const std::vector<Case> cases = {
      {"{not json", ""},
      {"[1,2]", ""},
      {R"({"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":5,"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"m"})", "messages"},
      {R"({"model":"m","messages":[]})", "messages"},
      {R"({"model":"m","messages":"hi"})", "messages"},
      {R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role"},
      {ChatBody("m", R"(,"top_logprobs":3)"), "top_logprobs"},
      {ChatBody("m", R"(,"logprobs":true,"top_logprobs":21)"), "top_logprobs"},
      {ChatBody("m", R"(,"stream":"yes")"), "stream"},
      {ChatBody("m", R"(,"stream_options":{"include_usage":true})"), "stream_options"},
      {ChatBody("m", R"(,"stream":true,"stream_options":5)"), "stream_options"},
      {ChatBody("m", R"(,"stream":true,"stream_options":{"include_usage":1})"),
       "stream_options.include_usage"},
  };
  for (const auto& c : cases) {
    INFO(c.body);
    const CurlResponse r = client.Post(url, c.body);
    REQUIRE(r.code == CURLE_OK);
    CHECK(r.status == 400);
    RequireOpenAiError(r.body, "invalid_request_error");
    const auto doc = ParseJson(r.body);
    if (c.param.empty()) {
      CHECK(doc["error"]["param"].IsNull());
    } else {
      CHECK(std::string(doc["error"]["param"].GetString()) == c.param);
    }
    CHECK(doc["error"]["code"].IsNull());
  }

  const CurlResponse missing = client.Post(server->base_url() + "/embeddings", "{}");
  CHECK(missing.status == 404);
  RequireOpenAiError(missing.body, "invalid_request_error");

  const CurlResponse get = client.Request(url, nullptr);
  CHECK(get.status == 405);
  CHECK(get.Header("allow") == "POST");
  RequireOpenAiError(get.body, "invalid_request_error");
}

TEST_CASE("fake provider: logprobs", "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "one  two\tthree ";
  server->SetScript("m", script);
  CurlClient client;
  CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m", R"(,"logprobs":true)"));
  REQUIRE(r.status == 200);
  auto doc = ParseJson(r.body);
  const auto& logprobs = doc["choices"][0]["logprobs"];
  CHECK(logprobs["refusal"].IsNull());
  const auto& content = logprobs["content"];
  REQUIRE(content.Size() == 3);
  CHECK(std::string(content[0]["token"].GetString()) == "one");
  CHECK(std::string(content[1]["token"].GetString()) == "  two");
  CHECK(std::string(content[2]["token"].GetString()) == "\tthree");
  CHECK(content[0]["logprob"].GetDouble() == Approx(-0.01));
  CHECK(content[2]["logprob"].GetDouble() == Approx(-0.03));
  REQUIRE(content[0]["bytes"].Size() == 3);
  CHECK(content[0]["bytes"][0].GetInt() == 'o');
  CHECK(content[0]["top_logprobs"].Size() == 0);

  r = client.Post(ChatUrl(*server), ChatBody("m", R"(,"logprobs":true,"top_logprobs":3)"));
  REQUIRE(r.status == 200);
  doc = ParseJson(r.body);
  const auto& top = doc["choices"][0]["logprobs"]["content"][1]["top_logprobs"];
  REQUIRE(top.Size() == 3);
  CHECK(std::string(top[0]["token"].GetString()) == "  two");
  CHECK(top[0]["logprob"].GetDouble() == Approx(-0.02));
  CHECK(top[2]["logprob"].GetDouble() == Approx(-2.02));
  CHECK(top[2]["bytes"].IsArray());
}

TEST_CASE("fake provider: keep-alive reuses the connection; Connection: close ends it",
          "[fake_server]") {
  auto server = StartServer();
  CurlClient client;
  const CurlResponse first = client.Post(ChatUrl(*server), ChatBody("m"));
  const CurlResponse second = client.Post(ChatUrl(*server), ChatBody("m"));
  REQUIRE(first.code == CURLE_OK);
  REQUIRE(second.code == CURLE_OK);
  CHECK(first.num_connects == 1);
  CHECK(second.num_connects == 0);
  CHECK(server->accepted_connections() == 1);

  CurlClient closing;
  const CurlResponse a = closing.Post(ChatUrl(*server), ChatBody("m"), {"Connection: close"});
  CHECK(a.Header("connection") == "close");
  const CurlResponse b = closing.Post(ChatUrl(*server), ChatBody("m"), {"Connection: close"});
  CHECK(b.num_connects == 1);
  CHECK(server->accepted_connections() == 3);
}

TEST_CASE("fake provider: thousands of concurrent connections", "[fake_server]") {
  auto server = StartServer();
  constexpr int kClients = 2000;
  std::vector<Socket> clients;
  clients.reserve(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Connect(server->port()));
    SendAll(clients.back(), RawPost(ChatBody("model-" + std::to_string(i % 4))));
  }
  REQUIRE(WaitFor([&] { return server->open_connections() == kClients; }));
  for (const Socket& s : clients) {
    const RawResponse r = ReadResponse(s);
    REQUIRE(r.complete);
    REQUIRE(r.status == 200);
  }
  CHECK(server->total_requests() == kClients);
  CHECK(server->RequestCount("model-3") == kClients / 4);
  CHECK(server->open_connections() == kClients);  // All still alive: keep-alive.
  clients.clear();
  CHECK(WaitFor([&] { return server->open_connections() == 0; }));
}

TEST_CASE("fake provider: counts and records requests", "[fake_server]") {
  FakeProviderOptions options;
  options.max_recorded = 3;
  auto server = StartServer(options);
  CurlClient client;
  for (int i = 0; i < 5; ++i) {
    client.Post(ChatUrl(*server), ChatBody(i % 2 == 0 ? "even" : "odd"),
                {"Authorization: Bearer sk-test-" + std::to_string(i)});
  }
  client.Post(server->base_url() + "/nothing", "{}");
  CHECK(server->RequestCount("even") == 3);
  CHECK(server->RequestCount("odd") == 2);
  CHECK(server->RequestCount("unknown") == 0);
  CHECK(server->total_requests() == 6);

  const std::vector<RecordedRequest> recorded = server->recorded_requests();
  REQUIRE(recorded.size() == 3);
  CHECK(recorded[0].model == "odd");  // Requests 3, 4 and the 404, oldest first.
  CHECK(recorded[1].model == "even");
  CHECK(recorded[2].model.empty());
  CHECK(recorded[2].path == "/v1/nothing");
  CHECK(recorded[1].method == "POST");
  CHECK(recorded[1].path == "/v1/chat/completions");
  CHECK(recorded[1].body == ChatBody("even"));
  bool found_authorization = false;
  for (const auto& [name, value] : recorded[1].headers) {
    if (Lower(name) == "authorization") {
      found_authorization = true;
      CHECK(value == "Bearer sk-test-4");
    }
  }
  CHECK(found_authorization);

  server->ResetCounters();
  CHECK(server->RequestCount("even") == 0);
  CHECK(server->total_requests() == 0);
  CHECK(server->recorded_requests().empty());
  CHECK(server->accepted_connections() == 0);
}

TEST_CASE("fake provider: HTTP edge cases", "[fake_server]") {
  auto server = StartServer();

  SECTION("a malformed request gets 400 with a JSON body, then the connection closes") {
    Socket s = Connect(server->port());
    SendAll(s, "THIS IS NOT HTTP\r\n\r\n");
    const RawResponse r = ReadResponse(s);
    REQUIRE(r.complete);
    CHECK(r.status == 400);
    CHECK(r.Header("connection") == "close");
    RequireOpenAiError(r.body, "invalid_request_error");
    CHECK(PeerClosed(s));
  }
  SECTION("chunked request bodies get 411") {
    Socket s = Connect(server->port());
    SendAll(s,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            "5\r\nhello\r\n0\r\n\r\n");
    const RawResponse r = ReadResponse(s);
    CHECK(r.status == 411);
    CHECK(PeerClosed(s));
  }
  SECTION("a body over the limit gets 413 before it is sent") {
    Socket s = Connect(server->port());
    SendAll(s,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999\r\n\r\n");
    const RawResponse r = ReadResponse(s);
    CHECK(r.status == 413);
  }
  SECTION("a head over the limit gets 431") {
    Socket s = Connect(server->port());
    SendAll(s, "GET / HTTP/1.1\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n");
    const RawResponse r = ReadResponse(s);
    CHECK(r.status == 431);
  }
  SECTION("HTTP/2 prior knowledge gets 505") {
    Socket s = Connect(server->port());
    SendAll(s, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    const RawResponse r = ReadResponse(s);
    CHECK(r.status == 505);
  }
  SECTION("conflicting Content-Length gets 400") {
    Socket s = Connect(server->port());
    SendAll(s,
            "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4"
            "\r\n\r\nabcd");
    CHECK(ReadResponse(s).status == 400);
  }
  SECTION("pipelined requests are answered in order") {
    Socket s = Connect(server->port());
    SendAll(s, RawPost(ChatBody("first")) + RawPost(ChatBody("second")) +
                   "GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string pending;
    const RawResponse a = ReadResponse(s, &pending);
    const RawResponse b = ReadResponse(s, &pending);
    const RawResponse c = ReadResponse(s, &pending);
    REQUIRE(a.complete);
    REQUIRE(b.complete);
    CHECK(std::string(ParseJson(a.body)["model"].GetString()) == "first");
    CHECK(std::string(ParseJson(b.body)["model"].GetString()) == "second");
    CHECK(c.status == 404);
  }
  SECTION("a request trickling in byte by byte, with bare LF line ends") {
    Socket s = Connect(server->port());
    const std::string body = ChatBody("trickle");
    const std::string request =
        "\r\nPOST /v1/chat/completions?x=1 HTTP/1.1\nHost: x\n"
        "content-length: " +
        std::to_string(body.size()) + "\n\n" + body;
    for (char c : request) SendAll(s, std::string(1, c));
    const RawResponse r = ReadResponse(s);
    REQUIRE(r.complete);
    CHECK(r.status == 200);
    CHECK(std::string(ParseJson(r.body)["model"].GetString()) == "trickle");
    CHECK(server->recorded_requests().back().path == "/v1/chat/completions?x=1");
  }
  SECTION("Expect: 100-continue is honoured") {
    Socket s = Connect(server->port());
    const std::string body = ChatBody("patient");
    SendAll(s,
            "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
            "Content-Length: " +
                std::to_string(body.size()) + "\r\n\r\n");
    std::string pending;
    const RawResponse interim = ReadResponse(s, &pending);
    CHECK(interim.status == 100);
    SendAll(s, body);
    const RawResponse r = ReadResponse(s, &pending);
    CHECK(r.status == 200);
  }
  SECTION("HEAD gets headers only, and the connection stays in sync") {
    Socket s = Connect(server->port());
    SendAll(s, "HEAD /v1/unknown HTTP/1.1\r\nHost: x\r\n\r\n" + RawPost(ChatBody("after-head")));
    std::string pending;
    // ReadResponse would wait for the announced body, so read the HEAD response's head alone.
    char chunk[4096];
    while (pending.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(s.fd(), chunk, sizeof chunk, 0);
      REQUIRE(n > 0);
      pending.append(chunk, static_cast<std::size_t>(n));
    }
    CHECK(pending.rfind("HTTP/1.1 404", 0) == 0);
    pending.erase(0, pending.find("\r\n\r\n") + 4);
    const RawResponse r = ReadResponse(s, &pending);
    REQUIRE(r.complete);
    CHECK(std::string(ParseJson(r.body)["model"].GetString()) == "after-head");
  }
  SECTION("HTTP/1.0 closes unless asked to keep alive") {
    Socket s = Connect(server->port());
    const std::string body = ChatBody("old");
    SendAll(s, "POST /v1/chat/completions HTTP/1.0\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
    const RawResponse r = ReadResponse(s);
    CHECK(r.status == 200);
    CHECK(r.Header("connection") == "close");
    CHECK(PeerClosed(s));
  }
  SECTION("a large request body arrives whole") {
    const std::string big(std::size_t{5} << 20, 'z');
    const std::string body = ChatBody("big", R"(,"padding":")" + big + "\"");
    CurlClient client;
    const CurlResponse r = client.Post(ChatUrl(*server), body);
    CHECK(r.status == 200);
    CHECK(server->recorded_requests().back().body.size() == body.size());
  }
  SECTION("garbage and abrupt disconnects do not disturb the server") {
    for (int i = 0; i < 50; ++i) {
      Socket s = Connect(server->port());
      std::string junk;
      for (int j = 0; j < 300; ++j) junk.push_back(static_cast<char>((i * 131 + j * 7) & 0xff));
      send(s.fd(), junk.data(), junk.size(), MSG_NOSIGNAL);
      if (i % 2 == 0) {
        const linger hard{1, 0};  // Reset instead of closing.
        setsockopt(s.fd(), SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
      }
    }
    {
      Socket half = Connect(server->port());
      SendAll(half, "POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"mo");
    }
    CurlClient client;
    CHECK(client.Post(ChatUrl(*server), ChatBody("after")).status == 200);
    CHECK(WaitFor([&] { return server->open_connections() <= 1; }));
  }
  // Whatever happened, the server still answers.
  CurlClient client;
  CHECK(client.Post(ChatUrl(*server), ChatBody("still-alive")).status == 200);
}

TEST_CASE("fake provider: Stop closes every connection and frees the port", "[fake_server]") {
  auto server = StartServer();
  ModelScript slow;
  slow.latency = std::chrono::seconds(60);
  server->SetScript("slow", slow);
  Socket idle = Connect(server->port());
  Socket waiting = Connect(server->port());
  SendAll(waiting, RawPost(ChatBody("slow")));
  REQUIRE(WaitFor([&] { return server->RequestCount("slow") == 1; }));
  const std::uint16_t port = server->port();
  server->Stop();
  CHECK(PeerClosed(idle));
  CHECK(PeerClosed(waiting));
  CHECK(server->open_connections() == 0);
  server->Stop();  // Idempotent.
  server.reset();

  FakeProviderOptions same_port;
  same_port.port = port;
  auto again = StartServer(same_port);
  CHECK(again->port() == port);
  CHECK(again->base_url() == "http://127.0.0.1:" + std::to_string(port) + "/v1");

  std::string error;
  CHECK(FakeProviderServer::Start(same_port, &error) == nullptr);
  CHECK(error.find("bind 127.0.0.1:" + std::to_string(port)) != std::string::npos);
}

TEST_CASE("fake provider: LoadScriptFile", "[fake_server]") {
  ModelScript default_script;
  std::map<std::string, ModelScript> models;
  std::string error;

  SECTION("a full file") {
    const std::string json = R"({
      "default": {"latency_ms": 25, "text": "hi {model}"},
      "models": {
        "fast-model": {"prompt_tokens": 1, "completion_tokens": 2, "cached_tokens": 3,
                       "reasoning_tokens": 4, "finish_reason": "length"},
        "broken": {"status": 503, "retry_after": "2", "body": "error", "error_type": "overloaded",
                   "error_message": "busy", "error_code": null, "content_type": "text/plain"},
        "huge": {"body": "huge", "huge_bytes": 1024},
        "cut": {"body": "reset_mid_body"},
        "portal": {"body": "html", "trickle_pieces": 5, "trickle_delay_ms": 40}
      }
    })";
    REQUIRE(LoadScriptFile(json, &default_script, &models, &error));
    CHECK(default_script.latency == std::chrono::milliseconds(25));
    CHECK(default_script.text == "hi {model}");
    REQUIRE(models.size() == 5);
    CHECK(models["fast-model"].completion_tokens == 2);
    CHECK(models["fast-model"].reasoning_tokens == 4);
    CHECK(models["fast-model"].finish_reason == "length");
    CHECK(models["fast-model"].latency == std::chrono::milliseconds(0));  // No inheritance.
    CHECK(models["broken"].status == 503);
    CHECK(models["broken"].retry_after == "2");
    CHECK(models["broken"].body == BodyMode::kError);
    CHECK(models["broken"].error_code.empty());
    CHECK(models["broken"].content_type == "text/plain");
    CHECK(models["huge"].huge_bytes == 1024);
    CHECK(models["cut"].body == BodyMode::kResetMidBody);
    CHECK(models["portal"].body == BodyMode::kHtml);
    CHECK(models["portal"].trickle_pieces == 5);
    CHECK(models["portal"].trickle_delay == std::chrono::milliseconds(40));
  }
  SECTION("errors name the JSON path and leave the outputs untouched") {
    models["keep"] = ModelScript{};
    struct Case {
      std::string json;
      std::string message;
    };
    const std::vector<Case> cases = {
        {R"({"models": {"fast": {"latency_ms": -5}}})",
         "models.fast.latency_ms: expected a non-negative integer"},
        {R"({"models": {"fast": {"latncy_ms": 5}}})", "models.fast.latncy_ms: unknown key"},
        {R"({"defaults": {}})", "defaults: unknown key"},
        {R"({"default": {"status": 700}})", "default.status: expected an integer HTTP status"},
        {R"({"default": {"body": "weird"}})", "default.body: expected one of"},
        {R"({"default": {"text": 5}})", "default.text: expected a string"},
        {R"({"default": []})", "default: expected an object"},
        {R"({"models": []})", "models: expected an object"},
        {R"({"models": {"x": {"prompt_tokens": 1.5}}})",
         "models.x.prompt_tokens: expected a non-negative integer"},
        {R"([])", "(root): expected an object"},
        {R"({"default": )", "invalid JSON at offset"},
    };
    for (const auto& c : cases) {
      INFO(c.json);
      error.clear();
      CHECK_FALSE(LoadScriptFile(c.json, &default_script, &models, &error));
      CHECK(error.find(c.message) == 0);
      CHECK(models.count("keep") == 1);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Vendors and streams

namespace {

enum class Vendor { kOpenAi, kAzure, kAnthropic, kGemini, kOllama };
constexpr Vendor kAllVendors[] = {Vendor::kOpenAi, Vendor::kAzure, Vendor::kAnthropic,
                                  Vendor::kGemini, Vendor::kOllama};

std::string NameOf(Vendor vendor) {
  switch (vendor) {
    case Vendor::kOpenAi:
      return "openai";
    case Vendor::kAzure:
      return "azure";
    case Vendor::kAnthropic:
      return "anthropic";
    case Vendor::kGemini:
      return "gemini";
    case Vendor::kOllama:
      return "ollama";
  }
  return "";
}

// Where each vendor's client would send a chat request for `model`.
std::string UrlFor(const FakeProviderServer& server, Vendor vendor, const std::string& model,
                   bool stream) {
  const std::string root = server.root_url();
  switch (vendor) {
    case Vendor::kOpenAi:
      return root + "/v1/chat/completions";
    case Vendor::kAzure:
      return root + "/openai/deployments/" + model + "/chat/completions?api-version=2024-10-21";
    case Vendor::kAnthropic:
      return root + "/v1/messages";
    case Vendor::kGemini:
      return root + "/v1beta/models/" + model +
             (stream ? ":streamGenerateContent?alt=sse" : ":generateContent");
    case Vendor::kOllama:
      return root + "/api/chat";
  }
  return root;
}

// A minimal valid request body of each vendor.
std::string BodyFor(Vendor vendor, const std::string& model, bool stream) {
  const std::string flag = stream ? "true" : "false";
  switch (vendor) {
    case Vendor::kOpenAi:
      return ChatBody(model, R"(,"stream":)" + flag);
    case Vendor::kAzure:
      return R"({"messages":[{"role":"user","content":"hi"}],"stream":)" + flag + "}";
    case Vendor::kAnthropic:
      return R"({"model":")" + model +
             R"(","max_tokens":64,"messages":[{"role":"user","content":"hi"}],"stream":)" + flag +
             "}";
    case Vendor::kGemini:
      return R"({"contents":[{"role":"user","parts":[{"text":"hi"}]}]})";
    case Vendor::kOllama:
      return R"({"model":")" + model +
             R"(","messages":[{"role":"user","content":"hi"}],"stream":)" + flag + "}";
  }
  return "";
}

std::string Str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return std::string(v.GetString(), v.GetStringLength());
}

std::string Serialize(const rapidjson::Value& v) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  v.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// One SSE event (or one NDJSON line, in `data`), and the body offset just past it.
struct Event {
  std::string event;
  std::string data;
  std::size_t end = 0;
};

// Events end at an empty line (LF or CRLF line ends); an unfinished event is dropped.
std::vector<Event> ParseSse(const std::string& body) {
  std::vector<Event> events;
  Event current;
  bool any = false;
  std::size_t pos = 0;
  while (pos < body.size()) {
    const std::size_t eol = body.find('\n', pos);
    if (eol == std::string::npos) break;
    std::string line = body.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = eol + 1;
    if (line.empty()) {
      if (any) {
        current.end = pos;
        events.push_back(current);
      }
      current = Event{};
      any = false;
    } else if (line.rfind("event: ", 0) == 0) {
      current.event = line.substr(7);
      any = true;
    } else if (line.rfind("data: ", 0) == 0) {
      if (!current.data.empty()) current.data.push_back('\n');
      current.data += line.substr(6);
      any = true;
    }
  }
  return events;
}

std::vector<Event> ParseNdjson(const std::string& body) {
  std::vector<Event> lines;
  std::size_t pos = 0;
  for (std::size_t eol; (eol = body.find('\n', pos)) != std::string::npos; pos = eol + 1) {
    lines.push_back(Event{"", body.substr(pos, eol - pos), eol + 1});
  }
  return lines;
}

// What a streamed body delivered, read the way each vendor's SDK reads it.
struct StreamSummary {
  std::vector<std::size_t> content_ends;  // Body offset just past each content chunk.
  std::string text;                       // Text deltas, concatenated.
  std::vector<std::string> tool_names;    // Tool calls, in order of their first chunk.
  std::string arguments;                  // Argument text of every tool call, concatenated.
  bool ended = false;                     // The vendor's end marker arrived.
};

StreamSummary Summarize(Vendor vendor, const std::string& body) {
  StreamSummary s;
  switch (vendor) {
    case Vendor::kOpenAi:
    case Vendor::kAzure:
      for (const Event& e : ParseSse(body)) {
        if (e.data == "[DONE]") {
          s.ended = true;
          continue;
        }
        const auto doc = ParseJson(e.data);
        REQUIRE(Str(doc["object"]) == "chat.completion.chunk");
        if (doc["choices"].Empty()) continue;  // The usage chunk.
        const auto& delta = doc["choices"][0]["delta"];
        if (delta.HasMember("role")) continue;  // The preamble.
        if (delta.HasMember("content")) {
          s.text += Str(delta["content"]);
          s.content_ends.push_back(e.end);
        }
        if (delta.HasMember("tool_calls")) {
          const auto& call = delta["tool_calls"][0];
          if (call["function"].HasMember("name"))
            s.tool_names.push_back(Str(call["function"]["name"]));
          s.arguments += Str(call["function"]["arguments"]);
          s.content_ends.push_back(e.end);
        }
      }
      break;
    case Vendor::kAnthropic:
      for (const Event& e : ParseSse(body)) {
        const auto doc = ParseJson(e.data);
        REQUIRE(Str(doc["type"]) == e.event);  // The event line names the data's type.
        if (e.event == "message_stop") s.ended = true;
        if (e.event == "content_block_start" && Str(doc["content_block"]["type"]) == "tool_use") {
          s.tool_names.push_back(Str(doc["content_block"]["name"]));
          s.content_ends.push_back(e.end);
        }
        if (e.event == "content_block_delta") {
          const auto& delta = doc["delta"];
          if (Str(delta["type"]) == "text_delta") s.text += Str(delta["text"]);
          if (Str(delta["type"]) == "input_json_delta") s.arguments += Str(delta["partial_json"]);
          s.content_ends.push_back(e.end);
        }
      }
      break;
    case Vendor::kGemini:
      for (const Event& e : ParseSse(body)) {
        const auto doc = ParseJson(e.data);
        const auto& candidate = doc["candidates"][0];
        if (candidate.HasMember("finishReason")) {
          s.ended = true;
          continue;
        }
        const auto& part = candidate["content"]["parts"][0];
        if (part.HasMember("text")) s.text += Str(part["text"]);
        if (part.HasMember("functionCall")) {
          s.tool_names.push_back(Str(part["functionCall"]["name"]));
          s.arguments += Serialize(part["functionCall"]["args"]);
        }
        s.content_ends.push_back(e.end);
      }
      break;
    case Vendor::kOllama:
      for (const Event& e : ParseNdjson(body)) {
        const auto doc = ParseJson(e.data);
        if (doc["done"].GetBool()) {
          s.ended = true;
          continue;
        }
        s.text += Str(doc["message"]["content"]);
        if (doc["message"].HasMember("tool_calls")) {
          const auto& call = doc["message"]["tool_calls"][0]["function"];
          s.tool_names.push_back(Str(call["name"]));
          s.arguments += Serialize(call["arguments"]);
        }
        s.content_ends.push_back(e.end);
      }
      break;
  }
  return s;
}

std::int64_t Int(const rapidjson::Value& v) {
  REQUIRE(v.IsInt64());
  return v.GetInt64();
}

}  // namespace

TEST_CASE("fake provider: every protocol answers on its paths and records which one served",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "hi from {model}";
  server->SetDefaultScript(script);
  CurlClient client;
  for (const Vendor vendor : kAllVendors) {
    INFO(NameOf(vendor));
    const std::string model = "m-" + NameOf(vendor);
    for (const bool stream : {false, true}) {
      const CurlResponse r =
          client.Post(UrlFor(*server, vendor, model, stream), BodyFor(vendor, model, stream));
      REQUIRE(r.code == CURLE_OK);
      CHECK(r.status == 200);
      CHECK(server->recorded_requests().back().protocol == NameOf(vendor));
      CHECK(server->recorded_requests().back().model == model);
      if (stream) {
        CHECK(r.Header("transfer-encoding") == "chunked");
        CHECK(r.Header("content-length").empty());
        const StreamSummary s = Summarize(vendor, r.body);
        CHECK(s.text == "hi from " + model);
        CHECK(s.ended);
      }
    }
    CHECK(server->RequestCount(model) == 2);
  }
  const CurlResponse missing = client.Post(server->root_url() + "/v1/complete", "{}");
  CHECK(missing.status == 404);
  CHECK(server->recorded_requests().back().protocol.empty());
  // Gemini's stable /v1 path is served too, and the Content-Type is each vendor's own.
  const CurlResponse v1 = client.Post(server->root_url() + "/v1/models/g:generateContent",
                                      BodyFor(Vendor::kGemini, "g", false));
  CHECK(v1.status == 200);
  CHECK(v1.Header("content-type") == "application/json; charset=UTF-8");
  CHECK(
      client
          .Post(UrlFor(*server, Vendor::kOllama, "o", false), BodyFor(Vendor::kOllama, "o", false))
          .Header("content-type") == "application/json; charset=utf-8");
  CHECK(
      client.Post(UrlFor(*server, Vendor::kOllama, "o", true), BodyFor(Vendor::kOllama, "o", true))
          .Header("content-type") == "application/x-ndjson");
  CHECK(client
            .Post(UrlFor(*server, Vendor::kAnthropic, "a", true),
                  BodyFor(Vendor::kAnthropic, "a", true))
            .Header("content-type") == "text/event-stream; charset=utf-8");
}

TEST_CASE("fake provider: an OpenAI stream is role delta, content deltas, finish, usage, [DONE]",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "one two three four five six";
  script.chunks = 3;
  script.prompt_tokens = 30;
  script.completion_tokens = 6;
  script.cached_tokens = 10;
  script.reasoning_tokens = 2;
  script.finish_reason = "length";
  server->SetScript("gpt-s", script);
  CurlClient client;
  const CurlResponse r =
      client.Post(ChatUrl(*server),
                  ChatBody("gpt-s", R"(,"stream":true,"stream_options":{"include_usage":true})"));
  REQUIRE(r.code == CURLE_OK);
  CHECK(r.status == 200);
  CHECK(r.Header("content-type") == "text/event-stream; charset=utf-8");
  CHECK(r.Header("transfer-encoding") == "chunked");

  const std::vector<Event> events = ParseSse(r.body);
  // Role, 3 content chunks, finish, usage, [DONE]; nothing after the last blank line.
  REQUIRE(events.size() == 7);
  CHECK(events.back().end == r.body.size());
  CHECK(events.back().data == "[DONE]");
  std::string id;
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    INFO(events[i].data);
    CHECK(events[i].event.empty());
    const auto doc = ParseJson(events[i].data);
    CHECK(Str(doc["object"]) == "chat.completion.chunk");
    CHECK(Str(doc["model"]) == "gpt-s");
    CHECK(doc["created"].IsInt64());
    if (i == 0) id = Str(doc["id"]);
    CHECK(Str(doc["id"]) == id);  // Every chunk carries the completion's id.
    REQUIRE(doc.HasMember("usage"));
    if (i + 2 < events.size()) {
      CHECK(doc["usage"].IsNull());
      REQUIRE(doc["choices"].Size() == 1);
      CHECK(doc["choices"][0]["index"].GetInt() == 0);
      CHECK(doc["choices"][0]["logprobs"].IsNull());
    }
  }
  CHECK(id.rfind("chatcmpl-", 0) == 0);
  const auto role = ParseJson(events[0].data);
  CHECK(Str(role["choices"][0]["delta"]["role"]) == "assistant");
  CHECK(Str(role["choices"][0]["delta"]["content"]).empty());
  CHECK(role["choices"][0]["finish_reason"].IsNull());
  // Three pieces of near-equal length (27 code points: 9 each), in order.
  CHECK(Str(ParseJson(events[1].data)["choices"][0]["delta"]["content"]) == "one two t");
  CHECK(Str(ParseJson(events[2].data)["choices"][0]["delta"]["content"]) == "hree four");
  CHECK(Str(ParseJson(events[3].data)["choices"][0]["delta"]["content"]) == " five six");
  const auto finish = ParseJson(events[4].data);
  CHECK(finish["choices"][0]["delta"].ObjectEmpty());
  CHECK(Str(finish["choices"][0]["finish_reason"]) == "length");
  const auto usage_chunk = ParseJson(events[5].data);
  CHECK(usage_chunk["choices"].Empty());
  const auto& usage = usage_chunk["usage"];
  CHECK(Int(usage["prompt_tokens"]) == 30);
  CHECK(Int(usage["completion_tokens"]) == 6);
  CHECK(Int(usage["total_tokens"]) == 36);
  CHECK(Int(usage["prompt_tokens_details"]["cached_tokens"]) == 10);
  CHECK(Int(usage["completion_tokens_details"]["reasoning_tokens"]) == 2);

  SECTION("without include_usage there is no usage at all") {
    const CurlResponse plain =
        client.Post(ChatUrl(*server), ChatBody("gpt-s", R"(,"stream":true)"));
    const std::vector<Event> plain_events = ParseSse(plain.body);
    REQUIRE(plain_events.size() == 6);
    for (std::size_t i = 0; i + 1 < plain_events.size(); ++i) {
      CHECK_FALSE(ParseJson(plain_events[i].data).HasMember("usage"));
    }
  }
  SECTION("by default one chunk per word, each with the whitespace before it") {
    script.text = "  Hello,\tbrave  new world \n";
    script.chunks = 0;
    server->SetScript("gpt-s", script);
    const CurlResponse words =
        client.Post(ChatUrl(*server), ChatBody("gpt-s", R"(,"stream":true)"));
    const std::vector<Event> word_events = ParseSse(words.body);
    REQUIRE(word_events.size() == 7);  // Role, 4 words, finish, [DONE].
    std::vector<std::string> pieces;
    for (std::size_t i = 1; i <= 4; ++i) {
      pieces.push_back(Str(ParseJson(word_events[i].data)["choices"][0]["delta"]["content"]));
    }
    CHECK(pieces == std::vector<std::string>{"  Hello,", "\tbrave", "  new", " world \n"});
  }
  SECTION("pieces never split a UTF-8 sequence") {
    script.text = "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xF0\x9F\x98\x80!";  // héllo wörld ✓ 😀!
    script.chunks = 16;  // One per code point.
    server->SetScript("gpt-s", script);
    const CurlResponse cut = client.Post(ChatUrl(*server), ChatBody("gpt-s", R"(,"stream":true)"));
    const StreamSummary s = Summarize(Vendor::kOpenAi, cut.body);  // ParseJson validates UTF-8.
    CHECK(s.content_ends.size() == 16);
    CHECK(s.text == script.text);
    rapidjson::Document doc;
    for (const Event& e : ParseSse(cut.body)) {
      if (e.data == "[DONE]") continue;
      doc.Parse<rapidjson::kParseValidateEncodingFlag>(e.data.data(), e.data.size());
      CHECK_FALSE(doc.HasParseError());
    }
  }
}

TEST_CASE("fake provider: OpenAI tool calls, plain and streamed", "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "";
  script.tool_calls = {{"get_weather", R"({"city":"Paris","unit":"celsius"})"},
                       {"get_time", R"({"tz":"Europe/Paris"})"}};
  script.finish_reason = "tool_calls";
  server->SetScript("tools", script);
  CurlClient client;

  const CurlResponse plain = client.Post(ChatUrl(*server), ChatBody("tools"));
  REQUIRE(plain.status == 200);
  const auto doc = ParseJson(plain.body);
  const auto& message = doc["choices"][0]["message"];
  CHECK(message["content"].IsNull());  // No text: content is null, as OpenAI sends it.
  CHECK(Str(doc["choices"][0]["finish_reason"]) == "tool_calls");
  REQUIRE(message["tool_calls"].Size() == 2);
  const auto& first = message["tool_calls"][0];
  CHECK(Str(first["type"]) == "function");
  CHECK(Str(first["id"]).rfind("call_", 0) == 0);
  CHECK(Str(first["function"]["name"]) == "get_weather");
  CHECK(Str(first["function"]["arguments"]) == R"({"city":"Paris","unit":"celsius"})");
  CHECK(Str(message["tool_calls"][1]["id"]) != Str(first["id"]));

  const CurlResponse streamed =
      client.Post(ChatUrl(*server), ChatBody("tools", R"(,"stream":true)"));
  REQUIRE(streamed.status == 200);
  const std::vector<Event> events = ParseSse(streamed.body);
  // Per call: a chunk naming it, then its arguments in fragments of at most 16 bytes.
  std::vector<std::string> arguments(2);
  std::vector<std::string> ids(2);
  int naming_chunks = 0;
  int fragments = 0;
  int last_index = 0;
  for (const Event& e : events) {
    if (e.data == "[DONE]") continue;
    const auto chunk = ParseJson(e.data);
    const auto& delta = chunk["choices"][0]["delta"];
    if (!delta.HasMember("tool_calls")) continue;
    REQUIRE(delta["tool_calls"].Size() == 1);
    const auto& call = delta["tool_calls"][0];
    const int index = call["index"].GetInt();
    CHECK(index >= last_index);  // Calls arrive in order, never interleaved.
    last_index = index;
    if (call.HasMember("id")) {
      ++naming_chunks;
      ids[static_cast<std::size_t>(index)] = Str(call["id"]);
      CHECK(Str(call["type"]) == "function");
      CHECK(Str(call["function"]["arguments"]).empty());
    } else {
      ++fragments;
      CHECK_FALSE(call["function"].HasMember("name"));
      CHECK(Str(call["function"]["arguments"]).size() <= 16);
    }
    arguments[static_cast<std::size_t>(index)] += Str(call["function"]["arguments"]);
  }
  CHECK(naming_chunks == 2);
  const auto fragments_of = [](const std::string& text) {
    return static_cast<int>((text.size() + 15) / 16);
  };
  CHECK(fragments == fragments_of(script.tool_calls[0].arguments) +
                         fragments_of(script.tool_calls[1].arguments));
  CHECK(arguments[0] == script.tool_calls[0].arguments);
  CHECK(arguments[1] == script.tool_calls[1].arguments);
  CHECK(ids[0].rfind("call_", 0) == 0);
  CHECK(ids[0] != ids[1]);
  const auto finish = ParseJson(events[events.size() - 2].data);
  CHECK(Str(finish["choices"][0]["finish_reason"]) == "tool_calls");

  // Text and a tool call together: the text first, content not null.
  script.text = "Let me check.";
  script.tool_calls.resize(1);
  server->SetScript("tools", script);
  const auto both = ParseJson(client.Post(ChatUrl(*server), ChatBody("tools")).body);
  CHECK(Str(both["choices"][0]["message"]["content"]) == "Let me check.");
  CHECK(both["choices"][0]["message"]["tool_calls"].Size() == 1);
  const StreamSummary s = Summarize(
      Vendor::kOpenAi, client.Post(ChatUrl(*server), ChatBody("tools", R"(,"stream":true)")).body);
  CHECK(s.text == "Let me check.");
  CHECK(s.tool_names == std::vector<std::string>{"get_weather"});
  CHECK(s.arguments == script.tool_calls[0].arguments);
}

TEST_CASE("fake provider: Azure OpenAI at a deployment URL, api-version required",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "from {model}";
  server->SetScript("my-deployment", script);
  CurlClient client;
  const std::string path =
      server->root_url() + "/openai/deployments/my-deployment/chat/completions";
  const std::string body = R"({"model":"ignored","messages":[{"role":"user","content":"hi"}]})";

  const CurlResponse missing = client.Post(path, body);
  CHECK(missing.status == 400);
  const auto error = ParseJson(missing.body);
  CHECK(Str(error["error"]["code"]) == "BadRequest");
  CHECK(Str(error["error"]["message"]).find("api-version") != std::string::npos);
  CHECK(server->recorded_requests().back().protocol == "azure");

  const CurlResponse ok = client.Post(path + "?api-version=2024-10-21", body, {"api-key: k"});
  REQUIRE(ok.status == 200);
  const auto doc = ParseJson(ok.body);
  CHECK(Str(doc["model"]) == "my-deployment");  // The deployment is the model, not the body's.
  CHECK(Str(doc["object"]) == "chat.completion");
  CHECK(Str(doc["choices"][0]["message"]["content"]) == "from my-deployment");
  CHECK(server->RequestCount("my-deployment") == 2);
  CHECK(server->RequestCount("ignored") == 0);
  // The query may carry other parameters, in any order, percent-encoded.
  CHECK(client.Post(path + "?x=1&api-version=2024%2D10%2D21", body).status == 200);
  // Validation is OpenAI's, errors in OpenAI's shape.
  const CurlResponse invalid = client.Post(path + "?api-version=1", R"({"messages":[]})");
  CHECK(invalid.status == 400);
  RequireOpenAiError(invalid.body, "invalid_request_error");
  // A path with more segments is not a deployment.
  CHECK(
      client
          .Post(server->root_url() + "/openai/deployments/a/b/chat/completions?api-version=1", body)
          .status == 404);
}

TEST_CASE("fake provider: Anthropic messages, usage mapping, tool_use, validation and errors",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "Hello from {model}";
  script.prompt_tokens = 100;
  script.cached_tokens = 40;
  script.completion_tokens = 12;
  script.reasoning_tokens = 5;  // Anthropic has no separate count: inside output_tokens.
  script.tool_calls = {{"lookup", R"({"q":"weather"})"}, {"broken", "not json"}};
  script.finish_reason = "tool_calls";
  server->SetScript("claude-t", script);
  CurlClient client;
  const std::string url = UrlFor(*server, Vendor::kAnthropic, "", false);

  const CurlResponse r = client.Post(url, BodyFor(Vendor::kAnthropic, "claude-t", false),
                                     {"x-api-key: k", "anthropic-version: 2023-06-01"});
  REQUIRE(r.code == CURLE_OK);
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type") == "application/json");
  const auto doc = ParseJson(r.body);
  CHECK(Str(doc["id"]).rfind("msg_", 0) == 0);
  CHECK(Str(doc["type"]) == "message");
  CHECK(Str(doc["role"]) == "assistant");
  CHECK(Str(doc["model"]) == "claude-t");
  CHECK(Str(doc["stop_reason"]) == "tool_use");
  CHECK(doc["stop_sequence"].IsNull());
  const auto& content = doc["content"];
  REQUIRE(content.Size() == 3);
  CHECK(Str(content[0]["type"]) == "text");
  CHECK(Str(content[0]["text"]) == "Hello from claude-t");
  CHECK(Str(content[1]["type"]) == "tool_use");
  CHECK(Str(content[1]["id"]).rfind("toolu_", 0) == 0);
  CHECK(Str(content[1]["name"]) == "lookup");
  CHECK(Str(content[1]["input"]["q"]) == "weather");
  CHECK(content[2]["input"].IsObject());  // Arguments that are no JSON object become {}.
  CHECK(content[2]["input"].ObjectEmpty());
  const auto& usage = doc["usage"];
  CHECK(Int(usage["input_tokens"]) == 60);  // Cache reads are counted apart.
  CHECK(Int(usage["cache_read_input_tokens"]) == 40);
  CHECK(Int(usage["cache_creation_input_tokens"]) == 0);
  CHECK(Int(usage["output_tokens"]) == 12);

  SECTION("finish reasons map to stop reasons") {
    const std::pair<const char*, const char*> cases[] = {{"stop", "end_turn"},
                                                         {"length", "max_tokens"},
                                                         {"content_filter", "refusal"},
                                                         {"pause_turn", "pause_turn"}};
    for (const auto& [finish, stop] : cases) {
      script.finish_reason = finish;
      script.tool_calls.clear();
      server->SetScript("claude-t", script);
      const auto m =
          ParseJson(client.Post(url, BodyFor(Vendor::kAnthropic, "claude-t", false)).body);
      CHECK(Str(m["stop_reason"]) == stop);
    }
  }
  SECTION("an empty text leaves the text block out") {
    script.text = "";
    script.tool_calls.resize(1);
    server->SetScript("claude-t", script);
    const auto m = ParseJson(client.Post(url, BodyFor(Vendor::kAnthropic, "claude-t", false)).body);
    REQUIRE(m["content"].Size() == 1);
    CHECK(Str(m["content"][0]["type"]) == "tool_use");
  }
  SECTION("requests are validated like the real API") {
    const std::pair<std::string, std::string> cases[] = {
        {R"({"model":"c","messages":[{"role":"user","content":"x"}]})",
         "max_tokens: Field required"},
        {R"({"max_tokens":5,"messages":[{"role":"user","content":"x"}]})", "model: Field required"},
        {R"({"model":"c","max_tokens":"5","messages":[{"role":"user","content":"x"}]})",
         "max_tokens: Input should be a valid integer"},
        {R"({"model":"c","max_tokens":0,"messages":[{"role":"user","content":"x"}]})",
         "max_tokens: Input should be greater than or equal to 1"},
        {R"({"model":"c","max_tokens":5})", "messages: Field required"},
        {R"({"model":"c","max_tokens":5,"messages":[]})", "messages: at least one message"},
        {R"({"model":"c","max_tokens":5,"messages":[{"role":"system","content":"x"}]})",
         "messages.0.role: Input should be 'user' or 'assistant'"},
        {R"({"model":"c","max_tokens":5,"messages":[{"role":"user"}],"stream":1})",
         "stream: Input should be a valid boolean"},
        {"{oops", "There was an error parsing the body"},
    };
    for (const auto& [body, message] : cases) {
      INFO(body);
      const CurlResponse bad = client.Post(url, body);
      CHECK(bad.status == 400);
      const auto e = ParseJson(bad.body);
      CHECK(Str(e["type"]) == "error");
      CHECK(Str(e["error"]["type"]) == "invalid_request_error");
      CHECK(Str(e["error"]["message"]).find(message) == 0);
      CHECK(Str(e["request_id"]) == bad.Header("x-request-id"));
    }
  }
  SECTION("errors in Anthropic's shape: 529 overloaded_error, types by status") {
    const std::tuple<int, std::string, std::string> cases[] = {
        {529, "server_error", "overloaded_error"},  // OpenAI's word: derived from the status.
        {429, "server_error", "rate_limit_error"},
        {500, "server_error", "api_error"},
        {503, "server_error", "api_error"},
        {401, "server_error", "authentication_error"},
        {404, "server_error", "not_found_error"},
        {500, "overloaded_error", "overloaded_error"},  // An Anthropic word is kept.
    };
    for (const auto& [status, type, expected] : cases) {
      INFO(status << " " << type);
      ModelScript failing;
      failing.status = status;
      failing.error_type = type;
      failing.error_message = "{model} is busy";
      failing.retry_after = "3";
      server->SetScript("claude-f", failing);
      for (const bool stream : {false, true}) {
        const CurlResponse bad = client.Post(url, BodyFor(Vendor::kAnthropic, "claude-f", stream));
        CHECK(bad.status == status);
        CHECK(bad.Header("retry-after") == "3");
        CHECK(bad.Header("content-type") == "application/json");  // Errors are never streamed.
        const auto e = ParseJson(bad.body);
        CHECK(Str(e["type"]) == "error");
        CHECK(Str(e["error"]["type"]) == expected);
        CHECK(Str(e["error"]["message"]) == "claude-f is busy");
      }
    }
  }
}

TEST_CASE("fake provider: an Anthropic stream is the documented event sequence", "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "Checking the weather";
  script.tool_calls = {{"get_weather", R"({"city":"Paris","days":3,"unit":"celsius"})"}};
  script.finish_reason = "tool_calls";
  script.prompt_tokens = 50;
  script.cached_tokens = 20;
  script.completion_tokens = 15;
  server->SetScript("claude-s", script);
  CurlClient client;
  const CurlResponse r = client.Post(UrlFor(*server, Vendor::kAnthropic, "", true),
                                     BodyFor(Vendor::kAnthropic, "claude-s", true));
  REQUIRE(r.code == CURLE_OK);
  REQUIRE(r.status == 200);
  CHECK(r.Header("content-type") == "text/event-stream; charset=utf-8");
  const std::vector<Event> events = ParseSse(r.body);
  std::vector<std::string> names;
  for (const Event& e : events) names.push_back(e.event);
  const std::size_t fragments = (script.tool_calls[0].arguments.size() + 15) / 16;
  std::vector<std::string> expected = {
      "message_start",       "content_block_start", "ping",
      "content_block_delta", "content_block_delta", "content_block_delta",
      "content_block_stop",  "content_block_start"};
  expected.insert(expected.end(), fragments, "content_block_delta");
  expected.insert(expected.end(), {"content_block_stop", "message_delta", "message_stop"});
  CHECK(names == expected);

  const auto start = ParseJson(events[0].data);
  const auto& message = start["message"];
  CHECK(Str(message["id"]).rfind("msg_", 0) == 0);
  CHECK(Str(message["model"]) == "claude-s");
  CHECK(message["content"].Empty());
  CHECK(message["stop_reason"].IsNull());
  CHECK(Int(message["usage"]["input_tokens"]) == 30);
  CHECK(Int(message["usage"]["cache_read_input_tokens"]) == 20);
  const auto text_start = ParseJson(events[1].data);
  CHECK(text_start["index"].GetInt() == 0);
  CHECK(Str(text_start["content_block"]["type"]) == "text");
  CHECK(Str(text_start["content_block"]["text"]).empty());
  const auto tool_start = ParseJson(events[7].data);
  CHECK(tool_start["index"].GetInt() == 1);
  CHECK(Str(tool_start["content_block"]["type"]) == "tool_use");
  CHECK(Str(tool_start["content_block"]["name"]) == "get_weather");
  CHECK(tool_start["content_block"]["input"].ObjectEmpty());
  for (std::size_t i = 8; i < 8 + fragments; ++i) {
    const auto delta = ParseJson(events[i].data);
    CHECK(delta["index"].GetInt() == 1);
    CHECK(Str(delta["delta"]["type"]) == "input_json_delta");
  }
  const auto stop = ParseJson(events[events.size() - 3].data);
  CHECK(stop["index"].GetInt() == 1);
  const auto delta = ParseJson(events[events.size() - 2].data);
  CHECK(Str(delta["delta"]["stop_reason"]) == "tool_use");
  CHECK(delta["delta"]["stop_sequence"].IsNull());
  CHECK(Int(delta["usage"]["output_tokens"]) == 15);
  CHECK(Int(delta["usage"]["input_tokens"]) == 30);

  const StreamSummary s = Summarize(Vendor::kAnthropic, r.body);
  CHECK(s.text == "Checking the weather");
  CHECK(s.arguments == script.tool_calls[0].arguments);  // The fragments rebuild the JSON.
  CHECK(ParseJson(s.arguments)["days"].GetInt() == 3);
  CHECK(s.ended);
}

TEST_CASE("fake provider: Gemini generateContent, usage mapping, function calls and errors",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "Hi from {model}";
  script.prompt_tokens = 80;
  script.cached_tokens = 30;
  script.completion_tokens = 25;
  script.reasoning_tokens = 10;
  script.tool_calls = {{"find", R"({"term":"x","limit":2})"}};
  script.finish_reason = "length";
  server->SetScript("gemini-2.5-pro", script);
  CurlClient client;
  const CurlResponse r = client.Post(UrlFor(*server, Vendor::kGemini, "gemini-2.5-pro", false),
                                     BodyFor(Vendor::kGemini, "", false), {"x-goog-api-key: k"});
  REQUIRE(r.code == CURLE_OK);
  REQUIRE(r.status == 200);
  const auto doc = ParseJson(r.body);
  const auto& candidate = doc["candidates"][0];
  CHECK(Str(candidate["content"]["role"]) == "model");
  CHECK(Str(candidate["finishReason"]) == "MAX_TOKENS");
  CHECK(candidate["index"].GetInt() == 0);
  const auto& parts = candidate["content"]["parts"];
  REQUIRE(parts.Size() == 2);
  CHECK(Str(parts[0]["text"]) == "Hi from gemini-2.5-pro");
  CHECK(Str(parts[1]["functionCall"]["name"]) == "find");
  CHECK(parts[1]["functionCall"]["args"]["limit"].GetInt() == 2);
  const auto& usage = doc["usageMetadata"];
  CHECK(Int(usage["promptTokenCount"]) == 80);
  CHECK(Int(usage["cachedContentTokenCount"]) == 30);
  CHECK(Int(usage["candidatesTokenCount"]) == 15);  // Thoughts are counted apart.
  CHECK(Int(usage["thoughtsTokenCount"]) == 10);
  CHECK(Int(usage["totalTokenCount"]) == 105);
  CHECK(Str(doc["modelVersion"]) == "gemini-2.5-pro");
  CHECK(doc["responseId"].IsString());
  CHECK(server->RequestCount("gemini-2.5-pro") == 1);

  // Google leaves zero counts out.
  script.cached_tokens = 0;
  script.reasoning_tokens = 0;
  script.tool_calls.clear();
  script.finish_reason = "stop";
  server->SetScript("gemini-2.5-pro", script);
  const auto zero = ParseJson(client
                                  .Post(UrlFor(*server, Vendor::kGemini, "gemini-2.5-pro", false),
                                        BodyFor(Vendor::kGemini, "", false))
                                  .body);
  CHECK_FALSE(zero["usageMetadata"].HasMember("cachedContentTokenCount"));
  CHECK_FALSE(zero["usageMetadata"].HasMember("thoughtsTokenCount"));
  CHECK(Int(zero["usageMetadata"]["candidatesTokenCount"]) == 25);
  CHECK(Str(zero["candidates"][0]["finishReason"]) == "STOP");

  // Validation and errors in Google's shape.
  const std::string url = UrlFor(*server, Vendor::kGemini, "g", false);
  for (const std::string body :
       {"{}", R"({"contents":[]})", R"({"contents":[{"role":"user"}]})", "[]", "{bad"}) {
    INFO(body);
    const CurlResponse bad = client.Post(url, body);
    CHECK(bad.status == 400);
    const auto e = ParseJson(bad.body);
    CHECK(e["error"]["code"].GetInt() == 400);
    CHECK(Str(e["error"]["status"]) == "INVALID_ARGUMENT");
    CHECK(e["error"]["message"].IsString());
  }
  const std::tuple<int, std::string, std::string> cases[] = {
      {429, "server_error", "RESOURCE_EXHAUSTED"}, {503, "server_error", "UNAVAILABLE"},
      {500, "server_error", "INTERNAL"},           {403, "server_error", "PERMISSION_DENIED"},
      {500, "UNAVAILABLE", "UNAVAILABLE"},  // A canonical code is kept.
  };
  for (const auto& [status, type, expected] : cases) {
    INFO(status << " " << type);
    ModelScript failing;
    failing.status = status;
    failing.error_type = type;
    server->SetScript("g", failing);
    const CurlResponse bad = client.Post(url, BodyFor(Vendor::kGemini, "", false));
    CHECK(bad.status == status);
    const auto e = ParseJson(bad.body);
    CHECK(e["error"]["code"].GetInt() == status);
    CHECK(Str(e["error"]["status"]) == expected);
    CHECK(Str(e["error"]["message"]) == "scripted failure");
  }
}

TEST_CASE("fake provider: Gemini streams as SSE with alt=sse, else as a JSON array",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "alpha beta gamma";
  script.tool_calls = {{"act", R"({"n":1})"}};
  script.prompt_tokens = 9;
  script.completion_tokens = 4;
  server->SetScript("gm", script);
  CurlClient client;
  const std::string stream_url = server->root_url() + "/v1beta/models/gm:streamGenerateContent";

  const CurlResponse sse = client.Post(stream_url + "?alt=sse", BodyFor(Vendor::kGemini, "", true));
  REQUIRE(sse.status == 200);
  CHECK(sse.Header("content-type") == "text/event-stream");
  const std::vector<Event> events = ParseSse(sse.body);
  REQUIRE(events.size() == 5);  // Three words, the function call, the final chunk.
  std::size_t previous = 0;
  for (const Event& e : events) {
    // Google separates events with CRLF CRLF.
    CHECK(sse.body.compare(e.end - 4, 4, "\r\n\r\n") == 0);
    CHECK(sse.body.compare(previous, 6, "data: ") == 0);
    previous = e.end;
  }
  for (std::size_t i = 0; i + 1 < events.size(); ++i) {
    const auto chunk = ParseJson(events[i].data);
    CHECK_FALSE(chunk["candidates"][0].HasMember("finishReason"));
    CHECK_FALSE(chunk.HasMember("usageMetadata"));
    CHECK(Str(chunk["candidates"][0]["content"]["role"]) == "model");
  }
  CHECK(Str(ParseJson(
            events[3].data)["candidates"][0]["content"]["parts"][0]["functionCall"]["name"]) ==
        "act");
  const auto last = ParseJson(events.back().data);
  CHECK(Str(last["candidates"][0]["finishReason"]) == "STOP");
  CHECK(Int(last["usageMetadata"]["promptTokenCount"]) == 9);
  CHECK(Int(last["usageMetadata"]["candidatesTokenCount"]) == 4);
  const StreamSummary s = Summarize(Vendor::kGemini, sse.body);
  CHECK(s.text == "alpha beta gamma");
  CHECK(s.ended);

  const CurlResponse array = client.Post(stream_url, BodyFor(Vendor::kGemini, "", true));
  REQUIRE(array.status == 200);
  CHECK(array.Header("content-type") == "application/json; charset=UTF-8");
  CHECK(array.Header("transfer-encoding") == "chunked");
  const auto doc = ParseJson(array.body);
  REQUIRE(doc.IsArray());
  REQUIRE(doc.Size() == 5);
  CHECK(Str(doc[0]["candidates"][0]["content"]["parts"][0]["text"]) == "alpha");
  CHECK(Str(doc[4]["candidates"][0]["finishReason"]) == "STOP");
  CHECK(server->recorded_requests().back().protocol == "gemini");
  CHECK(server->RequestCount("gm") == 2);
}

TEST_CASE("fake provider: Ollama chat streams NDJSON by default, one object with stream false",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "red green blue";
  script.tool_calls = {{"paint", R"({"color":"red"})"}};
  script.prompt_tokens = 26;
  script.completion_tokens = 8;
  script.finish_reason = "length";
  server->SetScript("llama3.2", script);
  CurlClient client;
  const std::string url = UrlFor(*server, Vendor::kOllama, "", true);

  const CurlResponse streamed =
      client.Post(url, R"({"model":"llama3.2","messages":[{"role":"user","content":"hi"}]})");
  REQUIRE(streamed.status == 200);
  CHECK(streamed.Header("content-type") == "application/x-ndjson");
  const std::vector<Event> lines = ParseNdjson(streamed.body);
  REQUIRE(lines.size() == 5);  // Three words, the tool call, the done record.
  CHECK(lines.back().end == streamed.body.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto record = ParseJson(lines[i].data);
    CHECK(Str(record["model"]) == "llama3.2");
    CHECK(Str(record["created_at"]).size() == 20);  // "2024-05-01T12:00:00Z"
    CHECK(Str(record["message"]["role"]) == "assistant");
    CHECK(record["done"].GetBool() == (i + 1 == lines.size()));
  }
  const auto tool = ParseJson(lines[3].data);
  CHECK(Str(tool["message"]["tool_calls"][0]["function"]["name"]) == "paint");
  CHECK(Str(tool["message"]["tool_calls"][0]["function"]["arguments"]["color"]) == "red");
  const auto done = ParseJson(lines.back().data);
  CHECK(Str(done["done_reason"]) == "length");
  CHECK(Int(done["prompt_eval_count"]) == 26);
  CHECK(Int(done["eval_count"]) == 8);
  for (const char* duration :
       {"total_duration", "load_duration", "prompt_eval_duration", "eval_duration"}) {
    CHECK(Int(done[duration]) > 0);
  }
  CHECK(Int(done["total_duration"]) == Int(done["load_duration"]) +
                                           Int(done["prompt_eval_duration"]) +
                                           Int(done["eval_duration"]));
  CHECK(Summarize(Vendor::kOllama, streamed.body).text == "red green blue");

  const CurlResponse plain = client.Post(url, BodyFor(Vendor::kOllama, "llama3.2", false));
  REQUIRE(plain.status == 200);
  CHECK(plain.Header("content-length") == std::to_string(plain.body.size()));
  const auto doc = ParseJson(plain.body);
  CHECK(doc["done"].GetBool());
  CHECK(Str(doc["message"]["content"]) == "red green blue");
  CHECK(doc["message"]["tool_calls"].Size() == 1);
  CHECK(Int(doc["eval_count"]) == 8);

  script.finish_reason = "tool_calls";  // Ollama reports a tool call as a plain stop.
  server->SetScript("llama3.2", script);
  CHECK(Str(ParseJson(
            client.Post(url, BodyFor(Vendor::kOllama, "llama3.2", false)).body)["done_reason"]) ==
        "stop");

  for (const std::string body :
       {"{}", R"({"model":""})", R"({"model":7})", R"({"model":"m","messages":"x"})",
        R"({"model":"m","stream":"no"})", "nope"}) {
    INFO(body);
    const CurlResponse bad = client.Post(url, body);
    CHECK(bad.status == 400);
    const auto e = ParseJson(bad.body);
    CHECK(e.IsObject());
    CHECK(e.MemberCount() == 1);
    CHECK(e["error"].IsString());
  }
  CHECK(Str(ParseJson(client.Post(url, "{}").body)["error"]) == "model is required");
  ModelScript failing;
  failing.status = 503;
  failing.error_message = "server busy";
  server->SetScript("down", failing);
  const CurlResponse down = client.Post(url, BodyFor(Vendor::kOllama, "down", true));
  CHECK(down.status == 503);
  CHECK(Str(ParseJson(down.body)["error"]) == "server busy");
}

TEST_CASE("fake provider: body modes apply to every protocol, streamed requests included",
          "[fake_server]") {
  auto server = StartServer();
  CurlClient client;
  for (const Vendor vendor : kAllVendors) {
    for (const bool stream : {false, true}) {
      INFO(NameOf(vendor) << (stream ? " streamed" : " plain"));
      ModelScript script;
      script.body = BodyMode::kMalformed;
      server->SetScript("m", script);
      const std::string url = UrlFor(*server, vendor, "m", stream);
      const std::string body = BodyFor(vendor, "m", stream);
      const CurlResponse malformed = client.Post(url, body);
      CHECK(malformed.status == 200);
      CHECK(malformed.Header("content-length") == std::to_string(malformed.body.size()));
      rapidjson::Document doc;
      doc.Parse(malformed.body.data(), malformed.body.size());
      CHECK(doc.HasParseError());

      script.body = BodyMode::kTruncated;
      server->SetScript("m", script);
      CHECK(client.Post(url, body).code == CURLE_PARTIAL_FILE);

      script.body = BodyMode::kError;
      script.status = 503;
      server->SetScript("m", script);
      const CurlResponse error = client.Post(url, body);
      CHECK(error.status == 503);
      CHECK(ParseJson(error.body)["error"].IsObject() == (vendor != Vendor::kOllama));
    }
  }
}

TEST_CASE("fake provider: stream timing: latency, stalls and chunk latency are honoured",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "a b c d";
  script.latency = std::chrono::milliseconds(30);
  script.stall_before_first_token = std::chrono::milliseconds(120);
  script.stall_after_first_token = std::chrono::milliseconds(90);
  script.chunk_latency = std::chrono::milliseconds(25);
  server->SetDefaultScript(script);
  CurlClient client;
  for (const Vendor vendor : kAllVendors) {
    INFO(NameOf(vendor));
    const CurlResponse r =
        client.Post(UrlFor(*server, vendor, "timed", true), BodyFor(vendor, "timed", true));
    REQUIRE(r.code == CURLE_OK);
    const StreamSummary s = Summarize(vendor, r.body);
    REQUIRE(s.content_ends.size() == 4);
    CHECK(s.ended);
    // Lower bounds only, from the request's start: chunk k is sent after latency, the stall
    // before the first token, the stall after it (k >= 1) and k chunk latencies.
    using std::chrono::milliseconds;
    for (std::size_t k = 0; k < 4; ++k) {
      const milliseconds earliest = script.latency + script.stall_before_first_token +
                                    (k >= 1 ? script.stall_after_first_token : milliseconds(0)) +
                                    script.chunk_latency * static_cast<int>(k);
      CHECK(r.ArrivalOf(s.content_ends[k]) - r.start >= earliest);
    }
    // The epilogue comes one chunk latency after the last chunk.
    CHECK(r.ArrivalOf(r.body.size()) - r.start >= script.latency + script.stall_before_first_token +
                                                      script.stall_after_first_token +
                                                      script.chunk_latency * 4);
  }
}

TEST_CASE("fake provider: a stream reset after N chunks: N chunks, then a receive error",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "one two three four five";
  script.chunk_latency = std::chrono::milliseconds(5);
  CurlClient client;
  for (const std::size_t n : {std::size_t{0}, std::size_t{2}, std::size_t{9}}) {
    script.reset_after_chunks = n;
    server->SetDefaultScript(script);
    for (const Vendor vendor : kAllVendors) {
      INFO(NameOf(vendor) << " reset after " << n);
      const CurlResponse r =
          client.Post(UrlFor(*server, vendor, "r", true), BodyFor(vendor, "r", true));
      CHECK(r.code == CURLE_RECV_ERROR);
      CHECK(r.status == 200);  // The head went out before the reset.
      const StreamSummary s = Summarize(vendor, r.body);
      CHECK(s.content_ends.size() == std::min<std::size_t>(n, 5));
      CHECK_FALSE(s.ended);
    }
  }
  // A reset with a truncation set too: the smaller count wins.
  script.reset_after_chunks = 3;
  script.truncate_after_chunks = 1;
  server->SetDefaultScript(script);
  const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("r", R"(,"stream":true)"));
  CHECK(r.code == CURLE_OK);
  CHECK(Summarize(Vendor::kOpenAi, r.body).content_ends.size() == 1);
  CHECK(WaitFor([&] { return server->open_connections() == 0; }));
}

TEST_CASE(
    "fake provider: a truncated stream ends cleanly without the end marker, then the "
    "connection closes",
    "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "one two three four five";
  script.truncate_after_chunks = 2;
  server->SetDefaultScript(script);
  for (const Vendor vendor : kAllVendors) {
    INFO(NameOf(vendor));
    CurlClient client;
    const CurlResponse r =
        client.Post(UrlFor(*server, vendor, "t", true), BodyFor(vendor, "t", true));
    CHECK(r.code == CURLE_OK);  // The HTTP message is complete: only the protocol tells.
    CHECK(r.status == 200);
    const StreamSummary s = Summarize(vendor, r.body);
    CHECK(s.content_ends.size() == 2);
    CHECK(s.text == "one two");
    CHECK_FALSE(s.ended);
    if (vendor == Vendor::kOpenAi || vendor == Vendor::kAzure) {
      CHECK(r.body.find("[DONE]") == std::string::npos);
      CHECK(r.body.find("finish_reason\":\"stop") == std::string::npos);
    }
    if (vendor == Vendor::kAnthropic) CHECK(r.body.find("message_delta") == std::string::npos);
    // The server closed the connection: the next request needs a new one.
    const CurlResponse next = client.Post(ChatUrl(*server), ChatBody("x"));
    CHECK(next.status == 200);
    CHECK(next.num_connects == 1);
  }
  // Gemini's JSON array lacks its closing bracket.
  CurlClient client;
  const CurlResponse array =
      client.Post(server->root_url() + "/v1beta/models/t:streamGenerateContent",
                  BodyFor(Vendor::kGemini, "", true));
  CHECK(array.code == CURLE_OK);
  CHECK(array.body.front() == '[');
  CHECK(array.body.back() != ']');
}

TEST_CASE("fake provider: a client that hangs up mid-stream is dropped, its timers with it",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "first second third";
  script.stall_after_first_token = std::chrono::seconds(60);
  server->SetScript("stalled-after", script);
  script.stall_after_first_token = std::chrono::milliseconds(0);
  script.stall_before_first_token = std::chrono::seconds(60);
  server->SetScript("stalled-before", script);

  for (const Vendor vendor : kAllVendors) {
    INFO(NameOf(vendor));
    {
      // curl aborts the transfer once the first token is in: it closes the connection.
      CurlClient client;
      client.abort_when = [](const std::string& body) {
        return body.find("first") != std::string::npos;
      };
      const CurlResponse r = client.Post(UrlFor(*server, vendor, "stalled-after", true),
                                         BodyFor(vendor, "stalled-after", true));
      CHECK(r.code == CURLE_WRITE_ERROR);
      CHECK(server->pending_timers() <= 1);  // At most the stall's timer, until the hang-up.
    }
    CHECK(WaitFor([&] { return server->open_connections() == 0; }));
    CHECK(server->pending_timers() == 0);

    // A raw client that hangs up during the stall before the first token.
    Socket s = Connect(server->port());
    const std::string body = BodyFor(vendor, "stalled-before", true);
    const std::string url = UrlFor(*server, vendor, "stalled-before", true);
    const std::string target = url.substr(server->root_url().size());
    SendAll(s, "POST " + target + " HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(body.size()) + "\r\n\r\n" + body);
    char head[16];
    REQUIRE(recv(s.fd(), head, sizeof head, 0) > 0);  // Head (and preamble) are sent at once.
    CHECK(server->pending_timers() == 1);
    s = Socket();
    CHECK(
        WaitFor([&] { return server->open_connections() == 0 && server->pending_timers() == 0; }));
  }
  CurlClient client;
  CHECK(client.Post(ChatUrl(*server), ChatBody("after")).status == 200);
}

TEST_CASE("fake provider: thousands of stalled streams, all cancelled, leave nothing behind",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.stall_before_first_token = std::chrono::seconds(60);
  server->SetDefaultScript(script);
  constexpr int kClients = 2000;
  std::vector<Socket> clients;
  clients.reserve(kClients);
  const std::string request = RawPost(ChatBody("stalled", R"(,"stream":true)"));
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(Connect(server->port()));
    SendAll(clients.back(), request);
  }
  REQUIRE(WaitFor([&] { return server->pending_timers() == kClients; }));
  CHECK(server->open_connections() == kClients);
  // Every client has its head and preamble while the server waits on 2000 timers.
  for (const Socket& s : clients) {
    std::string pending;
    char buffer[4096];
    while (pending.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = recv(s.fd(), buffer, sizeof buffer, 0);
      REQUIRE(n > 0);
      pending.append(buffer, static_cast<std::size_t>(n));
    }
    REQUIRE(pending.rfind("HTTP/1.1 200 OK", 0) == 0);
  }
  clients.clear();
  CHECK(WaitFor([&] { return server->open_connections() == 0; }));
  CHECK(server->pending_timers() == 0);
  // The loop still serves, streams included.
  script.stall_before_first_token = std::chrono::milliseconds(0);
  server->SetDefaultScript(script);
  CurlClient client;
  const CurlResponse r = client.Post(ChatUrl(*server), ChatBody("m", R"(,"stream":true)"));
  CHECK(Summarize(Vendor::kOpenAi, r.body).ended);
}

TEST_CASE("fake provider: an HTTP/1.0 stream is not chunked and ends with the connection",
          "[fake_server]") {
  auto server = StartServer();
  Socket s = Connect(server->port());
  const std::string body = ChatBody("old", R"(,"stream":true)");
  SendAll(s, "POST /v1/chat/completions HTTP/1.0\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string received;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(s.fd(), buffer, sizeof buffer, 0)) > 0) {
    received.append(buffer, static_cast<std::size_t>(n));
  }
  CHECK(n == 0);  // A clean end.
  const std::size_t head_end = received.find("\r\n\r\n");
  REQUIRE(head_end != std::string::npos);
  const std::string head = Lower(received.substr(0, head_end));
  CHECK(head.find("transfer-encoding") == std::string::npos);
  CHECK(head.find("content-length") == std::string::npos);
  CHECK(head.find("connection: close") != std::string::npos);
  const StreamSummary summary = Summarize(Vendor::kOpenAi, received.substr(head_end + 4));
  CHECK(summary.text == "Hello from the fake provider.");
  CHECK(summary.ended);
}

TEST_CASE("fake provider: keep-alive works across streamed responses", "[fake_server]") {
  auto server = StartServer();
  CurlClient client;
  for (int i = 0; i < 3; ++i) {
    for (const Vendor vendor : kAllVendors) {
      const CurlResponse r =
          client.Post(UrlFor(*server, vendor, "k", true), BodyFor(vendor, "k", true));
      REQUIRE(r.code == CURLE_OK);
      CHECK(Summarize(vendor, r.body).ended);
    }
  }
  CHECK(server->accepted_connections() == 1);
}

TEST_CASE("fake provider: LoadScriptFile reads tool calls and stream fields", "[fake_server]") {
  ModelScript default_script;
  std::map<std::string, ModelScript> models;
  std::string error;
  const std::string json = R"({
    "default": {"chunks": 4, "chunk_latency_ms": 15, "stall_before_first_token_ms": 200,
                "stall_after_first_token_ms": 300, "reset_after_chunks": 2,
                "truncate_after_chunks": null},
    "models": {
      "tooled": {"tool_calls": [{"name": "a", "arguments": {"x": [1, 2], "y": "z"}},
                                {"name": "b", "arguments": "{\"k\": true}"},
                                {"name": "c"}],
                 "finish_reason": "tool_calls", "truncate_after_chunks": 0}
    }
  })";
  REQUIRE(LoadScriptFile(json, &default_script, &models, &error));
  CHECK(default_script.chunks == 4);
  CHECK(default_script.chunk_latency == std::chrono::milliseconds(15));
  CHECK(default_script.stall_before_first_token == std::chrono::milliseconds(200));
  CHECK(default_script.stall_after_first_token == std::chrono::milliseconds(300));
  CHECK(default_script.reset_after_chunks == std::optional<std::size_t>(2));
  CHECK_FALSE(default_script.truncate_after_chunks.has_value());
  const ModelScript& tooled = models["tooled"];
  REQUIRE(tooled.tool_calls.size() == 3);
  CHECK(tooled.tool_calls[0].name == "a");
  CHECK(tooled.tool_calls[0].arguments == R"({"x":[1,2],"y":"z"})");
  CHECK(tooled.tool_calls[1].arguments == R"({"k": true})");
  CHECK(tooled.tool_calls[2].arguments == "{}");
  CHECK(tooled.truncate_after_chunks == std::optional<std::size_t>(0));
  CHECK_FALSE(tooled.reset_after_chunks.has_value());
  CHECK(tooled.content_type.empty());  // The protocol's own type by default.

  struct Case {
    std::string json;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"default": {"chunks": -1}})", "default.chunks: expected a non-negative integer"},
      {R"({"default": {"chunk_latency_ms": "5"}})", "default.chunk_latency_ms: expected"},
      {R"({"default": {"stall_after_first_token_ms": 1.5}})",
       "default.stall_after_first_token_ms: expected"},
      {R"({"default": {"reset_after_chunks": -2}})",
       "default.reset_after_chunks: expected a non-negative integer or null"},
      {R"({"default": {"tool_calls": {}}})", "default.tool_calls: expected an array"},
      {R"({"default": {"tool_calls": [5]}})", "default.tool_calls[0]: expected an object"},
      {R"({"default": {"tool_calls": [{"arguments": {}}]}})",
       "default.tool_calls[0].name: required"},
      {R"({"default": {"tool_calls": [{"name": ""}]}})",
       "default.tool_calls[0].name: expected a non-empty string"},
      {R"({"default": {"tool_calls": [{"name": "f", "arguments": "[1]"}]}})",
       "default.tool_calls[0].arguments: expected a JSON object"},
      {R"({"default": {"tool_calls": [{"name": "f", "args": {}}]}})",
       "default.tool_calls[0].args: unknown key"},
      {R"({"default": {"stall_ms": 5}})", "default.stall_ms: unknown key"},
  };
  for (const auto& c : cases) {
    INFO(c.json);
    error.clear();
    CHECK_FALSE(LoadScriptFile(c.json, &default_script, &models, &error));
    CHECK(error.find(c.message) == 0);
  }
}

// ---------------------------------------------------------------------------------------------
// The program

namespace {

struct Child {
  pid_t pid = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

Child Spawn(const std::vector<std::string>& args) {
  int out[2];
  int err[2];
  REQUIRE(pipe2(out, O_CLOEXEC) == 0);
  REQUIRE(pipe2(err, O_CLOEXEC) == 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);
  std::vector<std::string> argv_storage = {PRSM_FAKE_PROVIDER_EXE};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_storage.size() + 1);
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  Child child;
  const int rc =
      posix_spawn(&child.pid, PRSM_FAKE_PROVIDER_EXE, &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  close(err[1]);
  REQUIRE(rc == 0);
  child.stdout_fd = out[0];
  child.stderr_fd = err[0];
  return child;
}

// Reads from `fd` until a newline, EOF or the poll timeout.
std::string ReadLine(int fd) {
  std::string line;
  const auto deadline = Clock::now() + kPollTimeout;
  while (Clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char c;
    if (read(fd, &c, 1) != 1) break;
    if (c == '\n') break;
    line.push_back(c);
  }
  return line;
}

std::string ReadAll(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) text.append(buffer, static_cast<size_t>(n));
  return text;
}

// Waits for the child to exit (bounded); returns its wait status, or -1 if it had to be killed.
int Reap(Child& child) {
  int status = 0;
  const auto deadline = Clock::now() + kPollTimeout;
  while (waitpid(child.pid, &status, WNOHANG) == 0) {
    if (Clock::now() > deadline) {
      kill(child.pid, SIGKILL);
      waitpid(child.pid, &status, 0);
      status = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // Polling pace.
  }
  close(child.stdout_fd);
  close(child.stderr_fd);
  return status;
}

std::uint16_t PortFromListeningLine(const std::string& line) {
  const std::string prefix = "listening on 127.0.0.1:";
  REQUIRE(line.rfind(prefix, 0) == 0);
  return static_cast<std::uint16_t>(std::stoi(line.substr(prefix.size())));
}

}  // namespace

TEST_CASE("fake provider: the program serves until SIGTERM and exits 0", "[fake_server]") {
  char dir_template[] = "/tmp/prsm-fake-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string script_path = dir + "/script.json";
  const std::string port_file = dir + "/port";
  {
    std::ofstream script(script_path);
    script << R"({"models": {"scripted": {"text": "scripted {model}", "status": 200}}})";
  }

  Child child = Spawn({"--script", script_path, "--port-file", port_file});
  const std::string line = ReadLine(child.stdout_fd);
  const std::uint16_t port = PortFromListeningLine(line);
  CHECK(port != 0);
  {
    std::ifstream in(port_file);
    int written = 0;
    in >> written;
    CHECK(written == port);
  }

  CurlClient client;
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions";
  const CurlResponse r = client.Post(url, ChatBody("scripted"));
  REQUIRE(r.code == CURLE_OK);
  CHECK(std::string(ParseJson(r.body)["choices"][0]["message"]["content"].GetString()) ==
        "scripted scripted");

  REQUIRE(kill(child.pid, SIGTERM) == 0);
  const int status = Reap(child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  std::remove(port_file.c_str());
  std::remove(script_path.c_str());
  rmdir(dir.c_str());
}

TEST_CASE("fake provider: the program rejects bad arguments with exit 2", "[fake_server]") {
  const std::vector<std::vector<std::string>> bad = {
      {"--port"},
      {"--port", "70000"},
      {"--port=abc"},
      {"--frobnicate"},
      {"--script", "/nonexistent/script.json"},
  };
  for (const auto& args : bad) {
    INFO(args[0]);
    Child child = Spawn(args);
    const std::string err = ReadAll(child.stderr_fd);
    const int status = Reap(child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 2);
    CHECK(err.find("prsm-fake-provider: ") == 0);
  }

  Child help = Spawn({"--help"});
  const std::string usage = ReadAll(help.stdout_fd);
  const int status = Reap(help);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(usage.find("usage: prsm-fake-provider") == 0);
}

TEST_CASE("fake provider: the program stops on SIGINT too", "[fake_server]") {
  Child child = Spawn({});
  const std::uint16_t port = PortFromListeningLine(ReadLine(child.stdout_fd));
  CurlClient client;
  CHECK(
      client
          .Post("http://127.0.0.1:" + std::to_string(port) + "/v1/chat/completions", ChatBody("m"))
          .status == 200);
  REQUIRE(kill(child.pid, SIGINT) == 0);
  const int status = Reap(child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("fake provider: the custom protocol (a host's own server) answers, fails and validates",
          "[fake_server]") {
  auto server = StartServer();
  ModelScript script;
  script.text = "hi from {model}";
  script.prompt_tokens = 21;
  script.completion_tokens = 5;
  script.finish_reason = "length";
  server->SetScript("house-7b", script);
  ModelScript down;
  down.status = 503;
  down.error_message = "warming up";
  server->SetScript("house-down", down);
  CurlClient client;
  const std::string url = server->root_url() + "/generate";

  const CurlResponse ok = client.Post(
      url, R"({"model":"house-7b","input":[{"role":"user","text":"hi"}],"max_new_tokens":9})");
  REQUIRE(ok.status == 200);
  CHECK(ok.Header("content-type") == "application/json");
  const auto body = ParseJson(ok.body);
  CHECK(Str(body["output"]) == "hi from house-7b");
  CHECK(Str(body["model"]) == "house-7b");
  CHECK(Str(body["stop"]) == "length");
  CHECK(Int(body["tokens"]["in"]) == 21);
  CHECK(Int(body["tokens"]["out"]) == 5);
  CHECK(Str(body["id"]).rfind("gen-", 0) == 0);
  CHECK(server->recorded_requests().back().protocol == "custom");
  CHECK(server->recorded_requests().back().model == "house-7b");

  const CurlResponse failed = client.Post(url, R"({"model":"house-down"})");
  CHECK(failed.status == 503);
  const auto failure = ParseJson(failed.body);
  CHECK(Int(failure["failure"]["status"]) == 503);
  CHECK(Str(failure["failure"]["reason"]) == "warming up");

  for (const auto& [request, reason] : std::vector<std::pair<std::string, std::string>>{
           {R"({"input":[]})", "model is required"},
           {R"({"model":"house-7b","input":[{"role":"user"}]})",
            "each input turn needs a string role and text"},
           {R"({"model":"house-7b","stream":true})", "streaming is not supported"},
           {"[1]", "the body must be a JSON object"}}) {
    INFO(request);
    const CurlResponse bad = client.Post(url, request);
    CHECK(bad.status == 400);
    CHECK(Str(ParseJson(bad.body)["failure"]["reason"]) == reason);
  }
}
