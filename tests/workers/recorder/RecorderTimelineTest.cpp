// The real zerotee-recorder against producers whose timestamps are not a plain cadence; every
// file must pass ffmpeg's strict timestamp check.
//  - A timeline that steps back (a third-party producer restarted with another clock origin):
//    the recorder closes the file and starts a new one. Dropping frames until the new timeline
//    overtook the old one (the behaviour before) cut encoded frames out of their GOP and joined
//    the timelines with a phase step that ffmpeg rejects.
//  - A backlog stamped on arrival (frames 18 ms apart at 30 fps) and a camera back half a
//    frame out of phase: put on one frame grid before the encoder (FrameCadence); ffmpeg
//    otherwise sees two frames in one slot.

#include "PipelineTestSupport.h"
#include "TestSupport.h"

#include <gst/gst.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <gtest/gtest.h>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;
using namespace zerotee::test;

namespace {

const char *kCaps = "video/x-raw,format=NV12,width=320,height=240,framerate=30/1";

// Runs a command, returns what it printed (stdout and stderr) and its exit status.
std::pair<std::string, int> run(const std::string &command)
{
    std::string output;
    FILE *pipe = ::popen((command + " 2>&1").c_str(), "r");
    if (!pipe)
        return {"popen failed", -1};
    char chunk[4096];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), pipe)) > 0)
        output.append(chunk, n);
    return {output, ::pclose(pipe)};
}

std::vector<std::string> split(const std::string &lines)
{
    std::vector<std::string> out;
    std::istringstream in(lines);
    for (std::string line; std::getline(in, line);)
        if (!line.empty())
            out.push_back(line);
    return out;
}

// The recorder tests' judge of recordings (ffprobe/ffmpeg only): `recording_check.py ARGS`.
std::pair<std::string, int> recordingCheck(const std::string &args)
{
    return run("python3 " ZEROTEE_RECORDING_CHECK " " + args);
}

// A live appsrc producer on a bus socket, and the real recorder consuming it.
class RecorderTimeline : public ::testing::Test {
protected:
    void SetUp() override
    {
        if (::system("command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null") != 0)
            GTEST_SKIP() << "ffmpeg/ffprobe missing";
        initGStreamer();
        producer_ = std::make_unique<Pipeline>(
            std::string("appsrc name=in is-live=true format=time caps=\"") + kCaps +
            "\" ! zeroteesink name=sink socket-path=" + socket_);
        ASSERT_TRUE(producer_->get());
        ASSERT_NE(gst_element_set_state(producer_->get(), GST_STATE_PLAYING),
                  GST_STATE_CHANGE_FAILURE);
        recorder_ = std::make_unique<ChildProcess>(
            "recorder", std::vector<std::string>{"--socket", socket_, "--dir", recDir_, "--camera",
                                                 "cam0", "--segment-seconds", "60"});
        GstElement *sink = producer_->element("sink");
        ASSERT_TRUE(waitFor([&] { return statField(sink, "clients") == 1; }, 15s))
            << recorder_->output();
        appsrc_ = producer_->element("in");
    }

    // Frame @p i, pushed at @p at (steady clock), stamped @p pts (running time).
    void push(int i, std::chrono::steady_clock::time_point at, GstClockTime pts)
    {
        std::this_thread::sleep_until(at);
        ASSERT_EQ(pushFrame(appsrc_, 320 * 240 * 3 / 2, uint8_t(16 + (i * 3) % 200), pts,
                            GST_SECOND / 30, i),
                  GST_FLOW_OK);
    }

    // Stops the recorder; returns its log. Every file must pass ffmpeg's strict check.
    std::string stopAndCheckFiles()
    {
        std::this_thread::sleep_for(500ms);
        recorder_->signal(SIGINT);
        EXPECT_EQ(recorder_->wait(15s), 0) << recorder_->output();
        const std::string log = recorder_->output();
        auto [list, listStatus] = recordingCheck("files '" + recDir_ + "'");
        EXPECT_EQ(listStatus, 0) << list;
        files_ = split(list);
        auto [decode, decodeStatus] = recordingCheck("decode '" + recDir_ + "'");
        EXPECT_EQ(decodeStatus, 0) << decode;
        frames_ = std::atoi(recordingCheck("frames '" + recDir_ + "'").first.c_str());
        return log;
    }

