#include "DetectionsModel.h"

#include <algorithm>

namespace zerotee {

namespace {

constexpr qint64 kKeepNs = 5'000'000'000;        // history kept behind the newest detection
constexpr qint64 kAheadToleranceNs = 40'000'000; // a detection slightly "ahead" still matches
constexpr size_t kMaxFrames = 256;

} // namespace

DetectionsModel::DetectionsModel(QObject *parent) : QAbstractListModel(parent) {}

int DetectionsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(shown_.size());
}

QHash<int, QByteArray> DetectionsModel::roleNames() const
{
    return {{XRole, "boxX"},
            {YRole, "boxY"},
            {WidthRole, "boxWidth"},
            {HeightRole, "boxHeight"},
            {LabelRole, "label"},
            {ScoreRole, "score"},
            {OpacityRole, "boxOpacity"}};
}

QVariant DetectionsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= shown_.size())
        return {};
    const Box &b = shown_[index.row()];
    switch (role) {
    case XRole:
        return b.rect.x();
    case YRole:
        return b.rect.y();
    case WidthRole:
        return b.rect.width();
    case HeightRole:
        return b.rect.height();
    case LabelRole:
        return b.label;
    case ScoreRole:
        return b.score;
    case OpacityRole:
        return opacity_;
    }
    return {};
}

void DetectionsModel::addDetection(qint64 ptsNs, const QString &label, double score,
                                   const QRectF &box)
{
    const QRectF clipped = box.intersected(QRectF(0, 0, 1, 1));
    if (clipped.isEmpty())
        return;
    auto it = std::lower_bound(frames_.begin(), frames_.end(), ptsNs,
                               [](const Frame &f, qint64 pts) { return f.ptsNs < pts; });
    if (it == frames_.end() || it->ptsNs != ptsNs)
        it = frames_.insert(it, Frame{ptsNs, {}});
    it->boxes.append(Box{label, score, clipped});
    const qint64 newest = frames_.back().ptsNs;
    while (!frames_.empty() &&
           (frames_.size() > kMaxFrames || frames_.front().ptsNs < newest - kKeepNs))
        frames_.pop_front();
}

void DetectionsModel::setFramePts(qint64 ptsNs)
{
    lastFramePts_ = ptsNs;
    // The newest analysed frame at or (a little) before the frame on screen.
    const Frame *match = nullptr;
    for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
        if (it->ptsNs <= ptsNs + kAheadToleranceNs) {
            match = &*it;
            break;
        }
    }
    QList<Box> boxes;
    double opacity = 0;
    double age = -1;
    if (match) {
        age = double(std::max<qint64>(0, ptsNs - match->ptsNs)) / 1e6;
        opacity =
            age <= holdMs_ ? 1.0 : std::max(0.0, 1.0 - (age - holdMs_) / std::max(1, fadeMs_));
        if (opacity > 0)
            boxes = match->boxes;
        else
            age = -1;
    }
    const bool sameBoxes = boxes == shown_;
    if (sameBoxes && opacity == opacity_)
        return;
    if (!sameBoxes && boxes.size() != shown_.size()) {
        beginResetModel();
        shown_ = boxes;
        opacity_ = opacity;
        ageMs_ = age;
        endResetModel();
        emit countChanged();
        return;
    }
    shown_ = boxes;
    opacity_ = opacity;
    ageMs_ = age;
    if (!shown_.isEmpty())
        emit dataChanged(index(0), index(int(shown_.size()) - 1));
    emit countChanged();
}

void DetectionsModel::clear()
{
    frames_.clear();
    setFramePts(lastFramePts_);
}

void DetectionsModel::setHoldMs(int ms)
{
    if (ms == holdMs_)
        return;
    holdMs_ = std::max(0, ms);
    emit parametersChanged();
}

void DetectionsModel::setFadeMs(int ms)
{
    if (ms == fadeMs_)
        return;
    fadeMs_ = std::max(0, ms);
    emit parametersChanged();
}

} // namespace zerotee
