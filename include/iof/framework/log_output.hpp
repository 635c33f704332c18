#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "iof/framework/core/types.hpp"
#include "iof/framework/flags.hpp"
#include "iof/framework/session.hpp"

// How the framework's log lines leave the process: spdlog on stderr, as text (the default,
// unchanged) or, with --log_format=json, one JSON object a line with the fields a log pipeline
// indexes: time, level, message, and task, agent and framework where a line is about them.
namespace iof::framework::logging {

// What a line is about beyond its text.
struct Fields {
  LogSubject about;
  std::optional<std::string> framework_id;
};

// Makes the process's default logger write to stderr in `format` at `level` (a --log_level).
void install(LogFormat format, const std::string& level);
// The format install() set (text before it is called).
LogFormat installed_format();

// Logs a line with its fields through the default logger. Text shows the line as it always did;
// JSON adds the fields. spdlog 1.10 has no per-line context, so the fields reach the formatter
// through a scope on this thread: the logger is synchronous and formats on the calling thread.
void write(session::Level level, std::string_view message, const Fields& fields);

// One JSON line (with its '\n'): {"time":"2026-12-02T10:41:57.123Z","level":"info",
// "message":"...","task":"3","agent":"S1","framework":"..."}, absent fields left out.
std::string json_line(std::chrono::system_clock::time_point time, std::string_view level,
                      std::string_view message, const Fields& fields);

}  // namespace iof::framework::logging
