// Data-parallel training on c10d's Gloo over loopback (core/src/dist): the launcher's environment,
// gradient averaging in flat buckets against one process on the whole batch, the all-gather with a
// gradient against SimCLR's and Barlow Twins' losses on the concatenated batch, `--nproc 2`
// through the CLI, and a killed rank ending the other with a message.
#include "testconfig.h"

#include "dist/dist.h"
#include "dist/syncbn.h"
#include "io/fileutil.h"
#include "methods/barlow.h"
#include "methods/deepcluster.h"
#include "methods/dino.h"
#include "methods/method.h"
#include "methods/simclr.h"
#include "methods/swav.h"
#include "run/model.h"

#include <pretext/distributed.h>
#include <pretext/metrics.h>
#include <pretext/runwriter.h>
#include <pretext/training.h>

#include <QProcess>
#include <QRegularExpression>

#include <arpa/inet.h>
#include <signal.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

using namespace pretext;
namespace fs = std::filesystem;

namespace {

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

DistributedEnvironment loopback(int rank, int world, int port) {
  DistributedEnvironment e;
  e.rank = rank;
  e.worldSize = world;
  e.masterAddr = "127.0.0.1";
  e.masterPort = port;
  e.timeoutSeconds = 30;
  e.source = "test";
  return e;
}

/// Runs `body(group)` on `world` threads, each a rank with its own Gloo group on one TCPStore.
/// Returns the first error, empty when all ranks finished.
std::string onRanks(int world, const std::function<void(dist::ProcessGroup&)>& body, const std::string& storePath = {}) {
  const int port = freePort();
  std::vector<std::string> errors(static_cast<size_t>(world));
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      try {
        auto env = loopback(r, world, port);
        env.storePath = storePath;  // a FileStore instead of the TCPStore when set
        dist::ProcessGroup group(env);
        body(group);
      } catch (const std::exception& e) {
        errors[size_t(r)] = "rank " + std::to_string(r) + ": " + e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& e : errors) {
    if (!e.empty()) return e;
  }
  return {};
}

torch::nn::Sequential smallModel() {
  return torch::nn::Sequential(torch::nn::Linear(6, 16), torch::nn::Tanh(), torch::nn::Linear(16, 3));
}

void copyParameters(torch::nn::Module& to, const torch::nn::Module& from) {
  torch::NoGradGuard noGrad;
  const auto src = from.parameters();
  const auto dst = to.parameters();
  for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
}

double maxDifference(const std::vector<torch::Tensor>& a, const std::vector<torch::Tensor>& b) {
  double m = 0.0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, (a[i] - b[i]).abs().max().item<double>());
  return m;
}

std::vector<torch::Tensor> gradients(const torch::nn::Module& m) {
  std::vector<torch::Tensor> g;
  for (const auto& p : m.parameters()) g.push_back(p.grad().clone());
  return g;
}

/// The losses of the step rows of a run folder's metrics.csv.
std::vector<double> stepLosses(const QString& dir) {
  std::vector<double> out;
  std::ifstream in(dir.toStdString() + "/metrics.csv");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("step,", 0) != 0) continue;
    size_t comma = 0;
    for (int i = 0; i < 4; ++i) comma = line.find(',', comma) + 1;
    out.push_back(std::stod(line.substr(comma)));
  }
  return out;
}

void setEnv(const std::map<std::string, std::string>& vars) {
  for (const char* name : {"RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT",
                           "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID", "SLURM_NTASKS_PER_NODE",
                           "PRETEXT_DIST_TIMEOUT", "PRETEXT_DIST_STORE", "PRETEXT_DIST_BACKEND"}) {
    ::unsetenv(name);
  }
  for (const auto& [k, v] : vars) ::setenv(k.c_str(), v.c_str(), 1);
}

/// Runs pretext-cli with `args` (the environment given, or this process's) and returns whether it exited 0
/// within 4 minutes; its merged output goes to `output` when asked for, and to the log when it failed.
bool runCli(const QStringList& args, QByteArray* output = nullptr,
            const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
  QProcess cli;
  cli.setProcessChannelMode(QProcess::MergedChannels);
  cli.setProcessEnvironment(env);
  cli.start(PRETEXT_CLI, args);
  const bool ok = cli.waitForStarted() && cli.waitForFinished(240000) && cli.exitCode() == 0;
  const QByteArray text = cli.readAll();
  if (!ok) qWarning("%s", text.constData());
  if (output) *output = text;
  return ok;
}

}  // namespace


/// Two ranks of a long SimCLR run on shapes through pretext-cli, joined by torchrun's variables on a
/// free port, writing `dir`. The collective timeout reaches them as --dist-timeout, or with
/// `byEnvironment` as PRETEXT_DIST_TIMEOUT. False when one did not start.
static bool startTwoRanks(QProcess (&ranks)[2], const QString& dir, int timeout, bool byEnvironment) {
  const int port = freePort();
  for (int r = 0; r < 2; ++r) {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("RANK", QString::number(r));
    env.insert("WORLD_SIZE", "2");
    env.insert("MASTER_ADDR", "127.0.0.1");
    env.insert("MASTER_PORT", QString::number(port));
    QStringList args{"train", "--dataset", "shapes", "--method", "simclr", "--width", "8", "--epochs", "1000",
                     "--batch-size", "32", "--subset", "128", "--no-knn", "--threads", "1", "--quiet", "--out", dir};
    if (byEnvironment) env.insert("PRETEXT_DIST_TIMEOUT", QString::number(timeout));
    else args << "--dist-timeout" << QString::number(timeout);
    ranks[r].setProcessEnvironment(env);
    ranks[r].setProcessChannelMode(QProcess::MergedChannels);
    ranks[r].start(PRETEXT_CLI, args);
    if (!ranks[r].waitForStarted()) return false;
  }
  return true;
}

class TstDistributed : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void environment() {
    setEnv({});
    QVERIFY(!distributedEnvironment().distributed());

