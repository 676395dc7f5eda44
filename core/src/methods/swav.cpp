#include "methods/swav.h"

#include "dist/dist.h"

namespace pretext::methods {

MethodInfo SwavImpl::describe() {
  MethodInfo m;
  m.name = "swav";
  m.title = "SwAV";
  m.family = "clustering";
  m.paper = "Caron, Misra, Mairal, Goyal, Bojanowski & Joulin 2020, Unsupervised Learning of Visual Features by "
            "Contrasting Cluster Assignments";
  m.description =
      "A set of trainable prototype vectors acts as cluster centres on the unit sphere. For each view, the "
      "Sinkhorn-Knopp algorithm turns its similarities to the prototypes into soft cluster codes that use all "
      "prototypes equally over the batch (which rules out putting every image in one cluster). Each view must "
      "then predict the code of the other view from its own features: swapping the codes makes the features "
      "invariant to the augmentation while clustering the data online. Two views of equal size only: the "
      "paper's multi-crop (extra small crops) is left out.";
  m.lossFormula = "Q = Sinkhorn(exp(Z C^T / eps));  L = -1/2 sum_k [q2_k log softmax(z1.C/tau)_k + q1_k log softmax(z2.C/tau)_k]";
  m.defaultAugment = "simclr";
  m.options = describeOptions(SwavOptions::specs());
  return m;
}

const OptionSpecs<SwavOptions>& SwavOptions::specs() {
  static const OptionSpecs<SwavOptions> specs = {
      integerOption("prototypes", &SwavOptions::prototypes, 2, 65536,
                    "number K of prototypes (paper 3000 for ImageNet; about 10x the classes)"),
      realOption("temperature", &SwavOptions::temperature, openBelow(0, 10),
                 "softmax temperature tau of the swapped prediction (paper 0.1)"),
      realOption("epsilon", &SwavOptions::epsilon, openBelow(0, 10),
                 "entropic regularisation of Sinkhorn-Knopp (paper 0.05)"),
      integerOption("sinkhorn-iters", &SwavOptions::sinkhornIters, 1, 1000,
                    "Sinkhorn-Knopp iterations (paper 3)"),
      integerOption("freeze-steps", &SwavOptions::freezeSteps, 0, 100000000,
                    "optimizer steps with frozen prototypes at the start (paper: the first epoch, 313 iterations)"),
      integerOption("queue", &SwavOptions::queue, 0, 1048576,
                    "features of earlier batches kept per view for the codes; 0: no queue (paper 3840 for small batches)"),
      integerOption("proj-dim", &SwavOptions::projDim, 1, 65536,
                    "output size of the projection head (paper 128)"),
  };
  return specs;
}

namespace F = torch::nn::functional;

torch::Tensor sinkhornKnopp(const torch::Tensor& scores, double epsilon, int64_t iterations,
                            dist::ProcessGroup* group) {
  torch::NoGradGuard noGrad;
  if (group && group->size() > 1) {
    const auto s = scores.to(torch::kFloat) / epsilon;
    // One shift for all ranks (a per-rank shift would not cancel in the prototypes' sums).
    const auto shift = group->allGather(s.max().reshape({1}), "SwAV's largest score").max();
    auto q = (s - shift).exp().t();  // [K, local B]
    const double k = double(q.size(0));
    auto totals = torch::stack({q.sum(), torch::full({}, double(q.size(1)), q.options())});
    group->allReduceSum(totals, "SwAV's Sinkhorn total");
    const double b = totals[1].item<double>();  // the global batch
    q /= totals[0];
    for (int64_t it = 0; it < iterations; ++it) {
      auto rows = q.sum(1, /*keepdim=*/true);
      group->allReduceSum(rows, "SwAV's Sinkhorn prototype sums");
      q /= rows;
      q /= k;
      q /= q.sum(0, /*keepdim=*/true);  // an image's column is on its own rank
      q /= b;
    }
    return (q * b).t();
  }
  const auto s = scores.to(torch::kFloat) / epsilon;
  auto q = (s - s.max()).exp().t();  // [K, B]; the shift cancels in the normalisations
  const double k = double(q.size(0)), b = double(q.size(1));
  q /= q.sum();
  for (int64_t it = 0; it < iterations; ++it) {
    q /= q.sum(1, /*keepdim=*/true);  // every prototype gets total mass 1/K
    q /= k;
    q /= q.sum(0, /*keepdim=*/true);  // every image gets total mass 1/B
    q /= b;
  }
  return (q * b).t();  // rows: images, summing to 1
}

torch::Tensor swavLoss(const torch::Tensor& scores1, const torch::Tensor& scores2, const torch::Tensor& codes1,
                       const torch::Tensor& codes2, double temperature) {
  auto crossEntropy = [&](const torch::Tensor& scores, const torch::Tensor& codes) {
    return -(codes.detach().to(torch::kFloat) * F::log_softmax(scores.to(torch::kFloat) / temperature, 1)).sum(1).mean();
  };
  return 0.5 * (crossEntropy(scores1, codes2) + crossEntropy(scores2, codes1));
}

SwavImpl::SwavImpl(const MethodContext& context) : MethodImpl("swav", context) {
  const auto o = parsedOptions<SwavOptions>();
  m_temperature = o.temperature;
  m_epsilon = o.epsilon;
  m_iterations = o.sinkhornIters;
  m_freezeSteps = o.freezeSteps;
  const int64_t d = m_backbone->featureDim();
  const int64_t dim = o.projDim, k = o.prototypes, queue = o.queue;
  m_projector = register_module("projector", mlpHead(d, std::max<int64_t>(d, 256), dim));
  m_prototypes = register_module("prototypes", torch::nn::Linear(torch::nn::LinearOptions(dim, k).bias(false)));
  {
    torch::NoGradGuard noGrad;
    m_prototypes->weight.copy_(F::normalize(m_prototypes->weight, F::NormalizeFuncOptions().dim(1)));
  }
  m_queue = register_buffer("queue", torch::zeros({2, queue, dim}));
  m_queueCount = register_buffer("queue_count", torch::zeros({2}, torch::kLong));
  m_steps = register_buffer("steps", torch::zeros({1}, torch::kLong));
}

torch::Tensor SwavImpl::codes(const torch::Tensor& scores, int64_t view) {
  const int64_t size = m_queue.size(1);
  auto* group = dist::currentGroup();
  if (size == 0 || m_queueFilled < size) return sinkhornKnopp(scores, m_epsilon, m_iterations, group);
  // With a full queue, the equipartition is enforced over the queue and the batch together (sec. 4.1,
  // small batches); only the batch's codes are used.
  torch::NoGradGuard noGrad;
  if (group && group->size() > 1) {
    // Every rank holds the same queue (of the global batches): rank 0 alone adds its rows.
    if (group->rank() > 0) return sinkhornKnopp(scores, m_epsilon, m_iterations, group);
    const auto queueScores = torch::mm(m_queue[view], m_prototypes->weight.t());
    return sinkhornKnopp(torch::cat({queueScores, scores.to(torch::kFloat)}), m_epsilon, m_iterations, group)
        .slice(0, size);
  }
  const auto queueScores = torch::mm(m_queue[view], m_prototypes->weight.t());
  const auto q = sinkhornKnopp(torch::cat({queueScores, scores.to(torch::kFloat)}), m_epsilon, m_iterations);
  return q.slice(0, size);
}

void SwavImpl::enqueue(const torch::Tensor& z1, const torch::Tensor& z2) {
  torch::NoGradGuard noGrad;
  const int64_t size = m_queue.size(1), b = z1.size(0);
  const auto opts = torch::TensorOptions().dtype(torch::kLong).device(m_queue.device());
  const auto idx = (m_queueCount[1] + torch::arange(std::min(b, size), opts)).remainder(size);
  const auto last1 = z1.slice(0, b - std::min(b, size)), last2 = z2.slice(0, b - std::min(b, size));
  m_queue[0].index_copy_(0, idx, last1.to(m_queue.dtype()));
  m_queue[1].index_copy_(0, idx, last2.to(m_queue.dtype()));
  m_queueCount[1].add_(std::min(b, size)).remainder_(size);
  m_queueFilled = std::min(size, m_queueFilled + b);
  m_queueCount[0].fill_(m_queueFilled);
}

StepOutput SwavImpl::step(const Batch& batch) {
  const auto v = torch::cat({prepare(batch.images, m_context.augment), prepare(batch.images, m_context.augment)});
  const auto z = F::normalize(m_projector->forward(m_backbone->forward(v)).to(torch::kFloat), F::NormalizeFuncOptions().dim(1));
  // Frozen prototypes (sec. 4.1, the first epoch) get no gradient; selected without a host sync.
  const auto& c = m_prototypes->weight;
  const auto prototypes = torch::where(m_steps.lt(m_freezeSteps), c.detach(), c);
  const auto scores = torch::mm(z, prototypes.t()).chunk(2);
  if (m_queueFilled < 0) m_queueFilled = m_queue.size(1) == 0 ? 0 : m_queueCount[0].item<int64_t>();
  auto zs = z.detach().chunk(2);
  const auto q1 = codes(scores[0].detach(), 0), q2 = codes(scores[1].detach(), 1);
  if (m_queue.size(1) > 0) {
    // The queue takes the global batch, in rank order, on every rank (as MoCo's).
    if (auto* group = dist::currentGroup(); group && group->size() > 1) {
      zs = {group->allGather(zs[0], "SwAV's queued features"), group->allGather(zs[1], "SwAV's queued features")};
    }
    enqueue(zs[0], zs[1]);
  }
  StepOutput out;
  out.loss = swavLoss(scores[0], scores[1], q1, q2, m_temperature);
  return out;
}

void SwavImpl::afterOptimizerStep(double) {
  torch::NoGradGuard noGrad;
  m_steps.add_(1);
  auto& w = m_prototypes->weight;
  w.copy_(F::normalize(w, F::NormalizeFuncOptions().dim(1)));
}

}  // namespace pretext::methods
