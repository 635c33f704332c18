#pragma once

#include <ostream>
#include <stdexcept>
#include <string>

#include <boost/system/result.hpp>

// Shared by every layer (wire, http, discovery, framework, sim), so it lives above all of them and
// is header-only: using it links nothing.
namespace iof {

// A failure the peer or the user has to read: the message names what was wrong.
struct Error {
  std::string message;
};

template <class T>
using Result = boost::system::result<T, Error>;

inline std::ostream& operator<<(std::ostream& out, const Error& error) {
  return out << error.message;
}

// Lets Result<T>::value() report the message when a caller insists on a value.
[[noreturn]] inline void throw_exception_from_error(const Error& error,
                                                    const boost::source_location& /*location*/) {
  throw std::runtime_error(error.message);
}

}  // namespace iof
