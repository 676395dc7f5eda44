// pretext-cli train --nproc N: see launch.h.
#include "launch.h"

#include <pretext/distributed.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace pretext::cli {

namespace {

volatile std::sig_atomic_t g_signal = 0;

extern "C" void onLauncherSignal(int sig) { g_signal = sig; }

/// This process's command line, as the kernel has it.
std::vector<std::string> ownArguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  size_t start = 0;
  while (start < all.size()) {
    const size_t end = all.find('\0', start);
    args.push_back(all.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (args.empty()) throw std::runtime_error("--nproc: cannot read this process's command line (/proc/self/cmdline)");
  return args;
}

/// A TCP port on 127.0.0.1 that nothing listens on now (the kernel's pick).
int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("--nproc: no socket for a free port: ") + std::strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("--nproc: no free port on 127.0.0.1: " + why);
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

/// `args` without `--name VALUE` / `--name=VALUE`; the last value seen goes to `value`.
std::vector<std::string> withoutOption(const std::vector<std::string>& args, const std::string& name, std::string* value) {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size()) {
      if (value) *value = args[i + 1];
      ++i;
    } else if (args[i].rfind(name + "=", 0) == 0) {
      if (value) *value = args[i].substr(name.size() + 1);
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

std::string exitText(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + std::to_string(WTERMSIG(status)) + " (" + strsignal(WTERMSIG(status)) + ")";
  return "ended";
}

}  // namespace

int launchWorkers(int nproc, const std::string& out) {
  if (nproc < 1) throw std::invalid_argument("--nproc must be at least 1");
  std::vector<std::string> args = withoutOption(ownArguments(), "--nproc", nullptr);
  std::string threadsText;
  args = withoutOption(args, "--threads", &threadsText);
  const bool resume = std::any_of(args.begin(), args.end(), [](const std::string& a) { return a == "--resume" || a.rfind("--resume=", 0) == 0; });
  const bool quiet = std::find(args.begin(), args.end(), "--quiet") != args.end();
  // CUDA: one process per GPU (each on cuda:LOCAL_RANK, see dist::rankDevice), checked here before
  // any starts when the command line says the device; a resumed or --config run's workers check it.
  if (!resume && std::none_of(args.begin(), args.end(), [](const std::string& a) { return a == "--config" || a.rfind("--config=", 0) == 0; })) {
    std::string device = "auto";
    withoutOption(args, "--device", &device);
    const int gpus = device == "cpu" ? 0 : cudaDeviceCount();
    if (gpus > 0 && (device == "auto" || device == "cuda") && nproc > gpus) {
      throw std::invalid_argument("--nproc " + std::to_string(nproc) + ": this machine has " + std::to_string(gpus) +
                                  " CUDA device" + (gpus == 1 ? "" : "s") + ", and a CUDA run takes one process per GPU "
                                  "(two NCCL ranks cannot share one): use --nproc " + std::to_string(gpus) +
                                  " or less, or --device cpu");
    }
  }
  if (!out.empty()) {
    args.push_back("--out");
    args.push_back(out);
  }
  // --threads: the total, shared; without it each worker takes its share of the cores (LOCAL_WORLD_SIZE).
  if (!threadsText.empty() && !resume) {
    const int total = std::atoi(threadsText.c_str());
    if (total > 0) {
      args.push_back("--threads");
      args.push_back(std::to_string(std::max(1, total / nproc)));
    }
  }
  char exe[4096];
  const ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) throw std::runtime_error("--nproc: cannot find this executable (/proc/self/exe)");
  exe[n] = '\0';

  const int port = freePort();
  std::fprintf(stderr, "starting %d processes (rendezvous on 127.0.0.1:%d)\n", nproc, port);
  std::fflush(stderr);

  // Everything a child needs is built before fork: after it, the child only calls execve.
  std::vector<std::string> baseEnv;
  const char* replaced[] = {"RANK=", "WORLD_SIZE=", "LOCAL_RANK=", "LOCAL_WORLD_SIZE=", "MASTER_ADDR=", "MASTER_PORT=", "GROUP_RANK="};
  for (char** e = environ; e && *e; ++e) {
    const std::string v = *e;
    if (std::none_of(std::begin(replaced), std::end(replaced), [&](const char* p) { return v.rfind(p, 0) == 0; })) baseEnv.push_back(v);
  }
  struct Worker {
    std::vector<std::string> args, env;
    pid_t pid = -1;
    bool running = false;
  };
  std::vector<Worker> workers(static_cast<size_t>(nproc));
  for (int r = 0; r < nproc; ++r) {
    Worker& w = workers[size_t(r)];
    w.args = args;
    w.args[0] = exe;
    if (r > 0 && !quiet) w.args.push_back("--quiet");
    w.env = baseEnv;
    for (const std::string& v : {"RANK=" + std::to_string(r), "WORLD_SIZE=" + std::to_string(nproc),
                                 "LOCAL_RANK=" + std::to_string(r), "LOCAL_WORLD_SIZE=" + std::to_string(nproc),
                                 std::string("MASTER_ADDR=127.0.0.1"), "MASTER_PORT=" + std::to_string(port)}) {
      w.env.push_back(v);
    }
  }

  struct sigaction action {};
  action.sa_handler = onLauncherSignal;
  sigemptyset(&action.sa_mask);
  struct sigaction oldInt {}, oldTerm {};
  sigaction(SIGINT, &action, &oldInt);
  sigaction(SIGTERM, &action, &oldTerm);

  for (Worker& w : workers) {
    std::vector<char*> argv, envp;
    for (auto& a : w.args) argv.push_back(a.data());
    argv.push_back(nullptr);
    for (auto& e : w.env) envp.push_back(e.data());
    envp.push_back(nullptr);
    w.pid = ::fork();
    if (w.pid == 0) {
      // Its own process group: a Ctrl-C reaches the workers once, through the launcher.
      ::setpgid(0, 0);
      ::signal(SIGINT, SIG_DFL);
      ::signal(SIGTERM, SIG_DFL);
      ::execve(exe, argv.data(), envp.data());
      ::_exit(127);
    }
    if (w.pid < 0) {
      for (Worker& o : workers) {
        if (o.running) ::kill(o.pid, SIGKILL);
      }
      throw std::runtime_error(std::string("--nproc: fork failed: ") + std::strerror(errno));
    }
    w.running = true;
  }

  using Clock = std::chrono::steady_clock;
  int result = 0;
  bool stopping = false;
  bool userStop = false;
  Clock::time_point killAt = Clock::time_point::max();
  // A failed worker's peers see the broken connection at their next collective; one that hangs
  // anyway is killed after the job's collective timeout and a margin.
  const char* timeoutText = std::getenv("PRETEXT_DIST_TIMEOUT");
  const int graceSeconds = (timeoutText && std::atoi(timeoutText) > 0 ? std::atoi(timeoutText) : 300) + 30;
  int running = nproc;
  while (running > 0) {
    if (g_signal) {
      const int sig = g_signal;
      g_signal = 0;
      userStop = true;
      std::fprintf(stderr, "stopping %d processes\n", running);
      for (Worker& w : workers) {
        if (w.running) ::kill(w.pid, sig == SIGTERM ? SIGTERM : SIGINT);
      }
    }
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      for (size_t r = 0; r < workers.size(); ++r) {
        Worker& w = workers[r];
        if (w.pid != pid) continue;
        w.running = false;
        --running;
        const bool ok = WIFEXITED(status) && (WEXITSTATUS(status) == 0 || (userStop && WEXITSTATUS(status) == 130));
        if (!ok && result == 0) {
          result = WIFEXITED(status) && WEXITSTATUS(status) != 0 ? WEXITSTATUS(status) : 1;
          std::fprintf(stderr, "rank %zu %s%s\n", r, exitText(status).c_str(), running > 0 ? ": stopping the others" : "");
        }
        if (!ok && !stopping && running > 0) {
          stopping = true;
          killAt = Clock::now() + std::chrono::seconds(graceSeconds);
          for (Worker& o : workers) {
            if (o.running) ::kill(o.pid, SIGTERM);
          }
        }
      }
      continue;
    }
    if (pid < 0 && errno != EINTR) break;
    if (Clock::now() >= killAt) {
      for (Worker& w : workers) {
        if (w.running) {
          std::fprintf(stderr, "rank %zu did not stop: killed\n", size_t(&w - workers.data()));
          ::kill(w.pid, SIGKILL);
        }
      }
      killAt = Clock::time_point::max();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  sigaction(SIGINT, &oldInt, nullptr);
  sigaction(SIGTERM, &oldTerm, nullptr);
  if (result == 0 && userStop) return 130;
  return result;
}

}  // namespace pretext::cli
