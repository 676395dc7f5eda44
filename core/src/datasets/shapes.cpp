// A synthetic dataset that needs nothing installed: coloured shapes with random position, size,
// rotation-free geometry, colour and background, generated deterministically from a seed.
#include "datasets/datasetdata.h"

#include <cmath>
#include <random>

namespace pretext::datasets {

namespace {

const std::vector<std::string> kShapes{"circle", "square", "triangle", "cross", "ring", "diamond", "bar", "L-shape"};

// Is the point (u, v), in units of the shape's radius around its centre, inside the shape?
bool inside(int shape, double u, double v, bool vertical) {
  const double au = std::fabs(u), av = std::fabs(v);
  switch (shape) {
    case 0: return u * u + v * v <= 1.0;
    case 1: return au <= 0.8 && av <= 0.8;
    case 2: return v <= 0.8 && v >= -0.9 + 2.0 * au * 0.95;  // apex up
    case 3: return (au <= 0.3 && av <= 1.0) || (av <= 0.3 && au <= 1.0);
    case 4: { const double r2 = u * u + v * v; return r2 <= 1.0 && r2 >= 0.45; }
    case 5: return au + av <= 1.0;
    case 6: return vertical ? (au <= 0.3 && av <= 1.0) : (av <= 0.3 && au <= 1.0);
    case 7: return (u >= -0.8 && u <= -0.3 && av <= 0.9) || (v >= 0.4 && v <= 0.9 && u >= -0.8 && u <= 0.8);
    default: return false;
  }
}

}  // namespace

DatasetData makeShapes(const DatasetSpec& spec) {
  const int side = spec.shapesImageSize;
  if (side < 16 || side > 256) throw DatasetError("shapes: image size " + std::to_string(side) + " outside 16..256");
  if (spec.shapesPerClass < 1 || spec.shapesPerClass > 100000) {
    throw DatasetError("shapes: images per class " + std::to_string(spec.shapesPerClass) + " outside 1..100000");
  }
  DatasetData data;
  data.name = "Shapes";
  data.classNames = kShapes;
  const int classes = int(kShapes.size());
  std::mt19937_64 rng(spec.seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);

  auto makeSplit = [&](Split split, int perClass) {
    const int64_t n = int64_t(perClass) * classes;
    SplitData s;
    s.split = split;
    s.images = torch::empty({n, 3, side, side}, torch::kUInt8);
    s.labels = torch::empty({n}, torch::kInt64);
    auto* img = s.images.data_ptr<std::uint8_t>();
    auto* lab = s.labels.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      const int shape = int(i % classes);  // interleaved classes
      lab[i] = shape;
      const double radius = side * (0.2 + 0.18 * uni(rng));
      const double cx = radius + (side - 2 * radius) * uni(rng);
      const double cy = radius + (side - 2 * radius) * uni(rng);
      const bool vertical = uni(rng) < 0.5;
      // Saturated foreground colour from a random hue; background gray, darker or lighter.
      const double hue = uni(rng) * 6.0;
      const double f = hue - std::floor(hue);
      double fg[3];
      switch (int(hue)) {
        case 0: fg[0] = 1, fg[1] = f, fg[2] = 0; break;
        case 1: fg[0] = 1 - f, fg[1] = 1, fg[2] = 0; break;
        case 2: fg[0] = 0, fg[1] = 1, fg[2] = f; break;
        case 3: fg[0] = 0, fg[1] = 1 - f, fg[2] = 1; break;
        case 4: fg[0] = f, fg[1] = 0, fg[2] = 1; break;
        default: fg[0] = 1, fg[1] = 0, fg[2] = 1 - f; break;
      }
      const double value = 0.6 + 0.4 * uni(rng);
      const double bg = uni(rng) < 0.5 ? 0.1 * uni(rng) : 0.25 + 0.2 * uni(rng);
      std::uint8_t* out = img + i * 3 * side * side;
      for (int y = 0; y < side; ++y) {
        for (int x = 0; x < side; ++x) {
          int hits = 0;  // 2x2 supersampling for smooth edges
          for (int sy = 0; sy < 2; ++sy) {
            for (int sx = 0; sx < 2; ++sx) {
              hits += inside(shape, (x + 0.25 + 0.5 * sx - cx) / radius, (y + 0.25 + 0.5 * sy - cy) / radius, vertical);
            }
          }
          const double a = hits / 4.0;
          const double noise = (uni(rng) - 0.5) * 0.06;
          for (int c = 0; c < 3; ++c) {
            const double v = a * fg[c] * value + (1 - a) * bg + noise;
            out[(c * side + y) * side + x] = std::uint8_t(std::lround(std::clamp(v, 0.0, 1.0) * 255.0));
          }
        }
      }
    }
    return s;
  };
  data.splits.push_back(makeSplit(Split::Train, spec.shapesPerClass));
  data.splits.push_back(makeSplit(Split::Test, std::max(1, spec.shapesPerClass / 4)));
  return data;
}

}  // namespace pretext::datasets
