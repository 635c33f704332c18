// The board between the framework's thread and the endpoint thread: views published after
// frames, and who is served.
#include <utility>

#include "iof/framework/view/metrics.hpp"

#include "endpoints.hpp"

namespace iof::framework {

std::shared_ptr<const FrameworkView> view_of(const SchedulerState& state, Time now) {
  auto view = std::make_shared<FrameworkView>();
  view->subscribed = state.subscribed();
  view->health = health(state);
  view->metrics = metrics(state, 0, now);
  view->at = now;
  return view;
}

void EndpointBoard::publish(const Runtime* from, std::shared_ptr<const FrameworkView> view) {
  std::lock_guard lock(mutex_);
  published_by_ = from;
  framework_ = std::move(view);
}

void EndpointBoard::set_serving(std::shared_ptr<Runtime> runtime,
                                std::optional<ha::View> election) {
  std::lock_guard lock(mutex_);
  runtime_ = std::move(runtime);
  election_ = std::move(election);
}

EndpointBoard::Read EndpointBoard::read() const {
  std::lock_guard lock(mutex_);
  Read out{runtime_, nullptr, election_};
  // A view from an earlier term's runtime says nothing about the one leading now.
  if (runtime_ && published_by_ == runtime_.get()) {
    out.framework = framework_;
  }
  return out;
}

}  // namespace iof::framework
