// Data-parallel training on c10d's Gloo and NCCL process groups (see dist.h). This translation unit
// alone is compiled with USE_C10D_GLOO, which ProcessGroupGloo.hpp needs and TorchConfig does not
// set; NCCL's group is made in nccl.cpp (CUDA builds: PRETEXT_HAVE_NCCL). Without Gloo's headers at
// configure time (PRETEXT_HAVE_GLOO unset: a LibTorch that ships none, and no libgloo-dev) and
// without NCCL everything here still builds, and joining a job says why it cannot.
#if PRETEXT_HAVE_GLOO || PRETEXT_HAVE_NCCL
#define PRETEXT_COMPAT_C10D 1
#endif
#include "dist/dist.h"

#include "dist/nccl.h"
#include "run/compat.h"

#include <c10/core/impl/VirtualGuardImpl.h>

#if PRETEXT_HAVE_GLOO || PRETEXT_HAVE_NCCL
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#endif

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

namespace pretext {

namespace {

const char* envValue(const char* name) {
  const char* v = std::getenv(name);
  return v && *v ? v : nullptr;
}

/// The address this host would send from to reach `host`: a UDP socket "connected" toward it sends
/// nothing, and getsockname reads the source address the routing table chose. "" when the host does
/// not resolve or no route leads there. On a machine whose own name does not resolve (common on
/// cluster nodes and containers), Gloo's default device falls back to 127.0.0.1, which no other host
/// can reach; the interface that reaches rank 0 is the one the others can reach too.
std::string localAddressToward(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (host.empty() || ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return {};
  std::string address;
  for (const addrinfo* a = found; a && address.empty(); a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    char text[INET6_ADDRSTRLEN] = {};
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0) {
      const void* raw = local.ss_family == AF_INET6 ? static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(&local)->sin6_addr)
                                                    : static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(&local)->sin_addr);
      if (::inet_ntop(local.ss_family, raw, text, sizeof text)) address = text;
    }
    ::close(fd);
  }
  ::freeaddrinfo(found);
  return address;
}

int envInt(const char* name, int fallback, int minimum) {
  const char* v = envValue(name);
  if (!v) return fallback;
  char* end = nullptr;
  const long x = std::strtol(v, &end, 10);
  if (*end != '\0' || x < minimum || x > 1000000) {
    throw std::invalid_argument(std::string("environment variable ") + name + "=" + v + " is not an integer >= " +
                                std::to_string(minimum));
  }
  return int(x);
}

int requiredInt(const char* name, int minimum, const std::string& why) {
  if (!envValue(name)) throw std::invalid_argument(std::string("environment variable ") + name + " is not set (" + why + ")");
  return envInt(name, 0, minimum);
}

}  // namespace

DistributedEnvironment distributedEnvironment() {
  DistributedEnvironment e;
  e.timeoutSeconds = envInt("PRETEXT_DIST_TIMEOUT", e.timeoutSeconds, 1);
  if (const char* store = envValue("PRETEXT_DIST_STORE")) e.storePath = store;
  if (const char* backend = envValue("PRETEXT_DIST_BACKEND")) {
    e.backendRequest = backend;
    if (e.backendRequest != "auto" && e.backendRequest != "gloo" && e.backendRequest != "nccl") {
      throw std::invalid_argument(std::string("environment variable PRETEXT_DIST_BACKEND=") + backend +
                                  " is not auto, gloo or nccl (--dist-backend)");
    }
  }
  // A job of one is the plain path, unless a backend was named (DistributedEnvironment::joinsGroup).
  const bool joinAlone = e.backendRequest != "auto";
  if (envValue("WORLD_SIZE")) {
    e.source = "torchrun";
    e.worldSize = envInt("WORLD_SIZE", 1, 1);
    if (e.worldSize == 1 && !joinAlone) return e;
    e.rank = e.worldSize == 1 ? envInt("RANK", 0, 0) : requiredInt("RANK", 0, "WORLD_SIZE is set");
    e.localRank = envInt("LOCAL_RANK", 0, 0);
    e.localWorldSize = envInt("LOCAL_WORLD_SIZE", 1, 1);
    if (const char* agent = envValue("TORCHELASTIC_USE_AGENT_STORE"); agent && std::string(agent) == "True") {
      e.launcherStore = true;
      const char* attempt = envValue("TORCHELASTIC_RESTART_COUNT");
      e.storePrefix = std::string("/worker/attempt_") + (attempt ? attempt : "0");
    }
  } else if (envValue("SLURM_NTASKS") && envValue("MASTER_ADDR")) {
    e.source = "slurm";
    e.worldSize = envInt("SLURM_NTASKS", 1, 1);
    if (e.worldSize == 1 && !joinAlone) return e;
    e.rank = e.worldSize == 1 ? envInt("SLURM_PROCID", 0, 0) : requiredInt("SLURM_PROCID", 0, "SLURM_NTASKS and MASTER_ADDR are set");
    e.localRank = envInt("SLURM_LOCALID", 0, 0);
    // "4" or "4(x2)": tasks on this node.
    if (const char* perNode = envValue("SLURM_NTASKS_PER_NODE")) e.localWorldSize = std::max(1, std::atoi(perNode));
  } else {
    return e;
  }
  if (e.rank >= e.worldSize) {
    throw std::invalid_argument("rank " + std::to_string(e.rank) + " is not below the world size " +
                                std::to_string(e.worldSize));
  }
  if (e.storePath.empty()) {
    const char* addr = envValue("MASTER_ADDR");
    if (!addr) throw std::invalid_argument("environment variable MASTER_ADDR is not set (the host of rank 0)");
    e.masterAddr = addr;
    e.masterPort = envInt("MASTER_PORT", 29500, 1);
    if (e.masterPort > 65535) throw std::invalid_argument("MASTER_PORT " + std::to_string(e.masterPort) + " is not a port");
  }
  return e;
}

