#include "iof/framework/log_output.hpp"

#include <ctime>
#include <memory>

#include <fmt/format.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "iof/wire/json.hpp"

namespace iof::framework::logging {

namespace {

// The fields of the line being logged on this thread, if it has any (set by write()).
thread_local const Fields* current_fields = nullptr;

LogFormat installed = LogFormat::text;

// Level names as log pipelines (and Go's slog, zap) spell them.
std::string_view level_name(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    static const Fields none;
    const std::string line = json_line(msg.time, level_name(msg.level),
                                       std::string_view(msg.payload.data(), msg.payload.size()),
                                       current_fields != nullptr ? *current_fields : none);
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

void append_field(std::string_view key, std::string_view value, std::string& out) {
  out += ',';
  wire::json::append_quoted(key, out);
  out += ':';
  wire::json::append_quoted(value, out);
}

}  // namespace

std::string json_line(std::chrono::system_clock::time_point time, std::string_view level,
                      std::string_view message, const Fields& fields) {
  const auto whole = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - whole).count();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(whole);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  std::string out = "{\"time\":";
  wire::json::append_quoted(
      fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900, utc.tm_mon + 1,
                  utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, millis),
      out);
  append_field("level", level, out);
  append_field("message", message, out);
  if (fields.about.task_id) {
    append_field("task", *fields.about.task_id, out);
  }
  if (fields.about.agent_id) {
    append_field("agent", *fields.about.agent_id, out);
  }
  if (fields.framework_id) {
    append_field("framework", *fields.framework_id, out);
  }
  out += "}\n";
  return out;
}

void install(LogFormat format, const std::string& level) {
  installed = format;
  if (format == LogFormat::json) {
    // No colour: escape codes would break the JSON.
    auto logger = spdlog::stderr_logger_mt("iof");
    logger->set_formatter(std::make_unique<JsonFormatter>());
    spdlog::set_default_logger(std::move(logger));
  } else {
    spdlog::set_default_logger(spdlog::stderr_color_mt("iof"));
  }
  spdlog::set_level(spdlog::level::from_str(level));
}

LogFormat installed_format() {
  return installed;
}

void write(session::Level level, std::string_view message, const Fields& fields) {
  current_fields = &fields;
  switch (level) {
    case session::Level::info:
      spdlog::info("{}", message);
      break;
    case session::Level::warn:
      spdlog::warn("{}", message);
      break;
    case session::Level::error:
      spdlog::error("{}", message);
      break;
  }
  current_fields = nullptr;
}

}  // namespace iof::framework::logging
