#include "FrameSubscriber.h"

#include "UnixSocket.h"

#include <cerrno>
#include <unistd.h>

namespace zerotee {

FrameSubscriber::FrameSubscriber(Options options) : options_(std::move(options)) {}

int FrameSubscriber::connect(const std::string &path)
{
    int error = 0;
    UniqueFd socket = connectUnixSocket(path, &error);
    if (!socket)
        return error;
    return attach(std::move(socket));
}

int FrameSubscriber::attach(UniqueFd socket)
{
    disconnect();
    channel_ = std::make_unique<MessageChannel>(std::move(socket));
    known_.clear();
    welcome_ = {};
    generation_ = 0;

    wire::Hello hello{};
    hello.version = wire::kVersion;
    hello.role = uint8_t(wire::Role::Consumer);
    hello.policy = uint8_t(options_.policy);
    hello.quota = options_.quota;
    hello.fpsCapMilli = uint32_t(options_.fpsCap * 1000.0 + 0.5);
    if (options_.policy == wire::DeliveryPolicy::FpsCap && hello.fpsCapMilli == 0)
        return fail(-EINVAL);
    hello.pid = uint32_t(::getpid());
    wire::setName(hello.name, options_.name);
    if (int ret = channel_->queue(hello); ret < 0)
        return fail(ret);
    state_ = State::Handshaking;
    int ret = channel_->flush();
    return ret == -EAGAIN ? 0 : (ret < 0 ? fail(ret) : 0);
}

void FrameSubscriber::disconnect()
{
    if (channel_ && channel_->isOpen() && state_ != State::Disconnected) {
        channel_->queue(wire::Goodbye{uint32_t(wire::GoodbyeReason::Normal), 0});
        channel_->flush();
    }
    channel_.reset();
    state_ = State::Disconnected;
    known_.clear();
}

int FrameSubscriber::fail(int error)
{
    channel_.reset();
    state_ = State::Disconnected;
    known_.clear();
    return error;
}

int FrameSubscriber::handleReadable(std::vector<SubscriberEvent> &events)
{
    if (!channel_)
        return -ENOTCONN;
    std::vector<ReceivedMessage> messages;
    int ret = channel_->receive(messages);
    for (ReceivedMessage &message : messages) {
        if (int err = handleMessage(message, events); err < 0)
            return fail(err);
    }
    return ret < 0 ? fail(ret) : 0;
}

int FrameSubscriber::handleWritable()
{
    if (!channel_)
        return -ENOTCONN;
    int ret = channel_->flush();
    return ret == -EAGAIN ? 0 : (ret < 0 ? fail(ret) : 0);
}

int FrameSubscriber::handleMessage(ReceivedMessage &message, std::vector<SubscriberEvent> &events)
{
    using wire::MessageType;
    if (message.type() == MessageType::Error) {
        wire::ErrorMessage error;
        if (message.decode(error) < 0)
            return -EBADMSG;
        lastError_ = error;
        events.push_back({SubscriberEvent::ProducerError{std::move(error)}});
        return -ECONNRESET;
    }
    if (state_ == State::Handshaking) {
        if (message.type() != MessageType::Welcome)
            return -EBADMSG;
        if (message.decode(welcome_) < 0)
            return -EBADMSG;
        if (welcome_.version != wire::kVersion)
            return -EPROTONOSUPPORT;
        state_ = State::Streaming;
        lastError_.reset();
        events.push_back({SubscriberEvent::Welcomed{welcome_}});
        return 0;
    }

    switch (message.type()) {
    case MessageType::Caps: {
        wire::CapsMessage caps;
        if (message.decode(caps) < 0)
            return -EBADMSG;
        generation_ = caps.generation;
        known_.clear(); // registrations are sent again for the new format
        events.push_back({SubscriberEvent::CapsChanged{std::move(caps)}});
        return 0;
    }
    case MessageType::RegisterBuffer: {
        BufferRegistration registration;
        if (message.decode(registration.layout) < 0)
            return -EBADMSG;
        registration.fds = std::move(message.fds);
        known_[registration.layout.bufferId] = registration.layout.generation;
        events.push_back({SubscriberEvent::Registered{std::move(registration)}});
        return 0;
    }
    case MessageType::UnregisterBuffer: {
        wire::UnregisterBuffer unregister;
        if (message.decode(unregister) < 0 || known_.erase(unregister.bufferId) == 0)
            return -EBADMSG;
        events.push_back(
            {SubscriberEvent::Unregistered{unregister.bufferId, unregister.generation}});
        return 0;
    }
    case MessageType::Frame: {
        wire::Frame frame;
        if (message.decode(frame) < 0 || !known_.contains(frame.bufferId))
            return -EBADMSG;
        events.push_back({SubscriberEvent::FrameArrived{frame}});
        return 0;
    }
    case MessageType::Goodbye:
        return -ECONNRESET;
    default:
        return -EBADMSG;
    }
}

int FrameSubscriber::release(uint32_t bufferId, uint32_t generation, uint64_t sequence)
{
    if (!channel_ || state_ != State::Streaming)
        return -ENOTCONN;
    if (int ret = channel_->queue(wire::Release{bufferId, generation, sequence}); ret < 0)
        return ret;
    int ret = channel_->flush();
    return ret == -EAGAIN ? 0 : (ret < 0 ? fail(ret) : 0);
}

int FrameSubscriber::requestUpstream(wire::UpstreamKind kind, uint64_t argument)
{
    if (!channel_ || state_ != State::Streaming)
        return -ENOTCONN;
    if (int ret = channel_->queue(wire::UpstreamRequest{uint32_t(kind), 0, argument}); ret < 0)
        return ret;
    int ret = channel_->flush();
    return ret == -EAGAIN ? 0 : (ret < 0 ? fail(ret) : 0);
}

} // namespace zerotee