int cudaDeviceCount() { return torch::cuda::is_available() ? int(torch::cuda::device_count()) : 0; }

namespace dist {

bool ncclCompiled() {
#if PRETEXT_HAVE_NCCL
  return true;
#else
  return false;
#endif
}

std::string chooseBackend(const std::string& request, const torch::Device& device, bool haveNccl) {
  if (request == "auto") return device.is_cuda() && haveNccl ? "nccl" : "gloo";
  if (request == "gloo") return request;
  if (request != "nccl") throw std::invalid_argument("--dist-backend " + request + ": expected auto, gloo or nccl");
  if (!haveNccl) {
    throw std::invalid_argument("--dist-backend nccl: this build of Pretext has no NCCL (it needs a CUDA LibTorch with "
                                "ProcessGroupNCCL when Pretext is configured: packaging/build-cuda.sh); use "
                                "--dist-backend gloo or auto");
  }
  if (!device.is_cuda()) {
    throw std::invalid_argument("--dist-backend nccl: NCCL runs on CUDA devices only, and this run trains on the CPU "
                                "(--device " + device.str() + "); use --dist-backend gloo or auto, or --device cuda");
  }
  return request;
}

torch::Device rankDevice(const DistributedEnvironment& env, const torch::Device& device, int64_t deviceCount,
                         const char* visibleDevices) {
  if (!device.is_cuda()) return device;
  if (device.has_index()) {
    if (env.localWorldSize > 1) {
      throw std::invalid_argument("--device " + device.str() + ": this host runs " + std::to_string(env.localWorldSize) +
                                  " processes of the job, one per GPU, each on cuda:LOCAL_RANK; give --device cuda");
    }
    return device;
  }
  const std::string visible = visibleDevices ? visibleDevices : "";
  if (deviceCount == 1 && !visible.empty() && visible.find(',') == std::string::npos) return torch::Device(torch::kCUDA, 0);
  if (env.localRank >= deviceCount) {
    throw std::invalid_argument(
        "local rank " + std::to_string(env.localRank) + " has no GPU: this host has " + std::to_string(deviceCount) +
        " CUDA device" + (deviceCount == 1 ? "" : "s") + ", and a CUDA job runs one process per GPU (two NCCL ranks "
        "cannot share one); start at most " + std::to_string(deviceCount) + " processes here (--nproc, torchrun "
        "--nproc-per-node, srun --ntasks-per-node), or train on the CPU (--device cpu)");
  }
  return torch::Device(torch::kCUDA, static_cast<c10::DeviceIndex>(env.localRank));
}

void makeCurrent(const torch::Device& device) {
  if (device.is_cuda() && device.has_index()) c10::impl::VirtualGuardImpl(device.type()).setDevice(device);
}

namespace {

thread_local ProcessGroup* t_current = nullptr;

/// Packs `tensors` (one dtype and device) into flat buckets of at most `bucketBytes`.
std::vector<std::vector<torch::Tensor>> buckets(const std::vector<torch::Tensor>& tensors, int64_t bucketBytes) {
  std::map<std::pair<int, std::string>, std::vector<std::vector<torch::Tensor>>> byKind;
  std::map<std::pair<int, std::string>, int64_t> filled;
  std::vector<std::pair<int, std::string>> order;
  for (const auto& t : tensors) {
    const auto key = std::make_pair(int(t.scalar_type()), t.device().str());
    auto& list = byKind[key];
    if (list.empty()) order.push_back(key);
    const int64_t bytes = t.numel() * int64_t(t.element_size());
    if (list.empty() || (filled[key] > 0 && filled[key] + bytes > bucketBytes)) {
      list.emplace_back();
      filled[key] = 0;
    }
    list.back().push_back(t);
    filled[key] += bytes;
  }
  std::vector<std::vector<torch::Tensor>> out;
  for (const auto& key : order) {
    for (auto& b : byKind[key]) out.push_back(std::move(b));
  }
  return out;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> flat;
  flat.reserve(tensors.size());
  for (const auto& t : tensors) flat.push_back(t.detach().reshape({-1}));
  return torch::cat(flat);
}

void unflatten(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard noGrad;
  int64_t offset = 0;
  for (const auto& t : tensors) {
    const int64_t n = t.numel();
    t.copy_(flat.slice(0, offset, offset + n).view(t.sizes()));
    offset += n;
  }
}

}  // namespace

namespace {

[[noreturn, maybe_unused]] void noGloo(const std::string& what) {
  throw DistributedError(what + ": this build of Pretext has no Gloo (its headers were not found when it was "
                         "configured: install libgloo-dev, or use a LibTorch that ships them, and configure again), "
                         "so it trains in one process only");
}

}  // namespace

#if PRETEXT_HAVE_GLOO || PRETEXT_HAVE_NCCL

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  // The group's collectives: a ProcessGroupGloo, or a ProcessGroupNCCL on `device`.
  c10::intrusive_ptr<compat::CollectiveBackend> backend;
  // NCCL runs: a ProcessGroupGloo of the same ranks for the collectives on CPU tensors (null in a
  // build without Gloo: those are copied to the GPU and back).
  c10::intrusive_ptr<compat::CollectiveBackend> host;
  bool nccl = false;
  torch::Device device{torch::kCPU};  // NCCL: this rank's GPU
  bool syncTimes = false;             // NCCL with PRETEXT_PROFILE_DIST: time collectives to their end on the GPU
  std::string timeoutText;
  mutable std::string glooAddress;  ///< how this rank's Gloo address was chosen, for messages
  int rank = 0, size = 1;

