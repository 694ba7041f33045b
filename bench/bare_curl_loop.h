// The baseline of bench/overhead.cpp: what a host writes with libcurl alone. The same HTTP
// exchange as prsm's, driven by the same mechanism as prsm's default executor
// (curl_multi_socket_action + epoll), with easy handles reused: the cheapest honest loop.
// It builds no JSON, parses nothing, routes nothing and accounts nothing.
#ifndef PRSM_BENCH_BARE_CURL_LOOP_H_
#define PRSM_BENCH_BARE_CURL_LOOP_H_

#include <cstddef>
#include <string>
#include <vector>

namespace prsm::bench {

struct BareLoopResult {
  std::size_t completed = 0;
  std::size_t failed = 0;  ///< Transport errors or non-200 statuses.
  std::size_t bytes = 0;   ///< Response bytes received.
};

/// Sends `total` POSTs of `body` to `url`, `concurrency` at a time.
BareLoopResult RunBareCurlLoop(const std::string& url, const std::string& body,
                               const std::vector<std::string>& headers, std::size_t total,
                               std::size_t concurrency);

}  // namespace prsm::bench

#endif  // PRSM_BENCH_BARE_CURL_LOOP_H_
