// Writes the steps RecordingCore saw, grouped by test source and test case, when the run is
// asked to (IOF_DECISIONS_DIR), from a doctest listener.
#include "recording_core.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <doctest/doctest.h>

#include "iof/wire/json.hpp"

namespace iof::test {

namespace {

// Test source file name -> its recorded steps, test case by test case.
std::map<std::string, std::string>& logs() {
  static std::map<std::string, std::string> by_file;
  return by_file;
}

std::string* current = nullptr;

class DecisionListener : public doctest::IReporter {
 public:
  explicit DecisionListener(const doctest::ContextOptions& /*options*/) {}

  void test_case_start(const doctest::TestCaseData& test) override {
    const auto file = std::filesystem::path(test.m_file.c_str()).stem().string();
    current = &logs()[file];
    *current += std::string("== ") + test.m_name + "\n";
  }
  void test_case_reenter(const doctest::TestCaseData& /*test*/) override {}
  void subcase_start(const doctest::SubcaseSignature& subcase) override {
    if (current != nullptr) {
      *current += std::string("-- ") + subcase.m_name.c_str() + "\n";
    }
  }
  void test_case_end(const doctest::CurrentTestCaseStats& /*stats*/) override { current = nullptr; }
  void test_run_end(const doctest::TestRunStats& /*stats*/) override {
    const char* dir = std::getenv("IOF_DECISIONS_DIR");
    if (dir == nullptr || *dir == '\0') {
      return;
    }
    std::filesystem::create_directories(dir);
    for (const auto& [file, text] : logs()) {
      if (text.find("\n> ") == std::string::npos) {
        continue;  // no core step in this source
      }
      std::ofstream out(std::filesystem::path(dir) / (file + ".txt"), std::ios::binary);
      out << text;
    }
  }

  void report_query(const doctest::QueryData& /*data*/) override {}
  void test_run_start() override {}
  void test_case_exception(const doctest::TestCaseException& /*exception*/) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData& /*data*/) override {}
  void log_message(const doctest::MessageData& /*data*/) override {}
  void test_case_skipped(const doctest::TestCaseData& /*test*/) override {}
};

}  // namespace

REGISTER_LISTENER("decisions", 1, DecisionListener);

void record_step(const std::string& step, const framework::SchedulerState& core,
                 const framework::Decision* decision, std::uint64_t& recorded_version) {
  if (current == nullptr) {
    return;
  }
  std::string& out = *current;
  out += "> " + step + "\n";
  if (decision != nullptr) {
    for (const auto& call : decision->calls) {
      out += "  call " + wire::json::write(call) + "\n";
    }
    for (const auto& line : decision->log) {
      // What the line is about is recorded too: --log_format=json turns it into fields.
      out += "  log " + line.text;
      if (line.about.task_id || line.about.agent_id) {
        out += "  {task " + line.about.task_id.value_or("-") + ", agent " +
               line.about.agent_id.value_or("-") + "}";
      }
      out += "\n";
    }
    if (decision->exit) {
      out +=
          "  exit " + std::to_string(decision->exit->status) + " " + decision->exit->message + "\n";
    }
  }
  if (core.version() != recorded_version) {
    recorded_version = core.version();
    std::string snapshot = framework::encode_snapshot(core.snapshot());
    while (!snapshot.empty() && snapshot.back() == '\n') {
      snapshot.pop_back();
    }
    out += "  state " + snapshot + "\n";
  }
  if (const auto wakeup = core.next_wakeup()) {
    out += "  wakeup " + std::to_string(wakeup->count()) + "\n";
  }
}

}  // namespace iof::test
