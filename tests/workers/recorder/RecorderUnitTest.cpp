// Pure logic of the recorder: retention (all three limits), names, the pre-event buffer, the
// trigger lines, the command line and the encoder input's frame cadence.
#include "EncoderChoice.h"
#include "EventBuffer.h"
#include "FrameCadence.h"
#include "RecorderOptions.h"
#include "RetentionPolicy.h"
#include "SegmentNamer.h"
#include "TriggerParser.h"

#include <gtest/gtest.h>

#include <set>

using namespace zerotee;

namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr int64_t kNow = 1'800'000'000'000; // ms since the epoch

std::vector<RetentionPolicy::File> fiveFiles()
{
    // Deliberately not in order: the policy sorts by start time.
    return {{"c", 30, kNow - 3 * kHour},
            {"a", 10, kNow - 5 * kHour},
            {"e", 50, kNow - 1 * kHour},
            {"b", 20, kNow - 4 * kHour},
            {"d", 40, kNow - 2 * kHour}};
}

std::vector<std::string> paths(const std::vector<RetentionPolicy::Removal> &removals)
{
    std::vector<std::string> out;
    for (const auto &removal : removals)
        out.push_back(removal.file.path);
    return out;
}

} // namespace

TEST(RetentionPolicy, DisabledDeletesNothing)
{
    RetentionPolicy policy({});
    EXPECT_FALSE(policy.enabled());
    EXPECT_TRUE(policy.select(fiveFiles(), kNow, 0).empty());
}

TEST(RetentionPolicy, ByAgeOldestFirst)
{
    RetentionPolicy policy({.maxAgeMs = 3 * kHour + 1});
    const auto removals = policy.select(fiveFiles(), kNow, 1000);
    EXPECT_EQ(paths(removals), (std::vector<std::string>{"a", "b"}));
    for (const auto &removal : removals)
        EXPECT_EQ(removal.reason, RetentionPolicy::Reason::Age);
}

TEST(RetentionPolicy, ByTotalSize)
{
    // 150 in all; at most 100 → drop a (10), b (20), c (30): 90 left.
    RetentionPolicy policy({.maxTotalBytes = 100});
    EXPECT_EQ(paths(policy.select(fiveFiles(), kNow, 1000)),
              (std::vector<std::string>{"a", "b", "c"}));
    RetentionPolicy exact({.maxTotalBytes = 150});
    EXPECT_TRUE(exact.select(fiveFiles(), kNow, 1000).empty());
}

