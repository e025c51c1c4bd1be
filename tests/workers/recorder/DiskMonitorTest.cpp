// Retention and crash recovery on a real directory (DiskMonitor + RetentionPolicy + SegmentNamer).
#include "DiskMonitor.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sys/file.h>
#include <unistd.h>

using namespace zerotee;
namespace fs = std::filesystem;

namespace {

class DiskMonitorTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/zt-recorder-disk.XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        root_ = pattern;
    }
    void TearDown() override { fs::remove_all(root_); }

    /// A file of @p bytes that starts like a Matroska file (EBML magic) and, when
    /// @p withCluster, holds a Cluster (real content) after it.
    std::string write(const std::string &path, size_t bytes, bool withCluster = true)
    {
        EXPECT_EQ(DiskMonitor::makeParentDirs(path), 0);
        std::string content(bytes, 'x');
        if (bytes >= 4)
            content.replace(0, 4, "\x1a\x45\xdf\xa3");
        if (withCluster && bytes >= 64)
            content.replace(32, 4, "\x1f\x43\xb6\x75");
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }

    std::string root_;
};

constexpr int64_t kHour = 3600 * 1000;

} // namespace

TEST_F(DiskMonitorTest, AllThreeLimitsOnRealFiles)
{
    SegmentNamer namer(root_, "cam0", "mkv");
    DiskMonitor disk(namer);
    const int64_t now = 1'795'588'299'530;
    // Six files of 1 KB, one hour apart over two days, plus a file in progress, a foreign file
    // and another camera's file.
    std::vector<std::string> files;
    for (int i = 6; i >= 1; --i)
        files.push_back(write(namer.finalPath(now - i * 5 * kHour), 1024));
    const std::string part = write(namer.partPath(now - 40 * kHour), 1024);
    const std::string foreign = write(root_ + "/cam0/notes.txt", 1024);
    SegmentNamer other(root_, "cam1", "mkv");
    const std::string otherCamera = write(other.finalPath(now - 40 * kHour), 1024);
    EXPECT_EQ(disk.finishedFiles().size(), 6u);

    // Age: older than 26 h → the 30 h one.
    auto removed = disk.enforce(RetentionPolicy({.maxAgeMs = 26 * kHour}), now, {});
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].file.path, files[0]);
    EXPECT_FALSE(fs::exists(files[0]));

    // Total size: 5 KB left, max 3 KB → the next two oldest.
    removed = disk.enforce(RetentionPolicy({.maxTotalBytes = 3 * 1024}), now, {});
    ASSERT_EQ(removed.size(), 2u);
    EXPECT_EQ(removed[0].file.path, files[1]);
    EXPECT_EQ(removed[1].file.path, files[2]);

    // Free space: ask for 1.5 KB more than is free → two files of 1 KB go.
    const int64_t free = disk.freeBytes();
    ASSERT_GT(free, 0);
    removed = disk.enforce(RetentionPolicy({.minFreeBytes = free + 1536}), now, {});
    ASSERT_EQ(removed.size(), 2u);
    EXPECT_EQ(removed[0].file.path, files[3]);
    EXPECT_EQ(removed[1].file.path, files[4]);

    // The newest finished file can go too, but never one in progress or one that is not ours.
    removed = disk.enforce(RetentionPolicy({.maxTotalBytes = 1}), now, {files[5]});
    EXPECT_TRUE(removed.empty());
    removed = disk.enforce(RetentionPolicy({.maxTotalBytes = 1}), now, {});
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_TRUE(fs::exists(part));
    EXPECT_TRUE(fs::exists(foreign));
    EXPECT_TRUE(fs::exists(otherCamera));
    // Day folders emptied by retention are gone.
    EXPECT_FALSE(fs::exists(fs::path(files[0]).parent_path()) &&
                 fs::is_empty(fs::path(files[0]).parent_path()));
}

TEST_F(DiskMonitorTest, LeftoverPartsGetTheirFinalNames)
{
    SegmentNamer namer(root_, "cam0", "mkv");
    DiskMonitor disk(namer);
    const std::string part = write(namer.partPath(1'795'588'299'530), 4096);
    const std::string empty = write(namer.partPath(1'795'588'300'530), 0);
    const std::string headerless = write(namer.partPath(1'795'588'301'530), 2);
    // Cut by a full disk right after the header: no frame in it.
    const std::string headerOnly = write(namer.partPath(1'795'588'302'530), 4096, false);
    EXPECT_EQ(disk.partFiles().size(), 4u);
    const auto recovered = disk.recoverLeftovers();
    ASSERT_EQ(recovered.size(), 1u);
    EXPECT_EQ(recovered[0], SegmentNamer::finalFromPart(part));
    EXPECT_TRUE(fs::exists(recovered[0]));
    EXPECT_FALSE(fs::exists(part));
    EXPECT_FALSE(fs::exists(empty)); // nothing to keep without a container header
    EXPECT_FALSE(fs::exists(headerless));
    EXPECT_FALSE(fs::exists(SegmentNamer::finalFromPart(headerless)));
    EXPECT_FALSE(fs::exists(headerOnly));
    EXPECT_FALSE(fs::exists(SegmentNamer::finalFromPart(headerOnly)));
    EXPECT_TRUE(disk.partFiles().empty());
}

// A clip being cut holds a shared flock() on each segment it reads (zerotee-clip): retention
// leaves such a file until the lock is gone, and deletes it on the next round.
TEST_F(DiskMonitorTest, AFileBeingCutIsKeptUntilTheCutEnds)
{
    SegmentNamer namer(root_, "cam0", "mkv");
    DiskMonitor disk(namer);
    const int64_t now = 1'795'588'299'530;
    const std::string oldest = write(namer.finalPath(now - 3 * kHour), 1024);
    const std::string newer = write(namer.finalPath(now - 2 * kHour), 1024);

    const int reader = ::open(oldest.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(reader, 0);
    ASSERT_EQ(::flock(reader, LOCK_SH), 0);
    EXPECT_TRUE(DiskMonitor::inUseByReader(oldest));
    EXPECT_FALSE(DiskMonitor::inUseByReader(newer));

    // Both are over the age limit; the one being read stays.
    auto removed = disk.enforce(RetentionPolicy({.maxAgeMs = kHour}), now, {});
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].file.path, newer);
    EXPECT_TRUE(fs::exists(oldest));

    ::close(reader); // the cut is over
    removed = disk.enforce(RetentionPolicy({.maxAgeMs = kHour}), now, {});
    ASSERT_EQ(removed.size(), 1u);
    EXPECT_EQ(removed[0].file.path, oldest);
    EXPECT_FALSE(fs::exists(oldest));
}
