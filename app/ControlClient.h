#pragma once

#include <QStringList>

namespace zerotee {

/// zeroteectl's whole behaviour: parse the verb, send one request line to the control socket,
/// print the answer (a table, or JSON with --json), follow events. Returns the exit code:
/// 0 ok, 1 the supervisor refused (its error is printed), 2 bad usage, 3 cannot connect.
int runControlClient(const QStringList &arguments);

} // namespace zerotee
