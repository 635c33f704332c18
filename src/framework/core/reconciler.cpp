// Reconciliation's rounds and retries. Whatever happened while the framework was not listening
// (tasks lost, kills done, launches never applied) is only learnt by asking.
#include "iof/framework/core/reconciler.hpp"

#include "iof/framework/core/calls.hpp"

#include "retry_delay.hpp"

namespace iof::framework {

using v1::scheduler::Call;

void Reconciler::ask_unanswered(Time now, const std::optional<v1::FrameworkID>& framework_id,
                                Decision& decision, Counters& counters) {
  Call reconcile = make_call(framework_id, Call::RECONCILE);
  reconcile.mutable_reconcile();  // the master refuses a RECONCILE without its body
  for (const auto& [task_id, agent] : unanswered_) {
    auto* task = reconcile.mutable_reconcile()->add_tasks();
    task->mutable_task_id()->set_value(task_id);
    task->mutable_agent_id()->set_value(agent);
  }
  delay_ = core::doubled(delay_, recovery_.retry_base, recovery_.retry_cap);
  due_ = now + delay_;
  ++counters.reconciliations;
  decision.calls.push_back(std::move(reconcile));
  decision.log.push_back("Reconciling " + std::to_string(unanswered_.size()) + " tasks");
}

void Reconciler::ask_everything(Time now, const std::optional<v1::FrameworkID>& framework_id,
                                Decision& decision, Counters& counters) {
  Call reconcile = make_call(framework_id, Call::RECONCILE);
  // Empty, which asks for every task; absent, which the master refuses with a 400.
  reconcile.mutable_reconcile();
  decision.calls.push_back(std::move(reconcile));
  ++counters.reconciliations;
  delay_ = {};
  due_.reset();
  implicit_due_ = now + recovery_.reconcile_interval;
}

bool Reconciler::answered(const std::string& task) {
  return unanswered_.erase(task) > 0 && unanswered_.empty();
}

void Reconciler::ask_due(Time now, const std::optional<v1::FrameworkID>& framework_id,
                         Decision& decision, Counters& counters) {
  if (due_ && now >= *due_) {
    if (unanswered_.empty()) {
      due_.reset();
    } else {
      ask_unanswered(now, framework_id, decision, counters);
    }
  }
  if (implicit_due_ && now >= *implicit_due_) {
    ask_everything(now, framework_id, decision, counters);
  }
}

std::optional<Time> Reconciler::next_due() const {
  if (due_ && implicit_due_) {
    return std::min(*due_, *implicit_due_);
  }
  return due_ ? due_ : implicit_due_;
}

void Reconciler::forget() {
  unanswered_.clear();
  due_.reset();
  implicit_due_.reset();
}

}  // namespace iof::framework
