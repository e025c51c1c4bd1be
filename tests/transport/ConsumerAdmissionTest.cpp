// ConsumerAdmission: who is allowed (uid, primary and supplementary groups), the file modes that
// follow from the allow lists, name resolution, and refusal texts a person can act on.
#include "ConsumerAdmission.h"

#include <cerrno>
#include <gtest/gtest.h>
#include <unistd.h>
#include <vector>

using namespace zerotee;

TEST(ConsumerAdmission, OwnUidAndRootAreAlwaysAllowed)
{
    EXPECT_TRUE(ConsumerAdmission::isAllowed({.uid = ::geteuid()}, {}, {}));
    EXPECT_TRUE(ConsumerAdmission::isAllowed({.uid = 0}, {}, {}));
}

TEST(ConsumerAdmission, OthersNeedTheirUidOrAGroup)
{
    if (::geteuid() == 4242)
        GTEST_SKIP() << "the test's stranger uid is ours";
    const std::vector<uid_t> uids{4242};
    const std::vector<gid_t> gids{44};
    PeerCredentials stranger{.pid = 1, .uid = 4343, .gid = 4343, .groups = {4343}};
    EXPECT_FALSE(ConsumerAdmission::isAllowed(stranger, uids, gids));
    EXPECT_TRUE(ConsumerAdmission::isAllowed({.uid = 4242, .gid = 4242}, uids, gids));
    EXPECT_TRUE(ConsumerAdmission::isAllowed({.uid = 4343, .gid = 44}, uids, gids))
        << "primary group";
    stranger.groups = {4343, 44};
    EXPECT_TRUE(ConsumerAdmission::isAllowed(stranger, uids, gids)) << "supplementary group";
}

TEST(ConsumerAdmission, FileModesFollowTheAllowLists)
{
    const std::vector<uid_t> noUids, uids{65534};
    const std::vector<gid_t> noGids, oneGroup{44}, twoGroups{44, 45};
    auto check = [](ConsumerAdmission::FileAccess a, unsigned mode, gid_t group) {
        EXPECT_EQ(a.mode, mode);
        EXPECT_EQ(a.group, group);
    };
    check(ConsumerAdmission::socketAccess(noUids, noGids), 0660, gid_t(-1));
    check(ConsumerAdmission::directoryAccess(noUids, noGids), 0700, gid_t(-1));
    check(ConsumerAdmission::socketAccess(noUids, oneGroup), 0660, 44);
    check(ConsumerAdmission::directoryAccess(noUids, oneGroup), 0710, 44);
    check(ConsumerAdmission::socketAccess(noUids, twoGroups), 0666, gid_t(-1));
    check(ConsumerAdmission::directoryAccess(uids, oneGroup), 0711, gid_t(-1));
}

TEST(ConsumerAdmission, NamesAndNumbersResolve)
{
    uid_t uid = 1;
    EXPECT_EQ(ConsumerAdmission::resolveUser("root", &uid), 0);
    EXPECT_EQ(uid, 0u);
    EXPECT_EQ(ConsumerAdmission::resolveUser("4242", &uid), 0);
    EXPECT_EQ(uid, 4242u);
    EXPECT_EQ(ConsumerAdmission::resolveUser("no-such-user-zerotee", &uid), -ENOENT);
    EXPECT_EQ(ConsumerAdmission::resolveUser("", &uid), -ENOENT);
    gid_t gid = 1;
    EXPECT_EQ(ConsumerAdmission::resolveGroup("root", &gid), 0);
    EXPECT_EQ(gid, 0u);
    EXPECT_EQ(ConsumerAdmission::resolveGroup("no-such-group-zerotee", &gid), -ENOENT);
    EXPECT_EQ(ConsumerAdmission::userName(0), "root");
    EXPECT_EQ(ConsumerAdmission::userName(4242424), "4242424");
}

TEST(ConsumerAdmission, RefusalsNameTheNumbersAndTheSetting)
{
    ConsumerAdmission::SettingNames names{.pool = "POOL-SETTING", .access = "ACCESS-SETTING"};
    EXPECT_EQ(ConsumerAdmission::poolRoom(16, 4, 12), 0);
    EXPECT_EQ(ConsumerAdmission::poolRefusal(16, 4, 12, 4, names),
              "pool full: 16 buffers, 4 kept for the capture, 12 promised to 4 consumers; to "
              "admit more, raise POOL-SETTING");
    EXPECT_EQ(ConsumerAdmission::poolRefusal(5, 4, 1, 1, names, true),
              "pool full: 5 buffers, 4 kept for the capture, 1 promised to 1 consumer; they are "
              "the source's own buffers (as many as its driver gives): consumers with smaller "
              "quotas (quota=1, policy=latest) leave room");
    const std::vector<uid_t> uids{4242};
    const std::vector<gid_t> gids;
    std::string text =
        ConsumerAdmission::peerRefusal({.uid = 4343, .gid = 4343}, uids, gids, names);
    EXPECT_EQ(text.rfind("uid 4343 (4343) may not use this bus; to admit it, name 4343 or group "
                         "4343 in ACCESS-SETTING (allowed now: uid 0 (root), ",
                         0),
              0u)
        << text;
    EXPECT_NE(text.find("4242 (4242))"), std::string::npos) << text;
}
