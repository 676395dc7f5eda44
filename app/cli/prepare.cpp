// pretext-cli prepare: packs an image folder (or any dataset Pretext reads) once into a prepared
// dataset (.npy arrays + manifest.json) that every command then memory-maps.
#include "commands.h"
#include "progressbar.h"

#include <pretext/dataset.h>
#include <pretext/numbers.h>
#include <pretext/prepare.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include <unistd.h>

namespace pretext::cli {

namespace {

std::atomic<bool> g_cancel{false};

extern "C" void onPrepareSignal(int) { g_cancel.store(true); }  // lock-free atomic store: signal-safe

bool isDirectory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

}  // namespace

Command addPrepare(CLI::App& app) {
  auto* cmd = app.add_subcommand("prepare", "pack an image folder once into a memory-mapped dataset");
  cmd->footer(
      "SOURCE is a folder in torchvision's ImageFolder layout (root/<class>/*, optionally root/train\n"
      "and root/test or root/val beside it), a folder of images at any depth with no labels, or any\n"
      "dataset Pretext reads (cifar10:DIR, stl10:DIR, ...; at its own size unless --image-size is given,\n"
      "read in ranges straight into OUT, never held whole; STL-10's unlabeled_X.bin is the unlabeled split).\n"
      "Images are decoded (.jpg .jpeg .png .bmp .webp .tif .tiff) on every core and resized:\n"
      "  crop    the shorter side to N, then the centre N x N (torchvision's Resize + CenterCrop)\n"
      "  squash  both sides to N, the aspect ratio not kept (what folder:DIR does when loaded directly)\n"
      "Unreadable files (empty, truncated, not an image, a header over --max-pixels) are skipped and\n"
      "listed in OUT/manifest.json; --strict makes the first one fatal. OUT holds <split>_images.npy\n"
      "(uint8 [N, C, H, W]), <split>_labels.npy (int64), classes.txt and manifest.json; numpy.load(path,\n"
      "mmap_mode=\"r\") reads the arrays. It is written as OUT.partial and renamed at the end, so an\n"
      "interrupted prepare (Ctrl-C, a kill, a full disk) leaves nothing that loads; running the same\n"
      "command again continues from the images OUT.partial records as done (or starts afresh, saying\n"
      "why, when the files or options differ; --no-resume always starts afresh); files changed since\n"
      "(size or modification time) are decoded again; a dataset spec's files changed since restart it.\n"
      "Then: pretext-cli train --dataset OUT (or prepared:OUT).");
  struct Options {
    PrepareOptions prepare;
    bool quiet = false;
    bool timings = false;
    bool noResume = false;
  };
  auto o = std::make_shared<Options>();
  auto& p = o->prepare;
  cmd->add_option("SOURCE", p.source, "an image folder or a dataset spec")->required();
  cmd->add_option("--out", p.out, "the prepared dataset's folder")->required();
  auto* imageSize = cmd->add_option("--image-size", p.imageSize, "side N of the N x N images")->capture_default_str();
  cmd->add_option("--resize", p.resize, "crop (shorter side, then the centre) or squash")
      ->check(CLI::IsMember({"crop", "squash"}))
      ->capture_default_str();
  cmd->add_flag("--strict", p.strict, "fail on the first unreadable file instead of skipping it");
  cmd->add_flag("--unlabelled,--unlabeled", p.unlabelled, "treat subfolders as nesting, not as classes");
  addNumber(*cmd, "--test-fraction", p.testFraction,
            "a labelled source without test/ or val/: this fraction of it becomes the test split");
  cmd->add_option("--seed", p.seed, "the draw of --test-fraction")->capture_default_str();
  cmd->add_option("--max-pixels", p.maxPixels, "a file whose header promises more pixels is unreadable")
      ->capture_default_str();
  cmd->add_option("--threads", p.threads, "decoding threads (0: every core)")->capture_default_str();
  cmd->add_flag("--exact-decode", p.exactDecode,
                "decode JPEGs at full size before resizing (default: at 1/2, 1/4 or 1/8 by libjpeg when at least that much "
                "larger, within about 2 grey levels on average)");
  cmd->add_flag("--quiet", o->quiet, "no progress bar");
  cmd->add_flag("--no-resume", o->noResume, "start afresh even where OUT.partial could be continued");
  cmd->add_flag("--timings", o->timings, "print where the time went (listing, read, decode, resize, store, finish)");
  return {cmd, [o, imageSize] {
            auto p = o->prepare;
            p.resume = !o->noResume;
            p.resizeDataset = imageSize->count() > 0;
            g_cancel = false;
            std::signal(SIGINT, onPrepareSignal);
            std::signal(SIGTERM, onPrepareSignal);
            CountBar bar("img", o->quiet);
            PrepareResult r;
            try {
              const bool tty = ::isatty(STDERR_FILENO) != 0;
              bool listed = false;
              r = prepareDataset(
                  p,
                  [&](const PrepareProgress& pr) {
                    if (pr.listing) {
                      if (tty && !o->quiet) {
                        std::fprintf(stderr, "\rlisting: %lld files found so far", static_cast<long long>(pr.done));
                        std::fflush(stderr);
                        listed = true;
                      }
                      return;
                    }
                    if (listed) {
                      std::fprintf(stderr, "\n");
                      listed = false;
                    }
                    if (!pr.message.empty()) {
                      bar.finish();
                      std::fprintf(stderr, "pretext-cli prepare: %s\n", pr.message.c_str());
                    }
                    bar.update(pr.done, pr.total, pr.seconds);
                  },
                  &g_cancel);
            } catch (const PrepareCancelled&) {
              bar.finish();
              const std::string partial = p.out + ".partial";
              if (p.resume && isDirectory(partial)) {
                std::fprintf(stderr,
                             "pretext-cli prepare: cancelled; nothing was written to %s; the images done so far are "
                             "kept in %s: run the same command again to continue\n",
                             p.out.c_str(), partial.c_str());
              } else {
                std::fprintf(stderr, "pretext-cli prepare: cancelled; nothing was written to %s\n", p.out.c_str());
              }
              return 130;
            } catch (...) {
              bar.finish();
              throw;
            }
            bar.finish();
            const std::int64_t images = r.trainImages + r.testImages + r.unlabeledImages;
            std::printf("prepared %s: %lld %s images", r.out.c_str(), static_cast<long long>(r.trainImages),
                        r.labelled ? "train" : "unlabelled");
            if (r.testImages > 0) std::printf(" + %lld test", static_cast<long long>(r.testImages));
            if (r.unlabeledImages > 0) std::printf(" + %lld unlabelled", static_cast<long long>(r.unlabeledImages));
            std::printf(", %d x %d x %d", r.channels, r.imageSize, r.imageSize);
            if (r.labelled) std::printf(", %zu classes", r.classNames.size());
            std::printf("; %zu skipped; %s s, %s img/s\n", r.skipped.size(), formatFixed(r.seconds, 2).c_str(),
                        formatFixed(r.seconds > 0 ? double(images + std::int64_t(r.skipped.size()) - r.resumed) / r.seconds : 0.0, 0).c_str());
            if (r.resumed > 0) {
              std::printf("resumed: %lld images were done by an earlier run\n", static_cast<long long>(r.resumed));
            }
            if (r.changed > 0) {
              std::printf("decoded again: %lld images whose chunk held a source file changed since the earlier run\n",
                          static_cast<long long>(r.changed));
            }
            if (o->timings) {
              const auto& t = r.times;
              std::printf("timings: listing %s s; decoding %s s wall (thread-seconds: read %s, decode %s, resize %s, "
                          "store %s); finish %s s\n",
                          formatFixed(t.listing, 2).c_str(), formatFixed(t.decoding, 2).c_str(), formatFixed(t.read, 2).c_str(),
                          formatFixed(t.decode, 2).c_str(), formatFixed(t.resize, 2).c_str(), formatFixed(t.store, 2).c_str(),
                          formatFixed(t.finish, 2).c_str());
            }
            const std::size_t shown = std::min<std::size_t>(r.skipped.size(), 20);
            for (std::size_t i = 0; i < shown; ++i) {
              std::printf("skipped %s: %s\n", r.skipped[i].path.c_str(), r.skipped[i].reason.c_str());
            }
            if (r.skipped.size() > shown) {
              std::printf("... and %zu more skipped files, listed in %s/manifest.json\n", r.skipped.size() - shown,
                          r.out.c_str());
            }
            return 0;
          }};
}

}  // namespace pretext::cli
