#include "framework_driver.hpp"

#include <deque>
#include <stdexcept>
#include <utility>
#include <variant>

#include "iof/wire/recordio.hpp"

namespace iof::bench {

namespace v1 = mesos::v1;
using framework::Session;
using v1::scheduler::Call;
using v1::scheduler::Event;
namespace session = framework::session;

namespace {

// The core as the runtime builds it from the flags (runtime.cpp's initial_core), from scratch.
framework::SchedulerState fresh_core(const framework::Flags& flags) {
  framework::Recovery recovery;
  recovery.allow_new_framework = flags.allow_new_framework;
  recovery.reconcile_interval = flags.reconcile_interval;
  recovery.crash_backoff = flags.crash_backoff;
  recovery.crash_backoff_max = flags.crash_backoff_max;
  recovery.agent_memory = flags.agent_memory;
  return framework::SchedulerState(flags.policy, flags.num_tasks, flags.role, flags.task, recovery,
                                   flags.evacuation);
}

framework::Flags bench_flags(wire::ContentType type, std::uint32_t num_tasks) {
  framework::Flags flags;
  flags.master = "127.0.0.1:5050";
  flags.num_tasks = num_tasks;
  flags.content_type = type;
  flags.policy = framework::Policy::evacuate;
  flags.advertise_address = "127.0.0.1:8090";
  return flags;
}

}  // namespace

std::string frame(const Event& event, wire::ContentType type) {
  return wire::recordio::encode(wire::encode(event, type));
}

FrameworkDriver::FrameworkDriver(wire::ContentType type, std::uint32_t num_tasks,
                                 const std::string& framework_id)
    : type_(type),
      session_(
          framework::session_options(bench_flags(type, num_tasks),
                                     {framework::Endpoint{false, "127.0.0.1", "5050"}}, "bench", 1),
          fresh_core(bench_flags(type, num_tasks))),
      now_(std::chrono::seconds(bench_epoch_seconds)) {
  perform(session_.start(now_));
  session::StreamHead head;
  head.status = 200;
  head.stream_id = "bench-stream";
  perform(session_.stream_opened(stream_, head, now_));
  Event subscribed;
  subscribed.set_type(Event::SUBSCRIBED);
  subscribed.mutable_subscribed()->mutable_framework_id()->set_value(framework_id);
  subscribed.mutable_subscribed()->set_heartbeat_interval_seconds(15);
  feed(frame(subscribed, type));
  if (!session_.subscribed()) {
    throw std::runtime_error("the bench framework did not subscribe");
  }
}

void FrameworkDriver::feed(std::string_view bytes) {
  perform(session_.stream_data(stream_, bytes, now_));
}

void FrameworkDriver::perform(session::Actions first) {
  std::deque<session::Actions> pending;
  pending.push_back(std::move(first));
  while (!pending.empty()) {
    session::Actions actions = std::move(pending.front());
    pending.pop_front();
    for (auto& action : actions) {
      if (auto* open = std::get_if<session::OpenStream>(&action)) {
        stream_ = open->stream;
      } else if (auto* deliver = std::get_if<session::Deliver>(&action)) {
        pending.push_back(session_.handle(*deliver, now_));
      } else if (auto* send = std::get_if<session::SendCall>(&action)) {
        call_bytes_ += wire::encode(send->call, type_).size();
        ++calls_sent_;
        if (send->call.type() == Call::ACCEPT) {
          for (const auto& operation : send->call.accept().operations()) {
            for (const auto& task : operation.launch().task_infos()) {
              launched_.push_back({task.task_id().value(), task.agent_id().value()});
            }
          }
        }
        pending.push_back(session_.call_done(send->id, {202, ""}, now_));
      } else if (std::holds_alternative<session::Finish>(action)) {
        throw std::runtime_error("the bench framework finished");
      }
    }
  }
}

}  // namespace iof::bench
