// Encode/decode of every message and every malformed case the decoder must refuse.
#include "Protocol.h"

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <vector>

using namespace zerotee::wire;

int runChildRole(const std::string &, int, char **)
{
    return 2;
}

namespace {

template <typename T> std::span<const uint8_t> bytesOf(const T &value)
{
    return {reinterpret_cast<const uint8_t *>(&value), sizeof(T)};
}

std::span<const uint8_t> bytesOf(const std::string &value)
{
    return {reinterpret_cast<const uint8_t *>(value.data()), value.size()};
}

Hello validHello()
{
    Hello hello{};
    hello.version = kVersion;
    hello.role = uint8_t(Role::Consumer);
    hello.policy = uint8_t(DeliveryPolicy::All);
    hello.quota = 3;
    setName(hello.name, "recorder");
    return hello;
}

RegisterBuffer validRegistration()
{
    RegisterBuffer reg{};
    reg.bufferId = 7;
    reg.generation = 2;
    reg.memoryType = uint8_t(MemoryType::Memfd);
    reg.memoryCount = 1;
    reg.planeCount = 2;
    reg.width = 1920;
    reg.height = 1080;
    reg.memories[0] = {0, 1920 * 1088 * 3 / 2, 1920 * 1088 * 3 / 2};
    reg.planes[0] = {0, 1920, 0, 1920 * 1088};
    reg.planes[1] = {1920 * 1088, 1920, 0, 1920 * 1088 / 2};
    return reg;
}

Header header(MessageType type, uint16_t fds, uint32_t size)
{
    return Header{kMagic, uint16_t(type), fds, size};
}

} // namespace

TEST(Protocol, HeaderChecksMagicTypeSizeAndFdCount)
{
    EXPECT_EQ(validateHeader(header(MessageType::Frame, 0, sizeof(Frame))), 0);
    EXPECT_EQ(validateHeader(header(MessageType::RegisterBuffer, 1, sizeof(RegisterBuffer))), 0);

    Header bad = header(MessageType::Frame, 0, sizeof(Frame));
    bad.magic = 0xdeadbeef;
    EXPECT_EQ(validateHeader(bad), -EBADMSG);
    EXPECT_EQ(validateHeader(Header{kMagic, 0, 0, 0}), -EBADMSG);
    EXPECT_EQ(validateHeader(Header{kMagic, 11, 0, 0}), -EBADMSG);
    EXPECT_EQ(validateHeader(header(MessageType::Caps, 0, kMaxPayload + 1)), -EBADMSG);
    // fds only on registrations, and 1..kMaxFdsPerMessage of them
    EXPECT_EQ(validateHeader(header(MessageType::Frame, 1, sizeof(Frame))), -EBADMSG);
    EXPECT_EQ(validateHeader(header(MessageType::RegisterBuffer, 0, sizeof(RegisterBuffer))),
              -EBADMSG);
    EXPECT_EQ(validateHeader(header(MessageType::RegisterBuffer, kMaxFdsPerMessage + 1,
                                    sizeof(RegisterBuffer))),
              -EBADMSG);
}

TEST(Protocol, HelloRoundTripAndRejects)
{
    Hello in = validHello(), out{};
    ASSERT_EQ(decode(bytesOf(in), 0, out), 0);
    EXPECT_EQ(std::memcmp(&in, &out, sizeof(in)), 0);
    EXPECT_EQ(nameOf(out.name), "recorder");

    EXPECT_EQ(decode(bytesOf(in), 1, out), -EBADMSG) << "fds on a hello";
    EXPECT_EQ(decode(bytesOf(in).first(sizeof(in) - 1), 0, out), -EBADMSG) << "short";
    std::vector<uint8_t> longer(sizeof(in) + 1);
    EXPECT_EQ(decode(longer, 0, out), -EBADMSG) << "long";

    Hello bad = validHello();
    bad.role = 9;
    EXPECT_EQ(decode(bytesOf(bad), 0, out), -EBADMSG);
    bad = validHello();
    bad.policy = 3;
    EXPECT_EQ(decode(bytesOf(bad), 0, out), -EBADMSG);
    bad = validHello();
    bad.policy = uint8_t(DeliveryPolicy::FpsCap);
    bad.fpsCapMilli = 0;
    EXPECT_EQ(decode(bytesOf(bad), 0, out), -EBADMSG) << "fps cap of zero";
}

TEST(Protocol, NameIsTruncatedAndTerminated)
{
    char field[kNameLength];
    setName(field, std::string(100, 'x'));
    EXPECT_EQ(nameOf(field), std::string(kNameLength - 1, 'x'));
    std::memset(field, 'y', sizeof(field)); // no terminator at all
    EXPECT_EQ(nameOf(field).size(), kNameLength);
}

TEST(Protocol, WelcomeRejectsZeroQuota)
{
    Welcome in{kVersion, uint8_t(DeliveryPolicy::Latest), 0, 4, 1, 1000}, out{};
    ASSERT_EQ(decode(bytesOf(in), 0, out), 0);
    EXPECT_EQ(out.clientId, 4u);
    in.quota = 0;
    EXPECT_EQ(decode(bytesOf(in), 0, out), -EBADMSG);
}

TEST(Protocol, RegisterBufferRoundTrip)
{
    RegisterBuffer in = validRegistration(), out{};
    ASSERT_EQ(decode(bytesOf(in), 1, out), 0);
    EXPECT_EQ(std::memcmp(&in, &out, sizeof(in)), 0);
}