  /// Where a collective on tensors of `where` runs, and where its tensors must be for it.
  ///
  /// What NCCL requires that Gloo did not:
  /// - its tensors are CUDA tensors on the GPU the rank's communicator was made for (one process
  ///   per GPU: cuda:LOCAL_RANK), dense and contiguous; Gloo took CPU tensors (and CUDA ones through
  ///   host copies). CPU tensors therefore go through a Gloo group beside NCCL, never through NCCL;
  /// - its collectives run asynchronously on an NCCL stream: wait() orders the current stream after
  ///   them but does not block the CPU, so a result is read on the current stream (a copy to the
  ///   host waits for it), and the time "blocked in collectives" is only their end on the GPU when
  ///   measured with a synchronisation (syncTimes);
  /// - a peer that dies leaves the GPU waiting, not a socket error: the watchdog ends the process
  ///   after the timeout (nccl.cpp), while the Gloo group's collectives on the host (the stop flag
  ///   of every step) still see a dead peer at once and name it;
  /// - every rank issues the same collectives in the same order on each group, as with Gloo; the
  ///   two groups are ordered independently, so a rank must never wait in one for a collective the
  ///   others issue later in the other (the training loop issues both in program order).
  struct Target {
    compat::CollectiveBackend* group;
    torch::Device device;
  };
  Target target(const torch::Device& where) const {
    if (!nccl) return {backend.get(), where};
    if (where.is_cuda()) return {backend.get(), device};
    if (host) return {host.get(), where};
    return {backend.get(), device};
  }

  // Heartbeats: every rank counts up its key in the TCPStore once a second (on a connection of its
  // own), so that after a failed collective the survivors can name the rank that stopped.
  DistributedEnvironment env;
  std::thread heartbeat;
  std::mutex heartbeatMutex;
  std::condition_variable heartbeatWake;
  bool stopping = false;
  static constexpr auto kBeat = std::chrono::milliseconds(500);

  static std::string beatKey(int r) { return "pretext/heartbeat/" + std::to_string(r); }

