// MatroskaTail on real files: a Matroska recording made by GStreamer (x264enc ! matroskamux) is
// cut at several points, as a full disk cuts the file being written; after trim() ffmpeg (not
// our code) must decode it to its end with no error, keeping nearly every frame before the cut.
#include "MatroskaTail.h"

#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
#include <string>
#include <unistd.h>

namespace fs = std::filesystem;
using zerotee::MatroskaTail;

namespace {

std::string run(const std::string &command, int *status)
{
    std::string out;
    if (FILE *pipe = popen((command + " 2>&1").c_str(), "r")) {
        char buffer[4096];
        while (size_t n = fread(buffer, 1, sizeof buffer, pipe))
            out.append(buffer, n);
        *status = pclose(pipe);
    }
    return out;
}

class MatroskaTailTest : public ::testing::Test {
protected:
    static void SetUpTestSuite()
    {
        dir_ = fs::temp_directory_path() / ("zerotee-mkvtail-" + std::to_string(getpid()));
        fs::create_directories(dir_);
        source_ = (dir_ / "whole.mkv").string();
        int status = -1;
        const std::string log =
            run("gst-launch-1.0 -q videotestsrc num-buffers=150 pattern=ball "
                "! video/x-raw,width=320,height=240,framerate=30/1 ! x264enc key-int-max=30 "
                "bitrate=2000 ! h264parse ! matroskamux ! filesink location=" +
                    source_,
                &status);
        ASSERT_EQ(status, 0) << log;
    }
    static void TearDownTestSuite() { fs::remove_all(dir_); }

    /// Frames ffmpeg decodes from @p path; fails the test on any decoder message.
    static int decodeCleanly(const std::string &path)
    {
        int status = -1;
        const std::string errors =
            run("ffmpeg -nostdin -v error -i " + path + " -f null - </dev/null", &status);
        EXPECT_EQ(status, 0) << path;
        EXPECT_EQ(errors, "") << path;
        const std::string frames = run("ffprobe -v error -count_frames -select_streams v:0 "
                                       "-show_entries stream=nb_read_frames -of csv=p=0 " +
                                           path,
                                       &status);
        return std::atoi(frames.c_str());
    }

    static inline fs::path dir_;
    static inline std::string source_;
};

TEST_F(MatroskaTailTest, CompleteFileIsLeftAlone)
{
    const auto before = fs::file_size(source_);
    EXPECT_EQ(MatroskaTail::trim(source_), 0);
    EXPECT_EQ(fs::file_size(source_), before);
    EXPECT_EQ(decodeCleanly(source_), 150);
}

TEST_F(MatroskaTailTest, FileCutMidWriteDecodesToItsLastWholeFrame)
{
    const auto whole = fs::file_size(source_);
    int previous = 0;
    for (double at : {0.2, 0.45, 0.61, 0.8, 0.97}) {
        const std::string cut = (dir_ / ("cut-" + std::to_string(at) + ".mkv")).string();
        fs::copy_file(source_, cut, fs::copy_options::overwrite_existing);
        const auto size = uintmax_t(double(whole) * at);
        fs::resize_file(cut, size);
        int status = -1;
        const std::string broken =
            run("ffmpeg -nostdin -v error -i " + cut + " -f null -", &status);
        EXPECT_NE(broken, "") << "the cut file should show the damage before the repair";

        const int64_t removed = MatroskaTail::trim(cut);
        ASSERT_GT(removed, 0) << at;
        EXPECT_LT(removed, 64 * 1024) << "only the unfinished block goes";
        const int frames = decodeCleanly(cut);
        EXPECT_GT(frames, int(150 * at) - 20) << "cut at " << at << " of the file";
        EXPECT_GE(frames, previous);
        previous = frames;
        EXPECT_EQ(MatroskaTail::trim(cut), 0) << "a repaired file needs no second repair";
    }
}

TEST_F(MatroskaTailTest, OtherFilesAreNotTouched)
{
    const std::string text = (dir_ / "notes.txt").string();
    FILE *f = std::fopen(text.c_str(), "w");
    std::fputs("not a recording", f);
    std::fclose(f);
    EXPECT_EQ(MatroskaTail::trim(text), 0);
    EXPECT_EQ(fs::file_size(text), 15u);
    EXPECT_LT(MatroskaTail::trim((dir_ / "missing.mkv").string()), 0);
}

} // namespace
