#pragma once

#include <string>

#include "iof/framework/session.hpp"
#include "iof/simulation/scenario.hpp"

#include "mesos/v1/scheduler/scheduler.pb.h"

// One short, stable line per event and call for the trace: the same run gives the same text.
namespace iof::simulation {

std::string describe(const mesos::v1::scheduler::Event& event);
// As the framework got it: a protobuf OFFERS event's offers come read down to summaries.
std::string describe(const framework::session::Deliver& delivered);
std::string describe(const mesos::v1::scheduler::Call& call);
// "+HH:MM:SS.mmm" since the start of the run.
std::string clock_text(Time since_start);

}  // namespace iof::simulation
