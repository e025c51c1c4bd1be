#include "UniqueFd.h"

#include <fcntl.h>
#include <unistd.h>

namespace zerotee {

void UniqueFd::reset(int fd)
{
    if (fd_ >= 0 && fd_ != fd)
        ::close(fd_);
    fd_ = fd;
}

UniqueFd UniqueFd::duplicate() const
{
    if (fd_ < 0)
        return UniqueFd();
    return UniqueFd(::fcntl(fd_, F_DUPFD_CLOEXEC, 0));
}

} // namespace zerotee
