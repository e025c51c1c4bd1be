#pragma once

#include "VideoCodec.h"

#include <QString>
#include <initializer_list>

namespace zerotee {

/// Which GStreamer element factories this machine has: hardware elements are picked from the
/// registry (the first of a list of candidates), not hard-coded.
///
/// Thread context: any, after gst_init().
struct ElementRegistry {
    /// True when the registry has factory @p name.
    static bool has(const QString &name);
    /// The first of @p names the registry has, or empty.
    static QString first(std::initializer_list<const char *> names);
    /// The first encoder of @p codec's list the registry has, or empty.
    static QString firstEncoder(const VideoCodec &codec);
};

} // namespace zerotee
