#pragma once

#include <optional>
#include <string>

#include "iof/common/result.hpp"
#include "iof/framework/scheduler_state.hpp"

// --state_file on disk: read once at start, replaced atomically (write a temporary file, fsync,
// rename, fsync the directory) so that a crash leaves either the old or the new state.
namespace iof::framework {

// Nullopt when the file does not exist (a first run); an error names the file and the reason.
Result<std::optional<Snapshot>> load_state_file(const std::string& path);
Result<void> save_state_file(const std::string& path, const Snapshot& snapshot);

}  // namespace iof::framework
