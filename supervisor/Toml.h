#pragma once

// The one place toml++ is configured and included. Header-only, without exceptions: errors come
// back as values (the shared library is built with exceptions, a different ABI namespace).
#define TOML_EXCEPTIONS 0
#define TOML_HEADER_ONLY 1
// toml++ 3.3 enters parse_key() for a table header such as "[[[1]]" or "[\uFFFD]" and states
// "this is a key character" with assert() (Debug: abort on a bad file) or __builtin_assume()
// (clang release: undefined behaviour). Found by fuzz-config-loader; fixed upstream in
// marzer/tomlplusplus#301. Without both, its own error path answers "expected bare key".
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/impl/preprocessor.h>
#undef TOML_ASSERT_ASSUME
#define TOML_ASSERT_ASSUME(expr) static_assert(true)
#include <toml++/toml.h>

#include <QString>
#include <string_view>

namespace zerotee {

/// A parsed TOML document, or where and why it could not be parsed.
struct TomlDocument {
    toml::table root;
    QString where; ///< "ORIGIN:LINE:COLUMN" of the first problem; empty when parsed
    QString error; ///< what is wrong there; empty when parsed

    bool ok() const { return error.isEmpty(); }
};

/// The front door to toml++ for every file a user writes (configuration, hardware profiles).
/// It always checks the text first for what toml++ 3.3 (Debian 12) must not see: a non-ASCII
/// character outside a string or a comment reaches a __builtin_unreachable() in its generated
/// Unicode tables (found by fuzz-config-loader; fixed upstream later). TOML 1.0 allows
/// non-ASCII only in strings and comments anyway, so such text is refused with its position.
///
/// Thread context: stateless.
class Toml {
public:
    static TomlDocument parse(const QString &text, const QString &origin);

    static QString string(std::string_view s)
    {
        return QString::fromUtf8(s.data(), qsizetype(s.size()));
    }

private:
    /// Empty when @p text is fine, else "LINE:COLUMN: what is wrong".
    static QString textProblem(std::string_view text);
};

} // namespace zerotee
