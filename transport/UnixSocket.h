#pragma once

#include "UniqueFd.h"

#include <string>
#include <sys/types.h>
#include <vector>

namespace zerotee {

/// The kernel-verified identity of the process at the other end of a socket.
struct PeerCredentials {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups; // supplementary groups at connect time (SO_PEERGROUPS)
};

/// Creates a listening, non-blocking, CLOEXEC AF_UNIX stream socket at @p path with mode 0660.
/// A stale socket file (nobody accepts on it) is replaced; a live one is left alone and
/// -EADDRINUSE returned. The path appears only once the socket listens (it is bound under a
/// temporary name beside it and hard-linked into place), so a consumer that sees the file is
/// never refused. Returns the socket or a negative errno in @p error.
UniqueFd listenUnixSocket(const std::string &path, int *error);

/// Connects a non-blocking, CLOEXEC AF_UNIX stream socket to @p path.
UniqueFd connectUnixSocket(const std::string &path, int *error);

/// Accepts one connection as a non-blocking, CLOEXEC socket; invalid with errno set when none.
UniqueFd acceptConnection(int listenFd);

/// Reads SO_PEERCRED and SO_PEERGROUPS. Returns 0 or -errno.
int readPeerCredentials(int socketFd, PeerCredentials *out);

/// Creates @p path (and parents) as a private runtime directory (mode 0700) if it is missing.
/// Returns 0 or -errno.
int makePrivateDirectory(const std::string &path);

/// CLOCK_MONOTONIC in nanoseconds.
uint64_t monotonicNowNs();

} // namespace zerotee
