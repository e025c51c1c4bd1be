#include "Protocol.h"

#include <cerrno>
#include <cstring>

namespace zerotee::wire {

namespace {

// The fds each message type may carry: (min, max).
struct FdRange {
    unsigned min;
    unsigned max;
};

FdRange fdRangeOf(MessageType type)
{
    if (type == MessageType::RegisterBuffer)
        return {1, kMaxFdsPerMessage};
    return {0, 0};
}

template <typename T> int copyFixed(std::span<const uint8_t> payload, T &out)
{
    if (payload.size() != sizeof(T))
        return -EBADMSG;
    std::memcpy(&out, payload.data(), sizeof(T));
    return 0;
}

bool validPolicy(uint8_t policy)
{
    return policy <= uint8_t(DeliveryPolicy::FpsCap);
}

bool addOverflows(uint64_t a, uint64_t b, uint64_t *sum)
{
    return __builtin_add_overflow(a, b, sum);
}

} // namespace

const char *policyName(DeliveryPolicy policy)
{
    switch (policy) {
    case DeliveryPolicy::All:
        return "all";
    case DeliveryPolicy::Latest:
        return "latest";
    case DeliveryPolicy::FpsCap:
        return "fps-cap";
    }
    return "?";
}

bool policyFromName(std::string_view name, DeliveryPolicy *policy)
{
    for (DeliveryPolicy p : {DeliveryPolicy::All, DeliveryPolicy::Latest, DeliveryPolicy::FpsCap}) {
        if (name == policyName(p)) {
            *policy = p;
            return true;
        }
    }
    return false;
}

const char *messageTypeName(MessageType type)
{
    switch (type) {
    case MessageType::Hello:
        return "Hello";
    case MessageType::Welcome:
        return "Welcome";
    case MessageType::Caps:
        return "Caps";
    case MessageType::RegisterBuffer:
        return "RegisterBuffer";
    case MessageType::UnregisterBuffer:
        return "UnregisterBuffer";
    case MessageType::Frame:
        return "Frame";
    case MessageType::Release:
        return "Release";
    case MessageType::UpstreamRequest:
        return "UpstreamRequest";
    case MessageType::Goodbye:
        return "Goodbye";
    case MessageType::Error:
        return "Error";
    }
    return "Unknown";
}

int validateHeader(const Header &header)
{
    if (header.magic != kMagic)
        return -EBADMSG;
    if (header.type < uint16_t(MessageType::Hello) || header.type > uint16_t(MessageType::Error))
        return -EBADMSG;
    if (header.payloadSize > kMaxPayload)
        return -EBADMSG;
    FdRange range = fdRangeOf(MessageType(header.type));
    if (header.fdCount < range.min || header.fdCount > range.max)
        return -EBADMSG;
    return 0;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, Hello &out)
{
    if (fdCount != 0 || copyFixed(payload, out) < 0)
        return -EBADMSG;
    if (out.role != uint8_t(Role::Consumer) || !validPolicy(out.policy))
        return -EBADMSG;
    if (out.policy == uint8_t(DeliveryPolicy::FpsCap) && out.fpsCapMilli == 0)
        return -EBADMSG;
    return 0;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, Welcome &out)
{
    if (fdCount != 0 || copyFixed(payload, out) < 0)
        return -EBADMSG;
    if (!validPolicy(out.policy) || out.quota == 0)
        return -EBADMSG;
    return 0;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, RegisterBuffer &out)
{
    if (copyFixed(payload, out) < 0)
        return -EBADMSG;
    if (out.memoryType != uint8_t(MemoryType::Dmabuf) &&
        out.memoryType != uint8_t(MemoryType::Memfd))
        return -EBADMSG;
    if (out.memoryCount == 0 || out.memoryCount > kMaxMemories || out.memoryCount != fdCount)
        return -EBADMSG;
    if (out.planeCount > kMaxPlanes)
        return -EBADMSG;

    uint64_t bufferSize = 0;
    for (unsigned i = 0; i < out.memoryCount; ++i) {
        const MemoryDesc &m = out.memories[i];
        uint64_t end;
        if (m.size == 0 || addOverflows(m.fdOffset, m.size, &end) || end > m.fdSize)
            return -EBADMSG;
        if (addOverflows(bufferSize, m.size, &bufferSize))
            return -EBADMSG;
    }
    for (unsigned i = 0; i < out.planeCount; ++i) {
        const PlaneDesc &p = out.planes[i];
        uint64_t end;
        if (p.stride == 0 || addOverflows(p.offset, p.size, &end) || end > bufferSize)
            return -EBADMSG;
    }
    return 0;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, UnregisterBuffer &out)
{
    return fdCount == 0 ? copyFixed(payload, out) : -EBADMSG;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, Frame &out)
{
    return fdCount == 0 ? copyFixed(payload, out) : -EBADMSG;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, Release &out)
{
    return fdCount == 0 ? copyFixed(payload, out) : -EBADMSG;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, UpstreamRequest &out)
{
    if (fdCount != 0 || copyFixed(payload, out) < 0)
        return -EBADMSG;
    return out.kind == uint32_t(UpstreamKind::KeyframeNow) ? 0 : -EBADMSG;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, Goodbye &out)
{
    return fdCount == 0 ? copyFixed(payload, out) : -EBADMSG;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, CapsMessage &out)
{
    CapsHeader header;
    if (fdCount != 0 || payload.size() < sizeof(header))
        return -EBADMSG;
    std::memcpy(&header, payload.data(), sizeof(header));
    if (header.length == 0 || header.length > kMaxCapsLength ||
        payload.size() != sizeof(header) + header.length)
        return -EBADMSG;
    const char *text = reinterpret_cast<const char *>(payload.data() + sizeof(header));
    if (std::memchr(text, '\0', header.length))
        return -EBADMSG;
    out.generation = header.generation;
    out.caps.assign(text, header.length);
    return 0;
}

int decode(std::span<const uint8_t> payload, unsigned fdCount, ErrorMessage &out)
{
    ErrorHeader header;
    if (fdCount != 0 || payload.size() < sizeof(header))
        return -EBADMSG;
    std::memcpy(&header, payload.data(), sizeof(header));
    if (header.length > kMaxErrorText || payload.size() != sizeof(header) + header.length)
        return -EBADMSG;
    out.code = ErrorCode(header.code);
    out.text.assign(reinterpret_cast<const char *>(payload.data() + sizeof(header)), header.length);
    return 0;
}

std::string encodeCaps(uint32_t generation, std::string_view caps)
{
    if (caps.size() > kMaxCapsLength)
        caps = caps.substr(0, kMaxCapsLength);
    CapsHeader header{generation, uint32_t(caps.size())};
    std::string out(reinterpret_cast<const char *>(&header), sizeof(header));
    out.append(caps);
    return out;
}

std::string encodeError(ErrorCode code, std::string_view text)
{
    if (text.size() > kMaxErrorText)
        text = text.substr(0, kMaxErrorText);
    ErrorHeader header{uint32_t(code), uint32_t(text.size())};
    std::string out(reinterpret_cast<const char *>(&header), sizeof(header));
    out.append(text);
    return out;
}

void setName(char (&field)[kNameLength], std::string_view name)
{
    std::memset(field, 0, kNameLength);
    std::memcpy(field, name.data(), std::min<size_t>(name.size(), kNameLength - 1));
}

std::string nameOf(const char (&field)[kNameLength])
{
    return std::string(field, strnlen(field, kNameLength));
}

} // namespace zerotee::wire
