#include "FrameSource.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <linux/dma-buf.h>
#include <poll.h>
#include <regex>
#include <sys/ioctl.h>
#include <sys/mman.h>
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
    unmapAll();
}

void FrameSource::unmap(Mapping &mapping)
{
    for (size_t i = 0; i < mapping.data.size(); ++i)
        if (mapping.data[i])
            ::munmap(const_cast<uint8_t *>(mapping.data[i]), mapping.sizes[i]);
    mapping.data.clear();
    mapping.sizes.clear();
}

void FrameSource::unmapAll()
{
    for (auto &[id, mapping] : buffers_)
        unmap(mapping);
    buffers_.clear();
}

FrameSource::Activity FrameSource::poll(int timeoutMs, const FrameHandler &handler)
{
    Activity activity;
    if (subscriber_.state() == FrameSubscriber::State::Disconnected) {
        unmapAll();
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
        unmapAll();
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
    if (mapping != buffers_.end() && this->view(frame, view)) {
        syncDmabuf(mapping->second, true);
        handler(view);
        syncDmabuf(mapping->second, false);
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
        unmapAll();
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
        if (auto it = buffers_.find(unreg->bufferId); it != buffers_.end()) {
            unmap(it->second);
            buffers_.erase(it);
        }
    } else if (auto *frame = std::get_if<SubscriberEvent::FrameArrived>(&event.value)) {
        frames.push_back(frame->frame);
    } else if (auto *error = std::get_if<SubscriberEvent::ProducerError>(&event.value)) {
        std::fprintf(stderr, "zerotee-ai: producer closed the connection: %s\n",
                     error->error.text.c_str());
    }
}

void FrameSource::map(BufferRegistration &registration)
{
    if (auto old = buffers_.find(registration.layout.bufferId); old != buffers_.end()) {
        unmap(old->second);
        buffers_.erase(old);
    }
    Mapping mapping;
    mapping.layout = registration.layout;
    for (size_t i = 0; i < registration.fds.size() && i < registration.layout.memoryCount; ++i) {
        const size_t size = registration.layout.memories[i].fdSize;
        // Read-only and once: the producer sealed its memfds against writable mappings, and
        // every later frame in this buffer is read through this same mapping.
        void *data = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, registration.fds[i].get(), 0);
        if (data == MAP_FAILED) {
            std::fprintf(stderr, "zerotee-ai: cannot map buffer %u memory %zu: %s\n",
                         registration.layout.bufferId, i, std::strerror(errno));
            unmap(mapping);
            return; // frames in this buffer will count as unusable
        }
        mapping.data.push_back(static_cast<const uint8_t *>(data));
        mapping.sizes.push_back(size);
        mapping.fds.push_back(registration.fds[i].get());
    }
    mapping.owned = std::move(registration.fds);
    buffers_[registration.layout.bufferId] = std::move(mapping);
}

void FrameSource::syncDmabuf(const Mapping &mapping, bool start)
{
    // CPU reads of a real DMABUF must be bracketed so caches are coherent (no-op for memfds).
    if (mapping.layout.memoryType != uint8_t(wire::MemoryType::Dmabuf))
        return;
    for (int fd : mapping.fds) {
        dma_buf_sync sync{};
        sync.flags = (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END) | DMA_BUF_SYNC_READ;
        ::ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync);
    }
}

bool FrameSource::view(const wire::Frame &frame, FrameView &out)
{
    const Mapping &mapping = buffers_.at(frame.bufferId);
    const wire::RegisterBuffer &layout = mapping.layout;
    if (format_ == PixelFormat::Unsupported || layout.planeCount == 0 || mapping.data.empty() ||
        layout.width < 2 || layout.height < 2) {
        if (!warnedFormat_)
            std::fprintf(stderr, "zerotee-ai: cannot analyse this stream (%s)\n", caps_.c_str());
        warnedFormat_ = true;
        return false;
    }

    // Plane offsets count from the start of the buffer with its memories laid end to end.
    auto planePointer = [&](unsigned plane, size_t rows, size_t rowBytes) -> const uint8_t * {
        const wire::PlaneDesc &desc = layout.planes[plane];
        if (desc.stride < rowBytes)
            return nullptr;
        uint64_t start = 0;
        for (size_t m = 0; m < mapping.data.size(); ++m) {
            const wire::MemoryDesc &memory = layout.memories[m];
            if (desc.offset >= start && desc.offset < start + memory.size) {
                const uint64_t inMemory = desc.offset - start;
                const uint64_t needed = uint64_t(desc.stride) * (rows - 1) + rowBytes;
                if (inMemory + needed > memory.size ||
                    memory.fdOffset + memory.size > mapping.sizes[m])
                    return nullptr;
                return mapping.data[m] + memory.fdOffset + inMemory;
            }
            start += memory.size;
        }
        return nullptr;
    };

    const int width = int(layout.width), height = int(layout.height);
    const uint8_t *y = planePointer(0, size_t(height), size_t(width));
    if (!y)
        return false;
    out.luma = cv::Mat(height, width, CV_8UC1, const_cast<uint8_t *>(y), layout.planes[0].stride);
    out.chroma = cv::Mat();
    if ((format_ == PixelFormat::Nv12 || format_ == PixelFormat::Nv21) && layout.planeCount >= 2) {
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
