#pragma once

#include <string>
#include <vector>

#include "iof/http/message.hpp"

// The shapes of the master's (libprocess's) HTTP responses, header order included.
namespace iof::sim::responses {

// An error or message text: Content-Type text/plain; charset=utf-8, then Content-Length.
http::Response text(unsigned status, std::string body);
// No body: just Content-Length: 0.
http::Response empty(unsigned status);
// A body of the given media type: Content-Length, then Content-Type, as the master sends JSON.
http::Response body(std::string content, std::string media_type, unsigned status = 200);
// 405 with Allow, worded like libprocess.
http::Response method_not_allowed(const std::vector<std::string>& allowed,
                                  const std::string& method);

}  // namespace iof::sim::responses
