#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include "iof/wire/json.hpp"

#include "json_wire.hpp"

namespace iof::wire::json {
namespace {

namespace bj = boost::json;

// Builds a boost::json::value like boost's own parser, except that every floating-point number
// is converted with std::from_chars: Boost.JSON 1.81 rounds about a third of doubles 1 ULP off,
// which would change the master's numbers when we write them back. With a diversion, each
// element of the array at root[outer][inner] goes to a transcoder instead, and its protobuf bytes
// are handed over as soon as it is complete, so that the document never holds them all.
class ExactNumberHandler {
 public:
  static constexpr std::size_t max_object_size = bj::object::max_size();
  static constexpr std::size_t max_array_size = bj::array::max_size();
  static constexpr std::size_t max_key_size = bj::string::max_size();
  static constexpr std::size_t max_string_size = bj::string::max_size();

  bj::value_stack stack;
  bool out_of_range = false;
  Diversion* diversion = nullptr;
  std::optional<WireTranscoder> wire;  // set with the diversion

  bool on_document_begin(bj::error_code&) { return true; }
  bool on_document_end(bj::error_code&) { return true; }
  bool on_object_begin(bj::error_code&) {
    begin_value();
    if (in_element()) {
      wire->object_begin();
    }
    open(Container::object);
    return true;
  }
  bool on_object_end(std::size_t n, bj::error_code&) {
    if (in_element()) {
      wire->object_end();
    } else {
      stack.push_object(n);
    }
    close();
    return true;
  }
  bool on_array_begin(bj::error_code&) {
    begin_value();
    const bool diverted = at_diverted_path();
    if (in_element()) {
      wire->array_begin();
    }
    open(diverted ? Container::diverted_array : Container::array);
    if (diverted) {
      ++diversion->arrays;
      diverted_elements_ = 0;
    }
    return true;
  }
  bool on_array_end(std::size_t n, bj::error_code&) {
    if (open_.back() == Container::diverted_array) {
      stack.push_array(n - diverted_elements_);  // the elements went to the diversion
    } else if (in_element()) {
      wire->array_end();
    } else {
      stack.push_array(n);
    }
    close();
    return true;
  }
  bool on_key_part(bj::string_view s, std::size_t, bj::error_code&) {
    if (in_element()) {
      part_.append(s.data(), s.size());
      return true;
    }
    stack.push_chars(s);
    if (tracks_keys()) {
      key_.append(s.data(), s.size());
    }
    return true;
  }
  bool on_key(bj::string_view s, std::size_t, bj::error_code&) {
    if (in_element()) {
      wire->key(whole(s));
      part_.clear();
      return true;
    }
    stack.push_key(s);
    if (tracks_keys()) {
      key_.append(s.data(), s.size());
      keys_[open_.size() - 1] = std::move(key_);
      key_.clear();
      note_path_key();
    }
    return true;
  }
  bool on_string_part(bj::string_view s, std::size_t, bj::error_code&) {
    begin_value();
    if (in_element()) {
      part_.append(s.data(), s.size());
    } else {
      stack.push_chars(s);
    }
    return true;
  }
  bool on_string(bj::string_view s, std::size_t, bj::error_code&) {
    begin_value();
    if (in_element()) {
      wire->string(whole(s));
      part_.clear();
    } else {
      stack.push_string(s);
    }
    end_scalar();
    return true;
  }
  bool on_number_part(bj::string_view s, bj::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, bj::string_view, bj::error_code&) {
    number_.clear();
    begin_value();
    in_element() ? wire->int64(i) : stack.push_int64(i);
    end_scalar();
    return true;
  }
  bool on_uint64(std::uint64_t u, bj::string_view, bj::error_code&) {
    number_.clear();
    begin_value();
    in_element() ? wire->uint64(u) : stack.push_uint64(u);
    end_scalar();
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
    begin_value();
    const double value = ec == std::errc() ? exact : approximate;
    in_element() ? wire->number(value) : stack.push_double(value);
    end_scalar();
    return true;
  }
  bool on_bool(bool b, bj::error_code&) {
    begin_value();
    in_element() ? wire->boolean(b) : stack.push_bool(b);
    end_scalar();
    return true;
  }
  bool on_null(bj::error_code&) {
    begin_value();
    in_element() ? wire->null() : stack.push_null();
    end_scalar();
    return true;
  }
  bool on_comment_part(bj::string_view, bj::error_code&) { return true; }
  bool on_comment(bj::string_view, bj::error_code&) { return true; }

