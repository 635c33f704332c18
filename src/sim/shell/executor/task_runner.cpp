#include "task_runner.hpp"

#include <cerrno>
#include <chrono>
#include <map>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "child_signals.hpp"
#include "health_prober.hpp"
#include "spawn.hpp"

namespace iof::sim {

namespace asio = boost::asio;
namespace v1 = mesos::v1;

namespace {

// How long stop() lets SIGTERMed tasks end on their own before it SIGKILLs them. Short: stop()
// blocks the master's shutdown.
constexpr auto stop_grace = std::chrono::milliseconds(500);

}  // namespace

struct TaskRunner::Impl : std::enable_shared_from_this<TaskRunner::Impl> {
  struct Process {
    std::string framework_id;
    std::string task_id;
    pid_t pid = 0;
    bool killed = false;  // SIGTERM sent: the exit is TASK_KILLED, whatever the status
    std::unique_ptr<asio::steady_timer> escalation;
    asio::steady_timer::time_point escalation_due{};
  };

  Impl(asio::any_io_executor executor_, std::filesystem::path root_, Started started_,
       Exited exited_, Checked checked)
      : executor(std::move(executor_)),
        children(executor),
        root(std::move(root_)),
        started(std::move(started_)),
        exited(std::move(exited_)),
        prober(executor, std::move(checked)) {}

  asio::any_io_executor executor;
  ChildSignals children;
  std::filesystem::path root;
  Started started;
  Exited exited;
  HealthProber prober;
  std::map<std::string, Process> processes;  // by container id
  bool stopped = false;

  // Reports run later from the event loop, never inside the caller's call.
  void report(std::function<void()> what) {
    asio::post(executor, [weak = weak_from_this(), what = std::move(what)] {
      if (auto self = weak.lock(); self && !self->stopped) {
        what();
      }
    });
  }

  void wait_for_children() {
    children.start([weak = weak_from_this()] {
      if (auto self = weak.lock(); self && !self->stopped) {
        self->reap();
      }
    });
  }

  // SIGCHLD coalesces: look at every child of ours, and only at ours.
  void reap() {
    for (auto it = processes.begin(); it != processes.end();) {
      int status = 0;
      const pid_t done = ::waitpid(it->second.pid, &status, WNOHANG);
      if (done != it->second.pid) {
        ++it;
        continue;
      }
      Process process = std::move(it->second);
      prober.stop(it->first);
      it = processes.erase(it);
      // Whatever the command left running in its group goes with it, as when an agent destroys
      // the container.
      ::kill(-process.pid, SIGKILL);
      if (process.escalation) {
        process.escalation->cancel();
      }
      v1::TaskState state = v1::TASK_FAILED;
      if (process.killed) {
        state = v1::TASK_KILLED;
      } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        state = v1::TASK_FINISHED;
      }
      report([self = this, framework = process.framework_id, task = process.task_id, state,
              message = exec::exit_message(status)] {
        self->exited(framework, task, state, message);
      });
    }
  }

  void launch(const ExecutionRequest& request) {
    auto spawned = exec::spawn_task(request, root);
    const std::string framework = request.framework_id;
    const std::string task = request.task.task_id().value();
    if (!spawned) {
      report([this, framework, task, message = spawned.error().message] {
        exited(framework, task, v1::TASK_FAILED, message);
      });
      return;
    }
    Process& process = processes[request.container_id];
    process.framework_id = framework;
    process.task_id = task;
    process.pid = spawned->pid;
    report([this, framework, task] { started(framework, task); });
    prober.start(request, spawned->sandbox);
  }

  void kill(const ExecutionRequest& request) {
    auto found = processes.find(request.container_id);
    if (found == processes.end()) {
      return;  // it already ended; its exit is reported
    }
    Process& process = found->second;
    // The command executor pauses its health checker on a kill.
    prober.stop(request.container_id);
    if (!process.killed) {
      process.killed = true;
      ::kill(-process.pid, SIGTERM);
    }
    const auto due = asio::steady_timer::clock_type::now() +
                     std::chrono::duration_cast<asio::steady_timer::duration>(request.grace_period);
    if (process.escalation && process.escalation_due <= due) {
      return;  // a second kill only ever brings the SIGKILL forward
    }
    if (!process.escalation) {
      process.escalation = std::make_unique<asio::steady_timer>(executor);
    }
    process.escalation_due = due;
    process.escalation->expires_at(due);
    process.escalation->async_wait([weak = weak_from_this(), container = request.container_id](
                                       const boost::system::error_code& error) {
      auto self = weak.lock();
      if (error || !self) {
        return;
      }
      // Only while the process is unreaped: until then its pid is still its group's id.
      if (auto still = self->processes.find(container); still != self->processes.end()) {
        ::kill(-still->second.pid, SIGKILL);
      }
    });
  }

  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    prober.stop_all();
    children.stop();
    for (auto& [container, process] : processes) {
      ::kill(-process.pid, SIGTERM);
      if (process.escalation) {
        process.escalation->cancel();
      }
    }
    const auto deadline = std::chrono::steady_clock::now() + stop_grace;
    while (!processes.empty()) {
      const bool late = std::chrono::steady_clock::now() >= deadline;
      for (auto it = processes.begin(); it != processes.end();) {
        if (late) {
          ::kill(-it->second.pid, SIGKILL);
        }
        int status = 0;
        const pid_t done = ::waitpid(it->second.pid, &status, late ? 0 : WNOHANG);
        if (done == it->second.pid || (done < 0 && errno != EINTR)) {
          ::kill(-it->second.pid, SIGKILL);  // the rest of its group
          it = processes.erase(it);
        } else {
          ++it;
        }
      }
      if (!processes.empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
  }
};

TaskRunner::TaskRunner(asio::any_io_executor executor, std::filesystem::path root, Started started,
                       Exited exited, Checked checked)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(root), std::move(started),
                                   std::move(exited), std::move(checked))) {
  impl_->wait_for_children();
}

TaskRunner::~TaskRunner() {
  impl_->stop();
}

void TaskRunner::run(const ExecutionRequest& request) {
  if (impl_->stopped) {
    return;
  }
  if (request.kind == ExecutionRequest::Kind::launch) {
    impl_->launch(request);
  } else {
    impl_->kill(request);
  }
}

void TaskRunner::stop() {
  impl_->stop();
}

const std::filesystem::path& TaskRunner::root() const {
  return impl_->root;
}

}  // namespace iof::sim
