#pragma once

#include "Protocol.h"
#include "UniqueFd.h"

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace zerotee {

/// One message as it came off the socket: header, payload bytes and the fds it owns.
struct ReceivedMessage {
    wire::Header header{};
    std::vector<uint8_t> payload;
    std::vector<UniqueFd> fds;

    wire::MessageType type() const { return static_cast<wire::MessageType>(header.type); }
    /// Decodes the payload into @p out (0 or -EBADMSG).
    template <typename T> int decode(T &out) const
    {
        return wire::decode(std::span<const uint8_t>(payload), unsigned(fds.size()), out);
    }
};

/// A non-blocking framed message channel over a connected AF_UNIX stream socket.
///
/// Outgoing messages are queued and written with sendmsg(MSG_DONTWAIT | MSG_NOSIGNAL); a short
/// write keeps the rest queued for flush(). Fds attached to a message are duplicated when it is
/// queued (so the caller may close its own) and sent with the message's first byte. Incoming
/// bytes are reassembled into whole messages; received fds are wrapped as UniqueFd the moment
/// recvmsg returns and handed out with the message that claims them.
///
/// Thread context: thread-bound; callers serialise access.
class MessageChannel {
public:
    explicit MessageChannel(UniqueFd socket);

    int fd() const { return socket_.get(); }
    bool isOpen() const { return socket_.isValid(); }
    void close();

    /// Queues a message. Returns 0, -EINVAL for too many fds or too large a payload, or
    /// -errno if an fd cannot be duplicated. Does not write; call flush().
    int queue(wire::MessageType type, std::span<const uint8_t> payload,
              std::span<const int> fds = {});
    template <typename T> int queue(const T &message, std::span<const int> fds = {})
    {
        return queue(
            wire::TypeOf<T>::value,
            std::span<const uint8_t>(reinterpret_cast<const uint8_t *>(&message), sizeof(T)), fds);
    }
    int queue(wire::MessageType type, std::string_view payload)
    {
        return queue(type, std::span<const uint8_t>(
                               reinterpret_cast<const uint8_t *>(payload.data()), payload.size()));
    }

    /// Writes queued bytes. Returns 0 when everything went out, -EAGAIN when the socket is full
    /// and bytes remain, or another -errno when the connection is broken.
    int flush();

    bool hasPending() const { return !outbound_.empty(); }
    size_t pendingBytes() const { return pendingBytes_; }

    /// Reads what the socket has and appends whole messages to @p out. Returns 0 while the
    /// connection is healthy (possibly with no new message), -ECONNRESET when the peer closed,
    /// -EBADMSG for a protocol violation (bad header, too many or unclaimed fds, MSG_CTRUNC), or
    /// another -errno. After an error the channel should be closed.
    int receive(std::vector<ReceivedMessage> &out);

    /// Bytes of a partial message waiting for the rest.
    size_t bufferedInboundBytes() const { return inbound_.size() - inboundOffset_; }

private:
    struct Outgoing {
        std::vector<uint8_t> bytes;
        std::vector<UniqueFd> fds;
        size_t written = 0;
    };

    int parseInbound(std::vector<ReceivedMessage> &out);

    UniqueFd socket_;
    std::deque<Outgoing> outbound_;
    size_t pendingBytes_ = 0;
    std::unique_ptr<uint8_t[]> readBuffer_; // scratch for recvmsg, allocated on first read
    std::vector<uint8_t> inbound_;
    size_t inboundOffset_ = 0;
    std::deque<UniqueFd> inboundFds_;
};

} // namespace zerotee
