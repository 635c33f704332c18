#include "http_client.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <stdexcept>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "iof/wire/json.hpp"

namespace iof::test {

namespace {

using Clock = std::chrono::steady_clock;

int connect_loopback(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::runtime_error("connect to port " + std::to_string(port) + ": " +
                             std::strerror(error));
  }
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
}

// Reads whatever arrives before the deadline into `out`; false on timeout or end of stream.
bool read_some(int fd, std::string& out, Clock::time_point deadline, bool& eof) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) {
    return false;
  }
  pollfd entry{fd, POLLIN, 0};
  if (::poll(&entry, 1, static_cast<int>(left.count())) <= 0) {
    return false;
  }
  char buffer[65536];
  const auto n = ::recv(fd, buffer, sizeof buffer, 0);
  if (n <= 0) {
    eof = true;
    return false;
  }
  out.append(buffer, static_cast<std::size_t>(n));
  return true;
}

std::string serialize(const HttpRequest& request) {
  std::string out = request.method + " " + request.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  for (const auto& [name, value] : request.headers) {
    out += name + ": " + value + "\r\n";
  }
  if (!request.body.empty() || request.method == "POST") {
    out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  }
  out += "\r\n" + request.body;
  return out;
}

}  // namespace

HttpResponse parse_response_head(std::string_view head) {
  HttpResponse response;
  auto line_end = head.find("\r\n");
  response.status_line = std::string(head.substr(0, line_end));
  response.status = static_cast<unsigned>(std::stoul(response.status_line.substr(9, 3)));
  while (line_end != std::string_view::npos) {
    head.remove_prefix(line_end + 2);
    line_end = head.find("\r\n");
    const auto line = head.substr(0, line_end);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    auto value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    response.headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return response;
}

namespace {

// Removes complete chunks from `raw` into `payload`; true once the last chunk was seen.
bool dechunk(std::string& raw, std::string& payload) {
  for (;;) {
    const auto size_end = raw.find("\r\n");
    if (size_end == std::string::npos) {
      return false;
    }
    const std::size_t size = std::stoul(raw.substr(0, size_end), nullptr, 16);
    if (raw.size() < size_end + 2 + size + 2) {
      return false;
    }
    payload.append(raw, size_end + 2, size);
    raw.erase(0, size_end + 2 + size + 2);
    if (size == 0) {
      return true;
    }
  }
}

}  // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && ::strncasecmp(key.data(), name.data(), key.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

std::vector<std::string> HttpResponse::header_names() const {
  std::vector<std::string> names;
  for (const auto& [key, value] : headers) {
    names.push_back(key);
  }
  return names;
}

namespace {

// Takes one whole response off the front of `raw`, reading more as needed; what follows it (the
// next pipelined response) stays in `raw`.
HttpResponse take_response(int fd, std::string& raw, Clock::time_point deadline,
                           unsigned short port) {
  bool eof = false;
  while (raw.find("\r\n\r\n") == std::string::npos) {
    if (!read_some(fd, raw, deadline, eof)) {
      throw std::runtime_error("no complete response head from port " + std::to_string(port));
    }
  }
  const auto head_end = raw.find("\r\n\r\n");
  HttpResponse response = parse_response_head(std::string_view(raw).substr(0, head_end));
  raw.erase(0, head_end + 4);
  if (auto length = response.header("Content-Length")) {
    const std::size_t wanted = std::stoul(*length);
    while (raw.size() < wanted) {
      if (!read_some(fd, raw, deadline, eof)) {
        throw std::runtime_error("truncated response body");
      }
    }
    response.body = raw.substr(0, wanted);
    raw.erase(0, wanted);
  } else {
    while (!dechunk(raw, response.body)) {
      if (!read_some(fd, raw, deadline, eof)) {
        throw std::runtime_error("truncated chunked body");
      }
    }
  }
  return response;
}

}  // namespace

HttpResponse request(unsigned short port, const HttpRequest& request,
                     std::chrono::milliseconds timeout) {
  return pipelined(port, {request}, timeout).at(0);
}

std::vector<HttpResponse> pipelined(unsigned short port, const std::vector<HttpRequest>& requests,
                                    std::chrono::milliseconds timeout) {
  const int fd = connect_loopback(port);
  const auto deadline = Clock::now() + timeout;
  try {
    std::string bytes;
    for (const auto& request : requests) {
      bytes += serialize(request);
    }
    send_all(fd, bytes);
    std::string raw;
    std::vector<HttpResponse> responses;
    while (responses.size() < requests.size()) {
      responses.push_back(take_response(fd, raw, deadline, port));
    }
    ::close(fd);
    return responses;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

EventStream::EventStream(unsigned short port, const HttpRequest& request, bool protobuf)
    : fd_(connect_loopback(port)), protobuf_(protobuf) {
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  send_all(fd_, serialize(request));
  bool eof = false;
  while (raw_.find("\r\n\r\n") == std::string::npos) {
    if (!read_some(fd_, raw_, deadline, eof)) {
      throw std::runtime_error("no response head for the SUBSCRIBE");
    }
  }
  const auto head_end = raw_.find("\r\n\r\n");
  head_ = parse_response_head(std::string_view(raw_).substr(0, head_end));
  raw_.erase(0, head_end + 4);
  if (auto length = head_.header("Content-Length")) {
    const std::size_t wanted = std::stoul(*length);
    while (raw_.size() < wanted && read_some(fd_, raw_, deadline, eof)) {
    }
    head_.body = raw_.substr(0, wanted);
    ended_ = true;
  }
}

EventStream::~EventStream() {
  close();
}

void EventStream::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool EventStream::fill(Clock::time_point deadline) {
  if (ended_ || fd_ < 0) {
    return false;
  }
  bool eof = false;
  const bool got = read_some(fd_, raw_, deadline, eof);
  if (eof) {
    ended_ = true;
  }
  return got;
}

std::optional<std::string> EventStream::next_record(Clock::time_point deadline) {
  for (;;) {
    if (dechunk(raw_, payload_)) {
      ended_ = true;
    }
    const auto newline = payload_.find('\n');
    if (newline != std::string::npos) {
      const std::size_t size = std::stoul(payload_.substr(0, newline));
      if (payload_.size() >= newline + 1 + size) {
        std::string record = payload_.substr(newline + 1, size);
        payload_.erase(0, newline + 1 + size);
        records_.push_back(record);
        return record;
      }
    }
    if (ended_ || !fill(deadline)) {
      return std::nullopt;
    }
  }
}

std::optional<mesos::v1::scheduler::Event> EventStream::next(std::chrono::milliseconds timeout) {
  auto record = next_record(Clock::now() + timeout);
  if (!record) {
    return std::nullopt;
  }
  mesos::v1::scheduler::Event event;
  if (protobuf_) {
    if (!event.ParseFromString(*record)) {
      throw std::runtime_error("undecodable protobuf event");
    }
  } else if (auto read = wire::json::read(*record, event); !read) {
    throw std::runtime_error("undecodable JSON event: " + read.error().message);
  }
  return event;
}

std::optional<mesos::v1::scheduler::Event> EventStream::next_of(
    mesos::v1::scheduler::Event::Type type, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    auto event = next(left);
    if (!event) {
      return std::nullopt;
    }
    if (event->type() == type) {
      return event;
    }
  }
}

}  // namespace iof::test
