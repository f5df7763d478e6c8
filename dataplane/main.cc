// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// edgerelay-dataplane: the process. Reads the `dataplane:` section of the config, starts DPDK's
// EAL, opens the ports (DPDK ethdev or io_uring), creates the shared-memory segment, pins one
// worker per core and runs the applier on the main lcore until SIGTERM.
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_launch.h>
#include <rte_lcore.h>

#include "common/abi/segment.hh"
#include "common/build_info.hh"
#include "common/config/config.hh"
#include "dataplane/applier.hh"
#include "dataplane/tables/table_set.hh"
#include "dataplane/worker.hh"
#include "drivers/layout.hh"
#include "drivers/pkt_meta.hh"
#if EDGERELAY_HAVE_DPDK_DRIVER
#include "drivers/dpdk/dpdk_port.hh"
#endif
#if EDGERELAY_HAVE_URING_DRIVER
#include "drivers/io_uring/tun_port.hh"
#include "drivers/io_uring/udp_port.hh"
#endif

namespace edgerelay::dp {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<bool> g_reload{false};

void on_signal(int sig)
{
    if (sig == SIGHUP) {
        g_reload.store(true);
    } else {
        g_stop.store(true);
    }
}

void usage()
{
    std::printf(R"(Usage: edgerelay-dataplane --config FILE [options]

The edgerelay dataplane: forwards WireGuard transport traffic between peers at line rate,
one pinned worker per core, programmed by edgerelay-controlplane through the shared-memory
segment /edgerelay-<instance>. It reads only the `dataplane:` section (plus instance,
listen_port and mtu) of the YAML file both processes share; see config/edgerelay.yaml.

Options:
  --config FILE    the configuration file (required)
  --instance NAME  override `instance` (names the segment /edgerelay-NAME)
  --busy-poll      never sleep when idle (lowest latency; burns the worker cores). By default
                   an idle worker backs off with short sleeps after ~1 ms without packets,
                   so several relays can share a small machine.
  --stats-interval S  print one line of live counters every S seconds (rx/tx packets and
                   rates, drops, keepalives, worker busy ratio), read from the segment
  --check          load and check the configuration, print the plan, and exit
  --version        print the version
  -h, --help       this text

Drivers (dataplane.driver):
  dpdk      DPDK ethdev ports from dataplane.ports (PCI, or vdevs such as net_af_packet,
            net_af_xdp, net_memif, net_tap with their devargs). Needs hugepages unless
            dataplane.hugepages is false.
  io_uring  UDP sockets on listen_port (SO_REUSEPORT, one per worker) and an optional TUN
            device (dataplane.io_uring.tun) for the local access side.
  auto      dpdk when dataplane.ports is not empty, else io_uring.

Signals: SIGTERM/SIGINT drain and exit (the segment is removed); SIGHUP re-reads the
configuration and reports which dataplane settings need a restart.

Exit status: 0 clean exit, 2 configuration error, 3 start-up failure (the message says why).
)");
}

struct options {
    std::string config_path;
    std::string instance;
    bool busy_poll = false;
    bool check = false;
    double stats_interval = 0;
};

std::optional<options> parse_args(int argc, char** argv)
{
    options o;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto value = [&](const char* name) -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "edgerelay-dataplane: %s needs a value (see --help)\n", name);
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--config") {
            o.config_path = value("--config");
        } else if (a == "--instance") {
            o.instance = value("--instance");
        } else if (a == "--busy-poll") {
            o.busy_poll = true;
        } else if (a == "--stats-interval") {
            o.stats_interval = std::stod(value("--stats-interval"));
        } else if (a == "--check") {
            o.check = true;
        } else if (a == "--version") {
            std::printf("edgerelay-dataplane %s\n", version());
            std::exit(0);
        } else if (a == "-h" || a == "--help") {
            usage();
            std::exit(0);
        } else {
            std::fprintf(stderr, "edgerelay-dataplane: unknown option '%s' (see --help)\n", a.c_str());
            std::exit(2);
        }
    }
    if (o.config_path.empty()) {
        std::fprintf(stderr, "edgerelay-dataplane: --config FILE is required (see --help)\n");
        std::exit(2);
    }
    return o;
}

[[noreturn]] void fail(const std::string& why)
{
    std::fprintf(stderr, "edgerelay-dataplane: %s\n", why.c_str());
    std::exit(3);
}

