// The real zerotee-recorder against a producer whose timeline steps back (a third-party
// producer restarted with another clock origin): the recorder must close the file and start a
// new one, and every file must pass ffmpeg's strict timestamp check. Dropping frames until the
// new timeline overtook the old one (the behaviour before) cut encoded frames out of their GOP
// and joined the two timelines with a phase step that ffmpeg rejects.

#include "PipelineTestSupport.h"
#include "TestSupport.h"

#include <gst/gst.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <gtest/gtest.h>
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

std::vector<std::string> recordings(const std::string &dir)
{
    std::vector<std::string> files;
    for (const auto &entry : std::filesystem::recursive_directory_iterator(dir))
        if (entry.path().extension() == ".mkv")
            files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

TEST(RecorderTimeline, StepBackStartsANewFileAndEveryFileIsClean)
{
    if (::system("command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null") != 0)
        GTEST_SKIP() << "ffmpeg/ffprobe missing";
    initGStreamer();
    TempDir dir;
    const std::string socket = dir.file("bus.sock"), recDir = dir.file("rec");
    Pipeline producer(std::string("appsrc name=in is-live=true format=time caps=\"") + kCaps +
                      "\" ! zeroteesink name=sink socket-path=" + socket);
    ASSERT_TRUE(producer.get());
    ASSERT_NE(gst_element_set_state(producer.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    ChildProcess recorder("recorder", {"--socket", socket, "--dir", recDir, "--camera", "cam0",
                                       "--segment-seconds", "60"});
    GstElement *sink = producer.element("sink");
    ASSERT_TRUE(waitFor([&] { return statField(sink, "clients") == 1; }, 15s)) << recorder.output();

    GstElement *appsrc = producer.element("in");
    GstClock *clock = gst_element_get_clock(appsrc);
    ASSERT_TRUE(clock);
    const GstClockTime base = gst_element_get_base_time(appsrc);
    // 3 s on the clock's timeline, then 3 s stamped 2.5 s earlier: a step back the consumer
    // takes as a new timeline (a second or more).
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 180; ++i) {
        std::this_thread::sleep_until(start + i * 33333us);
        const GstClockTime now = gst_clock_get_time(clock) - base;
        GstBuffer *buffer = gst_buffer_new_allocate(nullptr, 320 * 240 * 3 / 2, nullptr);
        gst_buffer_memset(buffer, 0, uint8_t(16 + (i * 3) % 200), gst_buffer_get_size(buffer));
        GST_BUFFER_PTS(buffer) = i < 90 ? now : now - 2500 * GST_MSECOND;
        GST_BUFFER_DURATION(buffer) = GST_SECOND / 30;
        GST_BUFFER_OFFSET(buffer) = i;
        GstFlowReturn ret;
        g_signal_emit_by_name(appsrc, "push-buffer", buffer, &ret);
        gst_buffer_unref(buffer);
        ASSERT_EQ(ret, GST_FLOW_OK);
    }
    gst_object_unref(clock);
    std::this_thread::sleep_for(500ms);
    recorder.signal(SIGINT);
    ASSERT_EQ(recorder.wait(15s), 0) << recorder.output();
    const std::string log = recorder.output();
    EXPECT_NE(log.find("time went back"), std::string::npos) << log;

    const std::vector<std::string> files = recordings(recDir);
    ASSERT_GE(files.size(), 2u) << log;
    int frames = 0;
    for (const std::string &file : files) {
        auto [errors, status] = run("ffmpeg -nostdin -v error -i '" + file + "' -f null -");
        EXPECT_EQ(status, 0) << file;
        EXPECT_EQ(errors, "") << file;
        auto [count, probeStatus] =
            run("ffprobe -v error -count_packets -select_streams v -show_entries "
                "stream=nb_read_packets -of csv=p=0 '" +
                file + "'");
        EXPECT_EQ(probeStatus, 0) << file;
        frames += std::atoi(count.c_str());
    }
    // Most of the 6 s is kept: what is lost is the wait for a keyframe after the step.
    EXPECT_GE(frames, 120) << log;
}

} // namespace

// Child role `recorder ARGS...`: the recorder under test, its stderr joined to stdout.
int runChildRole(const std::string &role, int argc, char **argv)
{
    if (role != "recorder")
        return 2;
    std::vector<char *> args{const_cast<char *>(ZEROTEE_RECORDER_PATH)};
    for (int i = 0; i < argc; ++i)
        args.push_back(argv[i]);
    args.push_back(nullptr);
    ::dup2(1, 2);
    ::execv(ZEROTEE_RECORDER_PATH, args.data());
    std::perror("execv " ZEROTEE_RECORDER_PATH);
    return 127;
}
