#include "fake_process.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace prsm::bench {

FakeProcess::FakeProcess(const std::string& script_json, std::string executable) {
  if (executable.empty()) executable = PRSM_FAKE_PROVIDER_EXE;
  char path[] = "/tmp/prsm-bench-script-XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) {
    error_ = "mkstemp failed";
    return;
  }
  script_path_ = path;
  const bool written =
      write(fd, script_json.data(), script_json.size()) == static_cast<ssize_t>(script_json.size());
  close(fd);
  if (!written) {
    error_ = "could not write the script file";
    return;
  }
  server_ = std::make_unique<testing::ServerProcess>(
      std::vector<std::string>{executable, "--script", script_path_});
}

FakeProcess::~FakeProcess() {
  server_.reset();
  if (!script_path_.empty()) std::remove(script_path_.c_str());
}

std::string FakeProcess::base_url() const {
  return "http://127.0.0.1:" + std::to_string(server_ ? server_->port() : 0) + "/v1";
}

std::chrono::microseconds ProcessCpuTime() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto to_us = [](const timeval& tv) {
    return std::chrono::microseconds(static_cast<long long>(tv.tv_sec) * 1'000'000 + tv.tv_usec);
  };
  return to_us(usage.ru_utime) + to_us(usage.ru_stime);
}

bool PinApart(const FakeProcess& server) {
  cpu_set_t available;
  CPU_ZERO(&available);
  if (sched_getaffinity(0, sizeof(available), &available) != 0 || CPU_COUNT(&available) < 2) {
    return false;
  }
  int first = -1;
  int last = -1;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &available)) continue;
    if (first < 0) first = cpu;
    last = cpu;
  }
  cpu_set_t client;
  cpu_set_t serving;
  CPU_ZERO(&client);
  CPU_ZERO(&serving);
  CPU_SET(first, &client);
  CPU_SET(last, &serving);
  return sched_setaffinity(server.pid(), sizeof(serving), &serving) == 0 &&
         sched_setaffinity(0, sizeof(client), &client) == 0;
}

}  // namespace prsm::bench
