// Precompiled header of the core targets: <torch/torch.h> alone costs seconds per file.
#pragma once
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>
