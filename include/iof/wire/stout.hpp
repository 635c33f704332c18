#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Strings and numbers as stout (Mesos's utility library) splits, trims, reads and prints them:
// the pieces that the Mesos text parsers here (durations, resources, credentials, HTTP Accept
// headers) share, so that each follows upstream to the character.
namespace iof::wire::text {

// `s` without leading and trailing spaces, tabs, CRs and newlines (stout's strings::trim).
std::string_view trim(std::string_view s);

// Splits on any of `delims`, dropping empty tokens (stout's strings::tokenize).
std::vector<std::string_view> tokenize(std::string_view s, std::string_view delims);

// `s` with every character in `chars` removed.
std::string without(std::string_view s, std::string_view chars);

// ASCII case-insensitive equality, whatever the C locale.
bool iequals(std::string_view a, std::string_view b);

bool is_digit(char c);

// %.15g, the precision stout and Mesos print doubles with; independent of the C locale.
std::string format_double(double value);

// A double as boost::lexical_cast<double> reads one: "inf", "infinity", "nan" and "nan(...)"
// (any case, optional sign); otherwise the whole text must be what an input stream reads as a
// double: [+-] digits [. digits] [e [+-] digits] (".5" and "5." included), in the C locale. A
// finite value too large for a double fails (the stream sets failbit); one too small becomes 0.
std::optional<double> to_double(std::string_view s);

// numify<uint64_t>: boost::lexical_cast (optional sign, decimal digits; a '-' wraps modulo 2^64
// as boost does for unsigned types), else stout's own fallback for "0x"/"-0x" hexadecimal.
std::optional<std::uint64_t> to_uint64(std::string_view s);

}  // namespace iof::wire::text
