#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include "iof/wire/json.hpp"

namespace iof::wire::json {
namespace {

namespace bj = boost::json;

// Builds a boost::json::value like boost's own parser, except that every floating-point number
// is converted with std::from_chars: Boost.JSON 1.81 rounds about a third of doubles 1 ULP off,
// which would change the master's numbers when we write them back.
class ExactNumberHandler {
 public:
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  bj::value_stack stack;
  bool out_of_range = false;

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) { return true; }
  bool on_object_end(std::size_t n, bj::error_code&) {
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(bj::error_code&) { return true; }
  bool on_array_end(std::size_t n, bj::error_code&) {
    stack.push_array(n);
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    stack.push_key(s);
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code&) {
    stack.push_string(s);
    return true;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, bj::string_view, bj::error_code&) {
    number_.clear();
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, bj::string_view, bj::error_code&) {
    number_.clear();
    stack.push_uint64(u);
    return true;
  }
  bool on_double(double approximate, bj::string_view s, bj::error_code& error) {
    number_.append(s.data(), s.size());
    double exact = approximate;
    const auto [ptr, ec] = std::from_chars(number_.data(), number_.data() + number_.size(), exact);
    number_.clear();
    if (ec == std::errc::result_out_of_range && std::isinf(approximate)) {
      out_of_range = true;
      error = bj::error::exponent_overflow;
      return false;
    }
    // An underflow keeps Boost's value (zero or a denormal), as strtod would.
    stack.push_double(ec == std::errc() ? exact : approximate);
    return true;
  }
  bool on_bool(bool b, bj::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(bj::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  std::string number_;
};

// The master's JSON library reports the line of the failure and the rest of that line.
Error syntax_error(std::string_view text, std::size_t position) {
  position = std::min(position, text.size());
  const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<long>(position), '\n');
  std::string message = "syntax error at line " + std::to_string(line) + " near: ";
  for (char c : text.substr(position)) {
    if (c == '\n')
      break;
    if (static_cast<unsigned char>(c) >= 0x20)
      message += c;
  }
  return Error{std::move(message)};
}

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

}  // namespace

Result<boost::json::value> parse(std::string_view text) {
  bj::parse_options options;
  options.max_depth = 200;  // the master's JSON nesting limit
  bj::basic_parser<ExactNumberHandler> parser(options);
  parser.handler().stack.reset();
  bj::error_code ec;
  const auto consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (parser.handler().out_of_range)
    return Error{"Value out of range"};
  if (ec)
    return syntax_error(text, consumed);
  // Boost consumes the blanks after the value; the master's message starts right after it.
  auto value_end = consumed;
  while (value_end > 0 && is_json_space(text[value_end - 1]))
    --value_end;
  auto rest = text.substr(value_end);
  while (!rest.empty() && is_json_space(rest.back()))
    rest.remove_suffix(1);
  if (!rest.empty()) {
    return Error{"Parsed JSON included non-whitespace trailing characters: " + std::string(rest)};
  }
  return parser.handler().stack.release();
}

}  // namespace iof::wire::json
