#include "iof/sim/master_server.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "iof/http/server.hpp"

#include "executor/task_runner.hpp"

// gcc 12 reports a false new/delete mismatch inside Asio's coroutine frames under ASan.
#if defined(__SANITIZE_ADDRESS__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace iof::sim {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// Registry writes are batched: at most one per interval, and one more at stop.
constexpr Duration persist_interval = std::chrono::milliseconds(100);

Time system_now() {
  return std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
}

Result<std::optional<registry::Registry>> read_registry(const fs::path& path) {
  std::error_code error;
  if (!fs::exists(path, error)) {
    return std::optional<registry::Registry>();
  }
  std::ifstream in(path, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  registry::Registry registry;
  if (!in.good() && !in.eof()) {
    return Error{"Failed to read the registry '" + path.string() + "'"};
  }
  if (!registry.ParseFromString(bytes)) {
    return Error{"The registry '" + path.string() +
                 "' is corrupt; move it away to start a fresh cluster"};
  }
  return std::optional<registry::Registry>(std::move(registry));
}

Result<void> write_registry(const fs::path& path, const registry::Registry& registry) {
  const fs::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!registry.SerializeToOstream(&out) || !out.flush()) {
      return Error{"Failed to write the registry '" + temporary.string() + "'"};
    }
  }
  std::error_code error;
  fs::rename(temporary, path, error);
  if (error) {
    return Error{"Failed to replace the registry '" + path.string() + "': " + error.message()};
  }
  return {};
}

// --execute's sandboxes: under --work_dir like a real agent's, else in a fresh directory under
// $TMPDIR that stop() removes (every test and every --master=local run would otherwise leave
// one behind; --work_dir keeps the output).
Result<fs::path> sandbox_root(const std::optional<std::string>& work_dir) {
  if (work_dir) {
    return Result<fs::path>(boost::system::in_place_value, *work_dir);
  }
  std::error_code error;
  fs::path temporary = fs::temp_directory_path(error);
  if (error) {
    temporary = "/tmp";
  }
  std::string pattern = (temporary / "mesos-sim-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error{"Failed to create a directory for --execute's sandboxes under '" +
                 temporary.string() +
                 "': " + std::error_code(errno, std::generic_category()).message()};
  }
  return Result<fs::path>(boost::system::in_place_value, pattern);
}

}  // namespace

struct MasterServer::Impl : std::enable_shared_from_this<MasterServer::Impl> {
  explicit Impl(asio::any_io_executor executor)
      : timer(executor), server(executor, [this](const http::Request& request) -> http::Reply {
          return service->handle(request);
        }) {}

  asio::steady_timer timer;
  http::Server server;
  std::unique_ptr<MasterService> service;
  std::optional<fs::path> registry_path;
  bool stopped = false;
  std::function<void(const std::string&)> notify;
  Time armed_for{};
  bool persist_pending = false;
  Time last_persist{};
  std::string url;
  // --execute: runs the tasks for real. Declared last, destroyed first: its processes end
  // before the service they report to.
  std::unique_ptr<TaskRunner> runner;
  // The fresh $TMPDIR directory of the sandboxes, removed at stop(); none with --work_dir.
  std::optional<fs::path> temporary_root;

  Time next_wake() const {
    std::optional<Time> wake = service->next_wakeup();
    if (persist_pending) {
      const Time persist_at = last_persist + persist_interval;
      wake = wake ? std::min(*wake, persist_at) : persist_at;
    }
    return wake.value_or(system_now() + std::chrono::hours(1));
  }

  // After every change: persist when due, and wake the timer early if there is earlier work.
  void changed() {
    if (stopped) {
      return;
    }
    if (runner) {
      for (const auto& request : service->cluster().take_execution_requests()) {
        runner->run(request);
      }
    }
    if (service->cluster().take_registry_changed()) {
      persist_pending = registry_path.has_value();
    }
    if (persist_pending && system_now() - last_persist >= persist_interval) {
      persist();
    }
    if (next_wake() < armed_for) {
      timer.cancel();
    }
  }

  Result<void> persist() {
    persist_pending = false;
    last_persist = system_now();
    if (!registry_path) {
      return {};
    }
    return write_registry(*registry_path, service->cluster().registry());
  }

