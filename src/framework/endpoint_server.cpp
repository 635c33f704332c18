#include "endpoint_server.hpp"

#include <boost/asio/post.hpp>

namespace iof::framework {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// How stale a published view may be while frames keep coming: well inside the 100 ms in which
// /health must answer, and rare enough that an update storm is not slowed by rendering metrics.
constexpr auto publish_interval = 20ms;

}  // namespace

EndpointServer::EndpointServer(std::chrono::steady_clock::time_point started_at)
    : work_(io_.get_executor()),
      strand_(asio::make_strand(io_)),
      context_{started_at, "", strand_},
      server_(strand_, [this](const http::Request& request) {
        return serve_endpoint(request, board_.read(), context_);
      }) {}

EndpointServer::~EndpointServer() {
  stop();
}

Result<void> EndpointServer::listen(const asio::ip::tcp::endpoint& endpoint) {
  return server_.listen(endpoint);
}

void EndpointServer::describe(std::string advertise) {
  context_.advertise = std::move(advertise);
}

void EndpointServer::start() {
  thread_ = std::thread([this] { io_.run(); });
}

void EndpointServer::stop() {
  if (!thread_.joinable()) {
    return;
  }
  // The server is stopped on its own strand; then nothing keeps the thread's loop running.
  asio::post(strand_, [this] { server_.stop(); });
  work_.reset();
  thread_.join();
}

void EndpointServer::attach(Runtime& runtime) {
  const Runtime* identity = &runtime;
  // The first view now, while the runtime is not running yet (nothing else reads its state): the
  // endpoints serve the framework as it starts, not 503, from the moment they are told to.
  board_.publish(
      identity, view_of(runtime.state(), std::chrono::duration_cast<Time>(
                                             std::chrono::system_clock::now().time_since_epoch())));
  runtime.observe_frames(
      [this, identity](const SchedulerState& state) {
        const Time now =
            std::chrono::duration_cast<Time>(std::chrono::system_clock::now().time_since_epoch());
        board_.publish(identity, view_of(state, now));
      },
      std::chrono::duration_cast<std::chrono::milliseconds>(publish_interval));
}

}  // namespace iof::framework
