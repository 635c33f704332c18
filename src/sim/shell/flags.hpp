#pragma once

#include <optional>
#include <string>

#include "iof/sim/master_server.hpp"

namespace iof::sim {

// The result of reading mesos-sim's command line: options to run with, or text to print and an
// exit status (--help and --version exit 0; bad input exits 1 with one line naming the problem).
struct FlagsOutcome {
  std::optional<SimOptions> options;
  int exit_code = 0;
  std::string output;
};

// Flags are named like mesos-master's and may also come from MESOS_<NAME> environment
// variables; the command line wins.
FlagsOutcome parse_flags(int argc, const char* const* argv);

}  // namespace iof::sim
