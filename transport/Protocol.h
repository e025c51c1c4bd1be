#pragma once

// The zerotee bus wire protocol, version 1.
//
// A connection is an AF_UNIX SOCK_STREAM socket. Every message is a fixed Header followed by
// `payloadSize` bytes. File descriptors travel as SCM_RIGHTS attached to the first byte of the
// message that owns them; `fdCount` in the header says how many the message takes, in order.
// Every payload except Caps and Error is a fixed-size, size-locked struct; all integers are in
// host byte order (both ends are on one machine). Parsing checks every length before a cast.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace zerotee::wire {

constexpr uint32_t kMagic = 0x4545545a; // "ZTEE" in memory on little-endian
constexpr uint16_t kVersion = 1;
constexpr uint32_t kMaxPayload = 16 * 1024;
constexpr uint32_t kMaxCapsLength = 8 * 1024;
constexpr uint32_t kMaxErrorText = 240;
constexpr unsigned kMaxMemories = 4;
constexpr unsigned kMaxPlanes = 4;
constexpr unsigned kMaxFdsPerMessage = kMaxMemories;
constexpr unsigned kNameLength = 32;
constexpr uint64_t kNoTimestamp = UINT64_MAX;
/// A capture time stepping back this far or more behind the previous frame's starts a new
/// timeline (a producer restarted on another clock origin): consumers take it as it comes
/// (zeroteesrc's backlog guard, the recorder's frame grid) rather than as a late frame.
constexpr uint64_t kNewTimelineStepNs = 1'000'000'000;

enum class MessageType : uint16_t {
    Hello = 1,        // consumer -> producer: version, role, policy, quota
    Welcome,          // producer -> consumer: granted policy/quota/lease, client id
    Caps,             // producer -> consumer: GStreamer caps string of the stream
    RegisterBuffer,   // producer -> consumer: one pool buffer, its fds and plane layout
    UnregisterBuffer, // producer -> consumer: the buffer id is no longer used
    Frame,            // producer -> consumer: a registered buffer now holds a frame (a lease)
    Release,          // consumer -> producer: the lease on a frame is given back
    UpstreamRequest,  // consumer -> producer: e.g. keyframe now
    Goodbye,          // either way: orderly close
    Error,            // either way: reason before the sender closes
};

enum class Role : uint8_t { Consumer = 1 };

enum class DeliveryPolicy : uint8_t {
    All = 0,    // every frame while the quota has room (bounded queue)
    Latest = 1, // one frame at a time; frames arriving meanwhile are skipped by design
    FpsCap = 2, // at most `fpsCapMilli / 1000` frames per second
};

/// The one spelling of each policy, used by the element's enum, the supervisor's status, the
/// configuration and the clients: "all", "latest", "fps-cap".
const char *policyName(DeliveryPolicy policy);
/// The policy spelled @p name, or false.
bool policyFromName(std::string_view name, DeliveryPolicy *policy);

enum class MemoryType : uint8_t { Dmabuf = 1, Memfd = 2 };

enum class UpstreamKind : uint32_t { KeyframeNow = 1 };

enum class GoodbyeReason : uint32_t { Normal = 0, Shutdown = 1 };

enum class ErrorCode : uint32_t {
    Protocol = 1,      // malformed message
    Version = 2,       // unsupported protocol version
    Refused = 3,       // credentials or role refused
    PoolExhausted = 4, // no quota left for another consumer
    LeaseExpired = 5,  // a frame was held past its deadline
    TooSlow = 6,       // the consumer stopped reading
};

enum FrameFlags : uint32_t {
    FrameDeltaUnit = 1u << 0, // not a keyframe (encoded streams)
    FrameDiscont = 1u << 1,
    FrameHeader = 1u << 2, // codec header (SPS/PPS)
    FrameGap = 1u << 3,
    // Sent again from the producer's GOP cache to a consumer that joined after it was first
    // published: a burst with past capture times, to be decoded, not paced or thinned.
    FrameReplay = 1u << 4,
};

struct Header {
    uint32_t magic;
    uint16_t type;
    uint16_t fdCount;
    uint32_t payloadSize;
};
static_assert(sizeof(Header) == 12);

struct Hello {
    uint16_t version;
    uint8_t role;
    uint8_t policy;
    uint32_t quota;       // frames the consumer wants to hold at once; 0 = producer default
    uint32_t fpsCapMilli; // for DeliveryPolicy::FpsCap
    uint32_t pid;         // informational; the producer trusts SO_PEERCRED
    char name[kNameLength];
};
static_assert(sizeof(Hello) == 48);

enum WelcomeFlags : uint8_t { WelcomeDegraded = 1u << 0 };

struct Welcome {
    uint16_t version;
    uint8_t policy;
    uint8_t flags;
    uint32_t clientId;
    uint32_t quota;
    uint32_t leaseTimeoutMs;
};
static_assert(sizeof(Welcome) == 16);

struct CapsHeader {
    uint32_t generation;
    uint32_t length; // bytes of caps text following this struct, no terminator
};
static_assert(sizeof(CapsHeader) == 8);

struct MemoryDesc {
    uint64_t fdOffset; // where this memory starts inside its fd
    uint64_t size;     // bytes of this memory
    uint64_t fdSize;   // size of the whole fd (what a consumer maps)
};
static_assert(sizeof(MemoryDesc) == 24);

