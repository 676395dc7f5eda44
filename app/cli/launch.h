// `pretext-cli train --nproc N`: N local worker processes of this same command line, joined into one
// data-parallel job through the environment torchrun would give them.
#pragma once

#include <string>

namespace pretext::cli {

/// Starts `nproc` copies of this process's command line without --nproc (each with RANK,
/// WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT; a
/// --threads total split between them; rank 0 alone shows progress) and waits for them. SIGINT and
/// SIGTERM are forwarded, so that all of them stop at the same step and rank 0 leaves a resumable
/// checkpoint; a worker that fails stops the others. Returns the exit code: 0 when all finished,
/// 130 when stopped, otherwise the first failed worker's.
/// `out`, when not empty, is handed to every worker as --out (the run folder chosen once, here).
int launchWorkers(int nproc, const std::string& out = "");

}  // namespace pretext::cli