TEST(Protocol, RegisterBufferRejectsBadLayouts)
{
    RegisterBuffer out{};
    EXPECT_EQ(decode(bytesOf(validRegistration()), 2, out), -EBADMSG) << "fd count != memories";
    EXPECT_EQ(decode(bytesOf(validRegistration()), 0, out), -EBADMSG);

    auto expectBad = [&](auto mutate, const char *what) {
        RegisterBuffer reg = validRegistration();
        mutate(reg);
        EXPECT_EQ(decode(bytesOf(reg), reg.memoryCount, out), -EBADMSG) << what;
    };
    expectBad([](RegisterBuffer &r) { r.memoryType = 0; }, "memory type");
    expectBad([](RegisterBuffer &r) { r.memoryCount = 0; }, "no memory");
    expectBad([](RegisterBuffer &r) { r.memoryCount = 5; }, "too many memories");
    expectBad([](RegisterBuffer &r) { r.planeCount = 5; }, "too many planes");
    expectBad([](RegisterBuffer &r) { r.memories[0].size = 0; }, "empty memory");
    expectBad([](RegisterBuffer &r) { r.memories[0].fdOffset = 1; }, "memory past fd end");
    expectBad([](RegisterBuffer &r) { r.memories[0].fdOffset = UINT64_MAX; }, "offset overflow");
    expectBad([](RegisterBuffer &r) { r.planes[1].size += 1; }, "plane past buffer end");
    expectBad([](RegisterBuffer &r) { r.planes[1].offset = UINT64_MAX - 1; }, "plane overflow");
    expectBad([](RegisterBuffer &r) { r.planes[0].stride = 0; }, "zero stride");
}

TEST(Protocol, FixedMessagesRoundTrip)
{
    Frame frame{1, 2, 3, 4, 5, 6, 7, 8, FrameDeltaUnit, 0}, frameOut{};
    ASSERT_EQ(decode(bytesOf(frame), 0, frameOut), 0);
    EXPECT_EQ(std::memcmp(&frame, &frameOut, sizeof(frame)), 0);
    EXPECT_EQ(decode(bytesOf(frame), 1, frameOut), -EBADMSG);

    Release release{1, 2, 3}, releaseOut{};
    ASSERT_EQ(decode(bytesOf(release), 0, releaseOut), 0);
    EXPECT_EQ(releaseOut.sequence, 3u);
    EXPECT_EQ(decode(bytesOf(release).first(8), 0, releaseOut), -EBADMSG);

    UnregisterBuffer unreg{5, 6}, unregOut{};
    ASSERT_EQ(decode(bytesOf(unreg), 0, unregOut), 0);
    EXPECT_EQ(unregOut.bufferId, 5u);

    UpstreamRequest request{uint32_t(UpstreamKind::KeyframeNow), 0, 0}, requestOut{};
    ASSERT_EQ(decode(bytesOf(request), 0, requestOut), 0);
    request.kind = 77;
    EXPECT_EQ(decode(bytesOf(request), 0, requestOut), -EBADMSG) << "unknown request kind";

    Goodbye bye{0, 0}, byeOut{};
    ASSERT_EQ(decode(bytesOf(bye), 0, byeOut), 0);
    EXPECT_EQ(decode(std::span<const uint8_t>(), 0, byeOut), -EBADMSG);
}

TEST(Protocol, CapsRoundTripAndRejects)
{
    const std::string caps = "video/x-raw, format=(string)NV12, width=(int)1920";
    CapsMessage out;
    ASSERT_EQ(decode(bytesOf(encodeCaps(9, caps)), 0, out), 0);
    EXPECT_EQ(out.generation, 9u);
    EXPECT_EQ(out.caps, caps);

    std::string payload = encodeCaps(1, caps);
    EXPECT_EQ(decode(bytesOf(payload.substr(0, payload.size() - 1)), 0, out), -EBADMSG) << "short";
    EXPECT_EQ(decode(bytesOf(payload + "x"), 0, out), -EBADMSG) << "trailing byte";
    EXPECT_EQ(decode(bytesOf(payload.substr(0, 4)), 0, out), -EBADMSG) << "truncated header";
    EXPECT_EQ(decode(bytesOf(encodeCaps(1, std::string("a\0b", 3))), 0, out), -EBADMSG) << "NUL";
    EXPECT_EQ(decode(bytesOf(encodeCaps(1, "")), 0, out), -EBADMSG) << "empty";
    CapsHeader huge{1, kMaxCapsLength + 1};
    std::string hugePayload(reinterpret_cast<const char *>(&huge), sizeof(huge));
    hugePayload.append(kMaxCapsLength + 1, 'x');
    EXPECT_EQ(decode(bytesOf(hugePayload), 0, out), -EBADMSG) << "over the caps limit";
}

TEST(Protocol, ErrorRoundTripAndRejects)
{
    ErrorMessage out;
    ASSERT_EQ(decode(bytesOf(encodeError(ErrorCode::PoolExhausted, "full")), 0, out), 0);
    EXPECT_EQ(out.code, ErrorCode::PoolExhausted);
    EXPECT_EQ(out.text, "full");
    // Encoding truncates long text; a peer that sends longer text is refused.
    ASSERT_EQ(decode(bytesOf(encodeError(ErrorCode::Protocol, std::string(1000, 'e'))), 0, out), 0);
    EXPECT_EQ(out.text.size(), kMaxErrorText);
    ErrorHeader longer{1, kMaxErrorText + 1};
    std::string payload(reinterpret_cast<const char *>(&longer), sizeof(longer));
    payload.append(kMaxErrorText + 1, 'e');
    EXPECT_EQ(decode(bytesOf(payload), 0, out), -EBADMSG);
}