struct PlaneDesc {
    uint64_t offset; // from the start of the buffer (memories laid end to end)
    uint32_t stride;
    uint32_t reserved;
    uint64_t size;
};
static_assert(sizeof(PlaneDesc) == 24);

/// Memory i of the buffer is backed by fd i of the message.
struct RegisterBuffer {
    uint32_t bufferId;
    uint32_t generation;
    uint8_t memoryType;
    uint8_t memoryCount;
    uint8_t planeCount; // 0 for buffers without a video layout (encoded data)
    uint8_t reserved0;
    uint32_t drmFourcc;
    uint64_t drmModifier;
    uint32_t width;
    uint32_t height;
    MemoryDesc memories[kMaxMemories];
    PlaneDesc planes[kMaxPlanes];
};
static_assert(sizeof(RegisterBuffer) == 32 + 4 * 24 + 4 * 24);

struct UnregisterBuffer {
    uint32_t bufferId;
    uint32_t generation;
};
static_assert(sizeof(UnregisterBuffer) == 8);

struct Frame {
    uint32_t bufferId;
    uint32_t generation;
    uint64_t sequence;       // the producer's frame number, also the lease key
    uint64_t ptsNs;          // capture time, absolute CLOCK_MONOTONIC, or kNoTimestamp
    uint64_t durationNs;     // or kNoTimestamp
    uint64_t publishNs;      // CLOCK_MONOTONIC when the producer sent it
    uint64_t cameraSequence; // sequence from the capture device, or the sequence above
    uint64_t payloadSize;    // bytes in use from the start of the buffer
    uint32_t flags;          // FrameFlags
    uint32_t reserved;
};
static_assert(sizeof(Frame) == 64);

struct Release {
    uint32_t bufferId;
    uint32_t generation;
    uint64_t sequence;
};
static_assert(sizeof(Release) == 16);

struct UpstreamRequest {
    uint32_t kind; // UpstreamKind
    uint32_t reserved;
    uint64_t argument;
};
static_assert(sizeof(UpstreamRequest) == 16);

struct Goodbye {
    uint32_t reason; // GoodbyeReason
    uint32_t reserved;
};
static_assert(sizeof(Goodbye) == 8);

struct ErrorHeader {
    uint32_t code;   // ErrorCode
    uint32_t length; // bytes of text following, at most kMaxErrorText
};
static_assert(sizeof(ErrorHeader) == 8);

/// Maps a fixed-size payload struct to its message type.
template <typename T> struct TypeOf;
template <> struct TypeOf<Hello> {
    static constexpr MessageType value = MessageType::Hello;
};
template <> struct TypeOf<Welcome> {
    static constexpr MessageType value = MessageType::Welcome;
};
template <> struct TypeOf<RegisterBuffer> {
    static constexpr MessageType value = MessageType::RegisterBuffer;
};
template <> struct TypeOf<UnregisterBuffer> {
    static constexpr MessageType value = MessageType::UnregisterBuffer;
};
template <> struct TypeOf<Frame> {
    static constexpr MessageType value = MessageType::Frame;
};
template <> struct TypeOf<Release> {
    static constexpr MessageType value = MessageType::Release;
};
template <> struct TypeOf<UpstreamRequest> {
    static constexpr MessageType value = MessageType::UpstreamRequest;
};
template <> struct TypeOf<Goodbye> {
    static constexpr MessageType value = MessageType::Goodbye;
};

const char *messageTypeName(MessageType type);

/// Checks a header: magic, known type, payload size bound and the fd count that type allows.
/// Returns 0 or -EBADMSG.
int validateHeader(const Header &header);

/// Decodes a fixed-size payload and checks its fields. Returns 0 or -EBADMSG.
/// @p fdCount is the number of fds that came with the message.
int decode(std::span<const uint8_t> payload, unsigned fdCount, Hello &out);
int decode(std::span<const uint8_t> payload, unsigned fdCount, Welcome &out);
int decode(std::span<const uint8_t> payload, unsigned fdCount, RegisterBuffer &out);
int decode(std::span<const uint8_t> payload, unsigned fdCount, UnregisterBuffer &out);
int decode(std::span<const uint8_t> payload, unsigned fdCount, Frame &out);
int decode(std::span<const uint8_t> payload, unsigned fdCount, Release &out);
int decode(std::span<const uint8_t> payload, unsigned fdCount, UpstreamRequest &out);
int decode(std::span<const uint8_t> payload, unsigned fdCount, Goodbye &out);

struct CapsMessage {
    uint32_t generation = 0;
    std::string caps;
};
int decode(std::span<const uint8_t> payload, unsigned fdCount, CapsMessage &out);

struct ErrorMessage {
    ErrorCode code = ErrorCode::Protocol;
    std::string text;
};
int decode(std::span<const uint8_t> payload, unsigned fdCount, ErrorMessage &out);

/// Payload bytes for the variable-length messages.
std::string encodeCaps(uint32_t generation, std::string_view caps);
std::string encodeError(ErrorCode code, std::string_view text);

/// Copies a name into a fixed field, truncating and NUL-padding it.
void setName(char (&field)[kNameLength], std::string_view name);
std::string nameOf(const char (&field)[kNameLength]);

} // namespace zerotee::wire
