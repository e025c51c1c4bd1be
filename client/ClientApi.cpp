// The C API of libzerotee-client: argument checks, the thread's last error, and the calls into
// ClientSubscriber. Nothing C++ crosses this boundary: no exception escapes, no type leaks.
#include "ClientSubscriber.h"
#include "Protocol.h"
#include "zerotee/client.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace wire = zerotee::wire;

struct zt_subscriber {
    std::unique_ptr<zerotee::ClientSubscriber> impl;
};

namespace {

thread_local std::string lastError;

int fail(int status, std::string message)
{
    lastError = std::move(message);
    return status;
}

int fail(const zerotee::ClientError &error)
{
    return fail(error.status, error.message);
}

// The C names mirror the wire's policies value for value; the names are the wire's own.
static_assert(int(ZT_POLICY_ALL) == int(wire::DeliveryPolicy::All) &&
              int(ZT_POLICY_LATEST) == int(wire::DeliveryPolicy::Latest) &&
              int(ZT_POLICY_FPS_CAP) == int(wire::DeliveryPolicy::FpsCap));

// The supervisor's runtime directory, as it chooses it (supervisor/CommandLine.cpp).
std::string runtimeDirectory()
{
    if (const char *dir = std::getenv("ZEROTEE_RUNTIME_DIR"); dir && *dir)
        return dir;
    if (const char *xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg)
        return std::string(xdg) + "/zerotee";
    return "/tmp/zerotee-" + std::to_string(::getuid()) + "/zerotee";
}

bool isPlainName(const char *name)
{
    return name && *name && !std::strchr(name, '/') && std::strcmp(name, ".") != 0 &&
           std::strcmp(name, "..") != 0;
}

} // namespace

