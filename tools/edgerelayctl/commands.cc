// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelayctl's key tools, wg-quick import and control socket client.
#include "tools/edgerelayctl/commands.hh"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/config/config.hh"
#include "common/config/wg_quick.hh"
#include "common/crypto/encoding.hh"
#include "common/crypto/x25519.hh"
#include "controlplane/process/keys.hh"

namespace edgerelay::ctl {

namespace {

constexpr int reply_timeout_ms = 10'000;

std::string absolute(const std::string& path)
{
    if (!path.empty() && path[0] == '/') {
        return path;
    }
    char cwd[4096];
    if (::getcwd(cwd, sizeof cwd) == nullptr) {
        return path;
    }
    return std::string(cwd) + "/" + path;
}

std::string dir_of(const std::string& path)
{
    auto slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

} // namespace

int genkey(std::ostream& out)
{
    crypto::secret32 k = crypto::x25519_generate();
    out << crypto::key_to_base64(k.data()) << "\n";
    return 0;
}

int pubkey(std::istream& in, std::ostream& out, std::ostream& err)
{
    std::string line;
    std::getline(in, line);
    auto k = crypto::key_from_base64(line);
    crypto::wipe(line.data(), line.size());
    if (!k) {
        err << "edgerelayctl pubkey: stdin is not a private key; pipe in the 44-character "
               "base64 line of `edgerelayctl genkey` or `wg genkey`\n";
        return 1;
    }
    crypto::secret32 priv;
    std::memcpy(priv.data(), k->data(), 32);
    crypto::wipe(k->data(), k->size());
    crypto::key32 pub = crypto::x25519_public(priv);
    out << crypto::key_to_base64(pub.data()) << "\n";
    return 0;
}

int import_wg(const std::string& conf_path, const std::string& out_path,
              const std::string& key_path, std::ostream& out, std::ostream& err)
{
    std::ifstream in(conf_path);
    if (!in) {
        err << "edgerelayctl import: cannot read " << conf_path << ": " << std::strerror(errno)
            << "\n";
        return 1;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    std::string base = conf_path.substr(conf_path.rfind('/') + 1);
    std::optional<crypto::secret32> priv;
    std::string yaml;
    try {
        yaml = config::import_wg_quick(ss.str(), base, priv);
    } catch (const config::config_error& e) {
        err << "edgerelayctl import: " << e.what() << "\n";
        return 2;
    }
    if (priv) {
        std::string instance = "edgerelay";
        if (auto p = yaml.find("\ninstance: "); p != std::string::npos) {
            auto e = yaml.find('\n', p + 1);
            instance = yaml.substr(p + 11, e - p - 11);
        }
        std::string kp = key_path.empty()
                             ? (out_path.empty() ? std::string(".") : dir_of(out_path)) + "/" +
                                   instance + ".key"
                             : key_path;
        kp = absolute(kp);
        // umask 077 on top of the 0600 the file is created with: nothing wider can slip in.
        mode_t old = ::umask(077);
        std::string text = crypto::key_to_base64(priv->data()) + "\n";
        int rc = cp::process::write_secret_file(kp, text.data(), text.size());
        crypto::wipe(text.data(), text.size());
        ::umask(old);
        if (rc < 0) {
            err << "edgerelayctl import: cannot write the private key to " << kp << ": "
                << std::strerror(-rc)
                << (rc == -EEXIST ? "; it exists already: move it away or pass --key-file PATH"
                                  : "; pass --key-file PATH to put it elsewhere")
                << "\n";
            return 1;
        }
        const std::string line = "  private_key_file: /etc/edgerelay/private.key\n";
        if (auto p = yaml.find(line); p != std::string::npos) {
            yaml.replace(p, line.size(), "  private_key_file: " + kp + "\n");
        }
        err << "wrote the private key to " << kp << " (mode 0600)\n";
    }
    if (out_path.empty()) {
        out << yaml;
        return 0;
    }
    std::ofstream o(out_path);
    o << yaml;
    if (!o.flush()) {
        err << "edgerelayctl import: cannot write " << out_path << ": " << std::strerror(errno)
            << "\n";
        return 1;
    }
    err << "wrote " << out_path << "\n";
    return 0;
}

std::string socket_path(const std::string& socket_opt, const std::string& config_opt)
{
    if (!socket_opt.empty()) {
        return socket_opt;
    }
    if (!config_opt.empty()) {
        return config::load(config_opt).control_socket;
    }
    return config::config().control_socket;
}

std::optional<cp::process::response_reader> exchange(const std::string& socket_path,
                                                     const cp::process::request& req,
                                                     std::string& error)
{
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    if (socket_path.size() >= sizeof sa.sun_path) {
        error = "socket path " + socket_path + " is too long";
        return std::nullopt;
    }
    std::memcpy(sa.sun_path, socket_path.c_str(), socket_path.size() + 1);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        int e = errno;
        if (fd >= 0) {
            ::close(fd);
        }
        error = "cannot connect to " + socket_path + ": " + std::strerror(e) +
                (e == ENOENT || e == ECONNREFUSED
                     ? "; is edgerelay-controlplane running? (--socket PATH or --config FILE "
                       "selects another instance)"
                 : e == EACCES ? "; run as root or as a member of the socket's group"
                               : "");
        return std::nullopt;
    }
    std::string line = cp::process::format_request(req) + "\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) != ssize_t(line.size())) {
        error = std::string("cannot send the request: ") + std::strerror(errno);
        ::close(fd);
        return std::nullopt;
    }
    cp::process::response_reader r;
    std::string buf;
    char chunk[4096];
    while (!r.complete()) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, reply_timeout_ms) <= 0) {
            error = "no answer from edgerelay-controlplane within 10 s";
            break;
        }
        ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n <= 0) {
            error = "edgerelay-controlplane closed the connection before answering";
            break;
        }
        buf.append(chunk, std::size_t(n));
        std::size_t nl;
        while (!r.complete() && (nl = buf.find('\n')) != std::string::npos) {
            r.feed(std::string_view(buf).substr(0, nl));
            buf.erase(0, nl + 1);
        }
    }
    ::close(fd);
    if (!r.complete()) {
        return std::nullopt;
    }
    return r;
}

} // namespace edgerelay::ctl
