#include "FrameSource.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <regex>
#include <thread>

namespace zerotee::ai {

namespace {

FrameSubscriber::Options subscriberOptions(const FrameSource::Options &options)
{
    FrameSubscriber::Options out;
    out.name = options.name;
    // The producer does the skipping: frames between two analyses are never sent to us.
    out.policy = options.fps > 0 ? wire::DeliveryPolicy::FpsCap : wire::DeliveryPolicy::Latest;
    out.fpsCap = options.fps;
    out.quota = 1; // we hold one frame at most, and only for one pass over it
    return out;
}

std::string capsFormat(const std::string &caps)
{
    static const std::regex pattern(R"(format=(\(string\))?([A-Za-z0-9_]+))");
    std::smatch match;
    return std::regex_search(caps, match, pattern) ? match[2].str() : std::string();
}

} // namespace

FrameSource::FrameSource(Options options)
    : options_(std::move(options)), subscriber_(subscriberOptions(options_))
{
}

FrameSource::~FrameSource()
{
    disconnect();
}

void FrameSource::disconnect()
{
    subscriber_.disconnect();
    buffers_.clear();
}

FrameSource::Activity FrameSource::poll(int timeoutMs, const FrameHandler &handler)
{
    Activity activity;
    if (subscriber_.state() == FrameSubscriber::State::Disconnected) {
        buffers_.clear();
        int ret = subscriber_.connect(options_.socketPath);
        if (ret < 0) {
            if (!warnedWaiting_)
                std::fprintf(stderr, "zerotee-ai: waiting for %s (%s)\n",
                             options_.socketPath.c_str(), std::strerror(-ret));
            warnedWaiting_ = true;
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeoutMs, 200)));
            return activity;
        }
        warnedWaiting_ = false;
    }

    pollfd pfd{subscriber_.fd(), short(POLLIN | (subscriber_.wantsWrite() ? POLLOUT : 0)), 0};
    if (::poll(&pfd, 1, timeoutMs) <= 0)
        return activity;
    if (pfd.revents & POLLOUT)
        subscriber_.handleWritable();

    std::vector<SubscriberEvent> events;
    std::vector<wire::Frame> frames;
    const int ret = subscriber_.handleReadable(events);
    for (SubscriberEvent &event : events)
        handle(event, frames, activity);
    if (ret < 0) {
        std::fprintf(stderr, "zerotee-ai: connection lost (%s), reconnecting\n",
                     std::strerror(-ret));
        buffers_.clear();
        activity.disconnected = true;
        return activity; // the leases died with the connection
    }
    if (frames.empty())
        return activity;

    // Only the newest frame is worth analysing; give the older ones back untouched.
    for (size_t i = 0; i + 1 < frames.size(); ++i) {
        release(frames[i]);
        staleReleased_++;
    }
    const wire::Frame &frame = frames.back();
    FrameView view;
    auto mapping = buffers_.find(frame.bufferId);
    if (mapping != buffers_.end() && mapping->second && this->view(*mapping->second, frame, view)) {
        mapping->second->beginRead();
        handler(view);
        mapping->second->endRead();
        activity.frameOffered = true;
    } else {
        unusable_++;
    }
    release(frame);
    return activity;
}

void FrameSource::release(const wire::Frame &frame)
{
    subscriber_.release(frame.bufferId, frame.generation, frame.sequence);
}

