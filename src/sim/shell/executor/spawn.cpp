#include "spawn.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <grp.h>
#include <map>
#include <optional>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <vector>

extern char** environ;  // NOLINT: POSIX declares it nowhere else

namespace iof::sim::exec {

namespace fs = std::filesystem;
namespace v1 = mesos::v1;

namespace {

// An id as one path component: no separators, no "." or "..".
std::string component(std::string id) {
  for (char& c : id) {
    if (c == '/') {
      c = '_';
    }
  }
  if (id.empty() || id == "." || id == "..") {
    id = "_" + id;
  }
  return id;
}

std::string errno_text(int error) {
  return std::error_code(error, std::generic_category()).message();
}

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int value) : fd(value) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

// The environment a Mesos agent gives a command task: the agent's own, the MESOS_* variables,
// PORT0.. for the task's port ranges (Marathon's convention, which the issue asks for), and the
// CommandInfo's variables last, so that the task's own settings win.
std::vector<std::string> environment(const ExecutionRequest& request, const fs::path& sandbox,
                                     const v1::Environment* extra = nullptr) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string::npos) {
      variables[text.substr(0, equals)] = text.substr(equals + 1);
    }
  }
  const std::string& task_id = request.task.task_id().value();
  variables["MESOS_SANDBOX"] = sandbox.string();
  variables["MESOS_DIRECTORY"] = sandbox.string();
  variables["MESOS_FRAMEWORK_ID"] = request.framework_id;
  variables["MESOS_AGENT_ID"] = request.agent_id;
  variables["MESOS_SLAVE_ID"] = request.agent_id;
  variables["MESOS_EXECUTOR_ID"] = task_id;  // the command executor is named after its task
  variables["MESOS_TASK_ID"] = task_id;
  variables["MESOS_CONTAINER_ID"] = request.container_id;
  std::size_t index = 0;
  std::string ports;
  for (const auto& resource : request.task.resources()) {
    if (resource.name() != "ports" || !resource.has_ranges()) {
      continue;
    }
    for (const auto& range : resource.ranges().range()) {
      // A bound keeps a huge range from producing a huge environment.
      for (auto port = range.begin(); port <= range.end() && index < 1000; ++port, ++index) {
        variables["PORT" + std::to_string(index)] = std::to_string(port);
        ports += (ports.empty() ? "" : ",") + std::to_string(port);
      }
    }
  }
  if (!ports.empty()) {
    variables["PORT"] = variables["PORT0"];
    variables["PORTS"] = ports;
  }
  for (const auto* source : {&request.task.command().environment(), extra}) {
    if (source == nullptr) {
      continue;
    }
    for (const auto& variable : source->variables()) {
      if (variable.type() != v1::Environment::Variable::SECRET) {
        variables[variable.name()] = variable.value();
      }
    }
  }
  std::vector<std::string> out;
  out.reserve(variables.size());
  for (const auto& [name, value] : variables) {
    out.push_back(name + "=" + value);
  }
  return out;
}

// shell=false runs `value` with `arguments` as its argv, found on PATH like execvp would; the
// search happens here, before fork, so that the child only calls async-signal-safe functions.
std::string resolve(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return program;
  }
  const char* path = std::getenv("PATH");
  const std::string directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= directories.size()) {
    const auto end = std::min(directories.find(':', start), directories.size());
    const std::string directory = directories.substr(start, end - start);
    const std::string candidate = (directory.empty() ? "." : directory) + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
    start = end + 1;
  }
  return program;  // execve fails with ENOENT, which is reported
}

std::vector<char*> pointers(std::vector<std::string>& texts) {
  std::vector<char*> out;
  out.reserve(texts.size() + 1);
  for (auto& text : texts) {
    out.push_back(text.data());
  }
  out.push_back(nullptr);
  return out;
}

// Whom a command runs as: CommandInfo.user, as an agent with --switch_user (its default) runs it.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

