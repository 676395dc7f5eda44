#include "train/optim.h"

#include <cmath>
#include <sstream>
#include <stdexcept>
#include <type_traits>

namespace pretext::train {

Optimizer::Optimizer(const OptimizerSetup& setup, const std::vector<torch::Tensor>& parameters) : m_setup(setup) {
  for (const auto& p : parameters) {
    if (!p.requires_grad()) continue;
    (p.dim() <= 1 ? m_vectors : m_matrices).push_back(p);
  }
  if (setup.name == "sgd" || setup.name == "lars") {
    // LARS (You et al. 2017) = SGD with momentum on gradients rescaled by the trust ratio
    // eta * ||w|| / ||g + wd w||; weight decay is folded into that rescaled gradient.
    const bool lars = setup.name == "lars";
    std::vector<torch::optim::OptimizerParamGroup> groups;
    auto opts = [&](double wd) {
      return std::make_unique<torch::optim::SGDOptions>(
          torch::optim::SGDOptions(setup.learningRate).momentum(setup.momentum).weight_decay(wd));
    };
    if (!m_matrices.empty()) groups.emplace_back(m_matrices, opts(lars ? 0.0 : setup.weightDecay));
    if (!m_vectors.empty()) groups.emplace_back(m_vectors, opts(0.0));
    m_optimizer = std::make_unique<torch::optim::SGD>(groups, torch::optim::SGDOptions(setup.learningRate));
  } else if (setup.name == "adamw") {
    std::vector<torch::optim::OptimizerParamGroup> groups;
    auto opts = [&](double wd) {
      return std::make_unique<torch::optim::AdamWOptions>(
          torch::optim::AdamWOptions(setup.learningRate).betas({0.9, 0.95}).weight_decay(wd));
    };
    if (!m_matrices.empty()) groups.emplace_back(m_matrices, opts(setup.weightDecay));
    if (!m_vectors.empty()) groups.emplace_back(m_vectors, opts(0.0));
    m_optimizer = std::make_unique<torch::optim::AdamW>(groups, torch::optim::AdamWOptions(setup.learningRate));
  } else {
    throw std::invalid_argument("unknown optimizer '" + setup.name + "' (sgd, lars or adamw)");
  }
}

void Optimizer::zeroGrad() {
  m_optimizer->zero_grad();
}

void Optimizer::larsAdapt() {
  torch::NoGradGuard noGrad;
  constexpr double eta = 0.001;
  for (auto& p : m_matrices) {
    if (!p.grad().defined()) continue;
    auto g = p.grad();
    g.add_(p, m_setup.weightDecay);
    const auto wNorm = p.norm();
    const auto gNorm = g.norm();
    // trust = eta ||w|| / ||g|| where both norms are positive, else 1 (no host sync).
    const auto trust = torch::where(wNorm.gt(0) & gNorm.gt(0), eta * wNorm / gNorm.clamp_min(1e-12),
                                    torch::ones_like(wNorm));
    g.mul_(trust);
  }
}

namespace {

/// The key torch::optim keeps a parameter's state under: its TensorImpl's address, as a string in
/// LibTorch 1.x and as the pointer itself in 2.x.
template <class Map>
typename Map::key_type stateKey(const Map&, const torch::Tensor& p) {
  using Key = typename Map::key_type;
  if constexpr (std::is_same_v<Key, std::string>) {
    std::ostringstream s;
    s << p.unsafeGetTensorImpl();
    return s.str();
  } else {
    return Key(p.unsafeGetTensorImpl());
  }
}

}  // namespace

// torch::optim::SGD::step's arithmetic, parameter by parameter:
//   d = g + wd p;  buf = d (first step) or momentum buf + (1 - dampening) d;  p -= lr buf
// done here on whole groups with multi-tensor kernels.
void Optimizer::foreachSgdStep(const torch::Tensor& lr) {
  torch::NoGradGuard noGrad;
  auto& state = m_optimizer->state();
  for (auto& group : m_optimizer->param_groups()) {
    const auto& o = static_cast<const torch::optim::SGDOptions&>(group.options());
    std::vector<torch::Tensor> params, grads;
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      params.push_back(p);
      grads.push_back(p.grad());
    }
    if (params.empty()) continue;
    std::vector<torch::Tensor> d = o.weight_decay() != 0 ? at::_foreach_add(grads, params, o.weight_decay()) : grads;
    if (o.momentum() != 0) {
      std::vector<torch::Tensor> bufs(params.size()), running, runningD;
      for (std::size_t i = 0; i < params.size(); ++i) {
        const auto key = stateKey(state, params[i]);
        auto it = state.find(key);
        if (it == state.end()) {
          auto st = std::make_unique<torch::optim::SGDParamState>();
          st->momentum_buffer(torch::clone(d[i]).detach());
          bufs[i] = st->momentum_buffer();
          state[key] = std::move(st);
        } else {
          bufs[i] = static_cast<torch::optim::SGDParamState&>(*it->second).momentum_buffer();
          running.push_back(bufs[i]);
          runningD.push_back(d[i]);
        }
      }
      if (!running.empty()) {
        at::_foreach_mul_(running, o.momentum());
        at::_foreach_add_(running, runningD, 1 - o.dampening());
      }
      d = o.nesterov() ? at::_foreach_add(d, bufs, o.momentum()) : bufs;
    }
    if (lr.defined()) {
      for (std::size_t i = 0; i < params.size(); ++i) params[i].addcmul_(d[i], lr, -1);  // p -= lr d
    } else {
      at::_foreach_add_(params, d, -1 * o.lr());
    }
  }
}

void Optimizer::step(double lr) {
  for (auto& group : m_optimizer->param_groups()) group.options().set_lr(lr);
  if (m_setup.name == "lars") larsAdapt();
  if (foreachSgd()) {
    foreachSgdStep();
  } else {
    m_optimizer->step();
  }
}

void Optimizer::step(const torch::Tensor& lr) {
  if (!foreachSgd()) {
    throw std::logic_error("a learning rate on the device needs SGD or LARS with multi-tensor updates");
  }
  if (m_setup.name == "lars") larsAdapt();
  foreachSgdStep(lr);
}

double cosineWithWarmup(int64_t step, int64_t total, int64_t warmup) {
  if (total <= 0) return 1.0;
  if (warmup > 0 && step < warmup) return double(step + 1) / double(warmup);
  const double progress = double(step - warmup) / double(std::max<int64_t>(1, total - warmup));
  return 0.5 * (1.0 + std::cos(M_PI * std::min(1.0, progress)));
}

}  // namespace pretext::train
