/* libzerotee-client: camera frames from a zerotee bus in any program, without a copy.
 *
 * C API, stable within major version 1 (symbol version ZEROTEE_CLIENT_1; see docs/clients.md
 * for the ABI rules). Link with `pkg-config --cflags --libs zerotee-client`.
 *
 *     zt_subscriber *sub;
 *     zt_options options;
 *     zt_options_init(&options);
 *     options.policy = ZT_POLICY_FPS_CAP;
 *     options.max_fps = 5;
 *     if (zt_subscriber_open("/run/user/1000/zerotee/cam0.sock", &options, &sub) != ZT_OK)
 *         fprintf(stderr, "%s\n", zt_last_error());
 *     zt_frame frame;
 *     while (zt_subscriber_next(sub, 1000, &frame) == ZT_OK) {
 *         const uint8_t *y = frame.planes[0].data; // the producer's buffer, mapped read-only
 *         ...
 *         zt_frame_release(sub, &frame);
 *     }
 *     zt_subscriber_close(sub);
 *
 * Every function returns ZT_OK (0) or a negative zt_status; the calling thread's
 * zt_last_error() then says what was wrong in words.
 */
#ifndef ZEROTEE_CLIENT_H
#define ZEROTEE_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define ZT_EXPORT __attribute__((visibility("default")))
#else
#define ZT_EXPORT
#endif

#define ZT_CLIENT_VERSION_MAJOR 1
#define ZT_CLIENT_VERSION_MINOR 0
#define ZT_MAX_PLANES 4

typedef enum zt_status {
    ZT_OK = 0,
    ZT_ERROR_INVALID = -1,      /* a bad argument or a misuse (e.g. releasing a frame twice) */
    ZT_ERROR_TIMEOUT = -2,      /* no frame within the timeout */
    ZT_ERROR_NOT_FOUND = -3,    /* no bus at that path, or no such camera/stream */
    ZT_ERROR_REFUSED = -4,      /* the producer refused this consumer; the message says why */
    ZT_ERROR_VERSION = -5,      /* the producer speaks another protocol version */
    ZT_ERROR_QUOTA = -6,        /* the whole quota is held: release a frame first */
    ZT_ERROR_DISCONNECTED = -7, /* the producer went away (and reconnect is off) */
    ZT_ERROR_PROTOCOL = -8,     /* the producer sent something malformed */
    ZT_ERROR_SYSTEM = -9,       /* a system call failed; the message has its errno text */
    ZT_ERROR_CLOSED = -10       /* the subscriber was closed */
} zt_status;

/* Delivery policies, named as zeroteesrc's `policy` property: "all", "latest", "fps-cap". */
typedef enum zt_policy {
    ZT_POLICY_ALL = 0,    /* every frame while the quota has room (bounded queue) */
    ZT_POLICY_LATEST = 1, /* the newest frame; older ones are skipped */
    ZT_POLICY_FPS_CAP = 2 /* at most max_fps frames per second, chosen by the producer */
} zt_policy;

typedef enum zt_memory_type {
    ZT_MEMORY_MEMFD = 2, /* shared memory; reads need no bracketing */
    ZT_MEMORY_DMABUF = 1 /* a real DMABUF (importable into EGL, V4L2, an NPU) */
} zt_memory_type;

/* Frame flags, as the producer set them. */
#define ZT_FRAME_DELTA_UNIT 0x1u /* not a keyframe (encoded streams) */
#define ZT_FRAME_DISCONT 0x2u
#define ZT_FRAME_HEADER 0x4u /* codec header (SPS/PPS) */
#define ZT_FRAME_GAP 0x8u

#define ZT_NO_TIMESTAMP UINT64_MAX

typedef struct zt_options {
    const char *name;         /* shown in the producer's status; default "client" */
    zt_policy policy;         /* default ZT_POLICY_LATEST */
    uint32_t quota;           /* frames held at once; 0 = the producer's default */
    double max_fps;           /* for ZT_POLICY_FPS_CAP: > 0 */
    int reconnect;            /* non-zero (default): reconnect when the producer restarts */
    int connect_timeout_ms;   /* how long zt_subscriber_open waits for the welcome; 2000 */
    int reconnect_interval_ms; /* between reconnection attempts; default 200 */
    uint32_t reserved[8];
} zt_options;

typedef struct zt_plane {
    const uint8_t *data; /* first byte of the plane, mapped read-only; valid while held */
    uint64_t offset;     /* from the start of the buffer (memories laid end to end) */
    uint64_t fd_offset;  /* where the plane starts inside `fd` (EGL/V4L2 import offset) */
    uint64_t size;       /* bytes of the plane */
    uint32_t stride;     /* bytes per row */
    int32_t fd;          /* the memory's fd, owned by the library (dup it to keep it) */
} zt_plane;

/* One frame held by this consumer (a lease). Filled by zt_subscriber_next; everything it points
 * to stays valid until zt_frame_release, even across a producer restart. */
