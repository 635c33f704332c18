#include "iof/wire/error.hpp"

#include <ostream>
#include <stdexcept>

namespace iof::wire {

std::ostream& operator<<(std::ostream& out, const Error& error) {
  return out << error.message;
}

void throw_exception_from_error(const Error& error, const boost::source_location&) {
  throw std::runtime_error(error.message);
}

}  // namespace iof::wire