 private:
  enum class Container { object, array, diverted_array };

  bool in_element() const { return element_depth_ > 0; }
  // A key or string whose last part is `last`: the parts before it, if it came in several.
  std::string_view whole(bj::string_view last) {
    if (part_.empty()) {
      return {last.data(), last.size()};
    }
    part_.append(last.data(), last.size());
    return part_;
  }

  // A value starts (or a string continues): directly in the diverted array, it is an element.
  void begin_value() {
    if (element_depth_ == 0 && in_diverted_array()) {
      wire->reset();
      element_depth_ = open_.size() + 1;
    }
  }
  bool in_diverted_array() const {
    return !open_.empty() && open_.back() == Container::diverted_array;
  }
  bool at_diverted_path() const {
    return diversion != nullptr && element_depth_ == 0 && open_.size() == 2 &&
           open_[0] == Container::object && open_[1] == Container::object &&
           keys_[0] == diversion->outer && keys_[1] == diversion->inner;
  }
  bool tracks_keys() const { return element_depth_ == 0 && open_.size() <= 2; }
  // Which of two equal keys a document keeps is the document's business: a repeated key on the
  // diverted path is reported, for the caller not to rely on the diversion.
  void note_path_key() {
    if (diversion == nullptr) {
      return;
    }
    if (open_.size() == 1 && keys_[0] == diversion->outer) {
      ++outer_keys_;
    } else if (open_.size() == 2 && keys_[0] == diversion->outer && keys_[1] == diversion->inner) {
      ++inner_keys_;
    }
    diversion->repeated_key = outer_keys_ > 1 || inner_keys_ > 1;
  }
  void open(Container container) {
    open_.push_back(container);
    if (tracks_keys()) {
      keys_[open_.size() - 1].clear();
    }
  }
  void close() {
    open_.pop_back();
    hand_over_if_complete();
  }
  // An element is complete when the diverted array is back on top: its container closed, or
  // it was a scalar.
  void end_scalar() { hand_over_if_complete(); }
  void hand_over_if_complete() {
    if (element_depth_ != 0 && element_depth_ == open_.size() + 1 && in_diverted_array()) {
      element_depth_ = 0;
      ++diverted_elements_;
      if (diversion->refused) {
        return;  // the caller converts the whole document instead
      }
      if (wire->refused()) {
        diversion->refused = true;
      } else {
        diversion->take(wire->bytes());
      }
    }
  }

  std::string number_;
  std::string key_;
  std::vector<Container> open_;
  std::string keys_[2];            // the current key of the root object and of the object in it
  std::string part_;               // the parts of an element's key or string so far
  std::size_t element_depth_ = 0;  // open_.size() after the element opens; 0 outside one
  std::size_t diverted_elements_ = 0;
  std::size_t outer_keys_ = 0;
  std::size_t inner_keys_ = 0;
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

Result<boost::json::value> parse(std::string_view text, Diversion* diversion) {
  bj::parse_options options;
  options.max_depth = 200;  // the master's JSON nesting limit
  bj::basic_parser<ExactNumberHandler> parser(options);
  parser.handler().stack.reset();
  if (diversion != nullptr) {
    parser.handler().diversion = diversion;
    parser.handler().wire.emplace(diversion->type);
  }
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