typedef struct zt_frame {
    uint64_t lease;        /* non-zero while held; zt_frame_release clears it */
    uint32_t width;
    uint32_t height;
    char format[32];       /* GStreamer format ("NV12", "I420", ...) or the media type of
                              non-raw data ("video/x-h264") */
    uint32_t drm_fourcc;   /* DRM_FORMAT_* (0 when DRM has none) */
    uint32_t plane_count;  /* 0 for data without a video layout (encoded access units) */
    uint64_t drm_modifier; /* DRM_FORMAT_MOD_* (0 = linear) */
    zt_plane planes[ZT_MAX_PLANES];
    const uint8_t *data;   /* bytes in use from the buffer start when they are contiguous (an
                              encoded access unit, a single-memory frame), else NULL */
    uint64_t size;         /* bytes in use (the access unit's size for encoded data) */
    int32_t fd;            /* the first memory's fd: the DMABUF or memfd, for importers */
    uint32_t memory_type;  /* zt_memory_type, as the fd really is */
    uint64_t pts_ns;       /* capture time, absolute CLOCK_MONOTONIC, or ZT_NO_TIMESTAMP */
    uint64_t duration_ns;  /* or ZT_NO_TIMESTAMP */
    uint64_t publish_ns;   /* CLOCK_MONOTONIC when the producer sent it */
    uint64_t sequence;     /* the producer's frame number */
    uint64_t camera_sequence;
    uint32_t flags;        /* ZT_FRAME_* */
    uint32_t generation;   /* caps generation: changes when the format does */
    uint64_t reserved[8];
} zt_frame;

typedef struct zt_subscriber_info {
    int connected;          /* welcomed and streaming now */
    zt_policy policy;       /* as granted (a degraded consumer gets latest) */
    int degraded;           /* the pool was too small for the quota asked for */
    uint32_t quota;         /* frames this consumer may hold at once, as granted */
    uint32_t held;          /* frames held now on this connection */
    uint32_t client_id;
    uint32_t lease_timeout_ms; /* a frame held longer gets the consumer evicted */
    uint64_t frames;        /* frames handed out */
    uint64_t reconnects;
    uint32_t reserved[8];
} zt_subscriber_info;

typedef struct zt_subscriber zt_subscriber;

/* Fills defaults. Call before setting fields. */
ZT_EXPORT void zt_options_init(zt_options *options);
/* "all", "latest", "fps-cap" -> policy. ZT_ERROR_INVALID for other names. */
ZT_EXPORT int zt_policy_from_name(const char *name, zt_policy *policy);
ZT_EXPORT const char *zt_policy_name(zt_policy policy);

/* The bus socket of @camera's stream @stream (NULL, "" or "raw": the raw frames) in the
 * supervisor's runtime directory: $ZEROTEE_RUNTIME_DIR, else $XDG_RUNTIME_DIR/zerotee.
 * ZT_ERROR_NOT_FOUND when no such socket exists (the path is still written). */
ZT_EXPORT int zt_find_bus(const char *camera, const char *stream, char *path, size_t size);

/* Connects to the bus socket at @path and waits up to connect_timeout_ms for the producer's
 * welcome. ZT_ERROR_NOT_FOUND (no socket), ZT_ERROR_REFUSED, ZT_ERROR_VERSION, ... */
ZT_EXPORT int zt_subscriber_open(const char *path, const zt_options *options,
                                 zt_subscriber **subscriber);
/* Gives every held frame back, disconnects and frees. Frames still held become invalid. */
ZT_EXPORT void zt_subscriber_close(zt_subscriber *subscriber);

/* Waits up to @timeout_ms (0: do not wait, < 0: forever) for the next frame; reconnects on the
 * way when the producer restarted. ZT_ERROR_QUOTA at once when the whole quota is held. The
 * frame is held until zt_frame_release. */
ZT_EXPORT int zt_subscriber_next(zt_subscriber *subscriber, int timeout_ms, zt_frame *frame);
/* Gives a frame back. ZT_ERROR_INVALID when it is not held (released twice, another
 * subscriber's). Any thread may release while another waits in zt_subscriber_next. */
ZT_EXPORT int zt_frame_release(zt_subscriber *subscriber, zt_frame *frame);

/* An fd that polls readable when zt_subscriber_next may have something: put it in select(),
 * poll() or an event loop, then call zt_subscriber_next(subscriber, 0, ...). It stays the same
 * fd across reconnects. Owned by the subscriber. */
ZT_EXPORT int zt_subscriber_fd(const zt_subscriber *subscriber);
ZT_EXPORT int zt_subscriber_get_info(const zt_subscriber *subscriber, zt_subscriber_info *info);
/* Copies the stream's GStreamer caps (NUL-terminated, truncated to @size). Returns the full
 * length, or a zt_status. */
ZT_EXPORT int zt_subscriber_caps(const zt_subscriber *subscriber, char *caps, size_t size);
/* Asks the producer for a keyframe (encoded streams). */
ZT_EXPORT int zt_subscriber_request_keyframe(zt_subscriber *subscriber);

/* What went wrong in this thread's last failing call, in words. Never NULL. */
ZT_EXPORT const char *zt_last_error(void);
/* A fixed name for a status ("timeout", "quota", ...). */
ZT_EXPORT const char *zt_status_name(int status);

#ifdef __cplusplus
}
#endif

#endif /* ZEROTEE_CLIENT_H */
