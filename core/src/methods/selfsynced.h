// Method state that a data-parallel run need not send from rank 0 at every epoch.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace pretext::methods {

class MethodImpl;

/// The buffers `method` itself keeps identical on every rank of a data-parallel run (its steps write
/// the global batch's results everywhere: InstDisc's memory bank). The trainer sends them from rank
/// 0 when a run starts or resumes, not again at every epoch. Empty for most methods.
std::vector<torch::Tensor> selfSyncedBuffers(MethodImpl& method);

}  // namespace pretext::methods
