#pragma once

#include <filesystem>
#include <string>
#include <sys/types.h>

#include "iof/common/result.hpp"
#include "iof/sim/cluster.hpp"

// Starting one command task's process the way a Mesos agent's command executor does, without
// Asio: the sandbox, the stdout and stderr files, the environment, and fork + exec in a new
// session. Kept apart from the event loop so it can be read (and reasoned about) on its own.
namespace iof::sim::exec {

struct Spawned {
  pid_t pid = 0;  // also the process group id: the child calls setsid()
  std::filesystem::path sandbox;
};

// Creates the sandbox under `root` and starts the task's command there. Fails, without leaving
// a process behind, when the sandbox, its files or the exec fail; the message says which.
Result<Spawned> spawn_task(const ExecutionRequest& request, const std::filesystem::path& root);

// Starts a COMMAND health check's process in the task's sandbox, in its own session, with the
// task's environment and the check's variables over it; its output goes to the sandbox's
// `stderr`, as the checker's goes to the executor's. The caller reaps it.
Result<pid_t> spawn_probe(const ExecutionRequest& request, const mesos::v1::CommandInfo& command,
                          const std::filesystem::path& sandbox);

// The command executor's text for a wait status: "Command exited with status 3",
// "Command terminated with signal Killed".
std::string exit_message(int wait_status);

}  // namespace iof::sim::exec
