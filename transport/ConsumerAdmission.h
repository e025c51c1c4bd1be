#pragma once

#include "UnixSocket.h"

#include <span>
#include <string>
#include <sys/types.h>

namespace zerotee {

/// The two checks a bus makes before it serves a consumer, and the refusals a person can act
/// on: who the peer is (SO_PEERCRED, SO_PEERGROUPS against the allowed users and groups) and
/// whether the pool has room for its quota. A refusal names what is full or who is not
/// allowed, the numbers, and the setting that would change it; FramePublisher sends it to the
/// consumer before it closes the connection.
///
/// Thread context: stateless; every function is thread-safe.
class ConsumerAdmission {
public:
    /// Where the operator changes what a refusal is about, in the words of the host that
    /// configures the bus (an element's properties, the supervisor's configuration keys).
    struct SettingNames {
        std::string pool = "the producer's pool-size (or max-pool-mib for a pool it grows)";
        std::string access = "the producer's allow-users or allow-groups";
    };

    /// The producer's own uid and root are always allowed; anyone else must be named by uid, or
    /// have one of @p gids as its primary or a supplementary group.
    static bool isAllowed(const PeerCredentials &peer, std::span<const uid_t> uids,
                          std::span<const gid_t> gids);

    /// "uid 65534 (nobody) may not use this bus; to admit it, name nobody or group nogroup in
    /// <names.access> (allowed now: uid 0 (root), 1000 (alice); group 44 (video))".
    static std::string peerRefusal(const PeerCredentials &peer, std::span<const uid_t> uids,
                                   std::span<const gid_t> gids, const SettingNames &names);

    /// Room left in a pool of @p capacity buffers for another consumer's frames, after
    /// @p reserve kept for the capture and @p inUse promised to admitted consumers.
    static int poolRoom(unsigned capacity, unsigned reserve, unsigned inUse);

    /// "pool full: 16 buffers, 4 kept for the capture, 12 promised to 4 consumers; to admit
    /// more, raise <names.pool>" for a consumer that needs at least one buffer. A pool that is
    /// the source's own (@p sourcesOwn: a camera's buffers, as many as its driver gives) has no
    /// setting of ours to raise: the text says so, and that smaller quotas leave room.
    static std::string poolRefusal(unsigned capacity, unsigned reserve, unsigned inUse,
                                   unsigned consumers, const SettingNames &names,
                                   bool sourcesOwn = false);

    /// Owner group and mode that let the allowed peers reach a socket (or the directory that
    /// holds it) and no one else more than needed: nobody allowed → private (0660 socket,
    /// 0700 directory, group unchanged); exactly one group → that group (0660, 0710); any
    /// user, or several groups → everyone may connect (0666, 0711), and SO_PEERCRED is the
    /// gate that refuses, with its reason, whoever is not allowed.
    struct FileAccess {
        unsigned mode;
        gid_t group; // (gid_t)-1: leave the group as created
    };
    static FileAccess socketAccess(std::span<const uid_t> uids, std::span<const gid_t> gids);
    static FileAccess directoryAccess(std::span<const uid_t> uids, std::span<const gid_t> gids);
    /// Applies socketAccess()/directoryAccess() to @p path. Returns 0 or -errno.
    static int applyAccess(const std::string &path, FileAccess access);

    /// A user or group by name or number ("nobody", "65534"). Returns 0, or -ENOENT when the
    /// name is unknown (a number is taken as it is).
    static int resolveUser(const std::string &nameOrId, uid_t *out);
    static int resolveGroup(const std::string &nameOrId, gid_t *out);

    /// "nobody", or the number when the user database has no name for it.
    static std::string userName(uid_t uid);
    static std::string groupName(gid_t gid);
};

} // namespace zerotee