    setEnv({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"LOCAL_WORLD_SIZE", "2"},
            {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "29400"}, {"PRETEXT_DIST_TIMEOUT", "45"}});
    auto e = distributedEnvironment();
    QCOMPARE(e.source, std::string("torchrun"));
    QCOMPARE(e.rank, 1);
    QCOMPARE(e.worldSize, 4);
    QCOMPARE(e.localRank, 1);
    QCOMPARE(e.localWorldSize, 2);
    QCOMPARE(e.masterAddr, std::string("node7"));
    QCOMPARE(e.masterPort, 29400);
    QCOMPARE(e.timeoutSeconds, 45);

    // SLURM's variables alone (a plain command inside an allocation) stay a single process.
    setEnv({{"SLURM_PROCID", "2"}, {"SLURM_NTASKS", "4"}, {"SLURM_LOCALID", "0"}});
    QVERIFY(!distributedEnvironment().distributed());
    setEnv({{"SLURM_PROCID", "2"}, {"SLURM_NTASKS", "4"}, {"SLURM_LOCALID", "0"}, {"SLURM_NTASKS_PER_NODE", "2(x2)"},
            {"MASTER_ADDR", "node1"}});
    e = distributedEnvironment();
    QCOMPARE(e.source, std::string("slurm"));
    QCOMPARE(e.rank, 2);
    QCOMPARE(e.worldSize, 4);
    QCOMPARE(e.localWorldSize, 2);
    QCOMPARE(e.masterPort, 29500);

    const auto fails = [](const std::map<std::string, std::string>& vars, const char* needle) {
      setEnv(vars);
      try {
        distributedEnvironment();
      } catch (const std::invalid_argument& ex) {
        return std::string(ex.what()).find(needle) != std::string::npos;
      }
      return false;
    };
    QVERIFY(fails({{"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}}, "RANK"));
    QVERIFY(fails({{"WORLD_SIZE", "2"}, {"RANK", "0"}}, "MASTER_ADDR"));
    QVERIFY(fails({{"WORLD_SIZE", "two"}}, "WORLD_SIZE=two"));
    QVERIFY(fails({{"WORLD_SIZE", "2"}, {"RANK", "2"}, {"MASTER_ADDR", "a"}}, "rank 2"));
    setEnv({});
  }

  /// The backend asked for (PRETEXT_DIST_BACKEND, which --dist-backend sets): read and checked, and a
  /// job of one joins a group only when one is named.
  void backendEnvironment() {
    setEnv({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}});
    QCOMPARE(distributedEnvironment().backendRequest, std::string("auto"));
    setEnv({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "a"}, {"PRETEXT_DIST_BACKEND", "nccl"}});
    QCOMPARE(distributedEnvironment().backendRequest, std::string("nccl"));
    // A job of one: the plain path with auto; with a named backend a one-rank group on MASTER_ADDR.
    setEnv({{"WORLD_SIZE", "1"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29411"}});
    QVERIFY(!distributedEnvironment().joinsGroup());
    setEnv({{"WORLD_SIZE", "1"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "29411"}, {"PRETEXT_DIST_BACKEND", "gloo"}});
    auto e = distributedEnvironment();
    QVERIFY(e.joinsGroup());
    QVERIFY(!e.distributed());
    QCOMPARE(e.masterPort, 29411);
    // Without a launcher a named backend changes nothing.
    setEnv({{"PRETEXT_DIST_BACKEND", "gloo"}});
    QVERIFY(!distributedEnvironment().joinsGroup());
    setEnv({{"PRETEXT_DIST_BACKEND", "mpi"}});
    QString message;
    try {
      distributedEnvironment();
    } catch (const std::invalid_argument& ex) {
      message = ex.what();
    }
    setEnv({});
    QVERIFY2(message.contains("PRETEXT_DIST_BACKEND=mpi") && message.contains("--dist-backend"), qPrintable(message));
  }

  /// dist::chooseBackend against the rules written out: auto is NCCL exactly on CUDA in a build with
  /// it; an explicit nccl without NCCL or on the CPU is refused naming --dist-backend. Both kinds of
  /// build are asked (this one has NCCL: ncclCompiled()).
  void backendChoice() {
    const torch::Device cpu(torch::kCPU), gpu(torch::kCUDA, 1);
    for (const bool have : {false, true}) {
      QCOMPARE(dist::chooseBackend("auto", cpu, have), std::string("gloo"));
      QCOMPARE(dist::chooseBackend("auto", gpu, have), std::string(have ? "nccl" : "gloo"));
      QCOMPARE(dist::chooseBackend("gloo", gpu, have), std::string("gloo"));
      QCOMPARE(dist::chooseBackend("gloo", cpu, have), std::string("gloo"));
    }
    QCOMPARE(dist::chooseBackend("nccl", gpu, true), std::string("nccl"));
    const auto refusal = [](const std::string& request, const torch::Device& device, bool have) {
      try {
        dist::chooseBackend(request, device, have);
      } catch (const std::invalid_argument& e) {
        return std::string(e.what());
      }
      return std::string();
    };
    const std::string onCpu = refusal("nccl", cpu, true);
    QVERIFY2(onCpu.find("--dist-backend nccl") != std::string::npos && onCpu.find("CUDA devices only") != std::string::npos &&
                 onCpu.find("--device cpu") != std::string::npos, onCpu.c_str());
    const std::string notBuilt = refusal("nccl", gpu, false);
    QVERIFY2(notBuilt.find("--dist-backend nccl") != std::string::npos && notBuilt.find("has no NCCL") != std::string::npos,
             notBuilt.c_str());
    QVERIFY(refusal("nccl", cpu, false).find("has no NCCL") != std::string::npos);
    QVERIFY(refusal("mpi", cpu, true).find("--dist-backend mpi") != std::string::npos);
    qInfo("this build %s NCCL", dist::ncclCompiled() ? "has" : "has no");
    // A process group asked for NCCL in a build without it says so before any rendezvous.
    if (!dist::ncclCompiled()) {
      QString message;
      try {
        dist::ProcessGroup group(loopback(0, 2, 1), "nccl", gpu);
      } catch (const std::exception& e) {
        message = e.what();
      }
      QVERIFY2(message.contains("has no NCCL"), qPrintable(message));
    }
  }

  /// One process per GPU (dist::rankDevice): cuda:LOCAL_RANK, refused with more local ranks than
  /// GPUs or one GPU named for several processes; the CPU stays the CPU; a launcher that bound one
  /// GPU to each process (CUDA_VISIBLE_DEVICES of one device) gives cuda:0.
  void rankDevices() {
    DistributedEnvironment e = loopback(3, 4, 1);
    e.localRank = 1;
    e.localWorldSize = 2;
    const torch::Device cuda(torch::kCUDA);
    QCOMPARE(dist::rankDevice(e, torch::Device(torch::kCPU), 0, nullptr), torch::Device(torch::kCPU));
    QCOMPARE(dist::rankDevice(e, cuda, 2, nullptr), torch::Device(torch::kCUDA, 1));
    QCOMPARE(dist::rankDevice(e, cuda, 8, "0,1,2,3,4,5,6,7"), torch::Device(torch::kCUDA, 1));
    QCOMPARE(dist::rankDevice(e, cuda, 1, "5"), torch::Device(torch::kCUDA, 0));  // srun --gpus-per-task=1
    const auto refusal = [&](const torch::Device& device, int64_t count) {
      try {
        dist::rankDevice(e, device, count, nullptr);
      } catch (const std::invalid_argument& ex) {
        return std::string(ex.what());
      }
      return std::string();
    };
    const std::string tooMany = refusal(cuda, 1);
    QVERIFY2(tooMany.find("local rank 1 has no GPU") != std::string::npos && tooMany.find("1 CUDA device,") != std::string::npos &&
                 tooMany.find("--device cpu") != std::string::npos, tooMany.c_str());
    const std::string named = refusal(torch::Device(torch::kCUDA, 0), 2);
    QVERIFY2(named.find("--device cuda:0") != std::string::npos && named.find("2 processes") != std::string::npos, named.c_str());
    // One process of the job on this host: a named GPU is kept.
    e.localRank = 0;
    e.localWorldSize = 1;
    QCOMPARE(dist::rankDevice(e, torch::Device(torch::kCUDA, 3), 4, nullptr), torch::Device(torch::kCUDA, 3));
  }

  /// The rendezvous through a FileStore (PRETEXT_DIST_STORE, for shared filesystems) also joins the
  /// ranks: a gather returns both ranks' rows in rank order.
  void fileStoreRendezvous() {
    QTemporaryDir tmp;
    std::vector<torch::Tensor> gathered(2);
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      gathered[size_t(g.rank())] = g.allGather(torch::full({2, 3}, float(g.rank() + 1)), "a test tensor");
    }, tmp.filePath("store").toStdString());
    QVERIFY2(error.empty(), error.c_str());
    const auto expected = torch::cat({torch::full({2, 3}, 1.0f), torch::full({2, 3}, 2.0f)});
    QVERIFY(gathered[0].equal(expected));
    QVERIFY(gathered[1].equal(expected));
  }

  /// The batch size is the global one: a batch that does not divide among the processes is refused
  /// before any rendezvous, naming both numbers.
  void indivisibleBatchRefused() {
    setEnv({{"RANK", "0"}, {"WORLD_SIZE", "3"}, {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", "1"}});
    TrainConfig c;
    c.dataset = DatasetSpec::parse("shapes");
    c.batchSize = 32;
    c.epochs = 1;
    QString message;
    try {
      Trainer trainer(c, Dataset::load(c.dataset));
    } catch (const std::invalid_argument& e) {
      message = e.what();
    }
    setEnv({});
    QVERIFY2(message.contains("batch size 32") && message.contains("among 3 processes"), qPrintable(message));
  }

  /// 2 ranks with half the batch each and averaged gradients take the same SGD steps as one
  /// process on the whole batch; rank 1 starts from other weights and gets rank 0's by broadcast.
  void twoRanksMatchOneProcess() {
    torch::manual_seed(3);
    const auto x = torch::randn({8, 6});
    const auto y = torch::randn({8, 3});
    auto single = smallModel();
    std::vector<torch::nn::Sequential> ranks{smallModel(), smallModel()};
    copyParameters(*ranks[0], *single);
    QVERIFY(maxDifference(ranks[1]->parameters(), single->parameters()) > 0.01);
    const double lr = 0.2;
    const int steps = 6;
    const auto sgd = [lr](torch::nn::Module& m) {
      torch::NoGradGuard noGrad;
      for (auto& p : m.parameters()) p.sub_(lr * p.grad());
    };
    for (int s = 0; s < steps; ++s) {
      single->zero_grad();
      torch::mse_loss(single->forward(x), y).backward();
      sgd(*single);
    }
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      auto& model = ranks[size_t(g.rank())];
      g.broadcast(model->parameters(), 0, "parameters");
      const auto xs = x.slice(0, 4 * g.rank(), 4 * (g.rank() + 1));
      const auto ys = y.slice(0, 4 * g.rank(), 4 * (g.rank() + 1));
      for (int s = 0; s < steps; ++s) {
        model->zero_grad();
        torch::mse_loss(model->forward(xs), ys).backward();
        g.averageGradients(model->parameters(), /*bucketBytes=*/256);  // several buckets
        sgd(*model);
      }
    });
    QVERIFY2(error.empty(), error.c_str());
    const double d0 = maxDifference(ranks[0]->parameters(), single->parameters());
    const double d1 = maxDifference(ranks[1]->parameters(), single->parameters());
    qInfo("after %d steps: rank 0 differs by %.3g, rank 1 by %.3g from one process", steps, d0, d1);
    QVERIFY(d0 < 1e-5);
    QVERIFY(d1 < 1e-5);
    // Not a vacuous match: the weights moved.
    auto fresh = smallModel();
    QVERIFY(maxDifference(ranks[0]->parameters(), fresh->parameters()) > 1e-3);
  }

  /// Gradient averaging overlapped with backward (dist::OverlappedGradients: hooks start each bucket's
  /// all-reduce as its gradients come in) against averaging after backward and against one process
  /// on the whole batch: a model with synchronized BatchNorm (whose backward runs collectives of its
  /// own between the buckets'), a branch used on odd steps only and a layer never used, gradients
  /// set to none on some steps and zeroed on others, small buckets. The same weights within 1e-5
  /// after several steps, buckets started during backward, and no gradient where none came.
  void overlappedAveragingMatchesOneProcess() {
    struct Net : torch::nn::Module {
      Net() {
        // Registered in this order so that backward, which runs from the output, fills the buckets
        // in the order they start (the unused layer's comes last).
        unused = register_module("unused", torch::nn::Linear(4, 4));
        side = register_module("side", torch::nn::Linear(6, 3));
        first = register_module("first", torch::nn::Linear(6, 16));
        bn = register_module("bn", dist::SyncableBatchNorm1d(16));
        second = register_module("second", torch::nn::Linear(16, 3));
      }
      torch::Tensor forward(const torch::Tensor& x, bool withSide) {
        auto y = second->forward(torch::tanh(bn->forward(first->forward(x))));
        return withSide ? y + side->forward(x) : y;
      }
      torch::nn::Linear unused{nullptr}, side{nullptr}, first{nullptr}, second{nullptr};
      dist::SyncableBatchNorm1d bn{nullptr};
    };
    torch::manual_seed(61);
    const auto x = torch::randn({8, 6}) * 2.0 + 0.5;
    const auto y = torch::randn({8, 3});
    const auto make = [] {
      torch::manual_seed(62);
      return std::make_shared<Net>();
    };
    const double lr = 0.1;
    const int steps = 6;
    // One step of plain SGD on `net` for the rows [begin, end) of the batch; `average` runs between
    // backward and the update.
    const auto step = [&](Net& net, int s, int64_t begin, int64_t end, const std::function<void()>& average) {
      for (auto& p : net.parameters()) {
        if (s % 3 == 0) p.mutable_grad() = torch::Tensor();  // no gradient at all
        else if (p.grad().defined()) p.mutable_grad().zero_();
      }
      torch::mse_loss(net.forward(x.slice(0, begin, end), s % 2 == 1), y.slice(0, begin, end)).backward();
      average();
      torch::NoGradGuard noGrad;
      for (auto& p : net.parameters()) {
        if (p.grad().defined()) p.sub_(lr * p.grad());
      }
    };
    auto single = make();
    const auto initial = make();
    for (int s = 0; s < steps; ++s) step(*single, s, 0, 8, [] {});

    std::map<std::string, std::vector<std::shared_ptr<Net>>> results;
    int64_t buckets = 0, startedInBackward = 0;
    for (const bool overlapped : {false, true}) {
      std::vector<std::shared_ptr<Net>> ranks{make(), make()};
      const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
        dist::ScopedGroup scope(&g);
        dist::ScopedSyncBatchNorm sync(true);
        auto& net = *ranks[size_t(g.rank())];
        std::unique_ptr<dist::OverlappedGradients> overlap;
        if (overlapped) overlap = std::make_unique<dist::OverlappedGradients>(g, net.parameters(), /*bucketBytes=*/256);
        for (int s = 0; s < steps; ++s) {
          if (overlap) overlap->begin();
          step(net, s, 4 * g.rank(), 4 * (g.rank() + 1), [&] {
            if (overlap) overlap->finish();
            else g.averageGradients(net.parameters(), /*bucketBytes=*/256);
          });
          if (overlap && g.rank() == 0 && s == steps - 1) {
            buckets = overlap->buckets();
            startedInBackward = overlap->startedInBackward();
          }
        }
      });
      QVERIFY2(error.empty(), error.c_str());
      results[overlapped ? "overlapped" : "after"] = ranks;
    }
    const auto state = [](const Net& net) {
      auto out = net.parameters();
      for (const auto& b : dist::batchNormBuffers(net)) out.push_back(b.to(torch::kFloat));
      return out;
    };
    double worst = 0.0, between = 0.0;
    for (const auto& [name, ranks] : results) {
      for (const auto& r : ranks) worst = std::max(worst, maxDifference(state(*r), state(*single)));
    }
    for (int r = 0; r < 2; ++r) between = std::max(between, maxDifference(state(*results["overlapped"][size_t(r)]), state(*results["after"][size_t(r)])));
    qInfo("after %d steps: 2 ranks differ from one process by at most %.3g; overlapped from after-backward "
          "averaging by %.3g; %lld of %lld buckets started during the last backward",
          steps, worst, between, static_cast<long long>(startedInBackward), static_cast<long long>(buckets));
    QVERIFY(worst < 1e-5);
    QVERIFY(between < 1e-6);
    QVERIFY(buckets >= 4);
    // The unused layer's bucket (the last) cannot start before finish(); the others did.
    QCOMPARE(startedInBackward, buckets - 1);
    // Not vacuous: the trained layers moved, the side branch too; the unused layer did not and has
    // no gradient, as after-backward averaging leaves it.
    QVERIFY((single->first->weight - initial->first->weight).abs().max().item<double>() > 1e-3);
    QVERIFY((single->side->weight - initial->side->weight).abs().max().item<double>() > 1e-3);
    for (const auto& [name, ranks] : results) {
      for (const auto& r : ranks) {
        QVERIFY(r->unused->weight.equal(initial->unused->weight));
        QVERIFY(!r->unused->weight.grad().defined());
      }
    }
  }

  /// SimCLR and Barlow Twins on 2 ranks with gathered embeddings: the same loss on every rank as
  /// one process on the concatenated batch, and the same gradients once averaged. Local negatives
  /// (no gather) do not match.
  void gatheredLossesMatchConcatenatedBatch() {
    using Loss = std::function<torch::Tensor(const torch::Tensor&, const torch::Tensor&)>;
    const std::vector<std::pair<std::string, Loss>> losses{
        {"SimCLR", [](const torch::Tensor& a, const torch::Tensor& b) { return methods::ntXentLoss(a, b, 0.2); }},
        {"Barlow Twins", [](const torch::Tensor& a, const torch::Tensor& b) { return methods::barlowTwinsLoss(a, b, 0.05); }},
    };
    for (const auto& [name, loss] : losses) {
      torch::manual_seed(5);
      const auto v1 = torch::randn({8, 6});
      const auto v2 = torch::randn({8, 6});
      auto single = smallModel();
      single->zero_grad();
      const auto reference = loss(single->forward(v1), single->forward(v2));
      reference.backward();
      const auto referenceGrads = gradients(*single);

      for (const bool gather : {true, false}) {
        std::vector<torch::nn::Sequential> ranks{smallModel(), smallModel()};
        copyParameters(*ranks[0], *single);
        copyParameters(*ranks[1], *single);
        std::vector<double> rankLoss(2);
        const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
          auto& model = ranks[size_t(g.rank())];
          const auto rows = [&](const torch::Tensor& v) { return v.slice(0, 4 * g.rank(), 4 * (g.rank() + 1)); };
          model->zero_grad();
          auto z1 = model->forward(rows(v1));
          auto z2 = model->forward(rows(v2));
          if (gather) {
            z1 = dist::gatherWithGradient(z1, &g);
            z2 = dist::gatherWithGradient(z2, &g);
          }
          const auto l = loss(z1, z2);
          l.backward();
          g.averageGradients(model->parameters());
          rankLoss[size_t(g.rank())] = l.item<double>();
        });
        QVERIFY2(error.empty(), error.c_str());
        const double lossDiff = std::max(std::abs(rankLoss[0] - reference.item<double>()),
                                         std::abs(rankLoss[1] - reference.item<double>()));
        const double gradDiff = std::max(maxDifference(gradients(*ranks[0]), referenceGrads),
                                         maxDifference(gradients(*ranks[1]), referenceGrads));
        qInfo("%s, %s: loss differs by %.3g, gradients by %.3g", name.c_str(),
              gather ? "gathered" : "local only", lossDiff, gradDiff);
        if (gather) {
          QVERIFY2(lossDiff < 1e-5, name.c_str());
          QVERIFY2(gradDiff < 1e-5, name.c_str());
        } else {
          QVERIFY2(gradDiff > 1e-4, name.c_str());
        }
      }
    }
  }

  /// MoCo on 2 ranks: after a step both queues hold the same keys, those of the global batch (the
  /// pointer moved by 8, not by this rank's 4), rank 0's before rank 1's.
  void mocoQueueTakesGlobalKeys() {
    methods::MethodContext ctx;
    ctx.backbone = models::BackboneOptions("convnet", 1, 28).width(8);
    ctx.datasetSize = 16;
    ctx.options = {{"queue", 32}};
    ctx.mean = torch::full({1}, 0.5);
    ctx.std = torch::full({1}, 0.25);
    ctx.augment = AugmentConfig::none();
    std::vector<methods::Method> ranks;
    for (int r = 0; r < 2; ++r) {
      torch::manual_seed(11);  // the same initial weights and queue on both ranks
      ranks.push_back(methods::makeMethod("moco", ctx));
      ranks.back()->train();
    }
    const auto buffer = [](methods::MethodImpl& m, const std::string& name) {
      for (const auto& b : m.named_buffers()) {
        if (b.key() == name) return b.value();
      }
      return torch::Tensor();
    };
    const auto initialQueue = buffer(*ranks[0], "queue").clone();
    torch::manual_seed(12);
    const auto images = torch::randint(0, 256, {8, 1, 28, 28}, torch::kUInt8);
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      dist::ScopedGroup scope(&g);
      methods::Batch b;
      b.images = images.slice(0, 4 * g.rank(), 4 * (g.rank() + 1));
      b.labels = torch::full({4}, -1, torch::kLong);
      b.indices = torch::arange(4 * g.rank(), 4 * (g.rank() + 1), torch::kLong);
      ranks[size_t(g.rank())]->step(b).loss.backward();
    });
    QVERIFY2(error.empty(), error.c_str());
    const auto q0 = buffer(*ranks[0], "queue"), q1 = buffer(*ranks[1], "queue");
    QCOMPARE(buffer(*ranks[0], "queue_ptr").item<int64_t>(), 8);
    QCOMPARE(buffer(*ranks[1], "queue_ptr").item<int64_t>(), 8);
    QVERIFY(q0.equal(q1));
    // The 8 new columns replaced the initial ones, the rest is untouched.
    QVERIFY((q0.slice(1, 0, 8) - initialQueue.slice(1, 0, 8)).abs().max().item<double>() > 1e-3);
    QVERIFY(q0.slice(1, 8).equal(initialQueue.slice(1, 8)));
    // In rank order: a lone process on each rank's images enqueues the same keys (the key encoder
    // normalises over each rank's own batch either way).
    for (int r = 0; r < 2; ++r) {
      torch::manual_seed(11);
      auto alone = methods::makeMethod("moco", ctx);
      alone->train();
      methods::Batch b;
      b.images = images.slice(0, 4 * r, 4 * (r + 1));
      b.labels = torch::full({4}, -1, torch::kLong);
      b.indices = torch::arange(4 * r, 4 * (r + 1), torch::kLong);
      alone->step(b);
      const double diff = (buffer(*alone, "queue").slice(1, 0, 4) - q0.slice(1, 4 * r, 4 * (r + 1))).abs().max().item<double>();
      QVERIFY2(diff < 1e-5, std::to_string(diff).c_str());
    }
    QVERIFY((q0.slice(1, 0, 4) - q0.slice(1, 4, 8)).abs().max().item<double>() > 1e-3);
  }

  /// DINO's centre from 2 ranks' halves of the teacher outputs is the whole batch's (float sums of
  /// 12 values near 1: rounding near 1e-7, hence 1e-6); the local mean alone is not.
  void dinoCentreIsGlobal() {
    torch::manual_seed(21);
    const auto teacher = torch::randn({12, 5});
    const auto initial = torch::randn({1, 5});
    const auto expected = methods::dinoCenter(initial, teacher, 0.9);
    std::vector<torch::Tensor> got(2);
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      got[size_t(g.rank())] = methods::dinoCenter(initial, teacher.slice(0, 6 * g.rank(), 6 * (g.rank() + 1)), 0.9, &g);
    });
    QVERIFY2(error.empty(), error.c_str());
    for (const auto& c : got) QVERIFY((c - expected).abs().max().item<double>() < 1e-6);
    QVERIFY((methods::dinoCenter(initial, teacher.slice(0, 0, 6), 0.9) - expected).abs().max().item<double>() > 1e-3);
  }

  /// SwAV's Sinkhorn-Knopp over 2 ranks (unequal shares, as when rank 0 adds the queue's rows):
  /// the codes of each rank's rows are those one process computes on all the rows (codes are
  /// probabilities, float: 1e-5); a rank alone gets other codes.
  void swavSinkhornIsGlobal() {
    torch::manual_seed(22);
    const auto scores = torch::randn({10, 6}) * 0.3;
    const auto expected = methods::sinkhornKnopp(scores, 0.05, 3);
    std::vector<torch::Tensor> got(2);
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      const auto rows = g.rank() == 0 ? scores.slice(0, 0, 4) : scores.slice(0, 4);
      got[size_t(g.rank())] = methods::sinkhornKnopp(rows, 0.05, 3, &g);
    });
    QVERIFY2(error.empty(), error.c_str());
    const double diff = (torch::cat(got) - expected).abs().max().item<double>();
    qInfo("Sinkhorn codes over 2 ranks differ from one process's by %.3g", diff);
    QVERIFY(diff < 1e-5);
    QVERIFY((methods::sinkhornKnopp(scores.slice(0, 0, 4), 0.05, 3) - expected.slice(0, 0, 4)).abs().max().item<double>() > 1e-3);
  }

  /// SwAV on 2 ranks with synchronized BatchNorm (a ConvNet and the BatchNorm head, no
  /// augmentation), at its second step, when the queue of 8 is full and rank 0 adds its rows to the
  /// Sinkhorn: the mean of the ranks' losses and the averaged gradients are one process's on the
  /// whole batch, and both ranks' queues hold the lone process's features.
  void swavMatchesOneProcess() {
    methods::MethodContext ctx;
    ctx.backbone = models::BackboneOptions("convnet", 1, 28).width(4);
    ctx.datasetSize = 16;
    ctx.options = {{"queue", 8}, {"prototypes", 10}, {"proj-dim", 8}, {"freeze-steps", 0}};
    ctx.mean = torch::full({1}, 0.5);
    ctx.std = torch::full({1}, 0.25);
    ctx.augment = AugmentConfig::none();
    torch::manual_seed(61);
    const auto images = torch::randint(0, 256, {2, 8, 1, 28, 28}, torch::kUInt8);
    const auto batch = [&](int s, int64_t from, int64_t to) {
      methods::Batch b;
      b.images = images[s].slice(0, from, to);
      b.labels = torch::full({to - from}, -1, torch::kLong);
      b.indices = torch::arange(from, to, torch::kLong);
      return b;
    };
    const auto buffer = [](methods::MethodImpl& m, const std::string& name) {
      for (const auto& b : m.named_buffers()) {
        if (b.key() == name) return b.value();
      }
      return torch::Tensor();
    };
    const auto grads = [](methods::MethodImpl& m) {
      std::vector<torch::Tensor> g;
      for (const auto& p : m.parameters()) g.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));
      return g;
    };
    torch::manual_seed(62);
    auto single = methods::makeMethod("swav", ctx);
    single->train();
    single->step(batch(0, 0, 8));
    single->zero_grad();
    const auto loss = single->step(batch(1, 0, 8)).loss;
    loss.backward();
    const auto singleGrads = grads(*single);
    std::vector<methods::Method> ranks;
    for (int r = 0; r < 2; ++r) {
      torch::manual_seed(62);
      ranks.push_back(methods::makeMethod("swav", ctx));
      ranks.back()->train();
    }
    std::vector<double> rankLoss(2);
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      dist::ScopedGroup scope(&g);
      dist::ScopedSyncBatchNorm sync(true);
      auto& m = *ranks[size_t(g.rank())];
      m.step(batch(0, 4 * g.rank(), 4 * (g.rank() + 1)));
      m.zero_grad();
      const auto l = m.step(batch(1, 4 * g.rank(), 4 * (g.rank() + 1))).loss;
      l.backward();
      g.averageGradients(m.parameters());
      rankLoss[size_t(g.rank())] = l.item<double>();
    });
    QVERIFY2(error.empty(), error.c_str());
    const double lossDiff = std::abs((rankLoss[0] + rankLoss[1]) / 2.0 - loss.item<double>());
    const double gradDiff = std::max(maxDifference(grads(*ranks[0]), singleGrads), maxDifference(grads(*ranks[1]), singleGrads));
    const double queueDiff = (buffer(*ranks[0], "queue") - buffer(*single, "queue")).abs().max().item<double>();
    double largest = 0.0;
    for (const auto& g : singleGrads) largest = std::max(largest, g.abs().max().item<double>());
    qInfo("SwAV on 2 ranks: loss differs by %.3g, gradients by %.3g (largest %.3g), queue by %.3g", lossDiff, gradDiff,
          largest, queueDiff);
    QVERIFY(buffer(*ranks[0], "queue").equal(buffer(*ranks[1], "queue")));
    QVERIFY(lossDiff < 1e-5 * std::abs(loss.item<double>()));
    // Float, with 1/epsilon = 20 in the codes and BatchNorm's 1/std over 8 images amplifying
    // rounding (measured 6e-6 to 8e-6 of the largest gradient); a local Sinkhorn or local BatchNorm is off
    // by the order of the gradients themselves.
    QVERIFY(gradDiff < 5e-5 * largest);
    QVERIFY(queueDiff < 1e-5);
  }

  /// DeepCluster's PCA whitening and k-means on 2 ranks' shards (13 and 17 of 30 points): the same
  /// whitened points, centroids and assignments as one process on all of them, from random initial
  /// points and from initial centroids that leave a cluster empty (the split of a large cluster).
  void deepClusterKMeansIsGlobal() {
    torch::manual_seed(41);
    const auto features = torch::randn({30, 6}) + torch::randint(0, 3, {30, 1}).to(torch::kFloat) * torch::randn({1, 6}) * 3.0;
    const int64_t split = 13;
    const auto shard = [&](const torch::Tensor& x, int rank) { return rank == 0 ? x.slice(0, 0, split) : x.slice(0, split); };
    const auto points = methods::pcaWhiten(features, 3);
    torch::manual_seed(42);
    const auto single = methods::kMeans(points, 4, 10);
    auto initial = points.slice(0, 0, 4).clone();
    initial[3].fill_(100.0);  // no point is nearest to it
    torch::manual_seed(43);
    const auto singleEmpty = methods::kMeans(points, initial, 5);
    QVERIFY(torch::bincount(singleEmpty.assignments, {}, 4).min().item<int64_t>() > 0);

    std::vector<torch::Tensor> white(2);
    std::vector<methods::KMeansResult> random(2), empty(2);
    torch::manual_seed(42);  // rank 0 draws the initial points, from the same generator state
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      const size_t r = size_t(g.rank());
      white[r] = methods::pcaWhiten(shard(features, g.rank()), 3, &g);
      random[r] = methods::kMeans(shard(points, g.rank()), 4, 10, &g);
      g.barrier("the first k-means");
      if (r == 0) torch::manual_seed(43);
      g.barrier("the seed");
      empty[r] = methods::kMeans(shard(points, g.rank()), initial, 5, &g);
    });
    QVERIFY2(error.empty(), error.c_str());
    const double whiteDiff = (torch::cat(white) - points).abs().max().item<double>();
    double centroidDiff = 0.0;
    for (const auto& [ranks, one] : {std::make_pair(&random, &single), std::make_pair(&empty, &singleEmpty)}) {
      const auto assignments = torch::cat({(*ranks)[0].assignments, (*ranks)[1].assignments});
      QVERIFY(assignments.equal(one->assignments));
      for (const auto& r : *ranks) centroidDiff = std::max(centroidDiff, (r.centroids - one->centroids).abs().max().item<double>());
    }
    qInfo("k-means on 2 shards: whitened points differ by %.3g, centroids by %.3g", whiteDiff, centroidDiff);
    QVERIFY(whiteDiff < 1e-5);
    QVERIFY(centroidDiff < 1e-5);
  }

  /// InstDisc on 2 ranks (a BatchNorm-free ViT, no augmentation): the mean of the ranks' losses and
  /// the averaged gradients are one process's on the whole batch, the normaliser Z is the global
  /// batch's, and both ranks' memory banks hold the same rows as the lone process's bank.
  void instDiscBankStaysConsistent() {
    methods::MethodContext ctx;
    ctx.backbone = models::BackboneOptions("vit", 1, 28).patchSize(7).vitDim(16).vitDepth(1).vitHeads(2);
    ctx.datasetSize = 16;
    ctx.options = {{"negatives", 8}, {"dim", 8}};
    ctx.mean = torch::full({1}, 0.5);
    ctx.std = torch::full({1}, 0.25);
    ctx.augment = AugmentConfig::none();
    const auto buffer = [](methods::MethodImpl& m, const std::string& name) {
      for (const auto& b : m.named_buffers()) {
        if (b.key() == name) return b.value();
      }
      return torch::Tensor();
    };
    torch::manual_seed(31);
    auto single = methods::makeMethod("instdisc", ctx);
    single->train();
    std::vector<methods::Method> ranks;
    for (int r = 0; r < 2; ++r) {
      torch::manual_seed(31);
      ranks.push_back(methods::makeMethod("instdisc", ctx));
      ranks.back()->train();
    }
    torch::manual_seed(12);
    const auto images = torch::randint(0, 256, {8, 1, 28, 28}, torch::kUInt8);
    const auto indices = torch::tensor({3, 9, 0, 14, 7, 1, 12, 5}, torch::kLong);
    const auto bankBefore = buffer(*single, "bank").clone();
    torch::manual_seed(32);
    methods::Batch whole;
    whole.images = images;
    whole.labels = torch::full({8}, -1, torch::kLong);
    whole.indices = indices;
    const auto loss = single->step(whole).loss;
    loss.backward();
    std::vector<torch::Tensor> singleGrads;
    for (const auto& p : single->parameters()) singleGrads.push_back(p.grad().defined() ? p.grad().clone() : torch::zeros_like(p));

    std::vector<double> rankLoss(2);
    torch::manual_seed(32);  // rank 0 draws the noise samples from the lone process's generator state
    const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
      dist::ScopedGroup scope(&g);
      auto& m = *ranks[size_t(g.rank())];
      methods::Batch b;
      b.images = images.slice(0, 4 * g.rank(), 4 * (g.rank() + 1));
      b.labels = torch::full({4}, -1, torch::kLong);
      b.indices = indices.slice(0, 4 * g.rank(), 4 * (g.rank() + 1));
      const auto l = m.step(b).loss;
      l.backward();
      g.averageGradients(m.parameters());
      rankLoss[size_t(g.rank())] = l.item<double>();
    });
    QVERIFY2(error.empty(), error.c_str());
    const double lossDiff = std::abs((rankLoss[0] + rankLoss[1]) / 2.0 - loss.item<double>());
    double gradDiff = 0.0;
    for (const auto& m : ranks) {
      std::vector<torch::Tensor> g;
      for (const auto& p : m->parameters()) g.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
      gradDiff = std::max(gradDiff, maxDifference(g, singleGrads));
    }
    const auto bank = buffer(*single, "bank");
    const double bankDiff = (buffer(*ranks[0], "bank") - bank).abs().max().item<double>();
    const double zDiff = std::abs(buffer(*ranks[0], "normaliser").item<double>() / buffer(*single, "normaliser").item<double>() - 1.0);
    qInfo("InstDisc on 2 ranks: loss differs by %.3g, gradients by %.3g, bank by %.3g, Z by %.3g (relative)",
          lossDiff, gradDiff, bankDiff, zDiff);
    QVERIFY(buffer(*ranks[0], "bank").equal(buffer(*ranks[1], "bank")));
    QVERIFY((bank - bankBefore).abs().max().item<double>() > 1e-3);  // the step wrote rows
    QVERIFY(lossDiff < 1e-5 * std::abs(loss.item<double>()));
    QVERIFY(gradDiff < 1e-5);
    QVERIFY(bankDiff < 1e-6);
    QVERIFY(zDiff < 1e-5);
  }

  /// Synchronized BatchNorm (2d with affine parameters, 1d without), double precision: 2 ranks on
  /// halves of a batch give the outputs, input gradients and running statistics of torch's
  /// BatchNorm on the whole batch, and the ranks' weight and bias gradients add up to its (the
  /// losses add up too: sum over ranks of sum(y * w)). Without the switch each rank normalises its
  /// own half, which differs.
  void syncBatchNormMatchesWholeBatch() {
    torch::manual_seed(51);
    for (const bool twoD : {true, false}) {
      const auto x = (twoD ? torch::randn({8, 3, 4, 4}, torch::kDouble) : torch::randn({8, 5}, torch::kDouble)) * 2.0 + 1.0;
      const auto w = torch::randn_like(x);
      const int64_t c = x.size(1);
      const auto makeBn = [&]() -> std::shared_ptr<torch::nn::Module> {
        if (twoD) return dist::SyncableBatchNorm2d(c).ptr();
        return dist::SyncableBatchNorm1d(torch::nn::BatchNorm1dOptions(c).affine(false)).ptr();
      };
      const auto forward = [&](torch::nn::Module& m, const torch::Tensor& in) {
        if (twoD) return dynamic_cast<dist::SyncableBatchNorm2dImpl&>(m).forward(in);
        return dynamic_cast<dist::SyncableBatchNorm1dImpl&>(m).forward(in);
      };
      // The reference: torch's own BatchNorm on the whole batch.
      torch::Tensor reference, referenceGradX;
      std::vector<torch::Tensor> referenceGrads, referenceBuffers;
      auto affine = torch::randn({2, c}, torch::kDouble);
      {
        std::shared_ptr<torch::nn::Module> bn;
        if (twoD) bn = torch::nn::BatchNorm2d(c).ptr();
        else bn = torch::nn::BatchNorm1d(torch::nn::BatchNorm1dOptions(c).affine(false)).ptr();
        bn->to(torch::kDouble);
        if (twoD) {
          torch::NoGradGuard noGrad;
          bn->parameters()[0].copy_(affine[0]);
          bn->parameters()[1].copy_(affine[1]);
        }
        const auto xr = x.clone().requires_grad_(true);
        reference = twoD ? dynamic_cast<torch::nn::BatchNorm2dImpl&>(*bn).forward(xr)
                         : dynamic_cast<torch::nn::BatchNorm1dImpl&>(*bn).forward(xr);
        (reference * w).sum().backward();
        referenceGradX = xr.grad();
        for (const auto& p : bn->parameters()) referenceGrads.push_back(p.grad());
        referenceBuffers = dist::batchNormBuffers(*bn);
      }
      for (const bool sync : {true, false}) {
        std::vector<std::shared_ptr<torch::nn::Module>> bns{makeBn(), makeBn()};
        std::vector<torch::Tensor> y(2), gradX(2);
        for (auto& bn : bns) {
          bn->to(torch::kDouble);
          if (twoD) {
            torch::NoGradGuard noGrad;
            bn->parameters()[0].copy_(affine[0]);
            bn->parameters()[1].copy_(affine[1]);
          }
        }
        const std::string error = onRanks(2, [&](dist::ProcessGroup& g) {
          dist::ScopedGroup scope(&g);
          dist::ScopedSyncBatchNorm on(sync);
          const size_t r = size_t(g.rank());
          const auto xr = x.slice(0, 4 * g.rank(), 4 * (g.rank() + 1)).clone().requires_grad_(true);
          y[r] = forward(*bns[r], xr);
          (y[r] * w.slice(0, 4 * g.rank(), 4 * (g.rank() + 1))).sum().backward();
          gradX[r] = xr.grad();
        });
        QVERIFY2(error.empty(), error.c_str());
        const double outDiff = (torch::cat(y) - reference).abs().max().item<double>();
        const double gradDiff = (torch::cat(gradX) - referenceGradX).abs().max().item<double>();
        double paramDiff = 0.0, bufferDiff = 0.0;
        for (size_t i = 0; i < referenceGrads.size(); ++i) {
          paramDiff = std::max(paramDiff, (bns[0]->parameters()[i].grad() + bns[1]->parameters()[i].grad() - referenceGrads[i])
                                              .abs().max().item<double>());
        }
        for (const auto& bn : bns) bufferDiff = std::max(bufferDiff, maxDifference(dist::batchNormBuffers(*bn), referenceBuffers));
        qInfo("%s, %s: outputs differ by %.3g, input gradients by %.3g, parameter gradients by %.3g, running statistics by %.3g",
              twoD ? "BatchNorm2d" : "BatchNorm1d (no affine)", sync ? "synchronized" : "each rank alone", outDiff,
              gradDiff, paramDiff, bufferDiff);
        if (sync) {
          // Double precision: what is left is rounding (1e-15); 1e-10 leaves room for the sums' order.
          QVERIFY(outDiff < 1e-10);
          QVERIFY(gradDiff < 1e-10);
          QVERIFY(paramDiff < 1e-10);
          QVERIFY(bufferDiff < 1e-10);
        } else {
          QVERIFY(outDiff > 1e-3);
        }
      }
    }
  }

  /// The Trainer with synchronized BatchNorm (--sync-bn on) on 2 processes against one process:
  /// a ConvNet (BatchNorm in every layer) takes the same steps, within float rounding, with the
  /// gradient all-reduce overlapped with backward and after it. With PRETEXT_PROFILE_DIST=1 each
  /// rank says where its steps' time went.
  void trainerSyncBatchNormMatchesOne() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QStringList common{"train", "--dataset", "shapes", "--method", "supervised", "--backbone", "convnet",
                             "--width", "4", "--augment", "none", "--optimizer", "sgd", "--lr", "0.05", "--epochs", "2",
                             "--batch-size", "32", "--subset", "96", "--no-knn", "--threads", "2", "--quiet", "--out"};
    QByteArray output;
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("PRETEXT_PROFILE_DIST", "1");
    env.insert("PRETEXT_DIST_BUCKET_MB", "0.01");  // several buckets of the small ConvNet's gradients
    const auto run = [&](const QString& dir, const QStringList& extra) {
      return runCli(common + QStringList{dir} + extra, &output, env);
    };
    const QString one = tmp.filePath("one"), synced = tmp.filePath("synced"), local = tmp.filePath("local"),
                  after = tmp.filePath("after");
    QVERIFY(run(one, {}));
    QVERIFY(output.contains("profile, ms per step over 6 steps"));
    QVERIFY(run(synced, {"--nproc", "2", "--sync-bn", "on", "--overlap-allreduce", "on"}));
    for (const char* rank : {"profile of rank 0", "profile of rank 1"}) QVERIFY2(output.contains(rank), output.constData());
    const auto buckets = QRegularExpression(R"(overlapped with backward, ([\d.]+) buckets)").match(QString::fromUtf8(output));
    QVERIFY2(buckets.hasMatch() && buckets.captured(1).toDouble() >= 2.0, output.constData());
    QVERIFY(run(after, {"--nproc", "2", "--sync-bn", "on", "--overlap-allreduce", "off"}));
    QVERIFY(output.contains("after backward"));
    QVERIFY(run(local, {"--nproc", "2", "--sync-bn", "off"}));
    const auto weights = [](const QString& dir) {
      auto t = Trainer::resume(dir.toStdString());
      auto w = t->model()->method->parameters();
      for (const auto& b : dist::batchNormBuffers(*t->model()->method)) w.push_back(b.to(torch::kDouble));
      return w;
    };
    const auto w1 = weights(one);
    const double syncedDiff = maxDifference(weights(synced), w1), localDiff = maxDifference(weights(local), w1);
    const double afterDiff = maxDifference(weights(after), w1);
    qInfo("after 6 steps, parameters and running statistics differ from one process's by %.3g (synchronized "
          "BatchNorm, all-reduce overlapped with backward), %.3g (after backward) and %.3g (each process's share)",
          syncedDiff, afterDiff, localDiff);
    QVERIFY(syncedDiff < 1e-4);
    QVERIFY(afterDiff < 1e-4);
    QVERIFY(localDiff > 10 * syncedDiff);
  }

  /// A MoCo run of 2 processes resumed by 1, then by 2 again: each resume says so and keeps the
  /// global batch, and the queue (restored, and fed the global batch of 32 at every step by either
  /// world size) has its pointer where 4, 8 and 12 steps of 32 keys put it in a queue of 192.
  void resumeWithAnotherWorldSize() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("run");
    const auto cli = [&](const QStringList& args, QByteArray& output) { return runCli(args, &output); };
    const auto queuePointer = [&] {
      auto trainer = Trainer::resume(dir.toStdString());
      for (const auto& b : trainer->model()->method->named_buffers()) {
        if (b.key() == "queue_ptr") return b.value().item<int64_t>();
      }
      return int64_t(-1);
    };
    QByteArray out;
    QVERIFY2(cli({"train", "--dataset", "shapes", "--method", "moco", "--queue", "192", "--width", "8", "--epochs", "1",
                  "--batch-size", "32", "--subset", "128", "--no-knn", "--threads", "2", "--nproc", "2", "--out", dir}, out),
             out.constData());
    QCOMPARE(queuePointer(), int64_t(128));
    QVERIFY2(cli({"train", "--resume", dir, "--epochs", "2"}, out), out.constData());
    qInfo("%s", out.constData());
    QVERIFY2(out.contains("resuming a checkpoint written by 2 processes with 1 process: the global batch stays 32 (32 per process)"),
             out.constData());
    QCOMPARE(queuePointer(), int64_t(256 % 192));
    QVERIFY2(cli({"train", "--resume", dir, "--epochs", "3", "--nproc", "2"}, out), out.constData());
    QVERIFY2(out.contains("resuming a checkpoint written by 1 process with 2 processes: the global batch stays 32 (16 per process)"),
             out.constData());
    QCOMPARE(queuePointer(), int64_t(384 % 192));
    auto trainer = Trainer::resume(dir.toStdString());
    QCOMPARE(trainer->startEpoch(), 3);
  }

  /// `pretext-cli train --nproc 2`: a shapes run end to end, whose folder looks like any other.
  void cliTwoProcesses() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("run");
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(PRETEXT_CLI, {"train", "--dataset", "shapes", "--method", "simclr", "--width", "8", "--epochs", "2",
                            "--batch-size", "32", "--subset", "128", "--knn-test-limit", "64", "--threads", "2",
                            "--nproc", "2", "--quiet", "--out", dir});
    QVERIFY(cli.waitForStarted());
    QVERIFY(cli.waitForFinished(240000));
    const QByteArray output = cli.readAll();
    QVERIFY2(cli.exitStatus() == QProcess::NormalExit && cli.exitCode() == 0, output.constData());
    QVERIFY2(output.contains("finished"), output.constData());
    std::set<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(dir.toStdString())) {
      files.insert(fs::relative(e.path(), dir.toStdString()).string());
    }
    const std::set<std::string> expected{"config.json", "metrics.csv", "checkpoints", "checkpoints/last.pt",
                                         "checkpoints/initial_filters.pt", "writer.json"};
    QVERIFY2(files == expected, output.constData());
    // config.json records the job; writer.json says rank 0 finished.
    const TrainConfig written = configFromJson(io::readTextFile(dir.toStdString() + "/config.json"));
    QCOMPARE(written.worldSize, 2);
    QCOMPARE(written.distBackend, std::string("gloo"));
    QVERIFY(runWriterStatus(dir.toStdString()).kind == RunWriterStatus::Kind::Finished);
    // One writer: 2 epochs x 4 steps (128 images, global batch 32), each row once.
    std::ifstream metrics(dir.toStdString() + "/metrics.csv");
    int lines = 0;
    for (std::string line; std::getline(metrics, line);) ++lines;
    QVERIFY2(lines >= 1 + 8 + 2, std::to_string(lines).c_str());
    QVERIFY2(lines <= 1 + 8 + 3, std::to_string(lines).c_str());
    // The monitor, sharded over the 2 processes, measured what one process measures on the final weights.
    double logged = -1.0;
    for (const auto& row : readMetrics(dir.toStdString() + "/metrics.csv")) {
      if (row.isEpoch()) logged = row.knnAccuracy;
    }
    const double single = Trainer::resume(dir.toStdString())->knnAccuracy(200, 0.07);
    qInfo("k-NN accuracy: %.4f sharded over 2 processes, %.4f in one", logged, single);
    QVERIFY(single >= 0.0);
    QVERIFY(std::abs(logged - single) < 1e-4);  // metrics.csv keeps 4 decimals
    // It resumes like any other run, also as 2 processes.
    QProcess more;
    more.setProcessChannelMode(QProcess::MergedChannels);
    more.start(PRETEXT_CLI, {"train", "--resume", dir, "--epochs", "3", "--nproc", "2", "--quiet"});
    QVERIFY(more.waitForStarted());
    QVERIFY(more.waitForFinished(240000));
    const QByteArray moreOutput = more.readAll();
    QVERIFY2(more.exitCode() == 0, moreOutput.constData());
    QVERIFY2(moreOutput.contains("resuming"), moreOutput.constData());
  }

  /// --dist-backend through the CLI: nccl refused before any data loads (this build has no NCCL, or
  /// the run is on the CPU), naming the option; a job of one with a named Gloo backend runs every
  /// collective of the data-parallel path and ends with exactly the plain run's losses and weights,
  /// and config.json says what ran.
  void cliBackend() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    QByteArray out;
    QVERIFY(!runCli({"train", "--dataset", "shapes", "--device", "cpu", "--dist-backend", "nccl", "--epochs", "1",
                     "--quiet", "--out", tmp.filePath("refused")}, &out));
    QVERIFY2(out.contains("--dist-backend nccl: ") &&
                 out.contains(dist::ncclCompiled() ? "CUDA devices only" : "this build of Pretext has no NCCL"),
             out.constData());
    QVERIFY(!fs::exists(tmp.filePath("refused/config.json").toStdString()));
    QVERIFY(!runCli({"train", "--dataset", "shapes", "--dist-backend", "mpi", "--quiet"}, &out));
    QVERIFY2(out.contains("--dist-backend"), out.constData());

    const QStringList common{"train", "--dataset", "shapes", "--method", "simclr", "--width", "8", "--epochs", "1",
                             "--batch-size", "32", "--subset", "96", "--no-knn", "--threads", "2", "--quiet",
                             "--device", "cpu", "--out"};
    const QString plain = tmp.filePath("plain"), alone = tmp.filePath("alone");
    QVERIFY(runCli(common + QStringList{plain}));
    QVERIFY(runCli(common + QStringList{alone, "--nproc", "1", "--dist-backend", "gloo"}, &out));
    const TrainConfig written = configFromJson(io::readTextFile(alone.toStdString() + "/config.json"));
    QCOMPARE(written.worldSize, 1);
    QCOMPARE(written.distBackend, std::string("gloo"));
    QCOMPARE(configFromJson(io::readTextFile(plain.toStdString() + "/config.json")).distBackend, std::string());
    const auto l1 = stepLosses(plain), l2 = stepLosses(alone);
    QCOMPARE(l1.size(), size_t(3));
    QVERIFY(l1 == l2);
    const double diff = maxDifference(Trainer::resume(plain.toStdString())->model()->method->parameters(),
                                      Trainer::resume(alone.toStdString())->model()->method->parameters());
    QCOMPARE(diff, 0.0);
    // The same with the all-reduce overlapped with backward (hooks and buckets at one rank).
    const QString overlapped = tmp.filePath("overlapped");
    QVERIFY(runCli(common + QStringList{overlapped, "--nproc", "1", "--dist-backend", "gloo", "--overlap-allreduce", "on"}));
    QVERIFY(stepLosses(overlapped) == l1);
    QCOMPARE(maxDifference(Trainer::resume(plain.toStdString())->model()->method->parameters(),
                           Trainer::resume(overlapped.toStdString())->model()->method->parameters()),
             0.0);
  }

  /// The Trainer on 2 processes (half of each global batch, averaged gradients) against one process
  /// on the whole batch: the same losses step by step and the same weights after 6 steps, for a
  /// BatchNorm-free model (the ViT) without random augmentation.
  void trainerTwoProcessesMatchOne() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QStringList common{"train", "--dataset", "shapes", "--method", "supervised", "--backbone", "vit",
                             "--augment", "none", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "2", "--batch-size", "32", "--subset", "96",
                             "--no-knn", "--threads", "2", "--quiet", "--out"};
    const auto run = [&](const QString& dir, const QStringList& extra) { return runCli(common + QStringList{dir} + extra); };
    const QString one = tmp.filePath("one"), two = tmp.filePath("two");
    QVERIFY(run(one, {}));
    QVERIFY(run(two, {"--nproc", "2"}));
    const auto l1 = stepLosses(one), l2 = stepLosses(two);
    QCOMPARE(l1.size(), size_t(6));
    QCOMPARE(l2.size(), l1.size());
    for (size_t i = 0; i < l1.size(); ++i) QVERIFY2(std::abs(l1[i] - l2[i]) < 1e-4 * std::abs(l1[i]), std::to_string(i).c_str());
    const auto w1 = Trainer::resume(one.toStdString())->model()->method->parameters();
    const auto w2 = Trainer::resume(two.toStdString())->model()->method->parameters();
    const double diff = maxDifference(w1, w2);
    qInfo("after 6 steps the weights of 2 processes differ from one process's by %.3g", diff);
    QVERIFY(diff < 1e-5);
  }

  /// InstDisc through the Trainer on 2 processes against one, over 3 epochs: rank 0 sends the memory
  /// bank once, at the first epoch start (filled from the initial embeddings), and the later epochs
  /// rely on every rank writing the global batch's rows. Each step's loss is the mean of the ranks',
  /// so a bank that drifted on rank 1 would show in the losses and the weights.
  void trainerInstDiscMatchesOne() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QStringList common{"train", "--dataset", "shapes", "--method", "instdisc", "--backbone", "convnet", "--width", "4",
                             "--augment", "none", "--optimizer", "sgd", "--lr", "0.05", "--epochs", "3", "--batch-size",
                             "32", "--subset", "96", "--no-knn", "--threads", "2", "--quiet", "--out"};
    const auto run = [&](const QString& dir, const QStringList& extra) { return runCli(common + QStringList{dir} + extra); };
    const QString one = tmp.filePath("one"), two = tmp.filePath("two");
    QVERIFY(run(one, {}));
    QVERIFY(run(two, {"--nproc", "2"}));
    const auto l1 = stepLosses(one), l2 = stepLosses(two);
    QCOMPARE(l1.size(), size_t(9));
    QCOMPARE(l2.size(), l1.size());
    double lossDiff = 0.0;
    for (size_t i = 0; i < l1.size(); ++i) lossDiff = std::max(lossDiff, std::abs(l1[i] - l2[i]) / std::abs(l1[i]));
    auto t1 = Trainer::resume(one.toStdString()), t2 = Trainer::resume(two.toStdString());
    const double diff = maxDifference(t1->model()->method->parameters(), t2->model()->method->parameters());
    qInfo("InstDisc, 3 epochs: losses of 2 processes differ from one process's by %.3g (relative), weights by %.3g",
          lossDiff, diff);
    QVERIFY(lossDiff < 1e-4);
    QVERIFY(diff < 1e-4);
  }

  /// A hung rank (SIGSTOP): the other gives up after the timeout, naming its rank, the collective and
  /// the hung rank.
  void hungRankTimesOut() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("run");
    const int timeout = 4;
    QProcess ranks[2];
    QVERIFY(startTwoRanks(ranks, dir, timeout, /*byEnvironment=*/false));
    QTRY_VERIFY_WITH_TIMEOUT(fs::exists(dir.toStdString() + "/checkpoints/last.pt"), 120000);
    ::kill(pid_t(ranks[1].processId()), SIGSTOP);
    QElapsedTimer clock;
    clock.start();
    // It gives up no earlier than the timeout (a lower bound holds on a busy machine too); the upper
    // bound only keeps a broken timeout from hanging the test.
    const bool ended = ranks[0].waitForFinished((timeout + 60) * 1000);
    const double seconds = clock.elapsed() / 1000.0;
    ranks[1].kill();  // SIGKILL ends a stopped process too
    ranks[1].waitForFinished(60000);
    QVERIFY(ended);
    const QByteArray output = ranks[0].readAll();
    qInfo("rank 0 ended %.1f s after rank 1 hung (timeout %d s)", seconds, timeout);
    QVERIFY2(ranks[0].exitCode() != 0 && output.contains("rank 0") && output.contains("Timed out"), output.constData());
    // The hung peer is named: its heartbeat in the store stopped.
    QVERIFY2(output.contains("rank 1 stopped answering"), output.constData());
    QVERIFY(seconds >= timeout - 1);
  }

  /// A killed rank: the other ends non-zero, within the timeout, naming its rank, the collective and
  /// the dead rank.
  void killedRankStopsTheOther() {
    if (!fs::exists(PRETEXT_CLI)) QSKIP("pretext-cli was not built");
    QTemporaryDir tmp;
    const QString dir = tmp.filePath("run");
    const int timeout = 20;
    QProcess ranks[2];
    QVERIFY(startTwoRanks(ranks, dir, timeout, /*byEnvironment=*/true));
    // Once a checkpoint is on disk the job trains; then rank 1 dies without a word.
    QTRY_VERIFY_WITH_TIMEOUT(fs::exists(dir.toStdString() + "/checkpoints/last.pt"), 120000);
    ranks[1].kill();
    QVERIFY(ranks[1].waitForFinished(60000));
    QElapsedTimer clock;
    clock.start();
    QVERIFY(ranks[0].waitForFinished((timeout + 60) * 1000));  // a hang guard, not a time limit
    const QByteArray output = ranks[0].readAll();
    qInfo("rank 0 ended %.1f s after rank 1 was killed: %s", clock.elapsed() / 1000.0, output.trimmed().constData());
    QVERIFY2(ranks[0].exitStatus() == QProcess::NormalExit && ranks[0].exitCode() != 0, output.constData());
    QVERIFY2(output.contains("rank 0") && output.contains("failed"), output.constData());
    QVERIFY2(output.contains("rank 1 stopped answering"), output.constData());
    // The last checkpoint is intact: the run resumes from it (as a single process here).
    auto trainer = Trainer::resume(dir.toStdString());
    QVERIFY(trainer->startEpoch() >= 1);
  }
};

QTEST_APPLESS_MAIN(TstDistributed)
#include "tst_distributed.moc"
