// The master's --credentials file: both formats, and the refusals naming the line.
#include "iof/wire/credentials.hpp"

#include <string>
#include <vector>

#include <doctest/doctest.h>

namespace text = iof::wire::text;

namespace {

std::string render(const std::vector<mesos::v1::Credential>& credentials) {
  std::string out;
  for (const auto& credential : credentials) {
    out += (out.empty() ? "" : " ") + credential.principal();
    if (credential.has_secret()) {
      out += "=" + credential.secret();
    }
  }
  return out;
}

}  // namespace

TEST_CASE("credentials files in both formats the master reads") {
  struct Row {
    std::string input;
    std::string credentials;
  };
  const std::vector<Row> rows{
      {R"({"credentials":[{"principal":"p","secret":"s"}]})", "p=s"},
      {"{\n  \"credentials\": [\n    {\"principal\": \"a\", \"secret\": \"1\"},\n"
       "    {\"principal\": \"b\"}\n  ]\n}\n",
       "a=1 b"},
      {R"({"credentials":[]})", ""},
      {"{}", ""},
      {"p s", "p=s"},
      {"p s\n", "p=s"},
      {"a 1\nb 2\n", "a=1 b=2"},
      {"a 1\n\n\nb 2", "a=1 b=2"},
      {"  a   1  ", "a=1"},
      {"a 1\r\nb 2\r\n", "a=1\r b=2\r"},
      {"\n\n", ""},
      // Valid JSON that is not Credentials falls back to text, a line of two words here.
      {R"({"credentials": 5})", R"({"credentials":=5})"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    const auto parsed = text::parse_credentials(row.input);
    REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
    CHECK(render(*parsed) == row.credentials);
  }
}

TEST_CASE("bad credentials files are refused naming the line") {
  struct Row {
    std::string input;
    std::string error;
  };
  const std::vector<Row> rows{
      {"", "Credentials file must contain at least one credential"},
      {"p", "Invalid credential format at line 1"},
      {"p s extra", "Invalid credential format at line 1"},
      {"p\ts", "Invalid credential format at line 1"},
      {"   \n", "Invalid credential format at line 1"},
      {"a 1\nb", "Invalid credential format at line 2"},
      {"a 1\n\nb 2 3", "Invalid credential format at line 2"},  // Blank lines are not counted.
      {R"({"credentials":[{"secret":"s"}]})", "Invalid credential format at line 1"},
      {R"([{"principal":"p","secret":"s"}])", "Invalid credential format at line 1"},
      {R"({"credentials":[{"principal":"p","secret":"s"}])", "Invalid credential format at line 1"},
  };
  for (const auto& row : rows) {
    INFO(row.input);
    const auto parsed = text::parse_credentials(row.input);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message == row.error);
  }
}
