#pragma once

#include <optional>
#include <string>

namespace zerotee {

/// Reads the event-mode control lines the recorder takes on stdin, one JSON object per line:
///
///     {"type":"trigger","label":"motion"}     label optional (default "event")
///
/// The supervisor forwards AI detections and `zeroteectl trigger` this way. Other "type"s are
/// ignored (reserved for later commands); a line that is not a JSON object is an error.
///
/// Pure logic; thread-safe.
class TriggerParser {
public:
    struct Result {
        bool isTrigger = false;
        std::string label; ///< sanitised for file names
        std::string error; ///< non-empty when the line was malformed
    };
    static Result parse(const std::string &line);
};

} // namespace zerotee
