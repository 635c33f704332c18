#pragma once

#include <iosfwd>
#include <string>

#include <boost/system/result.hpp>

namespace iof::wire {

// A failure the peer or the user has to read: the message names what was wrong.
struct Error {
  std::string message;
};

template <class T>
using Result = boost::system::result<T, Error>;

std::ostream& operator<<(std::ostream& out, const Error& error);

// Lets Result<T>::value() report the message when a caller insists on a value.
[[noreturn]] void throw_exception_from_error(const Error& error,
                                             const boost::source_location& location);

}  // namespace iof::wire
