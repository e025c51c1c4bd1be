#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QRectF>
#include <QSize>
#include <QStringList>
#include <QVariantMap>

namespace zerotee {

class HeadlessService;

/// The panel's one door into the running service: what it shows (status, events, detections,
/// the recorder's settings), what it asks (control requests, the same verbs as zeroteectl) and
/// the live preview branch of each camera. The panel includes this header and no other of the
/// supervisor's, so the service's owning structures can change without the panel noticing.
///
/// Made after the service started; answers "down" once the service begins to shut down.
/// Thread context: thread-bound (the service's thread, the GUI thread).
class PanelFacade : public QObject {
    Q_OBJECT

public:
    explicit PanelFacade(HeadlessService &service, QObject *parent = nullptr);
    ~PanelFacade() override;

    /// False from the moment the service begins to shut down.
    bool isUp() const;

    QStringList cameraNames() const;
    /// The camera's configured capture size, or an invalid size for an unknown camera.
    QSize cameraSize(const QString &camera) const;

    /// The service's status (the control API's `status` answer); empty while down.
    QJsonObject status() const;
    /// Up to @p limit of the latest events, oldest first.
    QJsonArray recentEvents(int limit) const;
    /// The options of the first recorder worker (its folder, retention), or empty.
    QVariantMap recorderOptions() const;

    /// A control request, answered as `zeroteectl` would be; a failure while down.
    QJsonObject control(const QJsonObject &request);

    /// Adds or removes the camera's preview branch (see CaptureOwner::attachBranch()).
    void attachPreview(const QString &camera);
    void detachPreview(const QString &camera);

signals:
    void eventAdded(const QJsonObject &event);
    /// A worker was added, removed or changed state.
    void workersChanged();
    /// An AI worker reported a detection on @p camera's frame captured at @p ptsNs.
    void detection(const QString &camera, qint64 ptsNs, const QString &label, double score,
                   const QRectF &box);
    void previewFailed(const QString &camera, const QString &reason);
    void previewAttachedChanged(const QString &camera, bool attached);

private:
    void onWorkerReport(const QString &worker, const QJsonObject &report);

    HeadlessService &service_;
};

} // namespace zerotee
