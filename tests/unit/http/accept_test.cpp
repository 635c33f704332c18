// Accept headers: libprocess's matching rules, and the master's choice of JSON or protobuf.
#include "iof/http/accept.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <doctest/doctest.h>

namespace http = iof::http;

TEST_CASE("Accept headers libprocess's own tests refuse for text") {
  for (const std::string header :
       {"text/*;q=0.0", "text/html;q=0.0", "text/", "text", "foo/*", "foo/*, text/*;q=0.0",
        "foo/*,\ttext/*;q=0.0", "*/*, text/*;q=0.0", "*/*;q=0.0, foo", "textttt/*"}) {
    INFO(header);
    CHECK_FALSE(http::accepts_media_type(header, "text/*"));
    CHECK_FALSE(http::accepts_media_type(header, "text/html"));
  }
}

TEST_CASE("Accept headers libprocess's own tests accept for text/html") {
  for (const std::string header :
       {"text/*", "text/*;q=0.1", "text/html", "text/html;q=0.1", "text/bar, text/html,q=0.1",
        "*/*, text/bar;q=0.5", "*/*;q=0.9, text/foo", "text/foo,\ttext/*;q=0.1", "*/*",
        "*/*, text/bar", "*/*, foo/*"}) {
    INFO(header);
    CHECK(http::accepts_media_type(header, "text/html"));
  }
  CHECK(http::accepts_media_type(std::nullopt, "text/html"));
}

TEST_CASE("Accept matching follows libprocess in every detail") {
  struct Row {
    std::optional<std::string> header;
    std::string media_type;
    bool accepted;
  };
  const std::vector<Row> rows{
      {std::nullopt, "application/json", true},
      {"", "application/json", false},
      {",,", "application/json", false},
      {",,application/json", "application/json", true},
      {"APPLICATION/JSON", "application/json", true},
      {"application/json", "Application/Json", true},
      {"application/json;q=0", "application/json", false},
      {"application/json; q=0", "application/json", false},
      {"application/json;level=1;q=0", "application/json", false},
      {"application/json;q=0.001", "application/json", true},
      {"application/json;q=1", "application/json", true},
      {"application/json;q=-1", "application/json", false},
      {"application/json;q=abc", "application/json", false},
      {"application/json;q=nan", "application/json", false},
      {"application/json;q=inf", "application/json", true},
      {"application/json;q=1e-400", "application/json", false},
      {"application/json;q=", "application/json", true},       // Not a pair: no q at all.
      {"application/json;q=0=1", "application/json", true},    // Not a pair either.
      {"application/json;q==0", "application/json", false},    // Empty pieces are dropped.
      {"application/json;Q=0", "application/json", true},      // Only a lower-case q counts.
      {"application/json;q=0;q=0", "application/json", true},  // Two q values: malformed.
      {"application/json;q=0, application/json", "application/json", false},  // First decides.
      {"application/json, application/json;q=0", "application/json", true},
      {"application/*;q=0, */*", "application/json", false},  // type/* beats */*.
      {"*/*;q=0, application/json", "application/json", true},
      {"*/*;q=0, application/*", "application/json", true},
      {"application/json;q=0, */*", "application/json", false},
      {"application/json\r", "application/json", false},  // Only spaces, tabs, newlines go.
      {"application/\njson", "application/json", true},
      {";q=0, application/json", "application/json", true},
      {"*/*", "json", false},
      {std::nullopt, "json", false},  // Not type/subtype: never acceptable.
      {std::nullopt, "a/b/c", false},
      {"text/*", "text//html", true},
  };
  for (const auto& row : rows) {
    INFO((row.header ? *row.header : "<none>") << " for " << row.media_type);
    const std::optional<std::string_view> header =
        row.header ? std::optional<std::string_view>(*row.header) : std::nullopt;
    CHECK(http::accepts_media_type(header, row.media_type) == row.accepted);
  }
}

TEST_CASE("negotiate tries JSON then protobuf like the master") {
  using iof::wire::ContentType;
  struct Row {
    std::optional<std::string> header;
    std::optional<ContentType> type;
  };
  const std::vector<Row> rows{
      {std::nullopt, ContentType::json},
      {"application/json", ContentType::json},
      {"application/x-protobuf", ContentType::protobuf},
      {"application/x-protobuf, application/json", ContentType::json},
      {"application/x-protobuf;q=1, application/json;q=0.1", ContentType::json},
      {"application/json;q=0, application/x-protobuf", ContentType::protobuf},
      {"application/json;q=0, */*", ContentType::protobuf},
      {"*/*", ContentType::json},
      {"application/*", ContentType::json},
      {"text/html", std::nullopt},
      {"", std::nullopt},
      {"application/*;q=0", std::nullopt},
      {"*/*;q=0", std::nullopt},
      {"application/json;q=0, application/x-protobuf;q=0", std::nullopt},
  };
  for (const auto& row : rows) {
    INFO((row.header ? *row.header : "<none>"));
    const std::optional<std::string_view> header =
        row.header ? std::optional<std::string_view>(*row.header) : std::nullopt;
    CHECK(http::negotiate(header) == row.type);
  }
}
