#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "iof/common/result.hpp"

// Durations as Mesos's flags and endpoints read and write them (stout's Duration). Error texts
// are stout's, so a user sees what a real master or agent prints.
namespace iof::wire::text {

// "<number><unit>", nothing between them: the number is digits and '.' only (so no sign, no
// exponent, no bare number), the unit one of ns, us, ms, secs, mins, hrs, days, weeks. The value
// is number * unit in double arithmetic, truncated toward zero to whole nanoseconds
// ("1.5ns" is 1ns). Errors, as stout words them:
//   ""            -> Invalid duration ''
//   "10"          -> Invalid duration '10'
//   "-5secs"      -> Failed to convert '' to number
//   "1.2.3secs"   -> Failed to convert '1.2.3' to number
//   "5 secs"      -> Unknown duration unit ' secs'; supported units are 'ns', 'us', 'ms',
//                    'secs', 'mins', 'hrs', 'days', and 'weeks'
// A value past the int64 nanosecond range (undefined behaviour upstream) is an error here.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);

// Writes a duration like stout's operator<<: the largest unit the magnitude reaches, unless the
// next smaller unit gives a whole number and this one does not ("90secs", "1500ms", "10days");
// numbers with 15 significant digits ("1.00000000000028hrs"); a leading '-' for negatives.
std::string format_duration(std::chrono::nanoseconds duration);

}  // namespace iof::wire::text
