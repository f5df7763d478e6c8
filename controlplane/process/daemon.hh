// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelay-controlplane's event loop: segment attach, reconcile and replay, punts, events,
// timers, reload and the control socket, all on one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/abi/segment.hh"
#include "common/config/config.hh"
#include "common/crypto/ed25519.hh"
#include "controlplane/api/http_server.hh"
#include "controlplane/api/routes.hh"
#include "controlplane/discovery/mesh_host.hh"
#include "controlplane/discovery/mesh_manager.hh"
#include "controlplane/peers/clock.hh"
#include "controlplane/peers/peer_manager.hh"
#include "controlplane/process/control_socket.hh"
#include "controlplane/process/format.hh"
#include "controlplane/process/peer_registry.hh"
#include "controlplane/process/protocol.hh"
#include "controlplane/process/reconcile.hh"
#include "controlplane/process/session_store.hh"

namespace edgerelay::cp::process {

/// Exit codes of edgerelay-controlplane (also in its --help).
enum exit_code : int {
    exit_ok = 0,
    exit_startup = 1,      ///< keys, control socket or another start-up step failed
    exit_config = 2,       ///< the configuration file is invalid
    exit_incompatible = 3, ///< the dataplane speaks another ABI or layout
};

/// Looks up the name of a dataplane drop counter slot; null past the last reason. Injected so
/// the loop does not depend on the dataplane's library.
using drop_name_fn = const char* (*)(std::size_t slot);

/// The control plane process. Start-up (the constructor) throws; run() does not.
/// It is the mesh manager's host too: relay tunnels and mesh routes live in its tables, so a
/// restarted dataplane gets them replayed like any other peer and route.
class control_daemon final : public sink, public discovery::mesh_host {
  public:
    /// Loads the configuration and the identity keys, opens the control socket, registers the
    /// configured peers and routes.
    /// @throw config::config_error for the configuration; std::runtime_error for keys and
    ///        the socket, with the file and the fix in what().
    control_daemon(std::string config_path, drop_name_fn drop_name);
    ~control_daemon() override;
    control_daemon(const control_daemon&) = delete;
    control_daemon& operator=(const control_daemon&) = delete;

    /// Runs until request_stop(). Never touches the dataplane on the way out: it keeps
    /// forwarding with the keypairs it has (headless forwarding).
    /// @return an exit_code.
    int run();

    /// Async-signal-safe: ask run() to return (SIGTERM, SIGINT).
    static void request_stop() noexcept;
    /// Async-signal-safe: reload the configuration at the next loop (SIGHUP).
    static void request_reload() noexcept;

    /// Answers one control socket request line (public for the socket's callback).
    std::string handle_request(std::string_view line);

    // sink: where the peer manager's (and our own) commands and packets go.
    void command(const abi::command& c) override;
    void inject(const abi::injected_packet& p) override;

    // mesh_host: relay tunnels and mesh routes for the mesh manager.
    std::optional<abi::peer_id> add_relay_peer(const crypto::key32& wg_key,
                                               const wire::endpoint& endpoint,
                                               const std::string& name) override;
    void remove_relay_peer(abi::peer_id id) override;
    void ensure_session(abi::peer_id id) override;
    void set_mesh_route(const abi::prefix& dst, std::optional<abi::next_hop> hop) override;
    void send_inner(abi::peer_id id, std::span<const uint8_t> packet) override;
    std::vector<abi::prefix> static_prefixes() const override;
    bool dataplane_running() const override;

  private:
    enum class phase : uint8_t {
        detached, // no segment
        syncing,  // readback sent, collecting the dataplane's state
        running,  // programmed; punts, events and timers flow
    };
    struct peer_info {
        std::string name;
        bool from_config = true;
        config::peer_config cfg; // as configured or added, for reload diffs
        add_peer_args runtime;   // add-peer arguments (runtime peers)
        bool mesh = false;       // a relay tunnel of the mesh manager
    };
    struct route_entry {
        abi::prefix dst;
        abi::next_hop hop;
    };
    struct inflight {
        abi::command_type type;
        uint32_t subject; // peer id (peer commands) or next hop (routes)
    };

    // Start-up and configuration.
    void load_peers_and_routes();
    int add_peer(const config::peer_config& pc, bool from_config, const add_peer_args* runtime,
                 std::string& error);
    void remove_peer(abi::peer_id id);
    std::vector<route_entry> routes_of(const config::config& c) const;
    void reload();
    int save_registry();

    // Segment.
    int try_attach(uint64_t now);
    void on_attached();
    void start_sync();
    void finish_sync();
    void service(uint64_t now);
    void pump_events();
    void pump_punts();
    void flush();
    void handle_event(const abi::event& ev);
    void send(abi::command c);
    void send_route(abi::command_type t, const route_entry& r);
    std::vector<abi::command> desired_commands();
    bool ready() const noexcept;

    // Views for the socket.
    interface_view interface() const;
    std::vector<peer_view> peer_views() const;
    std::vector<route_view> route_views() const;
    std::vector<worker_view> worker_views();
    std::string via_text(abi::next_hop hop) const;
    std::optional<abi::peer_id> peer_by_key_text(const std::string& text) const;

    // The HTTP API (controlplane/api) and the mesh's share of the loop.
    void open_http();
    api::readiness readiness() const;
    api::snapshot snapshot();
    void service_mesh(uint64_t now);
    void drop_mesh_routes_via(abi::peer_id id);

    std::string _config_path;
    drop_name_fn _drop_name;
    config::config _cfg;
    real_clock _clock;
    std::unique_ptr<static_identity> _identity;
    crypto::ed25519_keypair _node_key;
    std::unique_ptr<peer_manager> _pm;
    peer_registry _registry;
    std::string _registry_path;
    std::map<abi::peer_id, peer_info> _peers;
    std::vector<route_entry> _routes;
    session_store _sessions;
    control_socket _socket;

    std::optional<abi::segment> _seg;
    /// Per peer id: the segment generation and that slot's counters when its add_peer was sent.
    /// The dataplane's per-peer counters are cumulative per slot, so `show` subtracts this.
    std::map<abi::peer_id, std::pair<uint64_t, abi::peer_transfer>> _transfer_base;
    phase _phase = phase::detached;
    uint64_t _generation = 0;
    bool _dp_alive = false;
    uint64_t _last_attach_try = 0;
    uint64_t _last_wait_log = 0;
    uint64_t _last_tick = 0;
    uint64_t _last_housekeeping = 0;
    uint64_t _readback_seq = 0;
    dp_state _readback;
    uint64_t _seq = 0;
    bool _draining = false;
    std::deque<abi::command> _pending;      // sealed, waiting for room on the command ring
    std::deque<abi::command> _held;         // emitted while syncing; sent after the plan
    std::deque<abi::injected_packet> _pending_inject;
    std::map<uint64_t, inflight> _inflight; // seq → what to name in an error reply
    uint64_t _punts_dropped_draining = 0;
    uint64_t _rekeys = 0;
    uint64_t _start_ns = 0;

    std::unique_ptr<discovery::mesh_manager> _mesh; // null: static configuration
    std::map<std::string, route_entry> _mesh_routes; // by prefix text
    api::http_server _http;
    api::provider _http_provider;
};

} // namespace edgerelay::cp::process
