#pragma once

#include "Detection.h"

#include <cstdint>
#include <string>
#include <vector>

namespace zerotee::ai {

/// Turns per-frame detections into events: an object that appears starts an event, and the
/// event ends once the object has not been seen for the hold time (measured in capture time,
/// so a slow analysis rate does not stretch it). Detections are matched to the open events of
/// their label greedily, by overlap first and then by distance from where the event's object
/// is predicted to be (its last box moved by its last velocity), so a fast object that no
/// longer overlaps its previous box keeps its event.
///
/// Thread context: thread-bound.
class EventTracker {
public:
    struct Settings {
        double holdSeconds = 1.0;
        int minHits = 1;           // sightings before the event starts
        double maxDistance = 0.25; // normalized centre distance a match may jump
    };

    /// A detection with the event it belongs to (0 while the event has not started).
    struct Tracked {
        Detection detection;
        uint64_t eventId = 0;
    };

    struct Change {
        enum class State { Start, End } state = State::Start;
        uint64_t eventId = 0;
        std::string label;
        uint64_t ptsNs = 0;      // start: first sighting; end: last sighting
        uint64_t startPtsNs = 0; // first sighting
        float peakScore = 0;
        cv::Rect2d box; // start: first box; end: last box
    };

    struct Update {
        std::vector<Tracked> detections;
        std::vector<Change> changes; // starts and ends, in that order
    };

    explicit EventTracker(Settings settings) : settings_(settings) {}

    /// Feeds one analysed frame's detections.
    Update update(uint64_t ptsNs, const std::vector<Detection> &detections);
    /// Ends every started event now (stream lost, shutdown); pending ones are dropped.
    std::vector<Change> endAll();

    size_t openEvents() const;

private:
    struct Track {
        uint64_t id = 0; // event id once started
        std::string label;
        cv::Rect2d box;
        cv::Point2d velocity; // normalized units per second
        uint64_t firstPtsNs = 0;
        uint64_t lastPtsNs = 0;
        cv::Rect2d firstBox;
        int hits = 0;
        float peakScore = 0;
    };

    Change endOf(const Track &track) const;

    Settings settings_;
    std::vector<Track> tracks_;
    uint64_t nextEventId_ = 1;
};

} // namespace zerotee::ai
