#include "health_prober.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <map>
#include <signal.h>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "child_signals.hpp"
#include "spawn.hpp"

namespace iof::sim {

namespace asio = boost::asio;
namespace v1 = mesos::v1;
using tcp = asio::ip::tcp;

namespace {

using Clock = asio::steady_timer::clock_type;

Clock::duration seconds_of(double seconds) {
  constexpr double most = 365.0 * 24 * 3600;
  if (!(seconds > 0)) {
    return Clock::duration::zero();
  }
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(std::min(seconds, most)));
}

// The status code of an HTTP response's status line ("HTTP/1.1 204 No Content"), or 0.
int status_code(std::string_view head) {
  const auto space = head.find(' ');
  if (!head.starts_with("HTTP/") || space == std::string_view::npos || head.size() < space + 4) {
    return 0;
  }
  int code = 0;
  for (std::size_t i = space + 1; i < space + 4; ++i) {
    if (head[i] < '0' || head[i] > '9') {
      return 0;
    }
    code = code * 10 + (head[i] - '0');
  }
  return code;
}

}  // namespace

struct HealthProber::Impl : std::enable_shared_from_this<HealthProber::Impl> {
  // One task's checker. Handlers hold it by shared_ptr and do nothing once it is stopped.
  struct Task {
    ExecutionRequest request;
    std::filesystem::path sandbox;
    v1::HealthCheck check;
    asio::steady_timer timer;     // the next probe
    asio::steady_timer deadline;  // the running probe's timeout
    std::unique_ptr<tcp::socket> socket;
    // An https check's TLS over `socket` (declared after it: destroyed first).
    std::unique_ptr<asio::ssl::stream<tcp::socket&>> tls;
    std::string buffer;
    pid_t command = 0;        // a running COMMAND probe's process (group)
    std::uint64_t round = 0;  // bumped per probe, so that a late completion is ignored
    bool stopped = false;

    Task(asio::any_io_executor executor, ExecutionRequest r, std::filesystem::path s)
        : request(std::move(r)),
          sandbox(std::move(s)),
          check(request.task.health_check()),
          timer(executor),
          deadline(executor) {}
  };

  Impl(asio::any_io_executor executor_, Checked checked_)
      : executor(std::move(executor_)),
        children(executor),
        tls_context(asio::ssl::context::tls_client),
        checked(std::move(checked_)) {
    // As the agent's checker runs curl -k: an https check does not verify the certificate.
    tls_context.set_verify_mode(asio::ssl::verify_none);
  }

  asio::any_io_executor executor;
  ChildSignals children;
  asio::ssl::context tls_context;
  Checked checked;
  std::map<std::string, std::shared_ptr<Task>> tasks;  // by container id
  // COMMAND probes that ended or were killed and still have to be reaped, and the probe each
  // belongs to (null once it no longer matters).
  std::map<pid_t, std::pair<std::weak_ptr<Task>, std::uint64_t>> commands;
  bool stopped = false;

  void wait_for_children() {
    children.start([weak = weak_from_this()] {
      if (auto self = weak.lock(); self && !self->stopped) {
        self->reap();
      }
    });
  }

  void reap() {
    for (auto it = commands.begin(); it != commands.end();) {
      int status = 0;
      if (::waitpid(it->first, &status, WNOHANG) != it->first) {
        ++it;
        continue;
      }
      ::kill(-it->first, SIGKILL);  // what the check left running in its group
      auto [weak, round] = it->second;
      it = commands.erase(it);
      if (auto task = weak.lock(); task && task->round == round && task->command != 0) {
        task->command = 0;
        finish(task, round, WIFEXITED(status) && WEXITSTATUS(status) == 0);
      }
    }
  }

  // The prober, if it still exists and `round` is still the task's current probe: a completion
  // of anything older is ignored.
  static std::shared_ptr<Impl> current(const std::weak_ptr<Impl>& weak, const Task& task,
                                       std::uint64_t round) {
    auto self = weak.lock();
    return self && task.round == round && !task.stopped ? self : nullptr;
  }

  // The completion handler of one step of the probe of `round`: an error fails the probe, and
  // success goes on to `next`.
  template <typename Next>
  auto step(const std::shared_ptr<Task>& task, std::uint64_t round, Next next) {
    return [weak = weak_from_this(), task, round, next](const boost::system::error_code& error,
                                                        auto&&...) {
      auto self = current(weak, *task, round);
      if (!self) {
        return;
      }
      if (error) {
        self->finish(task, round, false);
        return;
      }
      next(*self);
    };
  }

  void schedule(const std::shared_ptr<Task>& task, Clock::duration after) {
    task->timer.expires_after(after);
    task->timer.async_wait([weak = weak_from_this(), task](const boost::system::error_code& error) {
      auto self = weak.lock();
      if (!error && self && !task->stopped) {
        self->probe(task);
      }
    });
  }

  void probe(const std::shared_ptr<Task>& task) {
    const std::uint64_t round = ++task->round;
    if (const auto timeout = seconds_of(task->check.timeout_seconds());
        timeout > Clock::duration::zero()) {
      task->deadline.expires_after(timeout);
      task->deadline.async_wait(
          [weak = weak_from_this(), task, round](const boost::system::error_code& error) {
            if (auto self = weak.lock(); !error && self) {
              self->finish(task, round, false);  // too slow: a failure, and the probe goes
            }
          });
    }
    switch (task->check.type()) {
      case v1::HealthCheck::COMMAND:
        probe_command(task, round);
        break;
      case v1::HealthCheck::HTTP:
        connect(task, round, task->check.http().port(), true);
        break;
      case v1::HealthCheck::TCP:
        connect(task, round, task->check.tcp().port(), false);
        break;
      default:
        finish(task, round, false);
        break;
    }
  }