void FrameSource::handle(SubscriberEvent &event, std::vector<wire::Frame> &frames,
                         Activity &activity)
{
    if (auto *welcome = std::get_if<SubscriberEvent::Welcomed>(&event.value)) {
        std::fprintf(stderr, "zerotee-ai: connected to %s as client %u (policy %u, quota %u)%s\n",
                     options_.socketPath.c_str(), welcome->welcome.clientId,
                     unsigned(welcome->welcome.policy), welcome->welcome.quota,
                     welcome->welcome.flags & wire::WelcomeDegraded ? " degraded" : "");
        activity.connected = true;
    } else if (auto *caps = std::get_if<SubscriberEvent::CapsChanged>(&event.value)) {
        caps_ = caps->caps.caps;
        buffers_.clear();
        const std::string format = capsFormat(caps_);
        if (format == "NV12")
            format_ = PixelFormat::Nv12;
        else if (format == "NV21")
            format_ = PixelFormat::Nv21;
        else if (format == "I420" || format == "YV12" || format == "GRAY8" || format == "NV16" ||
                 format == "NV61" || format == "NV24" || format == "Y42B" || format == "Y444" ||
                 format == "Y41B")
            format_ = PixelFormat::LumaFirst; // the first plane is 8-bit luma; no colour view
        else
            format_ = PixelFormat::Unsupported;
        warnedFormat_ = false;
        std::fprintf(stderr, "zerotee-ai: caps %s\n", caps_.c_str());
    } else if (auto *reg = std::get_if<SubscriberEvent::Registered>(&event.value)) {
        map(reg->registration);
    } else if (auto *unreg = std::get_if<SubscriberEvent::Unregistered>(&event.value)) {
        buffers_.erase(unreg->bufferId);
    } else if (auto *frame = std::get_if<SubscriberEvent::FrameArrived>(&event.value)) {
        frames.push_back(frame->frame);
    } else if (auto *error = std::get_if<SubscriberEvent::ProducerError>(&event.value)) {
        std::fprintf(stderr, "zerotee-ai: producer closed the connection: %s\n",
                     error->error.text.c_str());
    }
}

void FrameSource::map(BufferRegistration &registration)
{
    const uint32_t id = registration.layout.bufferId;
    int error = 0;
    buffers_[id] = MappedBuffer::map(std::move(registration), &error);
    if (!buffers_[id]) // frames in this buffer will count as unusable
        std::fprintf(stderr, "zerotee-ai: cannot map buffer %u: %s\n", id, std::strerror(-error));
}

bool FrameSource::view(const MappedBuffer &buffer, const wire::Frame &frame, FrameView &out)
{
    const wire::RegisterBuffer &layout = buffer.layout();
    if (format_ == PixelFormat::Unsupported || buffer.planeCount() == 0 || layout.width < 2 ||
        layout.height < 2) {
        if (!warnedFormat_)
            std::fprintf(stderr, "zerotee-ai: cannot analyse this stream (%s)\n", caps_.c_str());
        warnedFormat_ = true;
        return false;
    }

    // A plane is usable when its rows fit it (MappedBuffer checked it lies inside the memory).
    auto planePointer = [&](unsigned index, size_t rows, size_t rowBytes) -> const uint8_t * {
        const MappedBuffer::Plane plane = buffer.plane(index);
        if (!plane.data || plane.stride < rowBytes ||
            uint64_t(plane.stride) * (rows - 1) + rowBytes > plane.size)
            return nullptr;
        return plane.data;
    };

    const int width = int(layout.width), height = int(layout.height);
    const uint8_t *y = planePointer(0, size_t(height), size_t(width));
    if (!y)
        return false;
    out.luma = cv::Mat(height, width, CV_8UC1, const_cast<uint8_t *>(y), layout.planes[0].stride);
    out.chroma = cv::Mat();
    if ((format_ == PixelFormat::Nv12 || format_ == PixelFormat::Nv21) &&
        buffer.planeCount() >= 2) {
        const uint8_t *uv = planePointer(1, size_t(height / 2), size_t(width / 2) * 2);
        if (uv)
            out.chroma = cv::Mat(height / 2, width / 2, CV_8UC2, const_cast<uint8_t *>(uv),
                                 layout.planes[1].stride);
        out.chromaVu = format_ == PixelFormat::Nv21;
    }
    out.ptsNs = frame.ptsNs != wire::kNoTimestamp ? frame.ptsNs : frame.publishNs;
    out.cameraSequence = frame.cameraSequence;
    return true;
}

} // namespace zerotee::ai
