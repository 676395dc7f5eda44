// Backbones: shapes of every stage, features, gradients, determinism, ViT attention and the
// MAE entry points, parameter counts against hand computations, and the error messages.
#include "models/backbone.h"
#include "models/layers.h"
#include "models/vit.h"

#include <pretext/backbones.h>

#include <QtTest/QtTest>

#include <cmath>
#include <utility>
#include <vector>

using pretext::models::Backbone;
using pretext::models::BackboneOptions;
using pretext::models::makeBackbone;

namespace {

QString shapeOf(const torch::Tensor& t) {
  QStringList dims;
  for (auto d : t.sizes()) dims << QString::number(d);
  return "[" + dims.join(", ") + "]";
}

int64_t parameterCount(const Backbone& model) {
  int64_t n = 0;
  for (const auto& p : model->parameters()) n += p.numel();
  return n;
}

using StageShapes = std::vector<std::pair<std::string, QString>>;

/// Shapes, stage features, first layer, gradients and eval-mode determinism of one backbone.
void checkBackbone(const BackboneOptions& options, int64_t batch, const StageShapes& stages,
                   int64_t featureDim, const QString& firstLayerShape) {
  torch::manual_seed(0);
  Backbone model = makeBackbone(options);
  auto x = torch::randn({batch, options.inChannels(), options.imageSize(), options.imageSize()});

  QCOMPARE(model->featureDim(), featureDim);
  QCOMPARE(shapeOf(model->firstLayerWeight()), firstLayerShape);

  std::vector<std::string> names;
  for (const auto& stage : stages) names.push_back(stage.first);
  QVERIFY(model->stageNames() == names);

  // Training mode: every parameter gets a gradient, the first layer a nonzero one. The loss is a
  // random projection because sum() of a LayerNorm output is constant.
  model->train();
  auto out = model->forward(x);
  QCOMPARE(shapeOf(out), QString("[%1, %2]").arg(batch).arg(featureDim));
  (out * torch::randn_like(out)).sum().backward();
  for (const auto& p : model->named_parameters()) {
    QVERIFY2(p.value().grad().defined(), p.key().c_str());
    QVERIFY2(torch::isfinite(p.value().grad()).all().item<bool>(), p.key().c_str());
  }
  QVERIFY(model->firstLayerWeight().grad().abs().sum().item<double>() > 0.0);

  model->eval();
  torch::NoGradGuard noGrad;
  auto all = model->forwardStages(x);
  QCOMPARE(all.size(), stages.size());
  for (const auto& [name, shape] : stages) {
    QVERIFY2(all.count(name) == 1, name.c_str());
    QCOMPARE(shapeOf(all.at(name)), shape);
    const auto features = model->stageFeatures(x, name);
    QCOMPARE(shapeOf(features), QString("[%1, %2]").arg(batch).arg(all.at(name).size(options.name() == "vit" ? 2 : 1)));
  }
  // forwardStages stops at the stage asked for.
  auto firstTwo = model->forwardStages(x, names[1]);
  QCOMPARE(firstTwo.size(), size_t(2));
  QVERIFY(firstTwo.count(names[0]) == 1 && firstTwo.count(names[1]) == 1);

  // Eval mode: deterministic, per-sample (no batch statistics), and the last stage's features
  // are forward()'s.
  auto a = model->forward(x);
  auto b = model->forward(x);
  QVERIFY(torch::equal(a, b));
  QVERIFY(torch::allclose(model->forward(x.slice(0, 1, 2)), a.slice(0, 1, 2), 1e-4, 1e-5));
  QVERIFY(torch::allclose(model->stageFeatures(x, names.back()), a, 1e-5, 1e-6));
}

BackboneOptions vitOptions(int64_t channels, int64_t size) {
  return BackboneOptions("vit", channels, size).vitDim(32).vitDepth(2).vitHeads(2).patchSize(4);
}

}  // namespace

