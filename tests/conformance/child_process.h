// child_process.h — start a program as the leader of its own process group, and stop that group.
//
// The conformance tests run third-party programs (Node servers and scripts) that may start
// children of their own. Each one gets its own process group so that stopping it by its PID
// also stops whatever it started, and PR_SET_PDEATHSIG so that a test that crashes does not
// leave a server behind.
//
// Thread safety: the functions are safe to call from any thread; a `pid` must be stopped or
// waited for by one thread only.
#ifndef PRSM_TESTS_CONFORMANCE_CHILD_PROCESS_H_
#define PRSM_TESTS_CONFORMANCE_CHILD_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace prsm::conformance {

/// Starts `argv` (argv[0] looked up in PATH) with this process's environment plus `extra_env`
/// ("NAME=value", overriding), its stdin from /dev/null and its stdout and stderr to `output_fd`.
/// Returns the child's PID, which is also its process group id, or -1 with `*error` set.
pid_t SpawnGroup(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                 int output_fd, std::string* error);

/// True once the group leader `pid` has exited. Does not reap it: while it is a zombie its id
/// cannot be reused, so signalling its group stays safe until Reap().
bool HasExited(pid_t pid);

/// Kills what is left of the group (SIGKILL), then reaps the leader. Returns its wait status,
/// or -1 (not an exit) when it could not be reaped.
int Reap(pid_t pid);

/// SIGTERM to the group, SIGKILL if the leader has not exited within `grace`, then Reap().
void StopGroup(pid_t pid, std::chrono::milliseconds grace = std::chrono::seconds(5));

/// What a program that ran to completion left behind.
struct ProgramRun {
  std::optional<int> exit_code;  ///< Unset when it was killed (by a signal or the time limit).
  bool timed_out = false;
  std::string output;  ///< stdout and stderr, interleaved as written.
  std::string error;   ///< Set when it could not be started.

  bool succeeded() const { return error.empty() && exit_code == 0; }
  /// "exit 1", "killed after 30000 ms", ... followed by the output: for failure messages.
  std::string Describe() const;
};

/// Runs `argv` to completion (see SpawnGroup), waiting at most `limit` (then stops its group).
ProgramRun RunProgram(const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env, std::chrono::milliseconds limit);

}  // namespace prsm::conformance

#endif  // PRSM_TESTS_CONFORMANCE_CHILD_PROCESS_H_
