// The command-line names of the methods' options: pretext-cli train, the core's messages about
// option values and the window's tooltips all name an option by the same flag.
#pragma once

#include <string>

namespace pretext {

/// The flag that sets method option `name` on the command line: "--NAME", or "--method-NAME" where
/// NAME is also a general option of pretext-cli train. momentum is the one today: --momentum is the
/// optimizer's (SGD/LARS), --method-momentum the method's own (BYOL's and DINO's target EMA, MoCo's
/// key encoder, InstDisc's memory bank). config.json's method_options keep NAME either way.
std::string methodOptionFlag(const std::string& name);

}  // namespace pretext
