#pragma once

namespace zerotee {

/// What every worker's options parser answers, all with one shape:
///
///   static ParseOutcome parse(const QStringList &arguments, XOptions *options, QString *message);
///
/// with @p arguments as argv (the program first): Run with the options filled, Help with the
/// usage text in the message (print it, exit 0), Error with why (print it, exit 2).
enum class ParseOutcome { Run, Help, Error };

} // namespace zerotee
