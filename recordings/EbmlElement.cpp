#include "EbmlElement.h"

namespace zerotee {

namespace {

/// Length of an EBML variable-length integer from its first byte (1..8), 0 when invalid.
int vintLength(uint8_t first)
{
    for (int length = 1; length <= 8; ++length)
        if (first & (0x80 >> (length - 1)))
            return length;
    return 0;
}

} // namespace

std::optional<EbmlElement> EbmlElement::parse(const unsigned char *bytes, size_t available,
                                              int64_t at)
{
    if (available < 2)
        return std::nullopt;
    const int idLength = vintLength(bytes[0]);
    if (idLength == 0 || idLength > 4 || size_t(idLength) >= available)
        return std::nullopt;
    EbmlElement e;
    for (int i = 0; i < idLength; ++i)
        e.id = (e.id << 8) | bytes[i];
    const int sizeLength = vintLength(bytes[idLength]);
    if (sizeLength == 0 || size_t(idLength + sizeLength) > available)
        return std::nullopt;
    uint64_t size = bytes[idLength] & (0xFF >> sizeLength);
    bool allOnes = size == (0xFFu >> sizeLength);
    for (int i = 1; i < sizeLength; ++i) {
        size = (size << 8) | bytes[idLength + i];
        allOnes = allOnes && bytes[idLength + i] == 0xFF;
    }
    if (!allOnes && size > uint64_t(INT64_MAX))
        return std::nullopt;
    e.sizeFieldAt = at + idLength;
    e.sizeFieldLength = sizeLength;
    e.dataAt = at + idLength + sizeLength;
    if (!allOnes)
        e.size = int64_t(size);
    return e;
}

} // namespace zerotee
