#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace zerotee {

/// One EBML element header (Matroska's container syntax): where it starts, its id, where its
/// size field and its data are. The one reader of that syntax for every Matroska reader here
/// (MatroskaHeader, MatroskaTail); every length is checked against the bytes given.
struct EbmlElement {
    uint32_t id = 0;             ///< 1–4 bytes, length marker kept (as the specification writes IDs)
    int64_t sizeFieldAt = 0;     ///< offset of the size field
    int sizeFieldLength = 0;     ///< 1–8
    int64_t dataAt = 0;          ///< offset of the data
    std::optional<int64_t> size; ///< none: "unknown size" (a stream still being written)

    std::optional<int64_t> end() const
    {
        return size ? std::optional<int64_t>(dataAt + *size) : std::nullopt;
    }

    /// Reads the header in @p bytes (@p available of them, which sit at offset @p at of the
    /// file); nothing when it is invalid or does not fit.
    static std::optional<EbmlElement> parse(const unsigned char *bytes, size_t available,
                                            int64_t at);
    /// The longest header: a 4-byte id and an 8-byte size.
    static constexpr size_t kMaxHeaderBytes = 12;
};

} // namespace zerotee