  /// A new client of the job's TCPStore (null for a FileStore) that waits at most `timeout`.
  c10::intrusive_ptr<c10d::Store> storeClient(std::chrono::milliseconds timeout) const {
    if (!env.storePath.empty()) return {};
    auto options = compat::tcpStoreOptions(env.masterPort, false, env.worldSize, timeout);
    options.waitWorkers = false;
    c10::intrusive_ptr<c10d::Store> s = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, options);
    if (!env.storePrefix.empty()) s = c10::make_intrusive<c10d::PrefixStore>(env.storePrefix, s);
    return s;
  }

  void startHeartbeat() {
    c10::intrusive_ptr<c10d::Store> client;
    try {
      client = storeClient(std::chrono::milliseconds(10000));
    } catch (const std::exception&) {
      return;  // no heartbeat: a failure message then names no rank
    }
    if (!client) return;
    heartbeat = std::thread([this, client] {
      try {
        for (int64_t beat = 1;; ++beat) {
          const std::string text = std::to_string(beat);
          client->set(beatKey(rank), std::vector<uint8_t>(text.begin(), text.end()));
          std::unique_lock<std::mutex> lock(heartbeatMutex);
          if (heartbeatWake.wait_for(lock, kBeat, [this] { return stopping; })) return;
        }
      } catch (const std::exception&) {
        // The store is gone (rank 0, which serves it, ended): nothing left to tell.
      }
    });
  }

  void stopHeartbeat() {
    {
      std::lock_guard<std::mutex> lock(heartbeatMutex);
      stopping = true;
    }
    heartbeatWake.notify_all();
    if (heartbeat.joinable()) heartbeat.join();
  }

  /// After a failed collective: which peers stopped beating (died or hang), in words; empty when
  /// that cannot be told (a FileStore) or every peer still beats.
  std::string stoppedPeers() const {
    if (!env.storePath.empty() || size < 2) return {};
    const auto beats = [&](c10d::Store& s) {
      std::vector<int64_t> out(size_t(size), -1);
      for (int r = 0; r < size; ++r) {
        if (r == rank || !s.check({beatKey(r)})) continue;
        const auto v = s.get(beatKey(r));
        out[size_t(r)] = std::atoll(std::string(v.begin(), v.end()).c_str());
      }
      return out;
    };
    try {
      auto s = storeClient(std::chrono::milliseconds(3000));
      const auto before = beats(*s);
      const auto wait = 5 * kBeat;
      std::this_thread::sleep_for(wait);
      const auto after = beats(*s);
      std::string stopped;
      for (int r = 0; r < size; ++r) {
        if (r != rank && after[size_t(r)] == before[size_t(r)]) stopped += (stopped.empty() ? "rank " : ", rank ") + std::to_string(r);
      }
      if (stopped.empty()) return {};
      return stopped + " stopped answering (no heartbeat for " +
             std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(wait).count() / 1000.0).substr(0, 3) +
             " s: it died or hangs)";
    } catch (const std::exception&) {
      if (rank == 0) return {};
      return "rank 0 stopped answering (the rendezvous store it serves at " + env.masterAddr + ":" +
             std::to_string(env.masterPort) + " does not answer: it died or hangs)";
    }
  }

  /// Starts a collective (`start` returns its work) on tensors of `on` and waits for it; a failure
  /// in either becomes a DistributedError naming the rank and the operation.
  template <class Start>
  void run(int rank, const std::string& what, const torch::Device& on, Start&& start) const {
    const auto t0 = std::chrono::steady_clock::now();
    try {
      start()->wait();
#if PRETEXT_HAVE_NCCL
      if (syncTimes && on.is_cuda()) nccl::synchronize(device);
#endif
    } catch (const std::exception& e) {
      throw failure(rank, what, e);
    }
    count(kindOf(what), t0);
  }

