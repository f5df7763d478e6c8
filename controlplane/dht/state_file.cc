// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Temp file + fsync + rename: a relay that dies while saving still finds a usable state file.
#include "controlplane/dht/state_file.hh"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace edgerelay::cp::dht {

std::string write_file_atomic(const std::string& path, const std::string& bytes)
{
    std::string tmp = path + ".tmp";
    auto fail = [&](const char* what, const std::string& p) {
        std::string reason = std::string(what) + " " + p + ": " + std::strerror(errno);
        return reason;
    };
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return fail("open", tmp);
    }
    ::fchmod(fd, 0600);  // an older temp file may have other bits
    size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::write(fd, bytes.data() + off, bytes.size() - off);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            std::string r = fail("write", tmp);
            ::close(fd);
            ::unlink(tmp.c_str());
            return r;
        }
        off += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        std::string r = fail("fsync", tmp);
        ::close(fd);
        ::unlink(tmp.c_str());
        return r;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        std::string r = fail("rename to", path);
        ::unlink(tmp.c_str());
        return r;
    }
    return {};
}

std::optional<std::string> read_small_file(const std::string& path)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return std::nullopt;
    }
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || out.size() + static_cast<size_t>(n) > max_state_file) {
            ::close(fd);
            return std::nullopt;
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

} // namespace edgerelay::cp::dht
