#pragma once

// --task_file: the JSON form of a TaskSpec. Every error names the field, e.g.
// "health_check.interval_seconds: expected a number above 0".
#include <string>
#include <string_view>

#include "iof/common/result.hpp"
#include "iof/framework/core/task_spec.hpp"

namespace iof::framework {

Result<TaskSpec> parse_task_spec(std::string_view json_text);
// Reads and parses the file; the error names the file too.
Result<TaskSpec> load_task_file(const std::string& path);

}  // namespace iof::framework
