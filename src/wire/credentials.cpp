// The --credentials file: JSON Credentials first, else the deprecated "principal secret" lines.
#include "iof/wire/credentials.hpp"

#include <string>

#include "iof/wire/json.hpp"
#include "iof/wire/stout.hpp"

namespace iof::wire::text {

Result<std::vector<mesos::v1::Credential>> parse_credentials(std::string_view file_contents) {
  if (file_contents.empty()) {
    return Error{"Credentials file must contain at least one credential"};
  }

  if (const auto json_value = json::parse(file_contents); json_value && json_value->is_object()) {
    mesos::v1::Credentials credentials;
    if (json::to_message(*json_value, credentials)) {
      return std::vector<mesos::v1::Credential>(credentials.credentials().begin(),
                                                credentials.credentials().end());
    }
  }

  std::vector<mesos::v1::Credential> credentials;
  for (const std::string_view line : tokenize(file_contents, "\n")) {
    const auto fields = tokenize(line, " ");
    if (fields.size() != 2) {
      return Error{"Invalid credential format at line " + std::to_string(credentials.size() + 1)};
    }
    auto& credential = credentials.emplace_back();
    credential.set_principal(std::string(fields[0]));
    credential.set_secret(std::string(fields[1]));
  }
  return credentials;
}

}  // namespace iof::wire::text