TEST(RetentionPolicy, ByFreeSpace)
{
    // 5 free, 40 wanted: a (15), b (35), c (65) → stop at c.
    RetentionPolicy policy({.minFreeBytes = 40});
    const auto removals = policy.select(fiveFiles(), kNow, 5);
    EXPECT_EQ(paths(removals), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(removals.back().reason, RetentionPolicy::Reason::FreeSpace);
    EXPECT_TRUE(policy.select(fiveFiles(), kNow, 40).empty());
}

TEST(RetentionPolicy, FreeSpaceCanEmptyEverythingButNotInProgress)
{
    RetentionPolicy policy({.minFreeBytes = 1'000'000});
    const auto removals = policy.select(fiveFiles(), kNow, 0, {"e"});
    EXPECT_EQ(paths(removals), (std::vector<std::string>{"a", "b", "c", "d"}));
}

TEST(RetentionPolicy, LimitsCombineAndReasonsAreKept)
{
    // Age removes a; size (140 left, max 100) removes b, c; free space (5+10+20+30=65 < 80)
    // removes d.
    RetentionPolicy policy({.maxAgeMs = 4 * kHour + 1, .maxTotalBytes = 100, .minFreeBytes = 80});
    const auto removals = policy.select(fiveFiles(), kNow, 5);
    ASSERT_EQ(paths(removals), (std::vector<std::string>{"a", "b", "c", "d"}));
    EXPECT_EQ(removals[0].reason, RetentionPolicy::Reason::Age);
    EXPECT_EQ(removals[1].reason, RetentionPolicy::Reason::TotalSize);
    EXPECT_EQ(removals[2].reason, RetentionPolicy::Reason::TotalSize);
    EXPECT_EQ(removals[3].reason, RetentionPolicy::Reason::FreeSpace);
}

TEST(RetentionPolicy, InProgressIsNeverDeletedEvenIfOldest)
{
    RetentionPolicy policy({.maxAgeMs = 1, .maxTotalBytes = 1, .minFreeBytes = 1 << 30});
    const auto removals = policy.select(fiveFiles(), kNow, 0, {"a"});
    EXPECT_EQ(paths(removals), (std::vector<std::string>{"b", "c", "d", "e"}));
}

TEST(SegmentNamer, NamesSortByTimeAndRoundTrip)
{
    SegmentNamer namer("/rec/", "cam0", "mkv");
    const int64_t t = 1795588299530; // 2026-11-25T06:31:39.530Z
    EXPECT_EQ(namer.finalPath(t), "/rec/cam0/2026-11-25/cam0_20261125T063139.530Z.mkv");
    EXPECT_EQ(namer.partPath(t, "motion"),
              "/rec/cam0/2026-11-25/cam0_20261125T063139.530Z_motion.mkv.part");
    EXPECT_LT(namer.finalPath(t), namer.finalPath(t + 1));
    EXPECT_LT(namer.finalPath(t + 999), namer.finalPath(t + 1000));
    EXPECT_EQ(SegmentNamer::timeFromName(namer.finalPath(t)), t);
    EXPECT_EQ(SegmentNamer::timeFromName(namer.partPath(t, "x")), t);
    EXPECT_EQ(SegmentNamer::finalFromPart(namer.partPath(t)), namer.finalPath(t));
    EXPECT_TRUE(SegmentNamer::isPart(namer.partPath(t)));
    EXPECT_FALSE(SegmentNamer::isPart(namer.finalPath(t)));
    EXPECT_FALSE(SegmentNamer::timeFromName("/rec/cam0/2026-11-25/notes.txt"));
}

TEST(SegmentNamer, CameraNamesWithUnderscores)
{
    SegmentNamer namer("/rec", "front_door", "mp4");
    const int64_t t = 86'400'000; // 1970-01-02T00:00:00.000Z
    EXPECT_EQ(namer.finalPath(t), "/rec/front_door/1970-01-02/front_door_19700102T000000.000Z.mp4");
    EXPECT_EQ(SegmentNamer::timeFromName(namer.finalPath(t)), t);
}

TEST(SegmentNamer, LabelsAreSafeForFileNames)
{
    EXPECT_EQ(SegmentNamer::sanitiseLabel("motion"), "motion");
    EXPECT_EQ(SegmentNamer::sanitiseLabel("../../etc passwd"), "------etc-passwd");
    EXPECT_EQ(SegmentNamer::sanitiseLabel(std::string(100, 'a')).size(), 32u);
}

namespace {

GstBuffer *frame(GstClockTime time, bool keyframe)
{
    GstBuffer *buffer = gst_buffer_new_allocate(nullptr, 100, nullptr);
    GST_BUFFER_PTS(buffer) = time;
    if (!keyframe)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    return buffer;
}

void pushSeconds(EventBuffer &ring, int from, int to, int gop)
{
    // 10 frames per second, a keyframe every `gop` frames.
    for (int i = from * 10; i < to * 10; ++i) {
        GstBuffer *buffer = frame(GstClockTime(i) * GST_SECOND / 10, i % gop == 0);
        ring.push(buffer, GST_BUFFER_PTS(buffer));
        gst_buffer_unref(buffer);
    }
}

} // namespace

TEST(EventBuffer, KeepsTheWindowFromAKeyframe)
{
    gst_init(nullptr, nullptr);
    EventBuffer ring(3 * GST_SECOND, 1 << 20);
    pushSeconds(ring, 0, 10, 10); // keyframes every second; newest 9.9 s
    // Window 3 s → horizon 6.9 s → newest keyframe at or before it: 6.0 s.
    EXPECT_EQ(ring.span(), GstClockTime(3.9 * GST_SECOND));
    std::vector<GstBufferHolder> snap = ring.snapshot(GstClockTime(7.5 * GST_SECOND));
    ASSERT_FALSE(snap.empty());
    EXPECT_EQ(GST_BUFFER_PTS(snap.front().get()), 7 * GST_SECOND);
    EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(snap.front().get(), GST_BUFFER_FLAG_DELTA_UNIT));
    EXPECT_EQ(snap.size(), 30u);
}

TEST(EventBuffer, IgnoresDeltaFramesBeforeTheFirstKeyframeAndCapsBytes)
{
    gst_init(nullptr, nullptr);
    EventBuffer ring(100 * GST_SECOND, 2000); // 20 frames of 100 bytes
    GstBuffer *delta = frame(0, false);
    ring.push(delta, 0);
    gst_buffer_unref(delta);
    EXPECT_EQ(ring.size(), 0u);
    pushSeconds(ring, 0, 5, 10);
    // Over the byte cap whole GOPs go; the newest GOP always stays.
    EXPECT_LE(ring.bytes(), 2000u);
    EXPECT_GE(ring.size(), 10u);
    std::vector<GstBufferHolder> snap = ring.snapshot(0);
    EXPECT_FALSE(GST_BUFFER_FLAG_IS_SET(snap.front().get(), GST_BUFFER_FLAG_DELTA_UNIT));
}

