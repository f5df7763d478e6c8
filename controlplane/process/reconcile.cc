// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Reconcile a readback against the desired state; a pure function so it is tested alone.
#include "controlplane/process/reconcile.hh"

#include <algorithm>
#include <set>

#include "common/crypto/secret.hh"
#include "controlplane/process/convert.hh"

namespace edgerelay::cp::process {

namespace {

struct prefix_order {
    bool operator()(const abi::prefix& a, const abi::prefix& b) const noexcept
    {
        return prefix_less(a, b);
    }
};

abi::command make(abi::command_type t)
{
    abi::command c;
    c.type = t;
    return c;
}

} // namespace

bool dp_state::add(const abi::event& ev)
{
    switch (ev.type) {
    case abi::event_type::rb_peer:
        peers[ev.body.rb_peer.peer] = ev.body.rb_peer;
        return true;
    case abi::event_type::rb_keypair:
        keypairs.push_back(ev.body.rb_keypair);
        return true;
    case abi::event_type::rb_route:
        routes.push_back(ev.body.rb_route);
        return true;
    case abi::event_type::rb_allowed_ip:
        allowed_ips.push_back(ev.body.rb_allowed_ip);
        return true;
    case abi::event_type::rb_splice:
        return true; // splices are not the control plane's yet: neither kept nor removed
    default:
        return false;
    }
}

void dp_state::clear()
{
    peers.clear();
    // rb_keypair carries the session keys.
    crypto::wipe(keypairs.data(), keypairs.size() * sizeof(abi::ev_rb_keypair));
    keypairs.clear();
    routes.clear();
    allowed_ips.clear();
}

bool dp_state::has_live_keypair(abi::peer_id id, uint64_t reject_after_time_ms) const noexcept
{
    return std::any_of(keypairs.begin(), keypairs.end(), [&](const abi::ev_rb_keypair& k) {
        return k.peer == id && k.slot != abi::key_slot::previous &&
               k.age_ms < reject_after_time_ms;
    });
}

reconcile_plan reconcile(const dp_state& have, std::span<const abi::command> want,
                         uint64_t reject_after_time_ms)
{
    // Index both sides by what identifies an entry: a prefix for routes and allowed IPs.
    std::map<abi::prefix, abi::next_hop, prefix_order> have_routes;
    for (const auto& r : have.routes) {
        have_routes[r.dst] = r.hop;
    }
    std::map<abi::prefix, abi::peer_id, prefix_order> have_allowed;
    for (const auto& a : have.allowed_ips) {
        have_allowed[a.src] = a.peer;
    }
    std::set<abi::peer_id> want_peers;
    std::set<abi::peer_id> want_endpoint;
    std::set<abi::peer_id> want_keypair;
    std::map<abi::prefix, abi::next_hop, prefix_order> want_routes;
    std::map<abi::prefix, abi::peer_id, prefix_order> want_allowed;
    for (const auto& c : want) {
        switch (c.type) {
        case abi::command_type::add_peer:
            want_peers.insert(c.body.peer.peer);
            break;
        case abi::command_type::set_endpoint:
            want_endpoint.insert(c.body.set_endpoint.peer);
            break;
        case abi::command_type::install_keypair:
            want_keypair.insert(c.body.install_keypair.peer);
            break;
        case abi::command_type::add_route:
            want_routes[c.body.route.dst] = c.body.route.hop;
            break;
        case abi::command_type::add_allowed_ip:
            want_allowed[c.body.allowed_ip.src] = c.body.allowed_ip.peer;
            break;
        default:
            break;
        }
    }

    reconcile_plan plan;
    // Removals first, routes before the peers they point to (the applier refuses to remove a
    // peer that routes still use, and a route must never point at a missing peer).
    for (const auto& [pfx, hop] : have_routes) {
        auto it = want_routes.find(pfx);
        if (it == want_routes.end() || it->second != hop) {
            abi::command c = make(abi::command_type::remove_route);
            c.body.route.dst = pfx;
            c.body.route.hop = hop;
            plan.commands.push_back(c);
        }
    }
    for (const auto& [pfx, owner] : have_allowed) {
        auto it = want_allowed.find(pfx);
        if (it == want_allowed.end() || it->second != owner) {
            abi::command c = make(abi::command_type::remove_allowed_ip);
            c.body.allowed_ip.peer = owner;
            c.body.allowed_ip.src = pfx;
            plan.commands.push_back(c);
        }
    }
    for (const auto& [id, rb] : have.peers) {
        if (!want_peers.contains(id)) {
            abi::command c = make(abi::command_type::remove_peer);
            c.body.peer.peer = id;
            plan.commands.push_back(c);
        }
    }

    for (const auto& c : want) {
        bool keep = true;
        switch (c.type) {
        case abi::command_type::add_peer:
            keep = !have.peers.contains(c.body.peer.peer);
            break;
        case abi::command_type::set_endpoint: {
            auto it = have.peers.find(c.body.set_endpoint.peer);
            keep = it == have.peers.end() || it->second.remote.empty();
            break;
        }
        case abi::command_type::add_allowed_ip: {
            auto it = have_allowed.find(c.body.allowed_ip.src);
            keep = it == have_allowed.end() || it->second != c.body.allowed_ip.peer;
            break;
        }
        case abi::command_type::add_route: {
            auto it = have_routes.find(c.body.route.dst);
            keep = it == have_routes.end() || it->second != c.body.route.hop;
            break;
        }
        case abi::command_type::install_keypair:
            keep = std::none_of(have.keypairs.begin(), have.keypairs.end(),
                                [&](const abi::ev_rb_keypair& k) {
                                    return k.peer == c.body.install_keypair.peer &&
                                           k.local_index == c.body.install_keypair.local_index;
                                });
            break;
        default:
            break;
        }
        if (keep) {
            plan.commands.push_back(c);
        }
    }

    for (abi::peer_id id : want_peers) {
        auto it = have.peers.find(id);
        bool endpoint = want_endpoint.contains(id) ||
                        (it != have.peers.end() && !it->second.remote.empty());
        if (endpoint && !want_keypair.contains(id) &&
            !have.has_live_keypair(id, reject_after_time_ms)) {
            plan.initiate.push_back(id);
        }
    }
    return plan;
}

} // namespace edgerelay::cp::process
