// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Peer id registry file: stable ids across control plane restarts, run-time peers.
#include "controlplane/process/peer_registry.hh"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <fstream>
#include <set>
#include <sstream>

#include "common/crypto/encoding.hh"

namespace edgerelay::cp::process {

int peer_registry::load(const std::string& path, std::vector<std::string>& warnings)
{
    _entries.clear();
    std::ifstream in(path);
    if (!in) {
        return errno == ENOENT ? 0 : -errno;
    }
    std::string line;
    int n = 0;
    std::set<abi::peer_id> used;
    while (std::getline(in, line)) {
        ++n;
        std::istringstream ss(line);
        std::string id_text, key_text, kind;
        ss >> id_text >> key_text >> kind;
        abi::peer_id id = 0;
        auto [p, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
        auto key = crypto::key_from_base64(key_text);
        if (line.empty()) {
            continue;
        }
        if (ec != std::errc() || p != id_text.data() + id_text.size() || !key ||
            (kind != "config" && kind != "runtime") || used.contains(id) ||
            _entries.contains(*key)) {
            warnings.push_back(path + ":" + std::to_string(n) + ": ignored malformed entry");
            continue;
        }
        entry e;
        e.id = id;
        e.runtime = kind == "runtime";
        std::string word;
        while (ss >> word) {
            e.add_peer_args.push_back(word);
        }
        used.insert(id);
        _entries.emplace(*key, std::move(e));
    }
    return 0;
}

int peer_registry::save(const std::string& path) const
{
    std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return -errno;
    }
    std::string text;
    for (const auto& [key, e] : _entries) {
        text += std::to_string(e.id) + " " + crypto::key_to_base64(key.data()) +
                (e.runtime ? " runtime" : " config");
        for (const auto& a : e.add_peer_args) {
            text += " " + a;
        }
        text += "\n";
    }
    ssize_t n = ::write(fd, text.data(), text.size());
    int err = n == ssize_t(text.size()) ? 0 : (n < 0 ? errno : EIO);
    if (::close(fd) != 0 && err == 0) {
        err = errno;
    }
    if (err == 0 && ::rename(tmp.c_str(), path.c_str()) != 0) {
        err = errno;
    }
    if (err != 0) {
        ::unlink(tmp.c_str());
    }
    return -err;
}

abi::peer_id peer_registry::assign(const crypto::key32& key, bool runtime,
                                   std::vector<std::string> add_peer_args)
{
    if (auto it = _entries.find(key); it != _entries.end()) {
        it->second.runtime = runtime;
        it->second.add_peer_args = std::move(add_peer_args);
        return it->second.id;
    }
    std::set<abi::peer_id> used;
    for (const auto& [k, e] : _entries) {
        used.insert(e.id);
    }
    abi::peer_id id = 0;
    while (used.contains(id)) {
        ++id;
    }
    _entries.emplace(key, entry{id, runtime, std::move(add_peer_args)});
    return id;
}

void peer_registry::erase(const crypto::key32& key)
{
    _entries.erase(key);
}

void peer_registry::retain_config(const std::vector<crypto::key32>& keep)
{
    std::set<crypto::key32> k(keep.begin(), keep.end());
    for (auto it = _entries.begin(); it != _entries.end();) {
        if (!it->second.runtime && !k.contains(it->first)) {
            it = _entries.erase(it);
        } else {
            ++it;
        }
    }
}

const peer_registry::entry* peer_registry::find(const crypto::key32& key) const
{
    auto it = _entries.find(key);
    return it == _entries.end() ? nullptr : &it->second;
}

std::optional<crypto::key32> peer_registry::key_of(abi::peer_id id) const
{
    for (const auto& [k, e] : _entries) {
        if (e.id == id) {
            return k;
        }
    }
    return std::nullopt;
}

} // namespace edgerelay::cp::process
