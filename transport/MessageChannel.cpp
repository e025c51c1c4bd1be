#include "MessageChannel.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/uio.h>

namespace zerotee {

namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr unsigned kMaxIov = 16;
constexpr unsigned kMaxReadsPerCall = 16;
// Room for more fds than one message may carry, so that a peer sending too many is caught
// as a protocol error rather than silently truncated.
constexpr unsigned kMaxFdsPerRecv = 4 * wire::kMaxFdsPerMessage;

} // namespace

MessageChannel::MessageChannel(UniqueFd socket) : socket_(std::move(socket)) {}

void MessageChannel::close()
{
    socket_.reset();
    outbound_.clear();
    pendingBytes_ = 0;
    inbound_.clear();
    inboundOffset_ = 0;
    inboundFds_.clear();
}

int MessageChannel::queue(wire::MessageType type, std::span<const uint8_t> payload,
                          std::span<const int> fds)
{
    if (payload.size() > wire::kMaxPayload || fds.size() > wire::kMaxFdsPerMessage)
        return -EINVAL;

    Outgoing message;
    for (int fd : fds) {
        UniqueFd copy(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
        if (!copy)
            return -errno;
        message.fds.push_back(std::move(copy));
    }
    wire::Header header{wire::kMagic, uint16_t(type), uint16_t(fds.size()),
                        uint32_t(payload.size())};
    message.bytes.resize(sizeof(header) + payload.size());
    std::memcpy(message.bytes.data(), &header, sizeof(header));
    if (!payload.empty())
        std::memcpy(message.bytes.data() + sizeof(header), payload.data(), payload.size());
    pendingBytes_ += message.bytes.size();
    outbound_.push_back(std::move(message));
    return 0;
}

int MessageChannel::flush()
{
    if (!socket_)
        return -ENOTCONN;
    while (!outbound_.empty()) {
        // Gather the front message and the fd-less ones after it into one sendmsg; a message
        // with fds always starts a new sendmsg so its fds ride on its own first byte.
        iovec iov[kMaxIov];
        unsigned count = 0;
        for (auto it = outbound_.begin(); it != outbound_.end() && count < kMaxIov; ++it) {
            if (count > 0 && !it->fds.empty())
                break;
            iov[count].iov_base = it->bytes.data() + it->written;
            iov[count].iov_len = it->bytes.size() - it->written;
            ++count;
        }

        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = count;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * wire::kMaxFdsPerMessage)];
        Outgoing &front = outbound_.front();
        if (front.written == 0 && !front.fds.empty()) {
            size_t fdBytes = sizeof(int) * front.fds.size();
            msg.msg_control = control;
            msg.msg_controllen = CMSG_SPACE(fdBytes);
            cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(fdBytes);
            int *fdData = reinterpret_cast<int *>(CMSG_DATA(cmsg));
            for (size_t i = 0; i < front.fds.size(); ++i)
                fdData[i] = front.fds[i].get();
        }

        ssize_t sent = ::sendmsg(socket_.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EINTR)
                continue;
            return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        }
        // Once any byte left, the fds went with it.
        if (sent > 0)
            front.fds.clear();
        size_t left = size_t(sent);
        pendingBytes_ -= left;
        while (left > 0) {
            Outgoing &m = outbound_.front();
            size_t remaining = m.bytes.size() - m.written;
            if (left < remaining) {
                m.written += left;
                m.fds.clear();
                break;
            }
            left -= remaining;
            outbound_.pop_front();
        }
    }
    return 0;
}

int MessageChannel::receive(std::vector<ReceivedMessage> &out)
{
    if (!socket_)
        return -ENOTCONN;
    for (unsigned reads = 0; reads < kMaxReadsPerCall; ++reads) {
        // Compact consumed bytes, then read into the tail.
        if (inboundOffset_ > 0) {
            inbound_.erase(inbound_.begin(), inbound_.begin() + inboundOffset_);
            inboundOffset_ = 0;
        }
        // Read into a scratch buffer and append only what arrived: resizing the inbound vector
        // by a whole chunk would zero 64 KiB on every read, i.e. on every frame.
        if (!readBuffer_)
            readBuffer_ = std::make_unique_for_overwrite<uint8_t[]>(kReadChunk);
        iovec iov{readBuffer_.get(), kReadChunk};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFdsPerRecv)];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);

        ssize_t got = ::recvmsg(socket_.get(), &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
        int savedErrno = errno;
        if (got > 0)
            inbound_.insert(inbound_.end(), readBuffer_.get(), readBuffer_.get() + got);

        // Wrap every received fd at once so none can leak, whatever happens next.
        bool badControl = false;
        if (got >= 0) {
            for (cmsghdr *cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
                if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
                    badControl = true;
                    continue;
                }
                size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                const int *fds = reinterpret_cast<const int *>(CMSG_DATA(cmsg));
                for (size_t i = 0; i < n; ++i) {
                    int fd;
                    std::memcpy(&fd, fds + i, sizeof(int));
                    inboundFds_.emplace_back(fd);
                }
            }
        }

        if (got < 0) {
            if (savedErrno == EINTR)
                continue;
            if (savedErrno == EAGAIN || savedErrno == EWOULDBLOCK)
                return 0;
            return -savedErrno;
        }
        if (badControl || (msg.msg_flags & MSG_CTRUNC)) {
            inboundFds_.clear();
            return -EBADMSG;
        }
        if (got == 0)
            return bufferedInboundBytes() > 0 || !inboundFds_.empty() ? -EBADMSG : -ECONNRESET;

        if (int ret = parseInbound(out); ret < 0)
            return ret;
        if (size_t(got) < kReadChunk)
            return 0; // drained for now
    }
    return 0;
}

int MessageChannel::parseInbound(std::vector<ReceivedMessage> &out)
{
    while (true) {
        size_t available = inbound_.size() - inboundOffset_;
        if (available < sizeof(wire::Header))
            break;
        wire::Header header;
        std::memcpy(&header, inbound_.data() + inboundOffset_, sizeof(header));
        if (wire::validateHeader(header) < 0)
            return -EBADMSG;
        if (available < sizeof(header) + header.payloadSize)
            break;
        // The fds of a message arrive with its first byte, so they are here by now.
        if (inboundFds_.size() < header.fdCount)
            return -EBADMSG;

        ReceivedMessage message;
        message.header = header;
        const uint8_t *payload = inbound_.data() + inboundOffset_ + sizeof(header);
        message.payload.assign(payload, payload + header.payloadSize);
        for (unsigned i = 0; i < header.fdCount; ++i) {
            message.fds.push_back(std::move(inboundFds_.front()));
            inboundFds_.pop_front();
        }
        inboundOffset_ += sizeof(header) + header.payloadSize;
        out.push_back(std::move(message));
    }
    // Fds that no message claims (the buffer is drained) mean a lying peer.
    if (inboundOffset_ == inbound_.size() && !inboundFds_.empty()) {
        inboundFds_.clear();
        return -EBADMSG;
    }
    if (inboundOffset_ == inbound_.size()) {
        inbound_.clear();
        inboundOffset_ = 0;
    }
    return 0;
}

} // namespace zerotee
