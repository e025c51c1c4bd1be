#include "ConsumerAdmission.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace zerotee {

bool ConsumerAdmission::isAllowed(const PeerCredentials &peer, std::span<const uid_t> uids,
                                  std::span<const gid_t> gids)
{
    if (peer.uid == ::geteuid() || peer.uid == 0 || std::ranges::find(uids, peer.uid) != uids.end())
        return true;
    if (std::ranges::find(gids, peer.gid) != gids.end())
        return true;
    return std::ranges::any_of(
        peer.groups, [&](gid_t group) { return std::ranges::find(gids, group) != gids.end(); });
}

std::string ConsumerAdmission::userName(uid_t uid)
{
    passwd entry{}, *found = nullptr;
    std::vector<char> scratch(4096);
    if (::getpwuid_r(uid, &entry, scratch.data(), scratch.size(), &found) == 0 && found)
        return found->pw_name;
    return std::to_string(uid);
}

std::string ConsumerAdmission::groupName(gid_t gid)
{
    group entry{}, *found = nullptr;
    std::vector<char> scratch(4096);
    if (::getgrgid_r(gid, &entry, scratch.data(), scratch.size(), &found) == 0 && found)
        return found->gr_name;
    return std::to_string(gid);
}

std::string ConsumerAdmission::peerRefusal(const PeerCredentials &peer, std::span<const uid_t> uids,
                                           std::span<const gid_t> gids, const SettingNames &names)
{
    std::vector<uid_t> users{0};
    if (::geteuid() != 0)
        users.push_back(::geteuid());
    for (uid_t uid : uids)
        if (std::ranges::find(users, uid) == users.end())
            users.push_back(uid);
    std::string allowed = "uid";
    for (size_t i = 0; i < users.size(); ++i)
        allowed += (i ? ", " : " ") + std::to_string(users[i]) + " (" + userName(users[i]) + ")";
    for (size_t i = 0; i < gids.size(); ++i)
        allowed +=
            (i ? ", " : "; group ") + std::to_string(gids[i]) + " (" + groupName(gids[i]) + ")";
    // The remedy first: a long list of allowed ids is what the wire's text limit cuts.
    const std::string who = userName(peer.uid);
    return "uid " + std::to_string(peer.uid) + " (" + who +
           ") may not use this bus; to admit it, " + "name " + who + " or group " +
           groupName(peer.gid) + " in " + names.access + " (allowed now: " + allowed + ")";
}

int ConsumerAdmission::poolRoom(unsigned capacity, unsigned reserve, unsigned inUse)
{
    return int(capacity) - int(reserve) - int(inUse);
}

std::string ConsumerAdmission::poolRefusal(unsigned capacity, unsigned reserve, unsigned inUse,
                                           unsigned consumers, const SettingNames &names,
                                           bool sourcesOwn)
{
    std::string text = "pool full: " + std::to_string(capacity) + " buffers, " +
                       std::to_string(reserve) + " kept for the capture, " + std::to_string(inUse) +
                       " promised to " + std::to_string(consumers) + " consumer" +
                       (consumers == 1 ? "" : "s");
    if (sourcesOwn)
        return text + "; they are the source's own buffers (as many as its driver gives): "
                      "consumers with smaller quotas (quota=1, policy=latest) leave room";
    return text + "; to admit more, raise " + names.pool;
}

ConsumerAdmission::FileAccess ConsumerAdmission::socketAccess(std::span<const uid_t> uids,
                                                              std::span<const gid_t> gids)
{
    if (uids.empty() && gids.empty())
        return {0660, gid_t(-1)};
    if (uids.empty() && gids.size() == 1)
        return {0660, gids[0]};
    return {0666, gid_t(-1)};
}

ConsumerAdmission::FileAccess ConsumerAdmission::directoryAccess(std::span<const uid_t> uids,
                                                                 std::span<const gid_t> gids)
{
    // Search (x) without read: a peer can reach a socket it knows the name of, not list them.
    if (uids.empty() && gids.empty())
        return {0700, gid_t(-1)};
    if (uids.empty() && gids.size() == 1)
        return {0710, gids[0]};
    return {0711, gid_t(-1)};
}

int ConsumerAdmission::applyAccess(const std::string &path, FileAccess access)
{
    if (access.group != gid_t(-1) && ::chown(path.c_str(), uid_t(-1), access.group) < 0)
        return -errno;
    if (::chmod(path.c_str(), mode_t(access.mode)) < 0)
        return -errno;
    return 0;
}

namespace {

bool parseId(const std::string &text, unsigned *out)
{
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return !text.empty() && error == std::errc() && end == text.data() + text.size();
}

} // namespace

int ConsumerAdmission::resolveUser(const std::string &nameOrId, uid_t *out)
{
    unsigned id;
    if (parseId(nameOrId, &id)) {
        *out = uid_t(id);
        return 0;
    }
    passwd entry{}, *found = nullptr;
    std::vector<char> scratch(4096);
    if (::getpwnam_r(nameOrId.c_str(), &entry, scratch.data(), scratch.size(), &found) != 0 ||
        !found)
        return -ENOENT;
    *out = found->pw_uid;
    return 0;
}

int ConsumerAdmission::resolveGroup(const std::string &nameOrId, gid_t *out)
{
    unsigned id;
    if (parseId(nameOrId, &id)) {
        *out = gid_t(id);
        return 0;
    }
    group entry{}, *found = nullptr;
    std::vector<char> scratch(4096);
    if (::getgrnam_r(nameOrId.c_str(), &entry, scratch.data(), scratch.size(), &found) != 0 ||
        !found)
        return -ENOENT;
    *out = found->gr_gid;
    return 0;
}

} // namespace zerotee
