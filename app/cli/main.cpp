// pretext-cli: the headless face of the training core, for scripts and GPU servers.
#include "args.h"
#include "commands.h"

#include <pretext/dataset.h>

#include <cstdio>
#include <exception>
#include <iostream>

using namespace pretext::cli;

int main(int argc, char** argv) {
  std::vector<std::string> rest(argv + 1, argv + argc);
  if (rest.empty() || rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help") {
    printHelp(rest.size() > 1 ? rest[1] : "");
    return rest.empty() ? 2 : 0;
  }
  const std::string command = rest[0];
  rest.erase(rest.begin());
  try {
    const std::set<std::string> flags{"help", "quiet", "no-knn", "unlabeled", "no-bf16", "no-channels-last", "cuda-graphs",
                                     // eval and views
                                     "all", "knn", "linear", "retrieval", "alignment", "pca", "tsne", "finetune",
                                     "export-embedding", "export-encoder", "filters", "attention", "gallery"};
    Args args(rest, flags);
    if (args.has("help")) {
      printHelp(command);
      return 0;
    }
    int code = 2;
    if (command == "datasets") {
      code = cmdDatasets(args);
    } else if (command == "inspect") {
      code = cmdInspect(args);
    } else if (command == "train") {
      code = cmdTrain(args);
    } else if (command == "eval") {
      code = cmdEval(args);
    } else if (command == "views") {
      code = cmdViews(args);
    } else if (command == "compare") {
      code = cmdCompare(args);
    } else if (command == "methods") {
      code = cmdMethods(args);
    } else {
      std::cerr << "pretext-cli: unknown command '" << command << "'\n\n";
      printHelp("");
      return 2;
    }
    return code;
  } catch (const pretext::DatasetError& e) {
    std::cerr << "pretext-cli: dataset error: " << e.what() << "\n";
    return 1;
  } catch (const std::invalid_argument& e) {
    std::cerr << "pretext-cli: " << e.what() << "\n(see pretext-cli " << command << " --help)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "pretext-cli: " << e.what() << "\n";
    return 1;
  }
}
