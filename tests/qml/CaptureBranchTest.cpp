// A branch off a running capture (the panel's preview path without GL): it is attached once
// the capture runs, sees frames, leaves the bus zero-copy (the tee's allocation query is
// answered with the bus sink's pool), and when it fails it is detached while the capture keeps
// running.
#include <BusPublisher.h>
#include <CaptureOwner.h>

#include <QSignalSpy>
#include <QTest>
#include <gst/gst.h>

#include <atomic>

using namespace zerotee;

namespace {

CameraConfig smallCamera()
{
    CameraConfig camera;
    camera.source = QStringLiteral("test");
    camera.width = 320;
    camera.height = 240;
    camera.fps = 30;
    return camera;
}

FramePublisher::Options publisherOptions(const CameraConfig &camera)
{
    FramePublisher::Options options;
    options.poolCapacity = unsigned(camera.poolSize);
    options.defaultQuota = unsigned(camera.quota);
    return options;
}

} // namespace

class CaptureBranchTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { gst_init(nullptr, nullptr); }

    void branchSeesFramesAndTheBusStaysZeroCopy()
    {
        const CameraConfig camera = smallCamera();
        BusPublisher publisher(publisherOptions(camera));
        CaptureOwner capture(camera, publisher);
        std::atomic<int> frames{0};
        int built = 0;
        capture.setBranchFactory([&]() -> GstElement * {
            ++built;
            GstElement *bin = gst_parse_bin_from_description(
                "queue leaky=downstream max-size-buffers=1 ! fakesink name=branch_sink "
                "sync=false async=false",
                TRUE, nullptr);
            GstElement *sink = gst_bin_get_by_name(GST_BIN(bin), "branch_sink");
            GstPad *pad = gst_element_get_static_pad(sink, "sink");
            gst_pad_add_probe(
                pad, GST_PAD_PROBE_TYPE_BUFFER,
                [](GstPad *, GstPadProbeInfo *, gpointer data) {
                    static_cast<std::atomic<int> *>(data)->fetch_add(1);
                    return GST_PAD_PROBE_OK;
                },
                &frames, nullptr);
            gst_object_unref(pad);
            gst_object_unref(sink);
            return bin;
        });
        QSignalSpy attached(&capture, &CaptureOwner::branchAttachedChanged);
        capture.start();
        QTRY_COMPARE_WITH_TIMEOUT(capture.state(), CaptureOwner::State::Running, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(capture.branchAttached(), 5000);
        QCOMPARE(built, 1);
        QTRY_VERIFY_WITH_TIMEOUT(frames.load() >= 15, 5000);
        const QJsonObject snapshot = capture.snapshot();
        QVERIFY(snapshot.value("branch_attached").toBool());
        QCOMPARE(snapshot.value("pixel_bytes_copied").toInteger(), 0);

        capture.detachBranch();
        QVERIFY(!capture.branchAttached());
        const int after = frames.load();
        const quint64 capturedBefore = capture.frames();
        QTest::qWait(1500);
        QCOMPARE(frames.load(), after);
        QVERIFY(capture.frames() > capturedBefore);
        QCOMPARE(capture.state(), CaptureOwner::State::Running);
        capture.stop();
    }

    void failingBranchIsDetachedAndCaptureGoesOn()
    {
        const CameraConfig camera = smallCamera();
        BusPublisher publisher(publisherOptions(camera));
        CaptureOwner capture(camera, publisher);
        // The capture delivers NV12; this branch accepts RGB only: not-negotiated inside it.
        capture.setBranchFactory([]() -> GstElement * {
            return gst_parse_bin_from_description(
                "queue ! capsfilter caps=video/x-raw,format=RGB ! fakesink async=false", TRUE,
                nullptr);
        });
        QSignalSpy failed(&capture, &CaptureOwner::branchFailed);
        QSignalSpy captureFailed(&capture, &CaptureOwner::failed);
        capture.start();
        QTRY_COMPARE_WITH_TIMEOUT(capture.state(), CaptureOwner::State::Running, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(failed.count() >= 1, 5000);
        QVERIFY(!capture.branchAttached());
        const quint64 before = capture.frames();
        QTest::qWait(1500);
        QCOMPARE(capture.state(), CaptureOwner::State::Running);
        QVERIFY(capture.frames() > before);
        QCOMPARE(captureFailed.count(), 0);
        capture.stop();
    }

    void factoryNotReadyIsAskedAgain()
    {
        const CameraConfig camera = smallCamera();
        BusPublisher publisher(publisherOptions(camera));
        CaptureOwner capture(camera, publisher);
        bool ready = false;
        capture.setBranchFactory([&]() -> GstElement * {
            if (!ready)
                return nullptr;
            return gst_parse_bin_from_description("queue ! fakesink async=false", TRUE, nullptr);
        });
        capture.start();
        QTRY_COMPARE_WITH_TIMEOUT(capture.state(), CaptureOwner::State::Running, 10000);
        QVERIFY(!capture.branchAttached());
        ready = true;
        capture.attachBranch();
        QVERIFY(capture.branchAttached());
        capture.stop();
        QVERIFY(!capture.branchAttached());
    }
};

QTEST_GUILESS_MAIN(CaptureBranchTest)
#include "CaptureBranchTest.moc"
