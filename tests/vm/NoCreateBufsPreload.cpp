// LD_PRELOAD shim for the vm tests' fixed-pool check: VIDIOC_CREATE_BUFS fails with ENOTTY, as
// on a driver without it, so a V4L2 capture's buffer pool cannot grow past what it allocated at
// start (GStreamer's v4l2 pool then sets its maximum to its minimum). Every other ioctl passes.
#include <cerrno>
#include <cstdarg>
#include <dlfcn.h>
#include <linux/videodev2.h>

extern "C" int ioctl(int fd, unsigned long request, ...)
{
    va_list args;
    va_start(args, request);
    void *argument = va_arg(args, void *);
    va_end(args);
    if (request == VIDIOC_CREATE_BUFS) {
        errno = ENOTTY;
        return -1;
    }
    using Ioctl = int (*)(int, unsigned long, ...);
    static Ioctl real = reinterpret_cast<Ioctl>(dlsym(RTLD_NEXT, "ioctl"));
    return real(fd, request, argument);
}
