#include "child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

extern char** environ;

namespace prsm::conformance {
namespace {

// execve() needs a path: resolve argv[0] the way a shell would, before fork(), because the
// child of a multi-threaded process may only make async-signal-safe calls.
std::string ResolveProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    std::size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return {};
}

std::vector<std::string> MergedEnvironment(const std::vector<std::string>& extra) {
  std::map<std::string, std::string> by_name;
  std::vector<std::string> order;
  const auto put = [&](const std::string& entry) {
    const std::string name = entry.substr(0, entry.find('='));
    if (by_name.emplace(name, entry).second) {
      order.push_back(name);
    } else {
      by_name[name] = entry;
    }
  };
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) put(*e);
  for (const std::string& entry : extra) put(entry);
  std::vector<std::string> merged;
  merged.reserve(order.size());
  for (const std::string& name : order) merged.push_back(by_name[name]);
  return merged;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

}  // namespace

pid_t SpawnGroup(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                 int output_fd, std::string* error) {
  if (argv.empty()) {
    *error = "no program to start";
    return -1;
  }
  const std::string program = ResolveProgram(argv[0]);
  if (program.empty()) {
    *error = argv[0] + " not found in PATH";
    return -1;
  }
  std::vector<std::string> args = argv;
  std::vector<std::string> env = MergedEnvironment(extra_env);
  std::vector<char*> arg_pointers = Pointers(args);
  std::vector<char*> env_pointers = Pointers(env);
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    *error = std::string("open /dev/null: ") + std::strerror(errno);
    return -1;
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to execve().
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    dup2(null_fd, STDIN_FILENO);
    dup2(output_fd, STDOUT_FILENO);
    dup2(output_fd, STDERR_FILENO);
    execve(program.c_str(), arg_pointers.data(), env_pointers.data());
    _exit(127);
  }
  const int fork_errno = errno;
  close(null_fd);
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(fork_errno);
    return -1;
  }
  setpgid(pid, pid);  // also from here, so the group exists before we might signal it
  return pid;
}

bool HasExited(pid_t pid) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return true;  // not our child (any more): nothing to wait for
  }
  return info.si_pid == pid;
}

int Reap(pid_t pid) {
  kill(-pid, SIGKILL);
  int status = 0;
  pid_t reaped = -1;
  do {
    reaped = waitpid(pid, &status, 0);
  } while (reaped < 0 && errno == EINTR);
  // -1 reads as "killed" (WIFEXITED is false): an exit nobody saw must not pass for success.
  return reaped == pid ? status : -1;
}

void StopGroup(pid_t pid, std::chrono::milliseconds grace) {
  if (pid <= 0) return;
  kill(-pid, SIGTERM);
  // A bounded poll for the exit: waitpid has no timeout, and this runs once per server.
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!HasExited(pid) && std::chrono::steady_clock::now() < deadline) poll(nullptr, 0, 20);
  Reap(pid);
}

std::string ProgramRun::Describe() const {
  std::string text;
  if (!error.empty()) {
    text = "could not start: " + error;
  } else if (timed_out) {
    text = "stopped: it ran past its time limit";
  } else if (exit_code) {
    text = "exit " + std::to_string(*exit_code);
  } else {
    text = "killed by a signal";
  }
  return text + "\n--- output ---\n" + output;
}

ProgramRun RunProgram(const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env, std::chrono::milliseconds limit) {
  ProgramRun run;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    run.error = std::string("pipe: ") + std::strerror(errno);
    return run;
  }
  const pid_t pid = SpawnGroup(argv, extra_env, out[1], &run.error);
  close(out[1]);
  if (pid < 0) {
    close(out[0]);
    return run;
  }
  fcntl(out[0], F_SETFL, fcntl(out[0], F_GETFL) | O_NONBLOCK);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool exited = false;
  bool eof = false;
  char buffer[4096];
  while (!exited || !eof) {
    if (!eof) {
      pollfd ready{out[0], POLLIN, 0};
      poll(&ready, 1, 50);
      for (;;) {
        const ssize_t n = read(out[0], buffer, sizeof(buffer));
        if (n > 0) {
          run.output.append(buffer, static_cast<std::size_t>(n));
          continue;
        }
        if (n == 0) eof = true;
        break;
      }
    } else {
      poll(nullptr, 0, 20);
    }
    if (!exited && HasExited(pid)) exited = true;
    // A grandchild may keep the pipe open after the program exited: stop reading then.
    if (exited && !eof) {
      const ssize_t n = read(out[0], buffer, sizeof(buffer));
      if (n > 0) {
        run.output.append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      break;
    }
    if (!exited && std::chrono::steady_clock::now() >= deadline) {
      run.timed_out = true;
      StopGroup(pid, std::chrono::seconds(2));
      break;
    }
  }
  close(out[0]);
  if (exited) {
    const int status = Reap(pid);
    if (WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  }
  return run;
}

}  // namespace prsm::conformance