class TstModels : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  // Tiny models gain nothing from threads, and one thread stays fast on a busy 2-core machine.
  void initTestCase() { torch::set_num_threads(1); }

  void names() {
    QVERIFY(pretext::models::backboneNames() == std::vector<std::string>({"convnet", "resnet18", "vit"}));
    for (const auto& name : pretext::models::backboneNames())
      QCOMPARE(makeBackbone(BackboneOptions(name, 1, 28).width(4).vitDim(16).vitDepth(1).vitHeads(2))
                   ->options().name(), name);
  }

  void unknownNameThrows() {
    try {
      makeBackbone(BackboneOptions("alexnet", 3, 32));
      QFAIL("no exception");
    } catch (const std::invalid_argument& e) {
      const QString message = e.what();
      QVERIFY2(message.contains("alexnet") && message.contains("convnet") && message.contains("resnet18") &&
                   message.contains("vit"),
               e.what());
    }
  }

  // The catalogue lists what makeBackbone builds, with the traits the rest of Pretext asks for.
  void catalogue() {
    const auto& c = pretext::backboneCatalogue();
    QCOMPARE(c.size(), std::size_t(3));
    QVERIFY(pretext::models::backboneNames() == std::vector<std::string>({c[0].name, c[1].name, c[2].name}));
    QCOMPARE(c[0].name, std::string("convnet"));
    QCOMPARE(c[2].name, std::string("vit"));
    for (const auto& info : c) {
      QCOMPARE(&pretext::backboneInfo(info.name), &info);
      QVERIFY(!info.title.empty());
      QCOMPARE(info.classToken, info.name == "vit");
      QCOMPARE(info.defaultOptimizer, std::string(info.name == "vit" ? "adamw" : "sgd"));
      // The stages are those of a backbone built with the default options.
      const auto model = makeBackbone(BackboneOptions(info.name, 1, 28).width(4));
      QVERIFY2(model->stageNames() == info.stages, info.name.c_str());
      QCOMPARE(&model->info(), &info);
    }
    QVERIFY(c[0].stages == std::vector<std::string>({"conv1", "conv2", "conv3", "conv4", "conv5"}));
    QVERIFY(c[1].stages == std::vector<std::string>({"stem", "layer1", "layer2", "layer3", "layer4"}));
    QCOMPARE(c[2].stages.size(), std::size_t(6));
    try {
      pretext::backboneInfo("alexnet");
      QFAIL("no exception");
    } catch (const std::invalid_argument& e) {
      const QString message = e.what();
      QVERIFY2(message.contains("alexnet") && message.contains("convnet") && message.contains("resnet18") &&
                   message.contains("vit"),
               e.what());
    }
  }

  // The same relative depth: index i of n stages goes to round(i (m - 1) / (n - 1)) of m.
  void equivalentStageKeepsRelativeDepth() {
    using pretext::equivalentStage;
    QCOMPARE(equivalentStage("convnet", "conv3", "resnet18"), std::string("layer2"));
    QCOMPARE(equivalentStage("resnet18", "layer2", "convnet"), std::string("conv3"));
    QCOMPARE(equivalentStage("convnet", "conv1", "resnet18"), std::string("stem"));
    QCOMPARE(equivalentStage("convnet", "conv5", "resnet18"), std::string("layer4"));
    QCOMPARE(equivalentStage("convnet", "conv2", "vit"), std::string("block2"));  // 1 * 5 / 4 = 1.25
    QCOMPARE(equivalentStage("convnet", "conv3", "vit"), std::string("block4"));  // 2 * 5 / 4 = 2.5, rounded up
    QCOMPARE(equivalentStage("vit", "block6", "convnet"), std::string("conv5"));
    QCOMPARE(equivalentStage("vit", "block3", "resnet18"), std::string("layer2"));  // 2 * 4 / 5 = 1.6
    for (const auto& info : pretext::backboneCatalogue()) {
      for (const auto& stage : info.stages) QCOMPARE(equivalentStage(info.name, stage, info.name), stage);
    }
    // A deeper ViT than the catalogue's, by its stage lists.
    const std::vector<std::string> deep{"block1", "block2", "block3", "block4", "block5", "block6", "block7",
                                        "block8", "block9"};
    QCOMPARE(equivalentStage(deep, "block9", pretext::backboneInfo("convnet").stages), std::string("conv5"));
    QCOMPARE(equivalentStage(deep, "block5", pretext::backboneInfo("resnet18").stages), std::string("layer2"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, equivalentStage("convnet", "layer9", "resnet18"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, equivalentStage("convnet", "conv3", "alexnet"));
  }

  // conv1 5x5 + pool, conv2 + pool, conv3..conv5 at the pooled size; widths w, 2w, 4w, 4w, 2w.
  void convnet() {
    checkBackbone(BackboneOptions("convnet", 1, 28).width(8), 3,
                  {{"conv1", "[3, 8, 14, 14]"}, {"conv2", "[3, 16, 7, 7]"}, {"conv3", "[3, 32, 7, 7]"},
                   {"conv4", "[3, 32, 7, 7]"}, {"conv5", "[3, 16, 7, 7]"}},
                  16, "[8, 1, 5, 5]");
    checkBackbone(BackboneOptions("convnet", 3, 32).width(8), 2,
                  {{"conv1", "[2, 8, 16, 16]"}, {"conv2", "[2, 16, 8, 8]"}, {"conv3", "[2, 32, 8, 8]"},
                   {"conv4", "[2, 32, 8, 8]"}, {"conv5", "[2, 16, 8, 8]"}},
                  16, "[8, 3, 5, 5]");
  }

  void convnet96() {
    torch::NoGradGuard noGrad;
    auto model = makeBackbone(BackboneOptions("convnet", 3, 96).width(4));
    model->eval();
    auto stages = model->forwardStages(torch::randn({2, 3, 96, 96}));
    QCOMPARE(shapeOf(stages.at("conv2")), QString("[2, 8, 24, 24]"));
    QCOMPARE(shapeOf(stages.at("conv5")), QString("[2, 8, 24, 24]"));
  }

  // Eval mode folds BatchNorm's running statistics into the convolution; the output is the unfolded one's.
  void convBnReluFoldsBatchNormInEval() {
    torch::manual_seed(3);
    pretext::models::ConvBnRelu block(3, 6, 3, 1, /*pool=*/true);
    {
      torch::NoGradGuard noGrad;
      block->bn->weight.uniform_(-2.0, 2.0);  // negative scales too: the pool must come after the ReLU
      block->bn->bias.normal_();
      block->bn->running_mean.normal_();
      block->bn->running_var.uniform_(0.1, 3.0);
    }
    const auto x = torch::randn({4, 3, 10, 10});
    block->eval();
    torch::NoGradGuard noGrad;
    const auto expected = torch::max_pool2d(torch::relu(block->bn->forward(block->conv->forward(x))), 2);
    const auto folded = block->forward(x);
    QCOMPARE(shapeOf(folded), QString("[4, 6, 5, 5]"));
    QVERIFY(torch::allclose(folded, expected, 1e-4, 1e-5));
    QVERIFY(torch::allclose(block->forward(x.contiguous(torch::MemoryFormat::ChannelsLast)), expected, 1e-4, 1e-5));
  }

  // Stem and layer1 at full size, layer2..layer4 halve it (7 -> 4 with padding 1); widths w..8w.
  void resnet18() {
    checkBackbone(BackboneOptions("resnet18", 1, 28).width(8), 3,
                  {{"stem", "[3, 8, 28, 28]"}, {"layer1", "[3, 8, 28, 28]"}, {"layer2", "[3, 16, 14, 14]"},
                   {"layer3", "[3, 32, 7, 7]"}, {"layer4", "[3, 64, 4, 4]"}},
                  64, "[8, 1, 3, 3]");
    checkBackbone(BackboneOptions("resnet18", 3, 32).width(8), 2,
                  {{"stem", "[2, 8, 32, 32]"}, {"layer1", "[2, 8, 32, 32]"}, {"layer2", "[2, 16, 16, 16]"},
                   {"layer3", "[2, 32, 8, 8]"}, {"layer4", "[2, 64, 4, 4]"}},
                  64, "[8, 3, 3, 3]");
  }

  // Tokens: [CLS] + (28/4)^2 = 50, + (32/4)^2 = 65.
  void vit() {
    checkBackbone(vitOptions(1, 28), 3, {{"block1", "[3, 50, 32]"}, {"block2", "[3, 50, 32]"}}, 32,
                  "[32, 1, 4, 4]");
    checkBackbone(vitOptions(3, 32), 2, {{"block1", "[2, 65, 32]"}, {"block2", "[2, 65, 32]"}}, 32,
                  "[32, 3, 4, 4]");
  }

  // Hand count: conv k*k*in*out (no bias, BatchNorm follows) + BatchNorm 2*out.
  void convnetParameterCount() {
    // w = 8, gray: 25*1*8 + 16 | 9*8*16 + 32 | 9*16*32 + 64 | 9*32*32 + 64 | 9*32*16 + 32
    QCOMPARE(parameterCount(makeBackbone(BackboneOptions("convnet", 1, 28).width(8))),
             int64_t(216 + 1184 + 4672 + 9280 + 4640));
    // w = 32, gray: 25*1*32 + 64 | 9*32*64 + 128 | 9*64*128 + 256 | 9*128*128 + 256 | 9*128*64 + 128
    QCOMPARE(parameterCount(makeBackbone(BackboneOptions("convnet", 1, 28).width(32))), int64_t(314976));
  }

  void resnet18ParameterCount() {
    // torchvision-style CIFAR ResNet-18 has 11,173,962 parameters with its 512x10 classifier (5,130).
    QCOMPARE(parameterCount(makeBackbone(BackboneOptions("resnet18", 3, 32))), int64_t(11173962 - 5130));
  }

  // Width 0 (the default) picks each backbone's own default, and options() report it.
  void defaultWidths() {
    auto convnet = makeBackbone(BackboneOptions("convnet", 1, 28));
    QCOMPARE(convnet->options().width(), int64_t(32));
    QCOMPARE(convnet->featureDim(), int64_t(64));
    auto resnet = makeBackbone(BackboneOptions("resnet18", 3, 32));
    QCOMPARE(resnet->options().width(), int64_t(64));
    QCOMPARE(resnet->featureDim(), int64_t(512));
    QCOMPARE(makeBackbone(BackboneOptions("vit", 3, 32))->featureDim(), int64_t(192));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeBackbone(BackboneOptions("convnet", 1, 28).width(-1)));
  }

  // Checkpoints and momentum encoders rely on these names.
  void parameterNames() {
    auto has = [](const Backbone& model, const std::string& name) {
      return model->named_parameters().contains(name) || model->named_buffers().contains(name);
    };
    auto convnet = makeBackbone(BackboneOptions("convnet", 1, 28).width(4));
    QVERIFY(has(convnet, "conv1.conv.weight") && has(convnet, "conv5.bn.running_mean"));
    auto resnet = makeBackbone(BackboneOptions("resnet18", 1, 28).width(4));
    QVERIFY(has(resnet, "stem.conv.weight") && has(resnet, "layer2.0.shortcut.0.weight") &&
            has(resnet, "layer4.1.bn2.bias"));
    auto vit = makeBackbone(vitOptions(1, 28));
    QVERIFY(has(vit, "patchEmbed.weight") && has(vit, "clsToken") && has(vit, "posEmbed") &&
            has(vit, "block2.attn.qkv.weight") && has(vit, "norm.weight"));
  }

  // A second backbone built from the same options and given the same weights computes the same
  // function (how momentum encoders are made).
  void copiedWeightsGiveSameOutput() {
    for (const auto& options : {BackboneOptions("convnet", 1, 28).width(4),
                                BackboneOptions("resnet18", 1, 28).width(4), vitOptions(1, 28)}) {
      auto source = makeBackbone(options);
      auto target = makeBackbone(options);
      torch::NoGradGuard noGrad;
      auto sourceParams = source->named_parameters();
      for (auto& p : target->named_parameters()) p.value().copy_(sourceParams[p.key()]);
      auto sourceBuffers = source->named_buffers();
      for (auto& b : target->named_buffers()) b.value().copy_(sourceBuffers[b.key()]);
      source->eval();
      target->eval();
      auto x = torch::randn({2, 1, 28, 28});
      QVERIFY(torch::equal(source->forward(x), target->forward(x)));
    }
  }

  void initialisation() {
    auto model = makeBackbone(BackboneOptions("convnet", 1, 28).width(32));
    auto params = model->named_parameters();
    // kaiming normal, fan_out = 128 * 3 * 3: std = sqrt(2 / 1152)
    const double std = params["conv4.conv.weight"].std().item<double>();
    QVERIFY2(std::abs(std / std::sqrt(2.0 / 1152.0) - 1.0) < 0.05, QByteArray::number(std));
    QVERIFY(torch::equal(params["conv3.bn.weight"], torch::ones({128})));
    QVERIFY(torch::equal(params["conv3.bn.bias"], torch::zeros({128})));
  }

  // clsAttention returns the [CLS] row of the last block's softmax over all 1 + N tokens, minus
  // the [CLS] column: non-negative, and each row sums to 1 - (attention of [CLS] to itself).
  void vitClsAttention() {
    torch::manual_seed(1);
    auto backbone = makeBackbone(vitOptions(3, 32));
    auto vit = std::dynamic_pointer_cast<pretext::models::VitImpl>(backbone);
    QVERIFY(vit);
    vit->eval();
    torch::NoGradGuard noGrad;
    auto x = torch::randn({2, 3, 32, 32});
    auto cls = backbone->clsAttention(x);
    QCOMPARE(shapeOf(cls), QString("[2, 2, 64]"));
    QVERIFY(cls.min().item<float>() >= 0.0f);
    auto full = vit->lastAttention(x);
    QCOMPARE(shapeOf(full), QString("[2, 2, 65, 65]"));
    QVERIFY(torch::allclose(full.sum(-1), torch::ones({2, 2, 65}), 1e-5, 1e-5));
    auto self = full.select(2, 0).select(2, 0);  // [B, heads]
    QVERIFY(torch::allclose(cls.sum(-1), 1.0 - self, 1e-5, 1e-5));
    QVERIFY((cls.sum(-1) < 1.0).all().item<bool>());
  }

  void clsAttentionOnlyForVit() {
    auto convnet = makeBackbone(BackboneOptions("convnet", 1, 28).width(4));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, convnet->clsAttention(torch::randn({1, 1, 28, 28})));
    auto resnet = makeBackbone(BackboneOptions("resnet18", 1, 28).width(4));
    QVERIFY_THROWS_EXCEPTION(std::logic_error, resnet->clsAttention(torch::randn({1, 1, 28, 28})));
  }

  // The entry points MAE uses: pixel patches, embedding, encoding a subset of tokens.
  void vitMaeEntryPoints() {
    torch::manual_seed(2);
    auto vit = std::dynamic_pointer_cast<pretext::models::VitImpl>(makeBackbone(vitOptions(3, 32)));
    vit->eval();
    torch::NoGradGuard noGrad;
    auto x = torch::randn({2, 3, 32, 32});

    auto patches = vit->patchify(x);
    QCOMPARE(shapeOf(patches), QString("[2, 64, 48]"));
    // Patch (row 1, column 2) holds pixels [4..8) x [8..12), ordered (row, column, channel).
    auto expected = x.slice(2, 4, 8).slice(3, 8, 12).permute({0, 2, 3, 1}).reshape({2, 48});
    QVERIFY(torch::equal(patches.select(1, 1 * 8 + 2), expected));
    QVERIFY(torch::equal(vit->unpatchify(patches), x));

    auto tokens = vit->embedPatches(x);
    QCOMPARE(shapeOf(tokens), QString("[2, 64, 32]"));
    auto encoded = vit->encodeTokens(tokens);
    QCOMPARE(shapeOf(encoded), QString("[2, 65, 32]"));
    QVERIFY(torch::allclose(encoded.select(1, 0), vit->forward(x), 1e-5, 1e-6));

    auto keep = torch::tensor({0, 5, 17, 63}, torch::kLong).unsqueeze(0).expand({2, 4});
    auto visible = tokens.gather(1, keep.unsqueeze(-1).expand({-1, -1, vit->dim()}));
    QCOMPARE(shapeOf(vit->encodeTokens(visible)), QString("[2, 5, 32]"));
    QCOMPARE(vit->numPatches(), int64_t(64));
    QCOMPARE(shapeOf(vit->positionEmbedding()), QString("[1, 65, 32]"));
  }

  void vitRejectsBadSizes() {
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeBackbone(vitOptions(1, 30)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, makeBackbone(vitOptions(1, 28).vitDim(30).vitHeads(4)));
    try {
      makeBackbone(vitOptions(1, 30));
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains("patch size 4"), e.what());
    }
    // Built for 28x28: another size is refused with the size it expects.
    auto vit = makeBackbone(vitOptions(1, 28));
    try {
      vit->forward(torch::randn({1, 1, 32, 32}));
      QFAIL("no exception");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains("28x28"), e.what());
    }
  }

  void badInputsThrow() {
    auto model = makeBackbone(BackboneOptions("convnet", 1, 28).width(4));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->forward(torch::randn({1, 3, 28, 28})));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->forward(torch::randn({1, 28, 28})));
    try {
      model->stageFeatures(torch::randn({1, 1, 28, 28}), "conv9");
      QFAIL("no exception");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains("conv9") && QString(e.what()).contains("conv5"), e.what());
    }
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, model->forwardStages(torch::randn({1, 1, 28, 28}), "layer1"));
  }
};

QTEST_APPLESS_MAIN(TstModels)
#include "tst_models.moc"
