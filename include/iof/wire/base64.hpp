#pragma once

#include <string>
#include <string_view>

#include "iof/common/result.hpp"

// Standard base64 (RFC 4648 alphabet, '=' padding), which is how Mesos writes `bytes` in JSON.
namespace iof::wire::base64 {

std::string encode(std::string_view bytes);

// Decodes like stout: whitespace is skipped and decoding stops at the first '='.
Result<std::string> decode(std::string_view text);

}  // namespace iof::wire::base64
