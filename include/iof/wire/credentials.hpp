#pragma once

#include <string_view>
#include <vector>

#include "iof/common/result.hpp"

#include "mesos/v1/mesos.pb.h"

// The master's --credentials file, in both formats a real master reads, with its error texts.
namespace iof::wire::text {

// JSON first: an object that converts to mesos.v1.Credentials ({"credentials":[{"principal":
// "p","secret":"s"}]}). Anything else is read as the deprecated text format: one credential per
// non-empty line, "principal secret" separated by spaces only (a tab or '\r' is part of a token);
// a line without exactly two tokens fails with "Invalid credential format at line N", N counting
// non-empty lines. An empty file is "Credentials file must contain at least one credential", the
// master's refusal; a file of blank lines yields no credentials, as upstream.
Result<std::vector<mesos::v1::Credential>> parse_credentials(std::string_view file_contents);

}  // namespace iof::wire::text
