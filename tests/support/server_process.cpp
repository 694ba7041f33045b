#include "server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

extern char** environ;

namespace prsm::testing {

ServerProcess::ServerProcess(std::vector<std::string> argv, std::chrono::milliseconds limit) {
  if (argv.empty()) {
    error_ = "no program to start";
    return;
  }
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  const int spawned = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (spawned != 0) {
    pid_ = -1;
    close(out[0]);
    error_ = "could not start " + argv[0];
    return;
  }
  // Read until the first line, the child's exit (end of file) or the limit.
  std::string line;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < end) {
    pollfd ready{out[0], POLLIN, 0};
    if (poll(&ready, 1, 100) <= 0) continue;
    char buffer[256];
    const ssize_t n = read(out[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  close(out[0]);
  const std::string prefix = "listening on 127.0.0.1:";
  if (line.rfind(prefix, 0) != 0) {
    error_ = argv[0] + " did not start listening" + (line.empty() ? "" : ": " + line);
    return;
  }
  port_ = static_cast<std::uint16_t>(std::strtoul(line.c_str() + prefix.size(), nullptr, 10));
  if (port_ == 0) error_ = argv[0] + " printed no port: " + line;
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
}

}  // namespace prsm::testing
