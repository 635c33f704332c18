#include "responses.hpp"

namespace iof::sim::responses {

http::Response text(unsigned status, std::string body) {
  http::Response response;
  response.status = status;
  response.headers = {{"Content-Type", "text/plain; charset=utf-8"}};
  response.body = std::move(body);
  return response;
}

http::Response empty(unsigned status) {
  http::Response response;
  response.status = status;
  return response;
}

http::Response body(std::string content, std::string media_type, unsigned status) {
  http::Response response;
  response.status = status;
  response.headers = {{"Content-Length", ""}, {"Content-Type", std::move(media_type)}};
  response.body = std::move(content);
  return response;
}

http::Response method_not_allowed(const std::vector<std::string>& allowed,
                                  const std::string& method) {
  std::string list;
  std::string quoted;
  for (const auto& name : allowed) {
    list += (list.empty() ? "" : ", ") + name;
    quoted += (quoted.empty() ? "" : ", ") + ("'" + name + "'");
  }
  http::Response response = text(405, "405 Method Not Allowed. Expecting one of { " + quoted +
                                          " }, but received '" + method + "'.");
  response.headers.insert(response.headers.begin(), {"Allow", list});
  return response;
}

}  // namespace iof::sim::responses
