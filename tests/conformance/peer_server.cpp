#include "peer_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

#include "child_process.h"
#include "conformance_env.h"

namespace prsm::conformance {
namespace {

std::string ReplacePort(std::string text, std::uint16_t port) {
  const std::string placeholder = "{port}";
  const std::string value = std::to_string(port);
  for (std::size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
  return text;
}

sockaddr_in Loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

bool Accepts(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const sockaddr_in address = Loopback(port);
  const bool connected =
      connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

std::string Tail(const std::string& text, std::size_t max_bytes) {
  return text.size() <= max_bytes ? text : "..." + text.substr(text.size() - max_bytes);
}

}  // namespace

std::uint16_t PickFreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in address = Loopback(0);
  socklen_t size = sizeof(address);
  std::uint16_t port = 0;
  if (bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

PeerServer::PeerServer(PeerOptions options) : options_(std::move(options)) {
  std::string errors;
  for (int attempt = 1; attempt <= options_.attempts; ++attempt) {
    const std::uint16_t port = PickFreePort();
    std::string error;
    if (port == 0) {
      error = std::string("no free port: ") + std::strerror(errno);
    } else if (StartOnce(port, &error)) {
      return;
    }
    errors += "attempt " + std::to_string(attempt) + ": " + error + "\n";
  }
  error_ = options_.name + " did not start:\n" + errors;
}

bool PeerServer::StartOnce(std::uint16_t port, std::string* error) {
  log_path_ = LogDir() + "/" + options_.name + "-" + std::to_string(port) + ".log";
  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    *error = "cannot write " + log_path_ + ": " + std::strerror(errno);
    return false;
  }
  std::vector<std::string> argv;
  for (const std::string& arg : options_.argv) argv.push_back(ReplacePort(arg, port));
  std::vector<std::string> env;
  for (const std::string& entry : options_.env) env.push_back(ReplacePort(entry, port));
  const std::string ready_line = ReplacePort(options_.ready_line, port);

  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = SpawnGroup(argv, env, log_fd, error);
  close(log_fd);
  if (pid < 0) return false;
  // A bounded poll: these programs announce readiness only in their output.
  const auto deadline = start + options_.ready_limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (HasExited(pid)) {
      const int status = Reap(pid);
      *error = "exited (status " + std::to_string(status) + ") before listening; log " + log_path_ +
               ":\n" + Tail(ReadLog(), 2000);
      return false;
    }
    if (ReadLog().find(ready_line) != std::string::npos && Accepts(port)) {
      pid_ = pid;
      port_ = port;
      startup_time_ = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      return true;
    }
    poll(nullptr, 0, 100);
  }
  StopGroup(pid);
  *error = "not listening after " + std::to_string(options_.ready_limit.count()) + " ms; log " +
           log_path_ + ":\n" + Tail(ReadLog(), 2000);
  return false;
}

PeerServer::~PeerServer() {
  if (pid_ <= 0) return;  // a failed start keeps its log, for the error message
  StopGroup(pid_);
  const char* keep = std::getenv("PRSM_CONFORMANCE_KEEP_LOGS");
  if (keep == nullptr || std::string_view(keep) != "1") std::remove(log_path_.c_str());
}

std::string PeerServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string PeerServer::ReadLog() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace prsm::conformance