namespace {

constexpr GstClockTime kInterval = GST_SECOND / 30;

// Feeds capture times (ms) to a cadence at 30 fps; returns the kept times, each with its
// original.
std::vector<std::pair<GstClockTime, GstClockTime>> keptTimes(FrameCadence &cadence,
                                                             const std::vector<double> &ms)
{
    std::vector<std::pair<GstClockTime, GstClockTime>> kept;
    for (double t : ms) {
        const GstClockTime time = GstClockTime(t * GST_MSECOND);
        FrameCadence::Decision decision = cadence.next(time);
        if (decision.keep)
            kept.emplace_back(decision.time, time);
    }
    return kept;
}

// Kept frames sit on one 30 fps grid from the first, in increasing slots, each moved by at
// most three quarters of an interval.
void expectOnOneGrid(const std::vector<std::pair<GstClockTime, GstClockTime>> &kept)
{
    ASSERT_FALSE(kept.empty());
    const GstClockTime anchor = kept.front().first;
    guint64 lastSlot = 0;
    for (size_t i = 0; i < kept.size(); ++i) {
        const auto [time, original] = kept[i];
        const guint64 slot = gst_util_uint64_scale_round(time - anchor, 30, GST_SECOND);
        EXPECT_EQ(time, anchor + gst_util_uint64_scale(slot, GST_SECOND, 30)) << "frame " << i;
        EXPECT_LE(GstClockTimeDiff(time) - GstClockTimeDiff(original),
                  GstClockTimeDiff(kInterval * 3 / 4))
            << "frame " << i;
        EXPECT_GE(GstClockTimeDiff(time) - GstClockTimeDiff(original),
                  -GstClockTimeDiff(kInterval / 2))
            << "frame " << i;
        if (i > 0) {
            EXPECT_GT(slot, lastSlot) << "frame " << i;
        }
        lastSlot = slot;
    }
}

// Appends @p count frames at 30 fps from @p startMs, each off by up to +-@p jitterMs
// (deterministic), to @p ms.
void appendFrames(std::vector<double> &ms, double startMs, int count, int jitterMs)
{
    for (int i = 0; i < count; ++i)
        ms.push_back(startMs + i * 1000.0 / 30 + ((i * 7919) % (2 * jitterMs + 1) - jitterMs));
}

// Every one of @p ms is kept, all on one grid.
void expectAllKeptOnOneGrid(const std::vector<double> &ms)
{
    FrameCadence cadence;
    cadence.setFrameRate(30, 1);
    auto kept = keptTimes(cadence, ms);
    EXPECT_EQ(kept.size(), ms.size());
    expectOnOneGrid(kept);
}

} // namespace

TEST(FrameCadence, JitteredFramesAreAllKeptOnTheGrid)
{
    std::vector<double> ms;
    appendFrames(ms, 1000, 300, 5);
    expectAllKeptOnOneGrid(ms);
}

TEST(FrameCadence, BacklogStampedOnArrivalIsThinnedToTheFrameRate)
{
    FrameCadence cadence;
    cadence.setFrameRate(30, 1);
    std::vector<double> ms;
    for (int i = 0; i < 60; ++i)
        ms.push_back(500.0 + i * 18.0); // a backlog drained at 55 fps
    auto kept = keptTimes(cadence, ms);
    // 1,062 ms of arrivals cover 33 slots of 33.3 ms.
    EXPECT_GE(kept.size(), 31u);
    EXPECT_LE(kept.size(), 33u);
    expectOnOneGrid(kept);
}

TEST(FrameCadence, APhaseStepAfterAGapStaysOnTheGrid)
{
    // A camera outage of ~5 s; the camera comes back half a frame out of phase.
    std::vector<double> ms{1000, 1033.3, 1066.7};
    appendFrames(ms, 6083, 30, 0);
    expectAllKeptOnOneGrid(ms);
}

TEST(FrameCadence, HalfAFrameOutOfPhaseWithJitterLosesNoFrame)
{
    std::vector<double> ms{1000};
    appendFrames(ms, 1016.7, 300, 3); // half a frame out of phase
    expectAllKeptOnOneGrid(ms);
}

TEST(FrameCadence, GapsKeepTheirLengthAndAStepBackIsANewTimeline)
{
    FrameCadence cadence;
    cadence.setFrameRate(30, 1);
    auto kept = keptTimes(cadence, {1000, 1033.3, 11000, 11033.3, 8000, 8033.3, 8040});
    ASSERT_EQ(kept.size(), 6u);                    // 8040 falls in 8033's slot
    EXPECT_EQ(kept[2].first, 11000 * GST_MSECOND); // after the camera's 10 s outage
    EXPECT_EQ(kept[4].first, 8000 * GST_MSECOND);  // 3 s back: a new grid from there
    EXPECT_EQ(kept[5].first, 8000 * GST_MSECOND + kInterval);
}