#if PRETEXT_HAVE_GLOO
  /// A Gloo group of the job's ranks on `on`: loopback jobs stay on loopback; others use
  /// GLOO_SOCKET_IFNAME or the host's own address.
  c10::intrusive_ptr<compat::CollectiveBackend> makeGloo(const c10::intrusive_ptr<c10d::Store>& on,
                                                         std::chrono::milliseconds timeout) const {
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    if (env.masterAddr == "127.0.0.1" || env.masterAddr == "localhost") {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else if (ifname && *ifname) {
      glooAddress = std::string("interface ") + ifname + " (GLOO_SOCKET_IFNAME)";
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else if (const std::string local = localAddressToward(env.masterAddr, env.masterPort); !local.empty()) {
      glooAddress = local + " (the address that reaches MASTER_ADDR " + env.masterAddr + ")";
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(local));
    } else {
      // A file store has no master to route toward: the host name's address, as torch does.
      glooAddress = "the address of this host's name";
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    return c10::make_intrusive<c10d::ProcessGroupGloo>(on, env.rank, env.worldSize, options);
  }
#endif

  ProcessGroup::Times* times = nullptr;

  static ProcessGroup::Times::Kind kindOf(const std::string& what) {
    using T = ProcessGroup::Times;
    if (what.find("embeddings") != std::string::npos) return T::Gathers;  // the gather and its gradient
    if (what.find("BatchNorm") != std::string::npos) return T::BatchNorm;
    if (what.find("of gradients") != std::string::npos) return T::Gradients;
    return T::Other;
  }

  void count(ProcessGroup::Times::Kind kind, std::chrono::steady_clock::time_point since) const {
    times->seconds[kind] += std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
    ++times->calls[kind];
  }

  DistributedError failure(int rank, const std::string& what, const std::exception& e) const {
    const auto* ce = dynamic_cast<const c10::Error*>(&e);
    const std::string stopped = stoppedPeers();
    return DistributedError("rank " + std::to_string(rank) + ": " + what + " failed" +
                            (stopped.empty() ? " (a peer died or did not answer within " + timeoutText + ")" : ": " + stopped) +
                            ": " + (ce ? ce->what_without_backtrace() : e.what()));
  }
};

ProcessGroup::ProcessGroup(const DistributedEnvironment& env, const std::string& backend, const torch::Device& device)
    : m_impl(std::make_unique<Impl>()),
      m_rank(env.rank),
      m_size(env.worldSize),
      m_timeout(std::chrono::seconds(env.timeoutSeconds)),
      m_backend(backend) {
  auto& d = *m_impl;
  if (backend == "nccl") {
    if (!ncclCompiled()) chooseBackend(backend, device, false);  // throws, saying why
    if (!device.is_cuda() || !device.has_index()) {
      throw std::invalid_argument("NCCL needs this rank's GPU (cuda:LOCAL_RANK), not " + device.str());
    }
  } else if (backend == "gloo") {
#if !PRETEXT_HAVE_GLOO
    noGloo("joining a job of " + std::to_string(env.worldSize) + " processes");
#endif
  } else {
    throw std::invalid_argument("unknown c10d backend '" + backend + "' (gloo or nccl)");
  }
  makeCurrent(device);  // (NCCL's makeGroup does the same)
  d.timeoutText = std::to_string(env.timeoutSeconds) + " s";
  d.env = env;
  d.rank = env.rank;
  d.size = env.worldSize;
  d.times = &m_times;
  const std::string where = env.storePath.empty() ? env.masterAddr + ":" + std::to_string(env.masterPort)
                                                  : "file store " + env.storePath;
  try {
    if (env.storePath.empty()) {
      d.store = c10::make_intrusive<c10d::TCPStore>(
          env.masterAddr,
          compat::tcpStoreOptions(env.masterPort, env.rank == 0 && !env.launcherStore, env.worldSize, m_timeout));
      if (!env.storePrefix.empty()) d.store = c10::make_intrusive<c10d::PrefixStore>(env.storePrefix, d.store);
    } else {
      d.store = c10::make_intrusive<c10d::FileStore>(env.storePath, env.worldSize);
      d.store->setTimeout(m_timeout);
    }
    if (backend == "nccl") {
#if PRETEXT_HAVE_NCCL
      d.nccl = true;
      d.device = device;
      d.syncTimes = std::getenv("PRETEXT_PROFILE_DIST") != nullptr;
      d.backend = nccl::makeGroup(d.store, env.rank, env.worldSize, m_timeout, device);
#if PRETEXT_HAVE_GLOO
      d.host = d.makeGloo(c10::make_intrusive<c10d::PrefixStore>("pretext/host", d.store), m_timeout);
#endif
#endif
    } else {
#if PRETEXT_HAVE_GLOO
      d.backend = d.makeGloo(d.store, m_timeout);
#endif
    }
    d.startHeartbeat();
  } catch (const std::exception& e) {
    const auto* ce = dynamic_cast<const c10::Error*>(&e);
    throw DistributedError("rank " + std::to_string(env.rank) + " of " + std::to_string(env.worldSize) +
                           ": the rendezvous at " + where + " did not complete within " + d.timeoutText + ": " +
                           (ce ? ce->what_without_backtrace() : e.what()) +
                           (d.glooAddress.empty() ? std::string()
                                                  : " (Gloo listened on " + d.glooAddress +
                                                        "; GLOO_SOCKET_IFNAME=<interface> picks another)"));
  }
}

ProcessGroup::~ProcessGroup() { m_impl->stopHeartbeat(); }

// Every collective goes where its tensors are (Impl::target): a tensor that must move (a CPU tensor
// in an NCCL build without Gloo, a tensor on another GPU) is copied there and its result back. A
// job of one runs them too (DistributedEnvironment::joinsGroup).

void ProcessGroup::broadcast(const std::vector<torch::Tensor>& tensors, int root, const std::string& what) {
  std::vector<torch::Tensor> defined;
  for (const auto& t : tensors) {
    if (t.defined() && t.numel() > 0) defined.push_back(t);
  }
  for (const auto& bucket : buckets(defined, 25 << 20)) {
    const auto to = m_impl->target(bucket.front().device());
    std::vector<torch::Tensor> flat{flatten(bucket).to(to.device)};
    c10d::BroadcastOptions options;
    options.rootRank = root;
    m_impl->run(m_rank, "broadcast of " + what, to.device, [&] { return to.group->broadcast(flat, options); });
    unflatten(flat[0], bucket);
  }
}

void ProcessGroup::averageGradients(const std::vector<torch::Tensor>& parameters, int64_t bucketBytes) {
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters) {
    if (p.grad().defined()) grads.push_back(p.grad());
  }
  for (const auto& bucket : buckets(grads, bucketBytes)) {
    const auto to = m_impl->target(bucket.front().device());
    std::vector<torch::Tensor> flat{flatten(bucket).to(to.device)};
    m_impl->run(m_rank, "all_reduce of gradients", to.device, [&] { return to.group->allreduce(flat); });
    flat[0].div_(double(m_size));
    unflatten(flat[0], bucket);
  }
}