  asio::awaitable<void> drive(std::shared_ptr<Impl> self) {
    while (!self->stopped) {
      const Time wake = next_wake();
      const Time now = system_now();
      armed_for = wake;
      timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(
          std::max(Duration::zero(), wake - now)));
      boost::system::error_code ignored;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
      if (self->stopped) {
        break;
      }
      if (system_now() >= armed_for) {
        service->tick();  // on_change persists when due
        if (persist_pending && system_now() - last_persist >= persist_interval) {
          if (auto written = persist(); !written) {
            self->notify(written.error().message);
          }
        }
      }
    }
  }
};

MasterServer::MasterServer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

MasterServer::~MasterServer() {
  if (impl_ && !impl_->stopped) {
    (void)stop();
  }
}

Result<std::unique_ptr<MasterServer>> MasterServer::start(asio::any_io_executor executor,
                                                          SimOptions options) {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(options.config.ip, ec);
  if (ec) {
    return Error{"Invalid --ip '" + options.config.ip + "': " + ec.message()};
  }
  auto impl = std::make_shared<Impl>(executor);
  impl->notify = options.notify ? std::move(options.notify) : [](const std::string& line) {
    std::fprintf(stderr, "mesos-sim: %s\n", line.c_str());
  };
  if (auto listening = impl->server.listen({address, options.config.port}, options.tls);
      !listening) {
    return listening.error();
  }
  options.config.port = impl->server.port();

  std::optional<registry::Registry> recovered;
  if (options.work_dir) {
    std::error_code error;
    fs::create_directories(*options.work_dir, error);
    if (error) {
      return Error{"Failed to create --work_dir '" + *options.work_dir + "': " + error.message()};
    }
    impl->registry_path = fs::path(*options.work_dir) / "registry.pb";
    auto read = read_registry(*impl->registry_path);
    if (!read) {
      return read.error();
    }
    recovered = std::move(*read);
  }
  auto cluster = recovered ? Cluster::recover(options.config, *recovered, system_now())
                           : Cluster::create(options.config, system_now());
  if (!cluster) {
    return cluster.error();
  }
  impl->url = (options.tls ? "https://" : "http://") + options.config.ip + ":" +
              std::to_string(options.config.port);
  impl->service =
      std::make_unique<MasterService>(std::move(*cluster), std::move(options.service), system_now);
  std::weak_ptr<Impl> weak = impl;
  impl->service->on_change([weak] {
    if (auto self = weak.lock()) {
      self->changed();
    }
  });
  if (options.config.execute) {
    auto root = sandbox_root(options.work_dir);
    if (!root) {
      return root.error();
    }
    impl->runner = std::make_unique<TaskRunner>(
        executor, std::move(*root),
        [weak](const std::string& framework_id, const std::string& task_id) {
          if (auto self = weak.lock(); self && !self->stopped) {
            self->service->task_started(framework_id, task_id);
          }
        },
        [weak](const std::string& framework_id, const std::string& task_id,
               mesos::v1::TaskState state, const std::string& message) {
          if (auto self = weak.lock(); self && !self->stopped) {
            self->service->task_exited(framework_id, task_id, state, message);
          }
        },
        [weak](const std::string& framework_id, const std::string& task_id, bool passed) {
          if (auto self = weak.lock(); self && !self->stopped) {
            self->service->health_checked(framework_id, task_id, passed);
          }
        });
    if (!options.work_dir) {
      impl->temporary_root = impl->runner->root();
    }
    impl->notify(
        "--execute: task sandboxes under " + impl->runner->root().string() +
        (options.work_dir ? "" : " (removed when the master stops; --work_dir keeps them)"));
  }
  if (auto written = impl->persist(); !written) {
    return written.error();
  }
  asio::co_spawn(executor, impl->drive(impl), asio::detached);
  return std::unique_ptr<MasterServer>(new MasterServer(impl));
}

unsigned short MasterServer::port() const {
  return impl_->server.port();
}

std::string MasterServer::url() const {
  return impl_->url;
}

MasterService& MasterServer::service() {
  return *impl_->service;
}

Result<void> MasterServer::stop() {
  if (impl_->stopped) {
    return {};
  }
  auto written = impl_->persist();
  impl_->stopped = true;
  impl_->timer.cancel();
  if (impl_->runner) {
    impl_->runner->stop();  // no task process outlives the master
  }
  if (impl_->temporary_root) {
    std::error_code ignored;  // best effort: a sandbox file a task made unremovable stays
    fs::remove_all(*impl_->temporary_root, ignored);
  }
  impl_->service->close_streams();
  impl_->server.stop();
  return written;
}

}  // namespace iof::sim