TEST(FrameCadence, WithoutAFrameRateEveryFrameIsKeptAsItIs)
{
    FrameCadence cadence;
    cadence.setFrameRate(0, 1);
    auto kept = keptTimes(cadence, {0, 1, 2, 2, 1});
    ASSERT_EQ(kept.size(), 5u);
    for (const auto &[time, original] : kept)
        EXPECT_EQ(time, original);
}

TEST(TriggerParser, Lines)
{
    auto r = TriggerParser::parse(R"({"type":"trigger","label":"motion"})");
    EXPECT_TRUE(r.isTrigger);
    EXPECT_EQ(r.label, "motion");
    r = TriggerParser::parse(R"({"type":"trigger"})");
    EXPECT_TRUE(r.isTrigger);
    EXPECT_EQ(r.label, "event");
    r = TriggerParser::parse(R"({"type":"trigger","label":"a/b c"})");
    EXPECT_EQ(r.label, "a-b-c");
    r = TriggerParser::parse(R"({"type":"other"})");
    EXPECT_FALSE(r.isTrigger);
    EXPECT_TRUE(r.error.empty());
    r = TriggerParser::parse("trigger");
    EXPECT_FALSE(r.isTrigger);
    EXPECT_FALSE(r.error.empty());
    EXPECT_TRUE(TriggerParser::parse("  \n").error.empty());
}

namespace {

bool parse(QStringList args, RecorderOptions &options, std::string &error)
{
    args.prepend("zerotee-recorder");
    QString message;
    const bool run = RecorderOptions::parse(args, &options, &message) == ParseOutcome::Run;
    error = message.toStdString();
    return run;
}

} // namespace

TEST(RecorderOptions, DefaultsAndFlags)
{
    RecorderOptions options;
    std::string error;
    ASSERT_TRUE(parse({"--socket", "/s", "--dir", "/d"}, options, error)) << error;
    EXPECT_EQ(options.camera, "cam0");
    EXPECT_EQ(options.segmentSeconds, 60);
    EXPECT_EQ(options.container, RecorderOptions::Container::Matroska);
    ASSERT_TRUE(parse({"--socket", "/s", "--dir", "/d", "--container", "mp4", "--mode", "event",
                       "--pre-event-seconds", "3", "--max-total-mb", "10", "--encoded"},
                      options, error))
        << error;
    EXPECT_STREQ(options.extension(), "mp4");
    EXPECT_EQ(options.mode, RecorderOptions::Mode::Event);
    EXPECT_EQ(options.maxTotalMb, 10);
    EXPECT_TRUE(options.encoded);
}

TEST(RecorderOptions, AnH265StreamIsParsedForItsContainer)
{
    RecorderOptions options;
    std::string error;
    ASSERT_TRUE(
        parse({"--socket", "/s", "--dir", "/d", "--encoded", "--codec", "h265"}, options, error))
        << error;
    EXPECT_EQ(EncoderChoice::description(options),
              "h265parse ! capsfilter caps=video/x-h265,stream-format=hvc1,alignment=au");
    ASSERT_TRUE(parse({"--socket", "/s", "--dir", "/d", "--encoded"}, options, error)) << error;
    EXPECT_EQ(EncoderChoice::description(options),
              "h264parse ! capsfilter caps=video/x-h264,stream-format=avc,alignment=au");
}

TEST(RecorderOptions, BadFlagsSayWhy)
{
    const std::vector<QStringList> bad = {
        {"--dir", "/d"},
        {"--socket", "/s"},
        {"--socket", "/s", "--dir", "/d", "--segment-seconds", "0"},
        {"--socket", "/s", "--dir", "/d", "--container", "avi"},
        {"--socket", "/s", "--dir", "/d", "--profile", "extreme"},
        {"--socket", "/s", "--dir", "/d", "--camera", "../x"},
        {"--socket", "/s", "--dir", "/d", "--mode", "sometimes"},
        {"--socket", "/s", "--dir", "/d", "--bitrate", "fast"},
        {"--socket", "/s", "--dir", "/d", "--no-such-flag"},
        {"--socket", "/s", "--dir", "/d", "stray"},
        {"--socket", "/s", "--dir", "/d", "--encoded", "--codec", "vp9"},
        {"--socket", "/s", "--dir", "/d", "--codec", "h265"}, // the own encoder makes H.264
    };
    for (const QStringList &args : bad) {
        RecorderOptions options;
        std::string error;
        EXPECT_FALSE(parse(args, options, error)) << args.join(' ').toStdString();
        EXPECT_FALSE(error.empty());
    }
}
