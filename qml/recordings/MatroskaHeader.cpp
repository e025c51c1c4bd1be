#include "MatroskaHeader.h"

#include <QFile>

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
constexpr uint64_t kUnknownSize = ~uint64_t(0);
constexpr qint64 kReadLimit = 256 * 1024;

/// A bounded cursor over the bytes read.
struct Cursor {
    const unsigned char *data;
    size_t size;
    size_t pos = 0;

    /// An element ID: 1–4 bytes, length marker kept (as the specification writes IDs).
    bool readId(uint32_t &id)
    {
        if (pos >= size || data[pos] == 0)
            return false;
        const int length = std::countl_zero(uint8_t(data[pos])) + 1;
        if (length > 4 || pos + size_t(length) > size)
            return false;
        id = 0;
        for (int i = 0; i < length; ++i)
            id = (id << 8) | data[pos + size_t(i)];
        pos += size_t(length);
        return true;
    }

    /// An element size: 1–8 bytes, marker removed; all value bits set means "unknown".
    bool readSize(uint64_t &value)
    {
        if (pos >= size || data[pos] == 0)
            return false;
        const int length = std::countl_zero(uint8_t(data[pos])) + 1;
        if (pos + size_t(length) > size)
            return false;
        value = data[pos] & (0xFFu >> length);
        bool allOnes = value == (0xFFu >> length);
        for (int i = 1; i < length; ++i) {
            value = (value << 8) | data[pos + size_t(i)];
            allOnes = allOnes && data[pos + size_t(i)] == 0xFF;
        }
        pos += size_t(length);
        if (allOnes)
            value = kUnknownSize;
        return true;
    }
};

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
    Cursor cursor{data, size};
    uint32_t id = 0;
    uint64_t length = 0;
    if (!cursor.readId(id) || id != kEbmlId || !cursor.readSize(length) || length == kUnknownSize ||
        length > size - cursor.pos)
        return info;
    cursor.pos += size_t(length);
    if (!cursor.readId(id) || id != kSegmentId || !cursor.readSize(length))
        return info;
    info.matroska = true;

    // Segment children up to the first cluster: SeekHead, Void, Info, Tracks, ...
    while (cursor.readId(id) && id != kClusterId && cursor.readSize(length)) {
        if (length == kUnknownSize || length > size - cursor.pos)
            return info;
        if (id != kInfoId) {
            cursor.pos += size_t(length);
            continue;
        }
        Cursor child{data + cursor.pos, size_t(length)};
        uint64_t scaleNs = 1000000; // TimecodeScale default
        double duration = 0;
        uint32_t childId = 0;
        uint64_t childLength = 0;
        while (child.readId(childId) && child.readSize(childLength)) {
            if (childLength == kUnknownSize || childLength > child.size - child.pos)
                break;
            if (childId == kTimecodeScaleId && childLength <= 8)
                scaleNs = readUnsigned(child.data + child.pos, childLength);
            else if (childId == kDurationId)
                duration = readFloat(child.data + child.pos, childLength);
            child.pos += size_t(childLength);
        }
        if (duration > 0 && scaleNs > 0)
            info.durationS = duration * double(scaleNs) / 1e9;
        return info;
    }
    return info;
}

MatroskaHeader::Info MatroskaHeader::read(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QByteArray head = file.read(kReadLimit);
    return parse(reinterpret_cast<const unsigned char *>(head.constData()), size_t(head.size()));
}

} // namespace zerotee
