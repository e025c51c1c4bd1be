// C++ RAII wrapper over the zerotee client C API (header-only: nothing C++ crosses the
// library's ABI). Errors are exceptions (zerotee::client::Error, with the zt_status).
//
//     zerotee::client::Subscriber sub("/run/user/1000/zerotee/cam0.sock",
//                                     zerotee::client::Options().policy(ZT_POLICY_FPS_CAP).maxFps(5));
//     for (;;) {
//         zerotee::client::Frame frame = sub.next(std::chrono::seconds(1));
//         const uint8_t *y = frame.plane(0).data;
//     } // each frame is released when it goes out of scope
#pragma once

#include "zerotee/client.h"

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>

namespace zerotee::client {

class Error : public std::runtime_error {
public:
    Error(int status, const std::string &message) : std::runtime_error(message), status_(status) {}
    int status() const { return status_; }

private:
    int status_;
};

[[noreturn]] inline void throwLastError(int status)
{
    throw Error(status, std::string(zt_status_name(status)) + ": " + zt_last_error());
}

class Options {
public:
    Options() { zt_options_init(&options_); }
    Options &name(std::string value)
    {
        name_ = std::move(value);
        options_.name = name_.c_str();
        return *this;
    }
    Options &policy(zt_policy value)
    {
        options_.policy = value;
        return *this;
    }
    Options &policy(const char *value)
    {
        if (int ret = zt_policy_from_name(value, &options_.policy); ret != ZT_OK)
            throwLastError(ret);
        return *this;
    }
    Options &quota(uint32_t value)
    {
        options_.quota = value;
        return *this;
    }
    Options &maxFps(double value)
    {
        options_.max_fps = value;
        return *this;
    }
    Options &reconnect(bool value)
    {
        options_.reconnect = value ? 1 : 0;
        return *this;
    }
    const zt_options *get() const { return &options_; }

private:
    zt_options options_{};
    std::string name_;
};

/// A held frame; released when destroyed (or by release()). Move-only. Must not outlive the
/// Subscriber it came from.
class Frame {
public:
    Frame() = default;
    Frame(zt_subscriber *subscriber, const zt_frame &frame) : subscriber_(subscriber), frame_(frame)
    {
    }
    ~Frame() { release(); }
    Frame(Frame &&other) noexcept
        : subscriber_(std::exchange(other.subscriber_, nullptr)), frame_(other.frame_)
    {
        other.frame_.lease = 0;
    }
    Frame &operator=(Frame &&other) noexcept
    {
        if (this != &other) {
            release();
            subscriber_ = std::exchange(other.subscriber_, nullptr);
            frame_ = other.frame_;
            other.frame_.lease = 0;
        }
        return *this;
    }
    Frame(const Frame &) = delete;
    Frame &operator=(const Frame &) = delete;

    explicit operator bool() const { return frame_.lease != 0; }
    const zt_frame &info() const { return frame_; }
    const zt_plane &plane(unsigned index) const { return frame_.planes[index]; }
    uint32_t width() const { return frame_.width; }
    uint32_t height() const { return frame_.height; }
    std::string format() const { return frame_.format; }
    uint64_t ptsNs() const { return frame_.pts_ns; }

    void release()
    {
        if (subscriber_ && frame_.lease)
            zt_frame_release(subscriber_, &frame_);
        subscriber_ = nullptr;
    }

private:
    zt_subscriber *subscriber_ = nullptr;
    zt_frame frame_{};
};

class Subscriber {
public:
    Subscriber(const std::string &path, const Options &options = Options())
    {
        zt_subscriber *handle = nullptr;
        if (int ret = zt_subscriber_open(path.c_str(), options.get(), &handle); ret != ZT_OK)
            throwLastError(ret);
        handle_.reset(handle);
    }

    /// The raw bus of @p camera, or its named @p stream, found in the runtime directory.
    static std::string findBus(const std::string &camera, const std::string &stream = "")
    {
        char path[4096];
        if (int ret = zt_find_bus(camera.c_str(), stream.c_str(), path, sizeof(path)); ret != ZT_OK)
            throwLastError(ret);
        return path;
    }

    /// The next frame; throws Error (status ZT_ERROR_TIMEOUT, ...) when there is none.
    Frame next(std::chrono::milliseconds timeout = std::chrono::milliseconds(-1))
    {
        zt_frame frame;
        if (int ret = zt_subscriber_next(handle_.get(), int(timeout.count()), &frame); ret != ZT_OK)
            throwLastError(ret);
        return Frame(handle_.get(), frame);
    }

    /// The next frame, or an empty Frame on timeout.
    Frame tryNext(std::chrono::milliseconds timeout)
    {
        zt_frame frame;
        int ret = zt_subscriber_next(handle_.get(), int(timeout.count()), &frame);
        if (ret == ZT_ERROR_TIMEOUT)
            return Frame();
        if (ret != ZT_OK)
            throwLastError(ret);
        return Frame(handle_.get(), frame);
    }

    int fd() const { return zt_subscriber_fd(handle_.get()); }
    zt_subscriber_info info() const
    {
        zt_subscriber_info info;
        zt_subscriber_get_info(handle_.get(), &info);
        return info;
    }
    std::string caps() const
    {
        int length = zt_subscriber_caps(handle_.get(), nullptr, 0);
        std::string text(size_t(length > 0 ? length : 0), '\0');
        zt_subscriber_caps(handle_.get(), text.data(), text.size() + 1);
        return text;
    }
    zt_subscriber *handle() const { return handle_.get(); }

private:
    struct Closer {
        void operator()(zt_subscriber *subscriber) const { zt_subscriber_close(subscriber); }
    };
    std::unique_ptr<zt_subscriber, Closer> handle_;
};

} // namespace zerotee::client
