// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Loading and first-start generation of the identity key files.
#include "controlplane/process/keys.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/config/config.hh"
#include "common/crypto/encoding.hh"
#include "common/crypto/x25519.hh"

namespace edgerelay::cp::process {

namespace {

std::string parent_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos || slash == 0 ? std::string() : path.substr(0, slash);
}

void make_parent(const std::string& path)
{
    std::string dir = parent_of(path);
    if (dir.empty()) {
        return;
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        return;
    }
    make_parent(dir);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        throw std::runtime_error("cannot create directory " + dir + " for " + path + ": " +
                                 std::strerror(errno) +
                                 "; create it or point identity key files elsewhere");
    }
}

// Reads at most `max` bytes; the files are tiny, anything larger is refused by the callers.
std::string read_small(const std::string& path, std::size_t max)
{
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        throw std::runtime_error("cannot read " + path + ": " + std::strerror(errno) +
                                 "; check the path and that this user may read it");
    }
    std::string out(max + 1, '\0');
    std::size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::read(fd, out.data() + got, out.size() - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += std::size_t(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

} // namespace

int write_secret_file(const std::string& path, const void* data, std::size_t len)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -errno;
    }
    // The umask may have cleared bits but never adds any; fchmod makes 0600 exact.
    ::fchmod(fd, 0600);
    const auto* p = static_cast<const uint8_t*>(data);
    std::size_t done = 0;
    while (done < len) {
        ssize_t n = ::write(fd, p + done, len - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int e = errno;
            ::close(fd);
            ::unlink(path.c_str());
            return -e;
        }
        done += std::size_t(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int e = errno;
        ::unlink(path.c_str());
        return -e;
    }
    return 0;
}

loaded_key<crypto::secret32> load_or_create_private_key(const std::string& path)
{
    loaded_key<crypto::secret32> out;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        make_parent(path);
        out.key = crypto::x25519_generate();
        std::string text = crypto::key_to_base64(out.key.data()) + "\n";
        int rc = write_secret_file(path, text.data(), text.size());
        crypto::wipe(text.data(), text.size());
        if (rc < 0) {
            throw std::runtime_error("cannot create private key " + path + ": " +
                                     std::strerror(-rc) +
                                     "; make its directory writable or create the key with "
                                     "`umask 077; edgerelayctl genkey > " + path + "`");
        }
        out.created = true;
        return out;
    }
    config::check_key_file_mode(path);
    std::string text = read_small(path, 128);
    auto key = crypto::key_from_base64(text);
    crypto::wipe(text.data(), text.size());
    if (!key) {
        throw std::runtime_error(path + ": not a WireGuard private key; the file must hold the "
                                 "44-character base64 line that `wg genkey` or `edgerelayctl "
                                 "genkey` prints");
    }
    std::memcpy(out.key.data(), key->data(), 32);
    crypto::wipe(key->data(), key->size());
    return out;
}

loaded_key<crypto::ed25519_keypair> load_or_create_node_key(const std::string& path)
{
    loaded_key<crypto::ed25519_keypair> out;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
        make_parent(path);
        crypto::secret32 seed;
        crypto::random_bytes(seed.data(), seed.size());
        int rc = write_secret_file(path, seed.data(), seed.size());
        if (rc < 0) {
            throw std::runtime_error("cannot create node key " + path + ": " +
                                     std::strerror(-rc) + "; make its directory writable");
        }
        out.key = crypto::ed25519_from_seed(seed.data());
        out.created = true;
        return out;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        throw std::runtime_error(path + ": the node key must be a regular file that only its "
                                 "owner can access; fix with `chmod 600 " + path + "`");
    }
    std::string raw = read_small(path, 64);
    if (raw.size() != 32) {
        crypto::wipe(raw.data(), raw.size());
        throw std::runtime_error(path + ": a node key is exactly 32 bytes (a raw Ed25519 seed), "
                                 "this file has " + std::to_string(raw.size()) +
                                 "; move it away and a new one is generated at start");
    }
    out.key = crypto::ed25519_from_seed(reinterpret_cast<const uint8_t*>(raw.data()));
    crypto::wipe(raw.data(), raw.size());
    return out;
}

} // namespace edgerelay::cp::process
