#include "test_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace prsm::testing {
namespace {

int ListenLoopback(std::uint16_t* port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 16) != 0 || getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    close(fd);
    return -1;
  }
  *port = ntohs(address.sin_port);
  return fd;
}

}  // namespace

int RunQuietly(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = -1;
  const int spawned = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::uint16_t UnusedLoopbackPort() {
  std::uint16_t port = 0;
  int fd = ListenLoopback(&port);
  if (fd >= 0) close(fd);
  return port;
}

bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

// --- RawHttpServer ----------------------------------------------------------------------

RawHttpServer::RawHttpServer(Behaviour behaviour) : behaviour_(behaviour) {
  listen_fd_ = ListenLoopback(&port_);
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0) stop_pipe_[0] = stop_pipe_[1] = -1;
  thread_ = std::thread([this] { Serve(); });
}

RawHttpServer::~RawHttpServer() {
  if (stop_pipe_[1] >= 0) (void)!write(stop_pipe_[1], "x", 1);
  thread_.join();
  for (int fd : {listen_fd_, stop_pipe_[0], stop_pipe_[1]}) {
    if (fd >= 0) close(fd);
  }
}

std::string RawHttpServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void RawHttpServer::Serve() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) return;
    if (fds[1].revents != 0) return;
    int client = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    // Read the request head and whatever body arrives with it; the response does not
    // depend on it.
    std::string request;
    char buffer[4096];
    while (request.find("\r\n\r\n") == std::string::npos) {
      ssize_t n = recv(client, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      request.append(buffer, static_cast<std::size_t>(n));
    }
    if (behaviour_ == kEndlessBodyNoLength) {
      const std::string head =
          "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n";
      send(client, head.data(), head.size(), MSG_NOSIGNAL);
      const std::string chunk(64 * 1024, 'x');
      for (std::size_t sent = 0; sent < (std::size_t{256} << 20); sent += chunk.size()) {
        if (send(client, chunk.data(), chunk.size(), MSG_NOSIGNAL) <= 0) break;
      }
    }
    close(client);
  }
}

// --- TlsH2Server ------------------------------------------------------------------------

TlsH2Server::TlsH2Server() {
  char dir_template[] = "/tmp/prsm-tls-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    why_not_ = "mkdtemp failed";
    return;
  }
  dir_ = dir_template;
  cert_file_ = dir_ + "/cert.pem";
  const std::string key_file = dir_ + "/key.pem";
  if (RunQuietly({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key_file, "-out", cert_file_,
                  "-days", "1", "-subj", "/CN=127.0.0.1", "-addext",
                  "subjectAltName=IP:127.0.0.1"}) != 0) {
    why_not_ = "openssl could not make a certificate (is openssl installed?)";
    return;
  }
  const std::string script = std::string(PRSM_TEST_SOURCE_DIR) + "/integration/h2_server.js";
  server_ = std::make_unique<ServerProcess>(
      std::vector<std::string>{"node", script, key_file, cert_file_});
  if (!server_->ok()) why_not_ = "the node HTTP/2 server did not start: " + server_->error();
}

TlsH2Server::~TlsH2Server() {
  server_.reset();
  if (!dir_.empty()) {
    std::remove((dir_ + "/cert.pem").c_str());
    std::remove((dir_ + "/key.pem").c_str());
    rmdir(dir_.c_str());
  }
}

std::string TlsH2Server::base_url() const {
  return "https://127.0.0.1:" + std::to_string(server_ ? server_->port() : 0) + "/v1";
}

}  // namespace prsm::testing