uint64_t free_hugepages_2m()
{
    std::ifstream in("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
    uint64_t n = 0;
    in >> n;
    return n;
}

// One worker thread's state: the worker itself lives on its lcore's stack frame owner.
struct worker_slot_state {
    std::unique_ptr<worker> w;
    std::unique_ptr<worker_event_queue> events;
    unsigned lcore = 0;
};

int worker_main(void* arg)
{
    static_cast<worker*>(arg)->run(g_stop);
    return 0;
}

class dataplane_process {
public:
    dataplane_process(const config::config& cfg, const options& opt) : _cfg(cfg), _opt(opt) {}

    void start();
    void run();
    void stop();

private:
    void plan_layout();
    std::vector<std::string> eal_args() const;
    void open_ports();
    void start_workers();
    void print_stats();

    const config::config& _cfg;
    options _opt;
    bool _use_dpdk = false;
    drv::core_layout _layout;
    unsigned _main_pu = 0;
    std::vector<std::unique_ptr<drv::port>> _ports;
    std::vector<worker_port> _wports;
    uint16_t _access_port = no_port;
    std::unique_ptr<table_set> _tables;
    std::optional<abi::segment> _seg;
    std::unique_ptr<applier> _app;
    std::vector<worker_slot_state> _workers;
    rte_mempool* _pool = nullptr;
    uint16_t _n_workers = 1;
    uint64_t _last_stats_tsc = 0;
    uint64_t _last_rx = 0, _last_tx = 0;
};

// Totals over the workers' stats blocks in the segment (the same numbers the control plane
// reads), with rates since the previous line.
void dataplane_process::print_stats()
{
    uint64_t rx = 0, tx = 0, drops = 0, busy = 0, idle = 0;
    for (uint16_t i = 0; i < _n_workers; i++) {
        abi::worker_stats& s = _seg->stats(i);
        rx += s.rx_packets.load(std::memory_order_relaxed);
        tx += s.tx_packets.load(std::memory_order_relaxed);
        busy += s.busy_cycles.load(std::memory_order_relaxed);
        idle += s.idle_cycles.load(std::memory_order_relaxed);
        for (auto& d : s.drops) {
            drops += d.load(std::memory_order_relaxed);
        }
    }
    const uint64_t now = rte_rdtsc();
    const double dt = static_cast<double>(now - _last_stats_tsc) / static_cast<double>(rte_get_tsc_hz());
    std::printf("stats: rx=%lu tx=%lu drops=%lu rx_pps=%.0f tx_pps=%.0f busy=%.1f%%\n", rx, tx,
                drops, static_cast<double>(rx - _last_rx) / dt, static_cast<double>(tx - _last_tx) / dt,
                busy + idle ? 100.0 * static_cast<double>(busy) / static_cast<double>(busy + idle) : 0.0);
    std::fflush(stdout);
    _last_stats_tsc = now;
    _last_rx = rx;
    _last_tx = tx;
}

void dataplane_process::plan_layout()
{
    const auto& d = _cfg.dataplane;
    _use_dpdk = d.driver == config::driver_kind::dpdk ||
                (d.driver == config::driver_kind::auto_select && !d.ports.empty());
    drv::layout_request req;
    req.max_workers = d.cores.empty() ? d.workers : 0;
    req.cores.assign(d.cores.begin(), d.cores.end());
    _layout = drv::pick_worker_cores(req);
    if (_layout.workers.empty()) {
        fail("no core available for a worker: check dataplane.cores");
    }
    _n_workers = static_cast<uint16_t>(_layout.workers.size());
    // The applier (main lcore) goes on a PU no worker uses when there is one; on a 2-core
    // machine it shares, which is fine: it sleeps when there is nothing to apply.
    unsigned n_cpu = std::thread::hardware_concurrency();
    _main_pu = _layout.workers[0].pu;
    for (unsigned pu = 0; pu < n_cpu; pu++) {
        bool used = false;
        for (auto& w : _layout.workers) {
            used |= w.pu == pu;
        }
        if (!used) {
            _main_pu = pu;
            break;
        }
    }
    std::printf("edgerelay-dataplane %s: instance %s, driver %s, %u worker(s)\n%s", version(),
                _cfg.instance.c_str(), _use_dpdk ? "dpdk" : "io_uring", _n_workers,
                drv::describe(_layout).c_str());
    std::printf("applier → PU %u\n", _main_pu);
}

std::vector<std::string> dataplane_process::eal_args() const
{
    const auto& d = _cfg.dataplane;
    std::vector<std::string> a{"edgerelay-dataplane"};
    // lcore 0 is the applier, lcores 1..N the workers, each mapped to its PU.
    std::string lcores = "0@" + std::to_string(_main_pu);
    for (auto& w : _layout.workers) {
        lcores += "," + std::to_string(w.worker + 1) + "@" + std::to_string(w.pu);
    }
    a.insert(a.end(), {"--lcores", lcores});
    if (d.hugepages) {
        a.push_back("--in-memory"); // no multi-process feature is used: keep no files
    } else {
        a.insert(a.end(), {"--no-huge", "-m", "1536", "--no-shconf"});
    }
    bool pci = false;
    if (_use_dpdk) {
        for (auto& p : d.ports) {
            if (p.name.find(':') != std::string::npos) {
                pci = true;
            } else {
                a.insert(a.end(), {"--vdev", p.devargs.empty() ? p.name : p.name + "," + p.devargs});
            }
        }
    }
    if (!pci) {
        a.push_back("--no-pci");
    }
    a.push_back("--log-level=*:warning");
    a.insert(a.end(), d.eal_args.begin(), d.eal_args.end());
    return a;
}

void dataplane_process::open_ports()
{
    const auto& d = _cfg.dataplane;
    if (_use_dpdk) {
#if EDGERELAY_HAVE_DPDK_DRIVER
        for (size_t i = 0; i < d.ports.size(); i++) {
            const auto& pc = d.ports[i];
            drv::port_config c;
            c.name = pc.name;
            c.kind = pc.role == config::port_role::underlay ? drv::port_kind::underlay_eth
                                                             : drv::port_kind::access_eth;
            c.index = static_cast<uint16_t>(i);
            c.n_queues = _n_workers;
            c.mtu = static_cast<uint16_t>(_cfg.mtu + 80);
            auto port = drv::dpdk_port::open(c);
            worker_port wp;
            wp.port = port.get();
            auto mac = port->mac();
            std::memcpy(wp.mac, mac.data(), 6);
            if (pc.gateway_mac) {
                std::memcpy(wp.gateway_mac, pc.gateway_mac->data(), 6);
            }
            if (pc.address) {
                auto& ep = wp.address[pc.address->family == 6];
                ep.family = pc.address->family;
                std::memcpy(ep.addr, pc.address->addr, 16);
                ep.port = _cfg.listen_port;
            }
            if (c.kind == drv::port_kind::access_eth) {
                _access_port = static_cast<uint16_t>(i);
            }
            auto ls = port->link_status();
            std::printf("port %zu: %s (%s) link %s %u Mb/s\n", i, port->name(),
                        pc.role == config::port_role::underlay ? "underlay" : "access",
                        ls.up ? "up" : "down", ls.speed_mbps);
            _pool = port->pool();
            _wports.push_back(wp);
            _ports.push_back(std::move(port));
        }
#else
        fail("this build has no DPDK driver (rebuild with -Ddpdk=enabled) or use driver: io_uring");
#endif
        return;
    }
#if EDGERELAY_HAVE_URING_DRIVER
    _pool = drv::pkt_pool_create("er_pool", 16383, static_cast<int>(rte_socket_id()));
    if (_pool == nullptr) {
        fail("cannot create the packet pool: not enough memory for DPDK (see dataplane.hugepages)");
    }
    drv::uring_udp_config u;
    u.family = d.io_uring.family == config::ip_family::ipv4   ? drv::udp_family::ipv4
               : d.io_uring.family == config::ip_family::ipv6 ? drv::udp_family::ipv6
                                                              : drv::udp_family::dual;
    if (d.io_uring.bind.family != 0) {
        char buf[64];
        inet_ntop(d.io_uring.bind.family == 4 ? AF_INET : AF_INET6, d.io_uring.bind.addr, buf, sizeof buf);
        u.bind_address = buf;
    }
    u.listen_port = _cfg.listen_port;
    u.n_queues = _n_workers;
    u.port_index = 0;
    u.pool = _pool;
    auto udp = std::make_unique<drv::uring_udp_port>(u);
    std::printf("port 0: %s (underlay, %s)\n", udp->name(), udp->mode());
    worker_port wp;
    wp.port = udp.get();
    _wports.push_back(wp);
    _ports.push_back(std::move(udp));
    if (d.io_uring.tun) {
        drv::uring_tun_config t;
        t.ifname = d.io_uring.tun->name;
        t.n_queues = _n_workers;
        t.port_index = 1;
        t.pool = _pool;
        t.mtu = _cfg.mtu;
        auto tun = std::make_unique<drv::uring_tun_port>(t);
        for (auto& pfx : d.io_uring.tun->addresses) {
            char buf[64];
            inet_ntop(pfx.family == 4 ? AF_INET : AF_INET6, pfx.addr, buf, sizeof buf);
            std::string cmd = "ip addr add " + std::string(buf) + "/" + std::to_string(pfx.len) +
                              " dev " + t.ifname;
            if (std::system(cmd.c_str()) != 0) {
                fail("cannot configure the TUN address (" + cmd + ")");
            }
        }
        std::printf("port 1: %s (access, %s)\n", tun->name(), tun->mode());
        worker_port tp;
        tp.port = tun.get();
        _access_port = 1;
        _wports.push_back(tp);
        _ports.push_back(std::move(tun));
    }
#else
    fail("this build has no io_uring driver (liburing >= 2.3 missing)");
#endif
}

void dataplane_process::start()
{
    const auto& d = _cfg.dataplane;
    plan_layout();
    if (d.hugepages && _use_dpdk && free_hugepages_2m() == 0) {
        fail("no free 2 MiB hugepages: reserve some (echo 512 > "
             "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages; mount -t hugetlbfs nodev "
             "/dev/hugepages) or set dataplane.hugepages: false");
    }
    auto args = eal_args();
    std::vector<char*> argv;
    for (auto& s : args) {
        argv.push_back(s.data());
    }
    if (rte_eal_init(static_cast<int>(argv.size()), argv.data()) < 0) {
        fail(std::string("DPDK EAL start failed: ") + rte_strerror(rte_errno) +
             " (a core already taken by another process, no hugepages, or bad eal_args)");
    }

    table_set_config tc;
    tc.name = "er";
    tc.max_peers = d.max_peers;
    tc.max_keypairs = d.max_peers * 3;
    tc.max_routes4 = d.max_routes;
    tc.max_routes6 = d.max_routes;
    tc.max_allowed4 = d.max_routes;
    tc.max_allowed6 = d.max_routes;
    tc.max_readers = _n_workers;
    _tables = table_set::create(tc);
    if (!_tables) {
        fail("cannot create the forwarding tables (not enough DPDK memory for max_peers/max_routes)");
    }
    open_ports();

    abi::limits lim;
    lim.max_peers = d.max_peers;
    lim.max_ports = static_cast<uint16_t>(_ports.size());
    lim.workers = _n_workers;
    std::string seg_name = abi::segment::name_for(_opt.instance.empty() ? _cfg.instance : _opt.instance);
    _seg.emplace(abi::segment::create(seg_name, lim));
    std::printf("segment %s created (generation %lu)\n", seg_name.c_str(),
                static_cast<unsigned long>(_seg->header().generation.load()));

    applier_config ac;
    ac.max_peers = d.max_peers;
    ac.n_workers = _n_workers;
    ac.n_ports = static_cast<uint16_t>(_ports.size());
    for (size_t i = 0; i < _wports.size() && i < max_ports; i++) {
        ac.ports[i].ethernet = _ports[i]->kind() == drv::port_kind::underlay_eth;
        std::memcpy(ac.ports[i].mac, _wports[i].mac, 6);
        std::memcpy(ac.ports[i].gateway_mac, _wports[i].gateway_mac, 6);
        ac.ports[i].address[0] = _wports[i].address[0];
        ac.ports[i].address[1] = _wports[i].address[1];
    }
    _app = std::make_unique<applier>(*_tables, *_seg, ac);
    start_workers();
    _seg->header().dp_flags.fetch_or(abi::dp_flag_ready, std::memory_order_release);
    std::printf("ready\n");
    std::fflush(stdout);
}

void dataplane_process::start_workers()
{
    _workers.resize(_n_workers);
    for (uint16_t i = 0; i < _n_workers; i++) {
        worker_config wc;
        wc.id = i;
        wc.overlay_port = _cfg.listen_port;
        wc.mtu = static_cast<uint16_t>(_cfg.mtu);
        wc.max_peers = _cfg.dataplane.max_peers;
        wc.ports = _wports;
        wc.access_port = _access_port;
        wc.idle_sleep = !_opt.busy_poll;
        auto& s = _workers[i];
        s.events = std::make_unique<worker_event_queue>();
        s.w = std::make_unique<worker>(wc, *_tables, *_seg, *_app, *s.events);
        s.w->set_pool(_pool);
        s.lcore = i + 1u;
        if (rte_eal_remote_launch(worker_main, s.w.get(), s.lcore) != 0) {
            fail("cannot launch worker " + std::to_string(i) + " on lcore " + std::to_string(s.lcore));
        }
    }
}

void dataplane_process::run()
{
    dp_event ev;
    while (!g_stop.load()) {
        uint64_t now = rte_rdtsc();
        unsigned work = _app->poll_commands(256, now);
        for (uint16_t i = 0; i < _n_workers; i++) {
            while (_workers[i].events->pop(ev)) {
                _app->on_worker_event(i, ev);
                work++;
            }
        }
        _app->tick(now);
        if (_opt.stats_interval > 0 &&
            now - _last_stats_tsc > static_cast<uint64_t>(_opt.stats_interval * static_cast<double>(rte_get_tsc_hz()))) {
            print_stats();
        }
        if (g_reload.exchange(false)) {
            std::printf("SIGHUP: re-reading %s\n", _opt.config_path.c_str());
            try {
                auto fresh = config::load(_opt.config_path);
                if (fresh.dataplane == _cfg.dataplane && fresh.listen_port == _cfg.listen_port) {
                    std::printf("dataplane section unchanged\n");
                } else {
                    std::printf("dataplane section changed: ports, cores, driver and table sizes "
                                "take effect after a restart (headless restart keeps sessions)\n");
                }
            } catch (const std::exception& e) {
                std::fprintf(stderr, "SIGHUP: configuration refused, keeping the running one: %s\n",
                             e.what());
            }
            std::fflush(stdout);
        }
        if (work == 0) {
            // The applier is not a worker: it may sleep, and must not steal a shared core.
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
}

void dataplane_process::stop()
{
    std::printf("stopping: draining workers\n");
    g_stop.store(true);
    rte_eal_mp_wait_lcore();
    // Final counters, one line per worker, so scripts and operators can check totals.
    for (uint16_t i = 0; i < _n_workers; i++) {
        const worker_counters& c = _workers[i].w->counters();
        std::printf("worker %u: rx_packets=%lu tx_packets=%lu decrypted=%lu encrypted=%lu "
                    "punted=%lu keepalives_rx=%lu drops=%lu\n",
                    i, c.rx_packets, c.tx_packets, c.decrypted, c.encrypted, c.punted,
                    c.keepalives_rx, c.drops_total);
        for (size_t r = 0; r < drop_reason_count; r++) {
            if (c.drops[r] != 0) {
                std::printf("worker %u: drop %s=%lu\n", i,
                            drop_reason_name(static_cast<drop_reason>(r)), c.drops[r]);
            }
        }
    }
    _seg->header().dp_flags.fetch_or(abi::dp_flag_closing, std::memory_order_release);
    _app.reset();
    _workers.clear();
    _ports.clear();
    _seg.reset();
    _tables.reset();
    rte_eal_cleanup();
    std::printf("stopped\n");
}

} // namespace
} // namespace edgerelay::dp

int main(int argc, char** argv)
{
    using namespace edgerelay;
    auto opt = dp::parse_args(argc, argv);
    config::config cfg;
    try {
        cfg = config::load(opt->config_path);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "edgerelay-dataplane: %s\n", e.what());
        return 2;
    }
    if (opt->check) {
        std::printf("%s: configuration ok\n", opt->config_path.c_str());
        return 0;
    }
    std::signal(SIGTERM, dp::on_signal);
    std::signal(SIGINT, dp::on_signal);
    std::signal(SIGHUP, dp::on_signal);
    try {
        dp::dataplane_process p(cfg, *opt);
        p.start();
        p.run();
        p.stop();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "edgerelay-dataplane: %s\n", e.what());
        return 3;
    }
    return 0;
}
