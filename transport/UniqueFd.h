#pragma once

#include <utility>

namespace zerotee {

/// Move-only owner of one file descriptor; closes it on destruction.
/// Thread context: not thread-safe; hand it between threads by moving.
class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }

    UniqueFd(const UniqueFd &) = delete;
    UniqueFd &operator=(const UniqueFd &) = delete;
    UniqueFd(UniqueFd &&other) noexcept : fd_(other.release()) {}
    UniqueFd &operator=(UniqueFd &&other) noexcept
    {
        reset(other.release());
        return *this;
    }

    int get() const { return fd_; }
    bool isValid() const { return fd_ >= 0; }
    explicit operator bool() const { return isValid(); }

    /// Gives up ownership; the caller must close the returned descriptor.
    [[nodiscard]] int release() { return std::exchange(fd_, -1); }

    /// Closes the held descriptor (if any) and takes ownership of @p fd.
    void reset(int fd = -1);

    /// A new CLOEXEC descriptor for the same open file, or an invalid one (errno set).
    UniqueFd duplicate() const;

private:
    int fd_ = -1;
};

} // namespace zerotee