extern "C" {

void zt_options_init(zt_options *options)
{
    if (!options)
        return;
    *options = zt_options{};
    options->name = "client";
    options->policy = ZT_POLICY_LATEST;
    options->reconnect = 1;
    options->connect_timeout_ms = 2000;
    options->reconnect_interval_ms = 200;
}

int zt_policy_from_name(const char *name, zt_policy *policy)
{
    wire::DeliveryPolicy wirePolicy{};
    if (!name || !policy || !wire::policyFromName(name, &wirePolicy))
        return fail(ZT_ERROR_INVALID, std::string("unknown policy '") + (name ? name : "(null)") +
                                          "': use all, latest or fps-cap");
    *policy = zt_policy(wirePolicy);
    return ZT_OK;
}

const char *zt_policy_name(zt_policy policy)
{
    if (policy < ZT_POLICY_ALL || policy > ZT_POLICY_FPS_CAP)
        return "unknown";
    return wire::policyName(wire::DeliveryPolicy(policy));
}

int zt_find_bus(const char *camera, const char *stream, char *path, size_t size)
{
    if (!isPlainName(camera))
        return fail(ZT_ERROR_INVALID, "a camera name is required, without '/'");
    if (stream && *stream && std::strcmp(stream, "raw") != 0 && !isPlainName(stream))
        return fail(ZT_ERROR_INVALID, "a stream name must not contain '/'");
    if (!path || size == 0)
        return fail(ZT_ERROR_INVALID, "no room for the path");
    // The raw bus is <camera>.sock; a named (encoded) stream's bus is <camera>.<stream>.sock.
    std::string found = runtimeDirectory() + "/" + camera;
    if (stream && *stream && std::strcmp(stream, "raw") != 0)
        found += std::string(".") + stream;
    found += ".sock";
    if (found.size() + 1 > size)
        return fail(ZT_ERROR_INVALID, "the path of the bus (" + found + ") does not fit");
    std::memcpy(path, found.c_str(), found.size() + 1);
    struct stat st {};
    if (::stat(found.c_str(), &st) < 0 || !S_ISSOCK(st.st_mode))
        return fail(
            ZT_ERROR_NOT_FOUND,
            "no bus for camera '" + std::string(camera) + "'" +
                (stream && *stream ? " stream '" + std::string(stream) + "'" : std::string()) +
                " at " + found);
    return ZT_OK;
}

int zt_subscriber_open(const char *path, const zt_options *options, zt_subscriber **subscriber)
{
    if (!subscriber)
        return fail(ZT_ERROR_INVALID, "no place for the subscriber handle");
    *subscriber = nullptr;
    if (!path || !*path)
        return fail(ZT_ERROR_INVALID, "a bus socket path is required");
    zt_options defaults;
    zt_options_init(&defaults);
    const zt_options &o = options ? *options : defaults;
    if (o.policy != ZT_POLICY_ALL && o.policy != ZT_POLICY_LATEST && o.policy != ZT_POLICY_FPS_CAP)
        return fail(ZT_ERROR_INVALID, "unknown policy " + std::to_string(int(o.policy)));
    if (o.max_fps < 0 || o.connect_timeout_ms < 0 || o.reconnect_interval_ms < 0)
        return fail(ZT_ERROR_INVALID, "max_fps and the timeouts must not be negative");

    zerotee::ClientSubscriber::Options internal;
    internal.name = o.name && *o.name ? o.name : "client";
    internal.policy = zerotee::wire::DeliveryPolicy(o.policy);
    internal.quota = o.quota;
    internal.maxFps = o.max_fps;
    internal.reconnect = o.reconnect != 0;
    internal.connectTimeoutMs = o.connect_timeout_ms;
    internal.reconnectIntervalMs = o.reconnect_interval_ms;
    try {
        zerotee::ClientError error;
        auto impl = zerotee::ClientSubscriber::open(path, std::move(internal), &error);
        if (!impl)
            return fail(error);
        *subscriber = new zt_subscriber{std::move(impl)};
        return ZT_OK;
    } catch (const std::bad_alloc &) {
        return fail(ZT_ERROR_SYSTEM, "out of memory");
    } catch (const std::exception &e) { // nothing C++ may cross the C boundary
        return fail(ZT_ERROR_SYSTEM, std::string("internal error: ") + e.what());
    }
}

void zt_subscriber_close(zt_subscriber *subscriber)
{
    if (subscriber && subscriber->impl->close())
        delete subscriber;
}

int zt_subscriber_next(zt_subscriber *subscriber, int timeout_ms, zt_frame *frame)
{
    if (!subscriber || !frame)
        return fail(ZT_ERROR_INVALID, "zt_subscriber_next needs a subscriber and a frame");
    try {
        zerotee::ClientError error;
        int ret = subscriber->impl->next(timeout_ms, frame, &error);
        return ret == ZT_OK ? ZT_OK : fail(error);
    } catch (const std::bad_alloc &) {
        return fail(ZT_ERROR_SYSTEM, "out of memory");
    } catch (const std::exception &e) { // nothing C++ may cross the C boundary
        return fail(ZT_ERROR_SYSTEM, std::string("internal error: ") + e.what());
    }
}

int zt_frame_release(zt_subscriber *subscriber, zt_frame *frame)
{
    if (!subscriber || !frame)
        return fail(ZT_ERROR_INVALID, "zt_frame_release needs a subscriber and a frame");
    zerotee::ClientError error;
    bool lastAfterClose = false;
    int ret = subscriber->impl->release(frame, &error, &lastAfterClose);
    if (lastAfterClose)
        delete subscriber;
    return ret == ZT_OK ? ZT_OK : fail(error);
}

int zt_subscriber_fd(const zt_subscriber *subscriber)
{
    if (!subscriber)
        return fail(ZT_ERROR_INVALID, "no subscriber");
    return subscriber->impl->pollFd();
}

int zt_subscriber_get_info(const zt_subscriber *subscriber, zt_subscriber_info *info)
{
    if (!subscriber || !info)
        return fail(ZT_ERROR_INVALID, "zt_subscriber_get_info needs a subscriber and an info");
    *info = subscriber->impl->info();
    return ZT_OK;
}

int zt_subscriber_caps(const zt_subscriber *subscriber, char *caps, size_t size)
{
    if (!subscriber)
        return fail(ZT_ERROR_INVALID, "no subscriber");
    const std::string text = subscriber->impl->caps();
    if (caps && size > 0)
        std::snprintf(caps, size, "%s", text.c_str());
    return int(text.size());
}

int zt_subscriber_request_keyframe(zt_subscriber *subscriber)
{
    if (!subscriber)
        return fail(ZT_ERROR_INVALID, "no subscriber");
    zerotee::ClientError error;
    int ret = subscriber->impl->requestKeyframe(&error);
    return ret == ZT_OK ? ZT_OK : fail(error);
}

const char *zt_last_error(void)
{
    return lastError.c_str();
}

const char *zt_status_name(int status)
{
    switch (status) {
    case ZT_OK:
        return "ok";
    case ZT_ERROR_INVALID:
        return "invalid";
    case ZT_ERROR_TIMEOUT:
        return "timeout";
    case ZT_ERROR_NOT_FOUND:
        return "not-found";
    case ZT_ERROR_REFUSED:
        return "refused";
    case ZT_ERROR_VERSION:
        return "version";
    case ZT_ERROR_QUOTA:
        return "quota";
    case ZT_ERROR_DISCONNECTED:
        return "disconnected";
    case ZT_ERROR_PROTOCOL:
        return "protocol";
    case ZT_ERROR_SYSTEM:
        return "system";
    case ZT_ERROR_CLOSED:
        return "closed";
    }
    return "unknown";
}

} // extern "C"
