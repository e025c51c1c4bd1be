#include "BusPublisher.h"

namespace zerotee {

BusPublisher::BusPublisher(FramePublisher::Options options)
    : publisher_(std::move(options),
                 FramePublisher::Callbacks{
                     .bufferReleased =
                         [this](FramePublisher::BufferId id) {
                             if (releaseHandler_)
                                 releaseHandler_(id);
                         },
                     .upstreamRequest =
                         [this](FramePublisher::ClientId, wire::UpstreamKind kind, uint64_t arg) {
                             if (upstreamHandler_)
                                 upstreamHandler_(kind, arg);
                         },
                     .clientAdmitted =
                         [this](const ClientStats &stats) {
                             if (clientHandler_)
                                 clientHandler_(stats, true, DisconnectReason::Shutdown, {});
                         },
                     .clientGone =
                         [this](const ClientStats &stats, DisconnectReason reason,
                                const std::string &detail) {
                             if (clientHandler_)
                                 clientHandler_(stats, false, reason, detail);
                         },
                     .clientRefused =
                         [this](const ClientStats &stats, const std::string &reason) {
                             if (clientHandler_)
                                 clientHandler_(stats, false, DisconnectReason::Refused, reason);
                         },
                 })
{
}

void BusPublisher::setReleaseHandler(ReleaseHandler handler)
{
    std::lock_guard lock(mutex_);
    releaseHandler_ = std::move(handler);
}

void BusPublisher::setUpstreamHandler(UpstreamHandler handler)
{
    std::lock_guard lock(mutex_);
    upstreamHandler_ = std::move(handler);
}

void BusPublisher::setClientHandler(ClientHandler handler)
{
    std::lock_guard lock(mutex_);
    clientHandler_ = std::move(handler);
}

void BusPublisher::setWakeHandler(std::function<void()> handler)
{
    std::lock_guard lock(wakeMutex_);
    wakeHandler_ = std::move(handler);
}

void BusPublisher::wake()
{
    std::lock_guard lock(wakeMutex_);
    if (wakeHandler_)
        wakeHandler_();
}

} // namespace zerotee
