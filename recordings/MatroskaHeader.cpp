#include "MatroskaHeader.h"

#include "EbmlElement.h"

#include <fstream>
#include <bit>
#include <cstdint>
#include <cstring>

namespace zerotee {

namespace {

constexpr uint32_t kEbmlId = 0x1A45DFA3;
constexpr uint32_t kSegmentId = 0x18538067;
constexpr uint32_t kInfoId = 0x1549A966;
constexpr uint32_t kClusterId = 0x1F43B675;
constexpr uint32_t kTimecodeScaleId = 0x2AD7B1;
constexpr uint32_t kDurationId = 0x4489;
constexpr size_t kReadLimit = 256 * 1024;

uint64_t readUnsigned(const unsigned char *data, uint64_t length)
{
    uint64_t value = 0;
    for (uint64_t i = 0; i < length; ++i)
        value = (value << 8) | data[i];
    return value;
}

double readFloat(const unsigned char *data, uint64_t length)
{
    if (length == 4) {
        const uint32_t bits = uint32_t(readUnsigned(data, 4));
        return double(std::bit_cast<float>(bits));
    }
    if (length == 8)
        return std::bit_cast<double>(readUnsigned(data, 8));
    return 0;
}

} // namespace

MatroskaHeader::Info MatroskaHeader::parse(const unsigned char *data, size_t size)
{
    Info info;
    auto elementAt = [&](size_t at, size_t end) -> std::optional<EbmlElement> {
        if (at >= end)
            return std::nullopt;
        auto e = EbmlElement::parse(data + at, std::min(end - at, EbmlElement::kMaxHeaderBytes),
                                    int64_t(at));
        // Only elements whose data lie within the bytes read.
        if (e && e->end() && *e->end() > int64_t(end))
            e->size.reset();
        return e;
    };
    const auto ebml = elementAt(0, size);
    if (!ebml || ebml->id != kEbmlId || !ebml->size)
        return info;
    const auto segment = elementAt(size_t(*ebml->end()), size);
    if (!segment || segment->id != kSegmentId)
        return info;
    info.matroska = true;

    // Segment children up to the first cluster: SeekHead, Void, Info, Tracks, ...
    for (auto child = elementAt(size_t(segment->dataAt), size);
         child && child->id != kClusterId && child->size;
         child = elementAt(size_t(*child->end()), size)) {
        if (child->id != kInfoId)
            continue;
        uint64_t scaleNs = 1000000; // TimecodeScale default
        double duration = 0;
        const size_t infoEnd = size_t(*child->end());
        for (auto field = elementAt(size_t(child->dataAt), infoEnd); field && field->size;
             field = elementAt(size_t(*field->end()), infoEnd)) {
            const unsigned char *value = data + field->dataAt;
            if (field->id == kTimecodeScaleId && *field->size <= 8)
                scaleNs = readUnsigned(value, uint64_t(*field->size));
            else if (field->id == kDurationId)
                duration = readFloat(value, uint64_t(*field->size));
        }
        if (duration > 0 && scaleNs > 0)
            info.durationS = duration * double(scaleNs) / 1e9;
        return info;
    }
    return info;
}

MatroskaHeader::Info MatroskaHeader::read(const std::string &path)
{
    std::ifstream file(path, std::ios::binary);
    if (!file)
        return {};
    std::string head(kReadLimit, '\0');
    file.read(head.data(), std::streamsize(head.size()));
    head.resize(size_t(file.gcount()));
    return parse(reinterpret_cast<const unsigned char *>(head.data()), head.size());
}

} // namespace zerotee