void ProcessGroup::allReduceSum(torch::Tensor& tensor, const std::string& what) {
  const auto to = m_impl->target(tensor.device());
  if (to.device == tensor.device() && (!m_impl->nccl || tensor.is_contiguous())) {
    std::vector<torch::Tensor> v{tensor};
    m_impl->run(m_rank, "all_reduce of " + what, to.device, [&] { return to.group->allreduce(v); });
    return;
  }
  std::vector<torch::Tensor> v{tensor.detach().to(to.device).contiguous()};
  m_impl->run(m_rank, "all_reduce of " + what, to.device, [&] { return to.group->allreduce(v); });
  torch::NoGradGuard noGrad;
  tensor.copy_(v[0]);
}

torch::Tensor ProcessGroup::allGather(const torch::Tensor& tensor, const std::string& what) {
  const auto to = m_impl->target(tensor.device());
  std::vector<torch::Tensor> input{tensor.detach().to(to.device).contiguous()};
  std::vector<std::vector<torch::Tensor>> output(1);
  for (int r = 0; r < m_size; ++r) output[0].push_back(torch::empty_like(input[0]));
  m_impl->run(m_rank, "all_gather of " + what, to.device, [&] { return to.group->allgather(output, input); });
  auto all = torch::cat(output[0]);
  return all.device() == tensor.device() ? all : all.to(tensor.device());
}

bool ProcessGroup::anyTrue(bool flag, const std::string& what) {
  auto t = torch::full({1}, flag ? 1.0f : 0.0f);
  allReduceSum(t, what);
  return t.item<float>() > 0.0f;
}

struct OverlappedGradients::State {
  struct Bucket {
    std::vector<size_t> members;  // indices into params
    std::vector<torch::Tensor> flat;  // one flat tensor, as the collective takes it
    int64_t pending = 0;              // gradients still to come in this step
    c10::intrusive_ptr<c10d::Work> work;
  };
  std::function<c10::intrusive_ptr<c10d::Work>(std::vector<torch::Tensor>&)> allreduce;
  int64_t* calls = nullptr;  // the group's count of gradient all-reduces
  std::vector<torch::Tensor> params;
  std::vector<size_t> bucketOf;
  std::vector<int64_t> offset;
  std::vector<char> got;  // the parameter's gradient came in this step
  std::vector<Bucket> buckets;
  size_t nextToStart = 0;
  size_t startedInBackward = 0;
  bool armed = false;
  bool late = false;  // a gradient came after its bucket had started
  std::string error;  // why starting a bucket from a hook failed
  std::mutex mutex;

  torch::Tensor slot(size_t i) {
    const auto& p = params[i];
    return buckets[bucketOf[i]].flat[0].slice(0, offset[i], offset[i] + p.numel()).view(p.sizes());
  }

  void start(size_t k) {
    auto& b = buckets[k];
    try {
      b.work = allreduce(b.flat);
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
    }
    ++*calls;
  }

