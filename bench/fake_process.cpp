#include "fake_process.h"

#include <fcntl.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

extern char** environ;

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
  if (write(fd, script_json.data(), script_json.size()) !=
      static_cast<ssize_t>(script_json.size())) {
    error_ = "could not write the script file";
  }
  close(fd);
  if (!error_.empty()) return;

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  std::vector<std::string> argv = {executable, "--script", script_path_};
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const int spawned =
      posix_spawn(&pid_, executable.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    pid_ = -1;
    close(out[0]);
    error_ = "could not start " + executable;
    return;
  }
  std::string line;
  for (int waited_ms = 0; line.find('\n') == std::string::npos && waited_ms < 20'000;
       waited_ms += 100) {
    pollfd ready{out[0], POLLIN, 0};
    if (poll(&ready, 1, 100) <= 0) continue;
    char buffer[128];
    const ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  close(out[0]);
  const std::string prefix = "listening on 127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) {
    error_ = "prsm-fake-provider did not start: " + line;
    return;
  }
  port_ = std::atoi(line.c_str() + prefix.size());
}

FakeProcess::~FakeProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  if (!script_path_.empty()) std::remove(script_path_.c_str());
}

std::string FakeProcess::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
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
