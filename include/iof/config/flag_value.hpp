#pragma once

#include <string>
#include <string_view>

#include "iof/common/result.hpp"

// Flag values as Mesos's flag loader reads them. This touches the file system, so it lives here
// and not in the pure wire layer.
namespace iof::config {

// A flag value "file://<path>" is replaced by the contents of <path>, byte for byte (a trailing
// newline is kept, as stout keeps it, for secrets too); any other value is returned unchanged.
// Error: "Error reading file '<path>': <strerror>". Mesos does not fetch Path flags (such as
// --credentials): do not use this for them.
Result<std::string> read_flag_value(std::string_view value);

}  // namespace iof::config