  /// Starts the full buckets that are next in order.
  void startReady() {
    while (nextToStart < buckets.size() && buckets[nextToStart].pending == 0) start(nextToStart++);
  }

  /// The hook: parameter i's gradient of this backward (before autograd adds it into .grad).
  void gradient(size_t i, const torch::Tensor& grad) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!armed || !grad.defined()) return;
    auto& b = buckets[bucketOf[i]];
    if (b.work || bucketOf[i] < nextToStart) {
      late = true;
      return;
    }
    torch::NoGradGuard noGrad;
    auto s = slot(i);
    // What .grad will hold once autograd has added this gradient to it.
    const auto& previous = params[i].grad();
    if (got[i]) s.add_(grad);
    else if (previous.defined()) torch::add_out(s, previous, grad);
    else s.copy_(grad);
    if (!got[i]) {
      got[i] = 1;
      --b.pending;
    }
    startReady();
  }
};

OverlappedGradients::OverlappedGradients(ProcessGroup& group, const std::vector<torch::Tensor>& parameters,
                                         int64_t bucketBytes)
    : m_group(group), m_state(std::make_shared<State>()) {
  auto& s = *m_state;
  auto* impl = group.m_impl.get();
  s.allreduce = [impl](std::vector<torch::Tensor>& flat) { return impl->target(flat[0].device()).group->allreduce(flat); };
  s.calls = &group.m_times.calls[ProcessGroup::Times::Gradients];
  for (auto it = parameters.rbegin(); it != parameters.rend(); ++it) {
    if (it->defined() && it->requires_grad() && it->numel() > 0) s.params.push_back(*it);
  }
  const auto groups = dist::buckets(s.params, bucketBytes);
  std::map<torch::TensorImpl*, size_t> index;
  for (size_t i = 0; i < s.params.size(); ++i) index[s.params[i].unsafeGetTensorImpl()] = i;
  s.bucketOf.resize(s.params.size());
  s.offset.resize(s.params.size());
  s.got.assign(s.params.size(), 0);
  for (const auto& members : groups) {
    State::Bucket b;
    int64_t n = 0;
    for (const auto& t : members) {
      const size_t i = index.at(t.unsafeGetTensorImpl());
      s.bucketOf[i] = s.buckets.size();
      s.offset[i] = n;
      b.members.push_back(i);
      n += t.numel();
    }
    b.flat = {torch::zeros({n}, members.front().options().requires_grad(false))};
    // The buckets are filled by hooks and reduced where they are: under NCCL on this rank's GPU.
    const auto on = b.flat[0].device();
    if (impl->target(on).device != on) {
      throw std::invalid_argument("overlapped gradient averaging: parameters on " + on.str() + " cannot be reduced by " +
                                  group.backend() + " on " + impl->target(on).device.str());
    }
    s.buckets.push_back(std::move(b));
  }
  std::weak_ptr<State> weak = m_state;
  for (size_t i = 0; i < s.params.size(); ++i) {
    const unsigned h = s.params[i].register_hook([weak, i](const torch::Tensor& grad) {
      if (auto state = weak.lock()) state->gradient(i, grad);
    });
    m_hooks.emplace_back(s.params[i], h);
  }
}

OverlappedGradients::~OverlappedGradients() {
  for (auto& [p, h] : m_hooks) p.remove_hook(h);
}

int64_t OverlappedGradients::buckets() const { return int64_t(m_state->buckets.size()); }
int64_t OverlappedGradients::startedInBackward() const { return int64_t(m_state->startedInBackward); }

void OverlappedGradients::begin() {
  auto& s = *m_state;
  std::lock_guard<std::mutex> lock(s.mutex);
  for (auto& b : s.buckets) {
    b.pending = int64_t(b.members.size());
    b.work.reset();
  }
  std::fill(s.got.begin(), s.got.end(), 0);
  s.nextToStart = 0;
  s.late = false;
  s.error.clear();
  s.armed = true;
}