// None when the command names no user, or the one mesos-sim runs as. Fails, as a real agent
// fails the task, when the user does not exist or mesos-sim (not root) cannot switch to it.
Result<std::optional<RunAs>> run_as(const v1::CommandInfo& command) {
  if (!command.has_user() || command.user().empty()) {
    return std::optional<RunAs>();
  }
  const std::string& user = command.user();
  // /etc/passwd read directly: the binary is static, and glibc's NSS lookups (getpwnam) load
  // shared modules at run time, which a static binary cannot do safely.
  std::FILE* passwd_file = std::fopen("/etc/passwd", "re");
  if (passwd_file == nullptr) {
    return Error{"Failed to get user information for '" + user +
                 "': /etc/passwd: " + errno_text(errno)};
  }
  struct passwd entry {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  while (::fgetpwent_r(passwd_file, &entry, buffer.data(), buffer.size(), &found) == 0 &&
         found != nullptr && user != found->pw_name) {
    found = nullptr;
  }
  std::fclose(passwd_file);
  if (found == nullptr) {
    return Error{"Failed to get user information for '" + user + "': no such user"};
  }
  if (found->pw_uid == ::geteuid()) {
    return std::optional<RunAs>();
  }
  if (::geteuid() != 0) {
    return Error{"Failed to switch to user '" + user + "': mesos-sim runs as uid " +
                 std::to_string(::geteuid()) + ", and only root may run a task as another user"};
  }
  return std::optional<RunAs>(RunAs{found->pw_uid, found->pw_gid});
}

// Forks and execs `command` (through /bin/sh -c, or its argv with shell=false) in its own
// session, in `directory`, with the given streams and environment. Fails, without leaving a
// process behind, when the exec fails.
Result<pid_t> start(const v1::CommandInfo& command, std::vector<std::string>& env,
                    const fs::path& directory_path, int in_fd, int out_fd, int err_fd,
                    const std::optional<RunAs>& user) {
  std::vector<std::string> argv;
  std::string program;
  if (!command.has_shell() || command.shell()) {
    program = "/bin/sh";
    argv = {"sh", "-c", command.value()};
  } else {
    if (command.value().empty()) {
      return Error{"Failed to launch the command: shell=false needs a CommandInfo.value"};
    }
    program = resolve(command.value());
    argv.assign(command.arguments().begin(), command.arguments().end());
    if (argv.empty()) {
      argv.push_back(command.value());
    }
  }
  std::vector<char*> argv_pointers = pointers(argv);
  std::vector<char*> env_pointers = pointers(env);
  const std::string directory = directory_path.string();

  // The child reports a failed exec through this pipe; a successful exec closes it (CLOEXEC).
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return Error{"Failed to launch the command: pipe: " + errno_text(errno)};
  }
  Fd report_read(fds[0]);
  Fd report_write(fds[1]);

  const pid_t pid = ::fork();
  if (pid < 0) {
    return Error{"Failed to launch the command: fork: " + errno_text(errno)};
  }
  if (pid == 0) {
    // The child: only async-signal-safe calls from here on.
    ::setsid();  // its own session and process group, whose id is its pid
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (const int number : {SIGPIPE, SIGINT, SIGTERM, SIGCHLD, SIGHUP, SIGQUIT}) {
      ::sigaction(number, &default_action, nullptr);
    }
    int failure = 0;
    // Groups first: once the uid changes, nothing else may.
    const bool switched = !user || (::setgroups(1, &user->gid) == 0 && ::setgid(user->gid) == 0 &&
                                    ::setuid(user->uid) == 0);
    if (!switched || ::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0 ||
        ::chdir(directory.c_str()) != 0) {
      failure = errno;
    } else {
      ::execve(program.c_str(), argv_pointers.data(), env_pointers.data());
      failure = errno;
    }
    [[maybe_unused]] const auto written = ::write(report_write.fd, &failure, sizeof failure);
    ::_exit(127);
  }
  ::close(report_write.fd);
  report_write.fd = -1;
  int failure = 0;
  ssize_t got = 0;
  do {
    got = ::read(report_read.fd, &failure, sizeof failure);
  } while (got < 0 && errno == EINTR);
  if (got == static_cast<ssize_t>(sizeof failure)) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    return Error{"Failed to launch the command '" + program + "': " + errno_text(failure)};
  }
  return pid;
}

}  // namespace

Result<Spawned> spawn_task(const ExecutionRequest& request, const fs::path& root) {
  const v1::CommandInfo& command = request.task.command();
  const fs::path sandbox = root / "slaves" / component(request.agent_id) / "frameworks" /
                           component(request.framework_id) / "executors" /
                           component(request.task.task_id().value()) / "runs" /
                           component(request.container_id);
  std::error_code error;
  fs::create_directories(sandbox, error);
  if (error) {
    return Error{"Failed to create the sandbox '" + sandbox.string() + "': " + error.message()};
  }
  const auto open_file = [&](const char* name) {
    return ::open((sandbox / name).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  };
  Fd out(open_file("stdout"));
  Fd err(open_file("stderr"));
  Fd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (out.fd < 0 || err.fd < 0 || in.fd < 0) {
    return Error{"Failed to open the sandbox's stdout or stderr in '" + sandbox.string() +
                 "': " + errno_text(errno)};
  }

  auto user = run_as(command);
  if (!user) {
    return user.error();
  }
  if (*user) {
    // As an agent does: the sandbox and its files belong to the task's user, and the directories
    // above it (mesos-sim's own, private by default) let it through without listing them.
    fs::path directory = root;
    fs::permissions(directory, fs::perms::others_exec, fs::perm_options::add, error);
    for (const auto& part : sandbox.lexically_relative(root)) {
      directory /= part;
      fs::permissions(directory, fs::perms::others_exec, fs::perm_options::add, error);
    }
    if (::chown(sandbox.c_str(), (*user)->uid, (*user)->gid) != 0 ||
        ::fchown(out.fd, (*user)->uid, (*user)->gid) != 0 ||
        ::fchown(err.fd, (*user)->uid, (*user)->gid) != 0) {
      return Error{"Failed to chown the sandbox '" + sandbox.string() + "': " + errno_text(errno)};
    }
  }
  std::vector<std::string> env = environment(request, sandbox);
  auto pid = start(command, env, sandbox, in.fd, out.fd, err.fd, *user);
  if (!pid) {
    return pid.error();
  }
  return Spawned{*pid, sandbox};
}

Result<pid_t> spawn_probe(const ExecutionRequest& request, const v1::CommandInfo& command,
                          const fs::path& sandbox) {
  // Upstream's checker writes both streams to the executor's stderr, the sandbox's `stderr`.
  Fd err(::open((sandbox / "stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  Fd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (err.fd < 0 || in.fd < 0) {
    return Error{"Failed to open the sandbox's stderr in '" + sandbox.string() +
                 "': " + errno_text(errno)};
  }
  // The check runs as the task does.
  auto user = run_as(request.task.command());
  if (!user) {
    return user.error();
  }
  std::vector<std::string> env = environment(request, sandbox, &command.environment());
  return start(command, env, sandbox, in.fd, err.fd, err.fd, *user);
}

std::string exit_message(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "Command exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  if (WIFSIGNALED(wait_status)) {
    return std::string("Command terminated with signal ") + ::strsignal(WTERMSIG(wait_status));
  }
  return "Command ended with wait status " + std::to_string(wait_status);
}

}  // namespace iof::sim::exec
