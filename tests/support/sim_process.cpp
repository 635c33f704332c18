#include "sim_process.hpp"

#include <algorithm>
#include <chrono>
#include <regex>
#include <stdexcept>

#ifndef IOF_MESOS_SIM_BINARY
#error "IOF_MESOS_SIM_BINARY must name the mesos-sim executable"
#endif

namespace iof::test {

SimProcess::SimProcess(std::vector<std::string> flags) {
  // Defaults a test may override (a restart on the same port, another seed).
  std::vector<std::string> args;
  for (const std::string flag : {"--ip=127.0.0.1", "--port=0", "--seed=7"}) {
    const std::string name = flag.substr(0, flag.find('=') + 1);
    if (std::none_of(flags.begin(), flags.end(),
                     [&](const std::string& given) { return given.starts_with(name); })) {
      args.push_back(flag);
    }
  }
  args.insert(args.end(), flags.begin(), flags.end());
  process_ = std::make_unique<ChildProcess>(IOF_MESOS_SIM_BINARY, args);
  const std::string line = process_->first_line();
  std::smatch match;
  if (!std::regex_search(line, match, std::regex(R"(127\.0\.0\.1:(\d+) \(master id ([^,]+),)"))) {
    process_->stop();
    throw std::runtime_error("mesos-sim did not start: " + line + process_->stderr_text());
  }
  banner_ = line;
  port_ = static_cast<unsigned short>(std::stoul(match[1].str()));
  master_id_ = match[2].str();
}

SimProcess::~SimProcess() = default;

int SimProcess::stop() {
  return process_->stop();
}

int SimProcess::stop(int signal) {
  return process_->stop(signal);
}

SimRun run_sim(const std::vector<std::string>& flags) {
  ChildProcess process(IOF_MESOS_SIM_BINARY, flags);
  int status = process.wait(std::chrono::seconds(10));
  if (status < 0) {
    status = process.stop();
  }
  return {status, process.rest_of_stdout() + process.stderr_text()};
}

}  // namespace iof::test
