#include "SegmentNamer.h"

#include <cstdio>
#include <ctime>

namespace zerotee {

SegmentNamer::SegmentNamer(std::string dir, std::string camera, std::string extension)
    : dir_(std::move(dir)), camera_(std::move(camera)), extension_(std::move(extension))
{
    while (dir_.size() > 1 && dir_.back() == '/')
        dir_.pop_back();
}

std::string SegmentNamer::cameraDir() const
{
    return dir_ + "/" + camera_;
}

std::string SegmentNamer::finalPath(int64_t utcMs, const std::string &label) const
{
    const time_t seconds = time_t(utcMs >= 0 ? utcMs / 1000 : (utcMs - 999) / 1000);
    const int millis = int(utcMs - int64_t(seconds) * 1000);
    struct tm tm {};
    gmtime_r(&seconds, &tm);
    char day[48];
    char stamp[64];
    std::snprintf(day, sizeof day, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    std::snprintf(stamp, sizeof stamp, "%04d%02d%02dT%02d%02d%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
    std::string path = cameraDir() + "/" + day + "/" + camera_ + "_" + stamp;
    if (!label.empty())
        path += "_" + label;
    return path + "." + extension_;
}

std::string SegmentNamer::partPath(int64_t utcMs, const std::string &label) const
{
    return finalPath(utcMs, label) + kPartSuffix;
}

bool SegmentNamer::isPart(const std::string &path)
{
    const std::string suffix = kPartSuffix;
    return path.size() > suffix.size() &&
           path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string SegmentNamer::finalFromPart(const std::string &path)
{
    return isPart(path) ? path.substr(0, path.size() - std::string(kPartSuffix).size()) : path;
}

std::optional<int64_t> SegmentNamer::timeFromName(const std::string &path)
{
    const size_t slash = path.rfind('/');
    const std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    // The camera name may contain '_' too: try every '_' until one is followed by a stamp.
    for (size_t underscore = base.find('_'); underscore != std::string::npos;
         underscore = base.find('_', underscore + 1)) {
        struct tm tm {};
        int millis = 0;
        int consumed = 0;
        if (std::sscanf(base.c_str() + underscore + 1, "%4d%2d%2dT%2d%2d%2d.%3dZ%n", &tm.tm_year,
                        &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &millis,
                        &consumed) != 7 ||
            consumed != 20)
            continue;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        const time_t seconds = timegm(&tm);
        if (seconds == time_t(-1))
            return std::nullopt;
        return int64_t(seconds) * 1000 + millis;
    }
    return std::nullopt;
}

std::string SegmentNamer::sanitiseLabel(const std::string &label)
{
    std::string out;
    for (char c : label) {
        if (out.size() == 32)
            break;
        const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '_';
        out += keep ? c : '-';
    }
    return out;
}

} // namespace zerotee
