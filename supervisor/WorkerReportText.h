#pragma once

#include <QJsonObject>
#include <QString>

namespace zerotee {

/// The one line an event-log entry shows for a worker's "event" or "detection" report: what
/// happened, in words, never empty. The report itself stays in the entry as data.
///
///   ai        {"label":"motion","state":"start","score":0.8}     → motion started (score 0.8)
///   ai        {"label":"motion","state":"end","duration_ms":1200,"reason":"not seen"}
///                                                                  → motion ended after 1.2 s (not
///                                                                  seen)
///   ai        {"type":"detection","label":"person","score":0.9,"box":[x,y,w,h]}
///                                                                  → person, score 0.9, at x,y
///                                                                  size wxh
///   recorder  {"label":"segment-closed","file":"/r/cam0/…/a.mkv"} → segment-closed: a.mkv
///   rtsp      {"event":"listening","port":8554,"urls":[…]}       → listening on port 8554:
///   rtsp://… rtsp      {"event":"error","message":"…"}                    → error: …
///
/// Reports of unknown shape give their fields as `key=value`; a report with none says so.
QString workerReportText(const QJsonObject &report);

} // namespace zerotee
