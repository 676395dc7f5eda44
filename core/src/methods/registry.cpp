// The method registry: one line per method, in the order panels and the CLI list them. An explicit
// table, because a static library drops objects that only register themselves.
#include "methods/barlow.h"
#include "methods/byol.h"
#include "methods/colorization.h"
#include "methods/context.h"
#include "methods/deepcluster.h"
#include "methods/dino.h"
#include "methods/inpainting.h"
#include "methods/instdisc.h"
#include "methods/jigsaw.h"
#include "methods/mae.h"
#include "methods/method.h"
#include "methods/moco.h"
#include "methods/random.h"
#include "methods/rotation.h"
#include "methods/selfsynced.h"
#include "methods/simclr.h"
#include "methods/simsiam.h"
#include "methods/supervised.h"
#include "methods/swav.h"

#include <stdexcept>

namespace pretext {

namespace {

struct MethodEntry {
  MethodInfo (*describe)();
  methods::Method (*make)(const methods::MethodContext&);
};

template <class M>
MethodEntry entry() {
  return {&M::describe, [](const methods::MethodContext& c) -> methods::Method { return std::make_shared<M>(c); }};
}

const std::vector<MethodEntry>& registry() {
  using namespace methods;
  static const std::vector<MethodEntry> table = {
      entry<RandomInitImpl>(),
      entry<SupervisedImpl>(),
      entry<RotationImpl>(),
      entry<SimClrImpl>(),
      entry<MocoImpl>(),
      entry<ByolImpl>(),
      entry<InstDiscImpl>(),
      entry<SimSiamImpl>(),
      entry<DinoImpl>(),
      entry<BarlowTwinsImpl>(),
      entry<SwavImpl>(),
      entry<DeepClusterImpl>(),
      entry<JigsawImpl>(),
      entry<ContextImpl>(),
      entry<ColorizationImpl>(),
      entry<InpaintingImpl>(),
      entry<MaeImpl>(),
  };
  return table;
}

std::size_t indexOf(const std::string& name) {
  const auto& catalogue = methodCatalogue();
  std::string known;
  for (std::size_t i = 0; i < catalogue.size(); ++i) {
    if (catalogue[i].name == name) return i;
    known += (known.empty() ? "" : ", ") + catalogue[i].name;
  }
  throw std::invalid_argument("unknown method '" + name + "' (known: " + known + ")");
}

}  // namespace

const std::vector<MethodInfo>& methodCatalogue() {
  static const std::vector<MethodInfo> catalogue = [] {
    std::vector<MethodInfo> c;
    for (const auto& e : registry()) c.push_back(e.describe());
    return c;
  }();
  return catalogue;
}

const MethodInfo& methodInfo(const std::string& name) { return methodCatalogue()[indexOf(name)]; }

namespace methods {

Method makeMethod(const std::string& name, const MethodContext& context) {
  return registry()[indexOf(name)].make(context);
}

std::vector<torch::Tensor> selfSyncedBuffers(MethodImpl& method) {
  if (auto* instDisc = dynamic_cast<InstDiscImpl*>(&method)) return {instDisc->bank()};
  return {};
}

}  // namespace methods
}  // namespace pretext
