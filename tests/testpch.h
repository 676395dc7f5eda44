// Precompiled header of the core tests: LibTorch and Qt Test (Qt keywords off, see CMakeLists.txt).
#pragma once
#include <torch/torch.h>

#include <QTemporaryDir>
#include <QtTest/QtTest>
