#include "describe.hpp"

#include <fmt/format.h>

namespace iof::simulation {

using mesos::v1::scheduler::Call;
using mesos::v1::scheduler::Event;

namespace {

std::string hex(const std::string& bytes) {
  std::string out;
  for (const char c : bytes.substr(0, 4)) {
    out += fmt::format("{:02x}", static_cast<unsigned>(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

std::string describe(const framework::session::Deliver& delivered) {
  if (!delivered.offers) {
    return describe(delivered.event);
  }
  std::string out = Event::Type_Name(delivered.event.type());
  for (const auto& offer : *delivered.offers) {
    out += " " + offer.agent_id;
  }
  return out;
}

std::string describe(const Event& event) {
  std::string out = Event::Type_Name(event.type());
  switch (event.type()) {
    case Event::OFFERS:
      for (const auto& offer : event.offers().offers()) {
        out += " " + offer.agent_id().value();
      }
      break;
    case Event::INVERSE_OFFERS:
      for (const auto& offer : event.inverse_offers().inverse_offers()) {
        out += " " + offer.agent_id().value();
      }
      break;
    case Event::UPDATE: {
      const auto& status = event.update().status();
      out += fmt::format(" {} {} on {}", status.task_id().value(),
                         mesos::v1::TaskState_Name(status.state()), status.agent_id().value());
      if (status.has_reason()) {
        out += " " + mesos::v1::TaskStatus::Reason_Name(status.reason());
      }
      if (!status.uuid().empty()) {
        out += " uuid:" + hex(status.uuid());
      }
      break;
    }
    case Event::RESCIND:
      out += " " + event.rescind().offer_id().value();
      break;
    case Event::FAILURE:
      out += " " + event.failure().agent_id().value();
      break;
    case Event::ERROR:
      out += " " + event.error().message();
      break;
    default:
      break;
  }
  return out;
}

std::string describe(const Call& call) {
  std::string out = Call::Type_Name(call.type());
  switch (call.type()) {
    case Call::ACCEPT:
      for (const auto& operation : call.accept().operations()) {
        for (const auto& task : operation.launch().task_infos()) {
          out += " launch:" + task.task_id().value() + "@" + task.agent_id().value();
        }
      }
      break;
    case Call::DECLINE:
      out += fmt::format(" {} offers", call.decline().offer_ids_size());
      break;
    case Call::KILL:
      out += " " + call.kill().task_id().value() + "@" + call.kill().agent_id().value();
      break;
    case Call::ACKNOWLEDGE:
      out += " " + call.acknowledge().task_id().value() + " uuid:" + hex(call.acknowledge().uuid());
      break;
    case Call::ACCEPT_INVERSE_OFFERS:
      out += fmt::format(" {} offers", call.accept_inverse_offers().inverse_offer_ids_size());
      break;
    case Call::DECLINE_INVERSE_OFFERS:
      out += fmt::format(" {} offers", call.decline_inverse_offers().inverse_offer_ids_size());
      break;
    case Call::RECONCILE:
      out += fmt::format(" {} tasks", call.reconcile().tasks_size());
      break;
    default:
      break;
  }
  return out;
}

std::string clock_text(Time since_start) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_start).count();
  const auto sign = ms < 0 ? "-" : "+";
  const auto value = ms < 0 ? -ms : ms;
  return fmt::format("{}{:02}:{:02}:{:02}.{:03}", sign, value / 3600000, value / 60000 % 60,
                     value / 1000 % 60, value % 1000);
}

}  // namespace iof::simulation