void OverlappedGradients::finish() {
  auto& s = *m_state;
  std::unique_lock<std::mutex> lock(s.mutex);
  s.armed = false;
  s.startedInBackward = s.nextToStart;
  if (s.late) {
    throw std::logic_error("overlapped gradient averaging: a gradient arrived after its bucket's all-reduce had "
                           "started (more than one backward in a step?)");
  }
  // Buckets with parameters that got no gradient in this step: zeros in their place.
  torch::NoGradGuard noGrad;
  for (size_t k = s.nextToStart; k < s.buckets.size(); ++k) {
    for (const size_t i : s.buckets[k].members) {
      if (!s.got[i]) s.slot(i).zero_();
    }
    s.buckets[k].pending = 0;
  }
  s.startReady();
  const std::string what = "all_reduce of gradients";
  if (!s.error.empty()) throw m_group.m_impl->failure(m_group.rank(), what, std::runtime_error(s.error));
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& b : s.buckets) {
    try {
      b.work->wait();
#if PRETEXT_HAVE_NCCL
      if (m_group.m_impl->syncTimes && b.flat[0].is_cuda()) nccl::synchronize(m_group.m_impl->device);
#endif
    } catch (const std::exception& e) {
      throw m_group.m_impl->failure(m_group.rank(), what, e);
    }
    b.work.reset();
  }
  m_group.m_times.seconds[ProcessGroup::Times::Gradients] +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (auto& b : s.buckets) {
    b.flat[0].div_(double(m_group.size()));
    for (const size_t i : b.members) {
      if (s.got[i]) s.params[i].mutable_grad().copy_(s.slot(i));
    }
  }
}

#else  // PRETEXT_HAVE_GLOO || PRETEXT_HAVE_NCCL

struct ProcessGroup::Impl {};

ProcessGroup::ProcessGroup(const DistributedEnvironment& env, const std::string& backend, const torch::Device& device)
    : m_rank(env.rank), m_size(env.worldSize), m_timeout(std::chrono::seconds(env.timeoutSeconds)), m_backend(backend) {
  if (backend == "nccl") chooseBackend(backend, device, false);  // throws: no NCCL in this build
  noGloo("joining a job of " + std::to_string(env.worldSize) + " processes");
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::broadcast(const std::vector<torch::Tensor>&, int, const std::string& what) { noGloo(what); }
void ProcessGroup::averageGradients(const std::vector<torch::Tensor>&, int64_t) { noGloo("averaging gradients"); }
void ProcessGroup::allReduceSum(torch::Tensor&, const std::string& what) { noGloo(what); }
torch::Tensor ProcessGroup::allGather(const torch::Tensor&, const std::string& what) { noGloo(what); }
bool ProcessGroup::anyTrue(bool, const std::string& what) { noGloo(what); }

struct OverlappedGradients::State {};
OverlappedGradients::OverlappedGradients(ProcessGroup& group, const std::vector<torch::Tensor>&, int64_t)
    : m_group(group) {
  noGloo("overlapped gradient averaging");
}
OverlappedGradients::~OverlappedGradients() = default;
int64_t OverlappedGradients::buckets() const { return 0; }
int64_t OverlappedGradients::startedInBackward() const { return 0; }
void OverlappedGradients::begin() {}
void OverlappedGradients::finish() {}

#endif  // PRETEXT_HAVE_GLOO || PRETEXT_HAVE_NCCL

ProcessGroup* currentGroup() { return t_current; }

ScopedGroup::ScopedGroup(ProcessGroup* group) : m_previous(t_current) { t_current = group; }
ScopedGroup::~ScopedGroup() { t_current = m_previous; }

namespace {

struct GatherWithGradient : torch::autograd::Function<GatherWithGradient> {
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x, int64_t group) {
    auto* g = reinterpret_cast<ProcessGroup*>(group);
    ctx->saved_data["group"] = group;
    ctx->saved_data["rows"] = x.size(0);
    return g->allGather(x, "embeddings");
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto* g = reinterpret_cast<ProcessGroup*>(ctx->saved_data["group"].toInt());
    const int64_t rows = ctx->saved_data["rows"].toInt();
    // Every rank computed the same global loss from the gathered embeddings: the gradient of this
    // rank's rows is the sum of what every rank's loss sends them.
    auto summed = grads[0].contiguous().clone();
    g->allReduceSum(summed, "the gradient of gathered embeddings");
    return {summed.slice(0, g->rank() * rows, (g->rank() + 1) * rows), torch::Tensor()};
  }
};

}  // namespace

torch::Tensor gatherWithGradient(const torch::Tensor& x, ProcessGroup* group) {
  if (!group || group->size() == 1) return x;
  return GatherWithGradient::apply(x, int64_t(reinterpret_cast<intptr_t>(group)));
}

std::vector<torch::Tensor> batchNormBuffers(const torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (const auto& item : module.named_buffers(/*recurse=*/true)) {
    const std::string& name = item.key();
    const auto endsWith = [&](const std::string& suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (endsWith("running_mean") || endsWith("running_var") || endsWith("num_batches_tracked")) out.push_back(item.value());
  }
  return out;
}

}  // namespace dist

}  // namespace pretext