  void probe_command(const std::shared_ptr<Task>& task, std::uint64_t round) {
    auto pid = exec::spawn_probe(task->request, task->check.command(), task->sandbox);
    if (!pid) {
      finish(task, round, false);
      return;
    }
    task->command = *pid;
    commands[*pid] = {task, round};
  }

  void connect(const std::shared_ptr<Task>& task, std::uint64_t round, std::uint32_t port,
               bool http) {
    task->socket = std::make_unique<tcp::socket>(executor);
    const tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"),
                                 static_cast<unsigned short>(port));
    task->socket->async_connect(endpoint, [weak = weak_from_this(), task, round,
                                           http](const boost::system::error_code& error) {
      auto self = current(weak, *task, round);
      if (!self) {
        return;
      }
      if (error || !http) {
        self->finish(task, round, !error);
        return;
      }
      if (task->check.http().scheme() == "https") {
        self->handshake(task, round);
        return;
      }
      self->request(task, round);
    });
  }

  void handshake(const std::shared_ptr<Task>& task, std::uint64_t round) {
    task->tls = std::make_unique<asio::ssl::stream<tcp::socket&>>(*task->socket, tls_context);
    task->tls->async_handshake(
        asio::ssl::stream_base::client,
        step(task, round, [task, round](Impl& self) { self.request(task, round); }));
  }

  void request(const std::shared_ptr<Task>& task, std::uint64_t round) {
    const auto& http = task->check.http();
    const std::string path = http.path().empty() ? "/" : http.path();
    task->buffer = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(http.port()) +
                   "\r\nUser-Agent: mesos-sim-health-check\r\nConnection: close\r\n\r\n";
    auto written = step(task, round, [task, round](Impl& self) {
      task->buffer.assign(16, '\0');
      self.read_status(task, round);
    });
    if (task->tls) {
      asio::async_write(*task->tls, asio::buffer(task->buffer), std::move(written));
    } else {
      asio::async_write(*task->socket, asio::buffer(task->buffer), std::move(written));
    }
  }

  // Reads the first 12 bytes ("HTTP/1.1 200"): all the verdict needs.
  void read_status(const std::shared_ptr<Task>& task, std::uint64_t round) {
    auto got_status = [weak = weak_from_this(), task, round](const boost::system::error_code& error,
                                                             std::size_t got) {
      auto self = current(weak, *task, round);
      if (!self) {
        return;
      }
      const int code = error ? 0 : status_code(std::string_view(task->buffer.data(), got));
      self->finish(task, round, code >= 200 && code < 400);
    };
    const auto status_line = asio::buffer(task->buffer.data(), 12);
    if (task->tls) {
      asio::async_read(*task->tls, status_line, std::move(got_status));
    } else {
      asio::async_read(*task->socket, status_line, std::move(got_status));
    }
  }

  // The probe of `round` is over: report it once, clean up, and schedule the next.
  void finish(const std::shared_ptr<Task>& task, std::uint64_t round, bool passed) {
    if (task->stopped || task->round != round) {
      return;
    }
    ++task->round;  // whatever else of this probe completes later is ignored
    end_probe(*task);
    asio::post(executor, [weak = weak_from_this(), task, passed] {
      auto self = weak.lock();
      if (self && !self->stopped && !task->stopped) {
        self->checked(task->request.framework_id, task->request.task.task_id().value(), passed);
      }
    });
    schedule(task, seconds_of(task->check.interval_seconds()));
  }

  // Ends what a probe holds: its socket, its timeout, and its command's process group (which
  // stays listed until reaped).
  void end_probe(Task& task) {
    task.deadline.cancel();
    task.tls.reset();
    if (task.socket) {
      boost::system::error_code ignored;
      task.socket->close(ignored);
      task.socket.reset();
    }
    if (task.command != 0) {
      ::kill(-task.command, SIGKILL);
      task.command = 0;
    }
  }

  void stop(const std::string& container) {
    auto found = tasks.find(container);
    if (found == tasks.end()) {
      return;
    }
    found->second->stopped = true;
    found->second->timer.cancel();
    end_probe(*found->second);
    tasks.erase(found);
  }

  void stop_all() {
    if (stopped) {
      return;
    }
    while (!tasks.empty()) {
      stop(tasks.begin()->first);
    }
    stopped = true;
    children.stop();
    // Every probe process was SIGKILLed: wait for each, so that none is left behind.
    for (const auto& [pid, owner] : commands) {
      ::kill(-pid, SIGKILL);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
    commands.clear();
  }
};

HealthProber::HealthProber(asio::any_io_executor executor, Checked checked)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(checked))) {
  impl_->wait_for_children();
}

HealthProber::~HealthProber() {
  impl_->stop_all();
}

void HealthProber::start(const ExecutionRequest& request, const std::filesystem::path& sandbox) {
  if (impl_->stopped || !request.task.has_health_check()) {
    return;
  }
  auto task = std::make_shared<Impl::Task>(impl_->executor, request, sandbox);
  impl_->tasks[request.container_id] = task;
  impl_->schedule(task, seconds_of(task->check.delay_seconds()));
}

void HealthProber::stop(const std::string& container_id) {
  impl_->stop(container_id);
}

void HealthProber::stop_all() {
  impl_->stop_all();
}

}  // namespace iof::sim
