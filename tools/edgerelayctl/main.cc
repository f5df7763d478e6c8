// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelayctl: the operator's command line for keys, wg-quick import and a running relay.
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "common/config/config.hh"
#include "controlplane/process/protocol.hh"
#include "tools/edgerelayctl/commands.hh"

namespace {

namespace proc = edgerelay::cp::process;

constexpr const char* usage_text = R"(usage: edgerelayctl [--socket PATH | --config FILE] COMMAND [ARGS] [--json]

Keys and configuration (no running relay needed):
  genkey                      print a new private key (like `wg genkey`)
  pubkey                      read a private key on stdin, print its public key (`wg pubkey`)
  import FILE [-o OUT] [--key-file PATH]
                              turn a wg-quick file (wg0.conf) into edgerelay YAML; its
                              PrivateKey goes to a separate file created with umask 077

A running relay, over its control socket:
  show                        interface and peers, like `wg show`
  peers                       one line per peer
  routes                      routes and their next hops
  stats                       per-worker packet counters and drops by reason
  add-peer KEY [endpoint HOST:PORT] [allowed-ips A,B] [psk FILE] [keepalive N] [name N]
  remove-peer KEY|NAME
  drain [on|off]              stop (or resume) accepting new handshakes

options:
  --socket PATH   the control socket (default: control_socket of --config, else
                  /run/edgerelay/edgerelay.sock)
  --config FILE   read the socket path from this configuration
  --json          machine-readable output (read commands)
  --help          this text; `edgerelayctl COMMAND --help` explains one command

examples:
  umask 077; edgerelayctl genkey > /etc/edgerelay/private.key
  edgerelayctl pubkey < /etc/edgerelay/private.key
  edgerelayctl import /etc/wireguard/wg0.conf -o /etc/edgerelay/edgerelay.yaml
  edgerelayctl --config /etc/edgerelay/edgerelay.yaml show
  edgerelayctl add-peer xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg= \
      endpoint 192.0.2.7:51820 allowed-ips 10.0.0.2/32,fd00::2/128 keepalive 25
)";

void command_help(const std::string& cmd)
{
    if (cmd == "genkey") {
        std::puts("usage: edgerelayctl genkey\n\nPrints a new X25519 private key in base64. Keep "
                  "it private: `umask 077; edgerelayctl genkey > private.key`.");
    } else if (cmd == "pubkey") {
        std::puts("usage: edgerelayctl pubkey < private.key\n\nReads a private key on stdin and "
                  "prints the public key to give to peers.");
    } else if (cmd == "import") {
        std::puts("usage: edgerelayctl import FILE [-o OUT] [--key-file PATH]\n\n"
                  "Converts a wg-quick file to edgerelay YAML (stdout, or OUT). [Interface] "
                  "Address becomes\nthe TUN address plus a `via: local` route; each [Peer] a "
                  "static peer. The PrivateKey is\nwritten to PATH (default <OUT dir or "
                  ".>/<instance>.key, mode 0600, never overwritten)\nand the YAML's "
                  "identity.private_key_file points at it.");
    } else if (const auto* c = proc::find_command(cmd)) {
        std::printf("usage: edgerelayctl [--socket PATH | --config FILE] %s\n\n%s.\n", c->usage,
                    c->summary);
        if (cmd == "add-peer") {
            std::puts("\nKEY is the peer's public key. psk FILE is a `wg genpsk` file (mode "
                      "0600) the control plane\nreads. The peer is kept across control plane "
                      "restarts; add it to the configuration to make\nit permanent.");
        } else if (cmd == "drain") {
            std::puts("\nDraining is done by the control plane: new handshake initiations are "
                      "refused and add-peer\nis disabled; sessions already up keep forwarding "
                      "until their keys expire (at most 180 s\nafter their last handshake). "
                      "`drain off` resumes.");
        } else if (cmd != "add-peer" && cmd != "remove-peer") {
            std::puts("--json prints one line of JSON instead.");
        }
    } else {
        std::fprintf(stderr, "edgerelayctl: unknown command \"%s\"; see edgerelayctl --help\n",
                     cmd.c_str());
    }
}

} // namespace

int main(int argc, char** argv)
{
    std::string socket_opt, config_opt;
    std::vector<std::string> words;
    bool json = false;
    bool help = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if ((a == "--socket" || a == "--config") && i + 1 < argc) {
            (a == "--socket" ? socket_opt : config_opt) = argv[++i];
        } else if (a == "--socket" || a == "--config") {
            std::fprintf(stderr, "edgerelayctl: %s needs a value\n", a.c_str());
            return 2;
        } else if (a == "--json") {
            json = true;
        } else if (a == "--help" || a == "-h") {
            help = true;
        } else {
            words.push_back(a);
        }
    }
    if (words.empty()) {
        std::fputs(usage_text, help ? stdout : stderr);
        return help ? 0 : 2;
    }
    const std::string cmd = words[0];
    if (help || cmd == "help") {
        if (cmd == "help" && words.size() < 2) {
            std::fputs(usage_text, stdout);
        } else {
            command_help(cmd == "help" ? words[1] : cmd);
        }
        return 0;
    }
    if (cmd == "genkey") {
        return edgerelay::ctl::genkey(std::cout);
    }
    if (cmd == "pubkey") {
        return edgerelay::ctl::pubkey(std::cin, std::cout, std::cerr);
    }
    if (cmd == "import") {
        std::string in, out, key;
        for (std::size_t i = 1; i < words.size(); ++i) {
            if (words[i] == "-o" && i + 1 < words.size()) {
                out = words[++i];
            } else if (words[i] == "--key-file" && i + 1 < words.size()) {
                key = words[++i];
            } else if (in.empty()) {
                in = words[i];
            } else {
                std::fprintf(stderr, "edgerelayctl import: unexpected \"%s\"; usage: "
                                     "edgerelayctl import FILE [-o OUT] [--key-file PATH]\n",
                             words[i].c_str());
                return 2;
            }
        }
        if (in.empty()) {
            std::fputs("edgerelayctl import: which wg-quick file? usage: edgerelayctl import "
                       "FILE [-o OUT] [--key-file PATH]\n",
                       stderr);
            return 2;
        }
        return edgerelay::ctl::import_wg(in, out, key, std::cout, std::cerr);
    }
    if (proc::find_command(cmd) == nullptr) {
        std::fprintf(stderr, "edgerelayctl: unknown command \"%s\"; see edgerelayctl --help\n",
                     cmd.c_str());
        return 2;
    }
    proc::request req;
    req.command = cmd;
    req.args.assign(words.begin() + 1, words.end());
    req.json = json;
    std::string path;
    try {
        path = edgerelay::ctl::socket_path(socket_opt, config_opt);
    } catch (const edgerelay::config::config_error& e) {
        std::fprintf(stderr, "edgerelayctl: %s\n", e.what());
        return 2;
    }
    std::string error;
    auto r = edgerelay::ctl::exchange(path, req, error);
    if (!r) {
        std::fprintf(stderr, "edgerelayctl: %s\n", error.c_str());
        return 1;
    }
    if (!r->ok()) {
        std::fprintf(stderr, "edgerelayctl %s: %s\n", cmd.c_str(), r->body().c_str());
        return 1;
    }
    if (!r->body().empty()) {
        std::cout << r->body() << "\n";
    }
    return 0;
}
