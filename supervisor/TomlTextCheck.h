#pragma once

#include <QString>
#include <string_view>

namespace zerotee {

/// Checks configuration text for what toml++ 3.3 (Debian 12) must not see: a non-ASCII
/// character outside a string or a comment reaches a __builtin_unreachable() in its generated
/// Unicode tables (found by fuzz-config-loader; fixed upstream later). TOML 1.0 allows
/// non-ASCII only in strings and comments anyway, so such text is refused with its position
/// before it reaches the parser.
///
/// Thread context: stateless.
class TomlTextCheck {
public:
    /// Empty when @p text is fine, else "LINE:COLUMN: what is wrong".
    static QString problem(std::string_view text);
};

} // namespace zerotee
