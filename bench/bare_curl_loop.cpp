#include "bare_curl_loop.h"

#include <sys/epoll.h>
#include <unistd.h>

#include <chrono>
#include <optional>

#include <curl/curl.h>

namespace prsm::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Loop {
  CURLM* multi = nullptr;
  int epoll_fd = -1;
  std::optional<Clock::time_point> deadline;
};

int OnSocket(CURL*, curl_socket_t socket, int what, void* user, void*) {
  auto* loop = static_cast<Loop*>(user);
  if (what == CURL_POLL_REMOVE) {
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_DEL, socket, nullptr);
    return 0;
  }
  epoll_event event{};
  event.data.fd = socket;
  if (what & CURL_POLL_IN) event.events |= EPOLLIN;
  if (what & CURL_POLL_OUT) event.events |= EPOLLOUT;
  if (epoll_ctl(loop->epoll_fd, EPOLL_CTL_MOD, socket, &event) != 0) {
    epoll_ctl(loop->epoll_fd, EPOLL_CTL_ADD, socket, &event);
  }
  return 0;
}

int OnTimer(CURLM*, long timeout_ms, void* user) {
  auto* loop = static_cast<Loop*>(user);
  if (timeout_ms < 0) {
    loop->deadline.reset();
  } else {
    loop->deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  }
  return 0;
}

struct Exchange {
  CURL* easy = nullptr;
  std::string response;
};

std::size_t OnBody(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<Exchange*>(user)->response.append(data, size * count);
  return size * count;
}

}  // namespace

BareLoopResult RunBareCurlLoop(const std::string& url, const std::string& body,
                               const std::vector<std::string>& headers, std::size_t total,
                               std::size_t concurrency) {
  BareLoopResult result;
  Loop loop;
  loop.multi = curl_multi_init();
  loop.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  curl_multi_setopt(loop.multi, CURLMOPT_SOCKETFUNCTION, OnSocket);
  curl_multi_setopt(loop.multi, CURLMOPT_SOCKETDATA, &loop);
  curl_multi_setopt(loop.multi, CURLMOPT_TIMERFUNCTION, OnTimer);
  curl_multi_setopt(loop.multi, CURLMOPT_TIMERDATA, &loop);

  curl_slist* header_list = nullptr;
  for (const std::string& header : headers)
    header_list = curl_slist_append(header_list, header.c_str());
  header_list = curl_slist_append(header_list, "Expect:");

  std::vector<Exchange> exchanges(concurrency);
  std::size_t started = 0;
  auto start = [&](Exchange& exchange) {
    if (exchange.easy == nullptr) {
      exchange.easy = curl_easy_init();
    } else {
      curl_easy_reset(exchange.easy);
    }
    exchange.response.clear();
    CURL* e = exchange.easy;
    curl_easy_setopt(e, CURLOPT_PRIVATE, &exchange);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_URL, url.c_str());
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(e, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_multi_add_handle(loop.multi, e);
    ++started;
  };
  for (std::size_t i = 0; i < concurrency && started < total; ++i) start(exchanges[i]);

  epoll_event events[256];
  int running = 0;
  while (result.completed + result.failed < total) {
    int timeout_ms = -1;
    if (loop.deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*loop.deadline - Clock::now());
      timeout_ms = left.count() < 0 ? 0 : static_cast<int>(left.count());
    }
    const int ready = epoll_wait(loop.epoll_fd, events, 256, timeout_ms);
    for (int i = 0; i < ready; ++i) {
      int mask = 0;
      if (events[i].events & EPOLLIN) mask |= CURL_CSELECT_IN;
      if (events[i].events & EPOLLOUT) mask |= CURL_CSELECT_OUT;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= CURL_CSELECT_ERR;
      curl_multi_socket_action(loop.multi, events[i].data.fd, mask, &running);
    }
    if (loop.deadline && Clock::now() >= *loop.deadline) {
      loop.deadline.reset();
      curl_multi_socket_action(loop.multi, CURL_SOCKET_TIMEOUT, 0, &running);
    }
    int left = 0;
    while (CURLMsg* message = curl_multi_info_read(loop.multi, &left)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      const CURLcode code = message->data.result;
      Exchange* exchange = nullptr;
      curl_easy_getinfo(easy, CURLINFO_PRIVATE, &exchange);
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      curl_multi_remove_handle(loop.multi, easy);
      if (code == CURLE_OK && status == 200) {
        ++result.completed;
      } else {
        ++result.failed;
      }
      result.bytes += exchange->response.size();
      if (started < total) start(*exchange);
    }
  }
  for (Exchange& exchange : exchanges) {
    if (exchange.easy != nullptr) curl_easy_cleanup(exchange.easy);
  }
  curl_slist_free_all(header_list);
  curl_multi_cleanup(loop.multi);
  close(loop.epoll_fd);
  return result;
}

}  // namespace prsm::bench
