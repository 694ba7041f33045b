// Tests of the fake provider server (tests/support): the OpenAI wire format it speaks, every
// scripted failure mode, its HTTP/1.1 handling (keep-alive, pipelining, malformed input,
// limits), its capacity for thousands of connections, and the prsm-fake-provider program.
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
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <curl/curl.h>
#include <rapidjson/document.h>

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

  std::string Header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
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
    curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &CurlClient::OnBody);
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response);
    curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &CurlClient::OnHeader);
    curl_easy_setopt(curl_, CURLOPT_HEADERDATA, &response);
    if (body != nullptr) {
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, body->data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
    }
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, method);
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

 private:
  static size_t OnBody(char* data, size_t size, size_t count, void* user) {
    static_cast<CurlResponse*>(user)->body.append(data, size * count);
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

  const CurlResponse stream = client.Post(url, ChatBody("m", R"(,"stream":true)"));
  CHECK(stream.status == 400);
  CHECK(std::string(ParseJson(stream.body)["error"]["message"].GetString()) ==
        "streaming is not supported by this fake yet");

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
        "huge": {"body": "huge", "huge_bytes": 1024}
      }
    })";
    REQUIRE(LoadScriptFile(json, &default_script, &models, &error));
    CHECK(default_script.latency == std::chrono::milliseconds(25));
    CHECK(default_script.text == "hi {model}");
    REQUIRE(models.size() == 3);
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
