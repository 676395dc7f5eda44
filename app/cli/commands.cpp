// pretext-cli datasets / inspect / methods, and the helpers the other commands share.
#include "commands.h"

#include <pretext/dataset.h>
#include <pretext/image.h>
#include <pretext/methodflags.h>
#include <pretext/methods.h>
#include <pretext/numbers.h>
#include <pretext/prepare.h>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <memory>

namespace pretext::cli {

namespace {

std::string withThousands(std::int64_t n) {
  std::string s = std::to_string(n), out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i && (s.size() - i) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

const char* kDatasetHelp =
    "fashion-mnist, mnist:PATH, cifar10:PATH, cifar100:PATH, stl10:PATH, folder:PATH, prepared:PATH, shapes, or a "
    "path (the kind is detected)";

}  // namespace

CLI::Option* addNumber(CLI::App& command, const std::string& name, double& value, const std::string& help) {
  auto* option = command.add_option_function<std::string>(
      name,
      [&value, name](const std::string& text) {
        if (!parseNumber(text, value)) throw CLI::ValidationError(name, "expects a number, got '" + text + "'");
      },
      help);
  option->type_name("X")->default_str(formatGeneral(value));
  return option;
}

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> list;
  for (std::size_t start = 0; start <= text.size();) {
    const auto comma = std::min(text.find(',', start), text.size());
    list.push_back(text.substr(start, comma - start));
    start = comma + 1;
  }
  return list;
}

Command addDatasets(CLI::App& app) {
  auto* cmd = app.add_subcommand("datasets", "list the datasets found on this machine");
  cmd->footer(
      "Looks in $PRETEXT_DATA, ~/.local/share/pretext/datasets and /usr/share/datasets, prepared\n"
      "datasets (pretext-cli prepare --out) among them. With FOLDER: the prepared datasets in it.");
  auto folder = std::make_shared<std::string>();
  cmd->add_option("FOLDER", *folder, "list the prepared datasets in this folder (or the folder itself)");
  return {cmd, [folder] {
            const auto entries = folder->empty() ? findDatasets() : findPreparedDatasets(*folder);
            if (entries.empty()) {
              std::printf("no prepared datasets in %s (folders holding a manifest.json written by pretext-cli prepare)\n",
                          folder->c_str());
              return 1;
            }
            std::printf("%-14s %-10s %s\n", "KIND", "FOUND", "WHERE / WHAT");
            for (const auto& e : entries) {
              std::printf("%-14s %-10s %s%s%s\n", e.kind.c_str(), e.available ? "yes" : "no", e.path.c_str(),
                          e.path.empty() ? "" : "  ", e.description.c_str());
            }
            return 0;
          }};
}

Command addInspect(CLI::App& app) {
  auto* cmd = app.add_subcommand("inspect", "split sizes, classes, and a PNG sheet of samples");
  cmd->footer("Prints split sizes, image shape and class counts; writes a PNG grid of samples with labels.");
  struct Options {
    std::string dataset;
    int imageSize = DatasetSpec().imageSize;
    bool unlabeled = false;
    std::string split = "train";
    int count = 40;
    std::string out;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("DATASET", o->dataset, kDatasetHelp)->required();
  cmd->add_option("--out", o->out, "the sample sheet (default: KIND-SPLIT-samples.png here)");
  cmd->add_option("--split", o->split, "the split the samples come from")
      ->check(CLI::IsMember({"train", "test", "unlabeled"}))
      ->capture_default_str();
  cmd->add_option("--count", o->count, "samples on the sheet")->capture_default_str();
  cmd->add_option("--image-size", o->imageSize, "image folders: resize to NxN")->capture_default_str();
  cmd->add_flag("--unlabeled", o->unlabeled, "STL-10: also read the 100,000 unlabelled images");
  return {cmd, [o] {
            DatasetSpec spec = DatasetSpec::parse(o->dataset);
            spec.imageSize = o->imageSize;
            spec.loadUnlabeled = o->unlabeled;
            const std::string out = o->out.empty() ? spec.kind + "-" + o->split + "-samples.png" : o->out;
            if (o->out.empty()) std::printf("no --out given: the sample sheet goes to %s\n", out.c_str());
            const auto t0 = std::chrono::steady_clock::now();
            const Dataset ds = Dataset::load(spec);
            const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

            std::printf("%s (%s)\n", ds.name().c_str(), spec.toString().c_str());
            std::printf("loaded in %s s\n", formatFixed(seconds, 3).c_str());
            std::printf("image shape: %d x %d x %d (channels x height x width)\n", ds.channels(), ds.height(), ds.width());
            std::printf("classes: %d\n", ds.numClasses());
            const auto splits = ds.splits();
            for (const auto& s : splits) {
              std::printf("split %-10s %s images\n", splitName(s.split), withThousands(s.size).c_str());
            }
            std::printf("\n%-4s %-20s", "id", "class");
            for (const auto& s : splits) {
              if (!s.classCounts.empty()) std::printf(" %10s", splitName(s.split));
            }
            std::printf("\n");
            for (int c = 0; c < ds.numClasses(); ++c) {
              std::printf("%-4d %-20s", c, ds.classNames()[std::size_t(c)].c_str());
              for (const auto& s : splits) {
                if (!s.classCounts.empty()) std::printf(" %10s", withThousands(s.classCounts[std::size_t(c)]).c_str());
              }
              std::printf("\n");
            }
            const Split split = o->split == "test" ? Split::Test : o->split == "unlabeled" ? Split::Unlabeled : Split::Train;
            if (!ds.hasSplit(split)) throw std::invalid_argument(ds.name() + " has no " + o->split + " split");
            const int scale = ds.width() <= 32 ? 2 : 1;
            savePng(sampleSheet(ds, split, o->count, 10, scale), out);
            std::printf("\nwrote %s (%d %s samples with labels)\n", out.c_str(), o->count, o->split.c_str());
            return 0;
          }};
}

Command addMethods(CLI::App& app) {
  auto* cmd = app.add_subcommand("methods", "the methods, their papers and options");
  auto name = std::make_shared<std::string>();
  cmd->add_option("NAME", *name, "one method: its description, loss and options");
  return {cmd, [name] {
            if (name->empty()) {
              std::printf("%-12s %-18s %-16s %s\n", "NAME", "METHOD", "FAMILY", "PAPER");
              for (const auto& m : methodCatalogue()) {
                std::printf("%-12s %-18s %-16s %s\n", m.name.c_str(), m.title.c_str(), m.family.c_str(), m.paper.c_str());
              }
              return 0;
            }
            const MethodInfo& m = methodInfo(*name);
            std::printf("%s (%s) — %s\n%s\n\n%s\n\nloss: %s\n", m.title.c_str(), m.name.c_str(), m.family.c_str(),
                        m.paper.c_str(), m.description.c_str(), m.lossFormula.c_str());
            if (!m.options.empty()) {
              std::printf("\noptions (pretext-cli train --method %s ...):\n", m.name.c_str());
              for (const auto& opt : m.options) {
                std::printf("  %-20s %-10s %s\n", methodOptionFlag(opt.name).c_str(),
                            formatGeneral(opt.defaultValue).c_str(), opt.help.c_str());
              }
            }
            return 0;
          }};
}

}  // namespace pretext::cli
