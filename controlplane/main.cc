// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelay-controlplane: options, signals and exit codes around the process's event loop.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "common/build_info.hh"
#include "common/config/config.hh"
#include "controlplane/process/daemon.hh"
#include "dataplane/drop_reason.hh"

namespace {

using edgerelay::cp::process::control_daemon;

constexpr const char* usage_text = R"(usage: edgerelay-controlplane --config FILE

The control plane of an edgerelay instance: WireGuard handshakes and timers, static peers and
routes from the configuration, the control socket that edgerelayctl talks to and the read-only
HTTP API (http.address: /health /ready /metrics /peers /routes /topology /stats). With a region
or bootstrap relays configured it also joins the mesh: it publishes a signed relay record in
the DHT (dht.port), opens tunnels to the relays its neighbour policy selects, probes them every
health.interval_ms and routes every prefix other relays own along latency-shortest paths. It programs
edgerelay-dataplane (started separately, with the same --config) through the shared-memory
segment /edgerelay-<instance>, and waits for it if it is not running yet.

Either process may restart on its own:
  - a restarted control plane reads the dataplane's tables back and keeps every peer, route
    and live session it finds there (no packet is lost, no new handshake is needed);
  - a restarted dataplane gets the whole state replayed, live session keys included.

options:
  --config FILE   the YAML configuration (see config/edgerelay.yaml)
  --version       print the version and exit
  --help          this text

files:
  identity.private_key_file   X25519 key, `wg genkey` format, mode 0600; created if missing
  identity.node_key_file      Ed25519 seed (32 raw bytes), mode 0600; created if missing
  control_socket              unix socket for edgerelayctl, mode 0660 (the directory is created)
  <socket dir>/<instance>.peers   stable peer ids and peers added with `edgerelayctl add-peer`
  dht.state_file              DHT routing-table nodes, so a restart needs no bootstrap relay

signals:
  SIGHUP           reload the configuration: peers and routes are added, changed, removed
  SIGTERM, SIGINT  exit; the dataplane keeps forwarding with the keys it has

exit status:
  0 clean exit   1 start-up failure (keys, socket, DHT port)   2 invalid configuration
  3 the dataplane speaks another ABI version (upgrade both processes together)
)";

void on_signal(int sig)
{
    if (sig == SIGHUP) {
        control_daemon::request_reload();
    } else {
        control_daemon::request_stop();
    }
}

const char* drop_name(std::size_t slot)
{
    if (slot >= edgerelay::dp::drop_reason_count) {
        return nullptr;
    }
    return edgerelay::dp::drop_reason_name(static_cast<edgerelay::dp::drop_reason>(slot));
}

} // namespace

int main(int argc, char** argv)
{
    std::string config_path;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            std::fputs(usage_text, stdout);
            return 0;
        }
        if (a == "--version") {
            std::printf("edgerelay-controlplane %s\n", edgerelay::version());
            return 0;
        }
        if (a == "--config" && i + 1 < argc) {
            config_path = argv[++i];
        } else if (a.starts_with("--config=")) {
            config_path = a.substr(9);
        } else {
            std::fprintf(stderr,
                         "edgerelay-controlplane: unknown argument \"%s\"; usage: "
                         "edgerelay-controlplane --config FILE (see --help)\n",
                         a.c_str());
            return 2;
        }
    }
    if (config_path.empty()) {
        std::fprintf(stderr, "edgerelay-controlplane: --config FILE is required (see --help)\n");
        return 2;
    }

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGHUP, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);

    try {
        control_daemon d(config_path, drop_name);
        return d.run();
    } catch (const edgerelay::config::config_error& e) {
        std::fprintf(stderr, "edgerelay-controlplane: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "edgerelay-controlplane: %s\n", e.what());
        return 1;
    }
}