    TempDir dir_;
    const std::string socket_ = dir_.file("bus.sock"), recDir_ = dir_.file("rec");
    std::unique_ptr<Pipeline> producer_;
    std::unique_ptr<ChildProcess> recorder_;
    GstElement *appsrc_ = nullptr;
    std::vector<std::string> files_;
    int frames_ = 0;
};

TEST_F(RecorderTimeline, StepBackStartsANewFileAndEveryFileIsClean)
{
    // 3 s on the clock's timeline, then 3 s stamped 2.5 s earlier: a step back the consumer
    // takes as a new timeline (a second or more).
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 180; ++i) {
        const auto at = start + i * 33333us;
        std::this_thread::sleep_until(at);
        const GstClockTime now = runningTimeNow(appsrc_);
        push(i, at, i < 90 ? now : now - 2500 * GST_MSECOND);
    }
    const std::string log = stopAndCheckFiles();
    EXPECT_NE(log.find("time went back"), std::string::npos) << log;
    EXPECT_GE(files_.size(), 2u) << log;
    // Most of the 6 s is kept: what is lost is the wait for a keyframe after the step.
    EXPECT_GE(frames_, 120) << log;
}

TEST_F(RecorderTimeline, PauseOfSecondsStartsANewFile)
{
    // 2 s, then nothing for 3.5 s (the camera unplugged, the capture retrying), then 2 s: the
    // first file ends at the pause and the second starts when frames return.
    auto at = std::chrono::steady_clock::now();
    for (int i = 0; i < 120; ++i) {
        at += i == 60 ? 3500ms : std::chrono::microseconds(33333);
        push(i, at, runningTimeNow(appsrc_));
    }
    const std::string log = stopAndCheckFiles();
    EXPECT_NE(log.find("the stream paused"), std::string::npos) << log;
    EXPECT_EQ(files_.size(), 2u) << log;
    EXPECT_GE(frames_, 100) << log;
}

TEST_F(RecorderTimeline, BacklogStampedOnArrivalGivesACleanFile)
{
    // 1 s at 30 fps, then a backlog drained at 55 fps for 1 s, stamped on arrival as the
    // capture stamps a non-live source that ran ahead of the clock, then a pause of 15.5
    // frames (the camera comes back half a frame out of phase), then 1 s at 30 fps.
    auto at = std::chrono::steady_clock::now();
    for (int i = 0; i < 115; ++i) {
        at += (i >= 30 && i < 85) ? 18ms : std::chrono::microseconds(33333);
        if (i == 85)
            at += 516667us;
        std::this_thread::sleep_until(at);
        push(i, at, runningTimeNow(appsrc_));
    }
    const std::string log = stopAndCheckFiles();
    EXPECT_EQ(files_.size(), 1u) << log;
    // 30 + ~33 (the backlog thinned to the frame rate) + 30.
    EXPECT_GE(frames_, 80) << log;
    EXPECT_LE(frames_, 97) << log;
}

} // namespace

// Child role `recorder ARGS...`: the recorder under test, its stderr joined to stdout.
int runChildRole(const std::string &role, int argc, char **argv)
{
    if (role != "recorder")
        return 2;
    // RECORDER (as the shell tests take it) runs another build of the recorder.
    const char *path = std::getenv("RECORDER") ? std::getenv("RECORDER") : ZEROTEE_RECORDER_PATH;
    std::vector<char *> args{const_cast<char *>(path)};
    for (int i = 0; i < argc; ++i)
        args.push_back(argv[i]);
    args.push_back(nullptr);
    ::dup2(1, 2);
    ::execv(path, args.data());
    std::perror(path);
    return 127;
}
