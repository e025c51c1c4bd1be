#pragma once

#include <cstdio>

namespace zerotee::fuzz {

/// A broken invariant is a finding: say which, then trap so libFuzzer keeps the input.
inline void requireOrTrap(bool condition, const char *target, const char *what)
{
    if (!condition) {
        std::fprintf(stderr, "%s: %s\n", target, what);
        __builtin_trap();
    }
}

} // namespace zerotee::fuzz
