// makeGrid with chosen colours: the paper between the tiles and the captions' ink, and a
// transparent paper (RGBA) for sheets shown in a themed window.
#pragma once

#include "pretext/evaluation.h"
#include "pretext/image.h"

namespace pretext {

/// makeGrid (image.h) on `colours.paper` with captions in `colours.ink`; RGBA with the paper at
/// alpha 0 when `colours.transparent`, else RGB.
Image makeSheet(const std::vector<Image>& tiles, int columns, int gap, const std::vector<std::string>& captions,
                int scale, const SheetColours& colours);

}  // namespace pretext
