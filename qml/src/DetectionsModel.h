#pragma once

#include <QAbstractListModel>
#include <QRectF>
#include <QtQml/qqmlregistration.h>

#include <deque>

namespace zerotee {

/// The boxes to draw over one camera's video: the AI worker's detections matched to the frame
/// on screen by capture timestamp (both are absolute CLOCK_MONOTONIC nanoseconds: the worker
/// reports the bus frame's pts_ns, the preview reads the same buffer's time in the capture
/// pipeline).
///
/// For the frame on screen at time P the model shows the detections of the newest analysed
/// frame at or before P (the AI analyses a few frames per second and answers after the frame
/// was shown). Their age P − pts sets the opacity: 1 up to holdMs, fading to 0 over fadeMs,
/// then gone — boxes of an object that left, or of an AI that stopped, do not linger.
///
/// Thread context: thread-bound to the main thread.
class DetectionsModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(int holdMs READ holdMs WRITE setHoldMs NOTIFY parametersChanged)
    Q_PROPERTY(int fadeMs READ fadeMs WRITE setFadeMs NOTIFY parametersChanged)
    /// Age of the boxes shown, in ms (-1 when none).
    Q_PROPERTY(double ageMs READ ageMs NOTIFY countChanged)

public:
    enum Role {
        XRole = Qt::UserRole + 1, ///< normalized 0..1 of the frame width
        YRole,
        WidthRole,
        HeightRole,
        LabelRole,
        ScoreRole,
        OpacityRole,
    };
    Q_ENUM(Role)

    explicit DetectionsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// One detection of the frame captured at @p ptsNs; @p box is normalized [x, y, w, h].
    Q_INVOKABLE void addDetection(qint64 ptsNs, const QString &label, double score,
                                  const QRectF &box);
    /// The frame on screen now was captured at @p ptsNs: recomputes what is shown.
    Q_INVOKABLE void setFramePts(qint64 ptsNs);
    Q_INVOKABLE void clear();

    int holdMs() const { return holdMs_; }
    void setHoldMs(int ms);
    int fadeMs() const { return fadeMs_; }
    void setFadeMs(int ms);
    double ageMs() const { return ageMs_; }

signals:
    void countChanged();
    void parametersChanged();

private:
    struct Box {
        QString label;
        double score = 0;
        QRectF rect;
        bool operator==(const Box &) const = default;
    };
    struct Frame {
        qint64 ptsNs = 0;
        QList<Box> boxes;
    };

    std::deque<Frame> frames_; // by pts, oldest first
    QList<Box> shown_;
    double opacity_ = 0;
    double ageMs_ = -1;
    qint64 lastFramePts_ = 0;
    int holdMs_ = 400;
    int fadeMs_ = 800;
};

} // namespace zerotee
