#include "EventTracker.h"

#include <algorithm>
#include <cmath>

namespace zerotee::ai {

namespace {

double iou(const cv::Rect2d &a, const cv::Rect2d &b)
{
    const double overlap = (a & b).area();
    const double total = a.area() + b.area() - overlap;
    return total > 0 ? overlap / total : 0;
}

cv::Point2d centre(const cv::Rect2d &r)
{
    return {r.x + r.width / 2, r.y + r.height / 2};
}

} // namespace

EventTracker::Change EventTracker::endOf(const Track &track) const
{
    return Change{Change::State::End, track.id,        track.label, track.lastPtsNs,
                  track.firstPtsNs,   track.peakScore, track.box};
}

EventTracker::Update EventTracker::update(uint64_t ptsNs, const std::vector<Detection> &detections)
{
    Update result;

    // Candidate pairs (track, detection) of one label, best first: any overlap beats distance.
    struct Pair {
        double key;
        size_t track, detection;
    };
    std::vector<Pair> pairs;
    for (size_t t = 0; t < tracks_.size(); ++t) {
        const Track &track = tracks_[t];
        const double dt = ptsNs > track.lastPtsNs ? double(ptsNs - track.lastPtsNs) / 1e9 : 0.0;
        cv::Rect2d predicted = track.box;
        predicted.x += track.velocity.x * dt;
        predicted.y += track.velocity.y * dt;
        for (size_t d = 0; d < detections.size(); ++d) {
            if (detections[d].label != track.label)
                continue;
            const double overlap =
                std::max(iou(predicted, detections[d].box), iou(track.box, detections[d].box));
            const cv::Point2d delta = centre(predicted) - centre(detections[d].box);
            const double distance = std::hypot(delta.x, delta.y);
            if (overlap > 0)
                pairs.push_back({1.0 + overlap, t, d});
            else if (distance <= settings_.maxDistance)
                pairs.push_back({1.0 - distance / settings_.maxDistance, t, d});
        }
    }
    std::sort(pairs.begin(), pairs.end(),
              [](const Pair &a, const Pair &b) { return a.key > b.key; });

    std::vector<int> trackOf(detections.size(), -1);
    std::vector<bool> trackUsed(tracks_.size(), false);
    for (const Pair &pair : pairs) {
        if (trackUsed[pair.track] || trackOf[pair.detection] >= 0)
            continue;
        trackUsed[pair.track] = true;
        trackOf[pair.detection] = int(pair.track);
    }

    for (size_t d = 0; d < detections.size(); ++d) {
        const Detection &detection = detections[d];
        if (trackOf[d] < 0) {
            Track track;
            track.label = detection.label;
            track.box = track.firstBox = detection.box;
            track.firstPtsNs = track.lastPtsNs = ptsNs;
            tracks_.push_back(track);
            trackOf[d] = int(tracks_.size() - 1);
            trackUsed.push_back(true);
        } else {
            Track &track = tracks_[size_t(trackOf[d])];
            const double dt = ptsNs > track.lastPtsNs ? double(ptsNs - track.lastPtsNs) / 1e9 : 0.0;
            if (dt > 0)
                track.velocity = (centre(detection.box) - centre(track.box)) / dt;
            track.box = detection.box;
            track.lastPtsNs = ptsNs;
        }
        Track &track = tracks_[size_t(trackOf[d])];
        track.hits++;
        track.peakScore = std::max(track.peakScore, detection.score);
        if (track.id == 0 && track.hits >= settings_.minHits) {
            track.id = nextEventId_++;
            result.changes.push_back({Change::State::Start, track.id, track.label, track.firstPtsNs,
                                      track.firstPtsNs, track.peakScore, track.firstBox});
        }
        result.detections.push_back({detection, track.id});
    }

    // Objects unseen for longer than the hold time: their events end (at their last sighting).
    const uint64_t holdNs = uint64_t(settings_.holdSeconds * 1e9);
    std::vector<Track> kept;
    for (size_t t = 0; t < tracks_.size(); ++t) {
        Track &track = tracks_[t];
        const bool seen = t < trackUsed.size() && trackUsed[t];
        if (!seen && ptsNs > track.lastPtsNs && ptsNs - track.lastPtsNs > holdNs) {
            if (track.id)
                result.changes.push_back(endOf(track));
            continue;
        }
        kept.push_back(std::move(track));
    }
    tracks_ = std::move(kept);
    return result;
}

std::vector<EventTracker::Change> EventTracker::endAll()
{
    std::vector<Change> changes;
    for (const Track &track : tracks_)
        if (track.id)
            changes.push_back(endOf(track));
    tracks_.clear();
    return changes;
}

size_t EventTracker::openEvents() const
{
    return size_t(
        std::count_if(tracks_.begin(), tracks_.end(), [](const Track &t) { return t.id != 0; }));
}

} // namespace zerotee::ai
