// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// DPDK ethdev port: start-up configuration (may throw) and the burst fast path (noexcept).
#include "drivers/dpdk/dpdk_port.hh"

#include <algorithm>
#include <cstdio>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_pci.h>

#include "drivers/pkt_meta.hh"

namespace edgerelay::drv {
namespace {

[[noreturn]] void fail(const std::string& msg)
{
    throw std::runtime_error(msg);
}

const std::string hugepage_fix =
    "no free hugepages (reserve some: echo 512 > "
    "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)";

std::string eal_hint(int err)
{
    switch (err) {
    case EACCES:
        return "permission denied: run as root, or grant CAP_SYS_ADMIN, CAP_IPC_LOCK and "
               "access to /dev/hugepages and /dev/vfio";
    case ENOMEM:
        return hugepage_fix + ", or pass --no-huge -m <MB> for a test run";
    case EINVAL:
        return "invalid EAL arguments: check the dpdk.eal_args in the config";
    case ENODEV:
        return "memory setup failed: check the hugepage mount and --socket-mem/-m";
    case EPROTO:
        return "the PCI bus cannot be read: mount sysfs, or pass --no-pci with vdevs only";
    case ENOTSUP:
        return "EAL cannot initialise on this system (missing CPU features or a failed "
               "device probe; see the EAL log above)";
    case EAGAIN:
        return "a bus or system resource is temporarily unavailable: retry";
    default:
        return "see the EAL log above";
    }
}

// Packet pools are per NUMA socket and shared by every port on it: one pool per socket
// keeps buffers local to the NIC's memory controller and bounds memory use.
struct pool_entry {
    rte_mempool* mp;
    unsigned capacity;
    unsigned reserved; // mbufs the open ports' rings and caches may hold
};

std::mutex g_lock; // start-up only; never taken on the fast path
std::map<int, pool_entry> g_pools;
std::set<uint16_t> g_open_ports;

std::string socket_text(int socket)
{
    return socket < 0 ? std::string("any") : std::to_string(socket);
}

// Caller holds g_lock.
pool_entry& pool_for_socket_locked(int socket, unsigned n_mbufs)
{
    if (auto it = g_pools.find(socket); it != g_pools.end()) {
        return it->second;
    }
    std::string pool_name = "er_pkt_s" + socket_text(socket);
    rte_mempool* mp = rte_mempool_lookup(pool_name.c_str());
    if (mp == nullptr) {
        mp = pkt_pool_create(pool_name.c_str(), n_mbufs, socket < 0 ? SOCKET_ID_ANY : socket);
    }
    if (mp == nullptr) {
        int err = rte_errno;
        std::string why = err == ENOMEM ? hugepage_fix
                                        : std::string(rte_strerror(err)) +
                                              " (is EAL initialised with enough memory?)";
        fail("cannot create mbuf pool on socket " + socket_text(socket) + " (" +
             std::to_string(n_mbufs) + " mbufs): " + why);
    }
    return g_pools.emplace(socket, pool_entry{mp, mp->size, 0}).first->second;
}

std::string known_ports()
{
    std::string s;
    uint16_t pid = 0;
    RTE_ETH_FOREACH_DEV(pid)
    {
        char n[RTE_ETH_NAME_MAX_LEN];
        if (rte_eth_dev_get_name_by_port(pid, n) == 0) {
            s += s.empty() ? "" : ", ";
            s += n;
        }
    }
    return s.empty() ? "none" : s;
}

// Ports of the device the operator named; some drivers name their ethdev differently from
// the device (net_ring prefixes it), so match on the rte_device's name as well.
bool find_by_device(const std::string& dev_name, uint16_t& out)
{
    uint16_t pid = 0;
    RTE_ETH_FOREACH_DEV(pid)
    {
        rte_eth_dev_info info{};
        if (rte_eth_dev_info_get(pid, &info) == 0 && info.device != nullptr &&
            dev_name == rte_dev_name(info.device)) {
            out = pid;
            return true;
        }
    }
    return false;
}

uint16_t find_port(const std::string& name)
{
    uint16_t pid = 0;
    if (rte_eth_dev_get_port_by_name(name.c_str(), &pid) == 0 || find_by_device(name, pid)) {
        return pid;
    }
    // PCI devices are registered under the full domain:bus:dev.fn form; accept "3b:00.0".
    rte_pci_addr addr{};
    if (rte_pci_addr_parse(name.c_str(), &addr) == 0) {
        char canon[PCI_PRI_STR_SIZE];
        rte_pci_device_name(&addr, canon, sizeof(canon));
        if (rte_eth_dev_get_port_by_name(canon, &pid) == 0 || find_by_device(canon, pid)) {
            return pid;
        }
    }
    fail("port '" + name + "' not found: check the vdev arguments (--vdev " + name +
         ",...) or, for a PCI NIC, that it is bound to vfio-pci and allowed (-a " + name +
         "); known ports: " + known_ports());
}

std::string rc_text(int rc)
{
    return std::string(rte_strerror(rc < 0 ? -rc : rc));
}

} // namespace

bool eal_init(std::vector<std::string> args)
{
    if (args.empty()) {
        args.emplace_back("edgerelay");
    }
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    int rc = rte_eal_init(static_cast<int>(args.size()), argv.data());
    if (rc >= 0) {
        return true;
    }
    int err = rte_errno;
    if (err == EALREADY) {
        // Either already up (tests start EAL in their environment) or a previous attempt
        // failed, which EAL does not allow to be retried. Tell the two apart.
        if (rte_eal_process_type() != RTE_PROC_INVALID && rte_lcore_count() > 0) {
            return false;
        }
        fail("EAL init failed: a previous attempt in this process failed and EAL cannot be "
             "retried: restart the process after fixing the first error");
    }
    fail("EAL init failed: " + std::string(rte_strerror(err)) + ": " + eal_hint(err));
}

std::unique_ptr<dpdk_port> dpdk_port::open(const port_config& cfg)
{
    if (cfg.kind != port_kind::underlay_eth && cfg.kind != port_kind::access_eth) {
        fail("port '" + cfg.name + "': a DPDK port carries Ethernet frames: kind must be "
             "underlay_eth or access_eth");
    }
    if (cfg.n_queues == 0) {
        fail("port '" + cfg.name + "': n_queues must be at least 1 (one per worker)");
    }
    const uint16_t pid = find_port(cfg.name);
    const std::string who = "port '" + cfg.name + "'";

    std::unique_ptr<dpdk_port> p(new dpdk_port());
    p->_name = "dpdk:" + cfg.name;
    p->_kind = cfg.kind;
    p->_port_id = pid;
    p->_index = cfg.index == 0xffff ? pid : cfg.index;
    p->_n_queues = cfg.n_queues;
    p->_socket = rte_eth_dev_socket_id(pid);

    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(pid, &info); rc != 0) {
        fail(who + ": cannot read device info: " + rc_text(rc));
    }
    if (cfg.n_queues > info.max_rx_queues || cfg.n_queues > info.max_tx_queues) {
        fail(who + " (driver " + info.driver_name + ") supports at most " +
             std::to_string(std::min(info.max_rx_queues, info.max_tx_queues)) +
             " queue pairs, " + std::to_string(cfg.n_queues) +
             " requested: lower the number of workers or add queues to the device");
    }
    if (cfg.mtu < info.min_mtu || cfg.mtu > info.max_mtu) {
        fail(who + ": MTU " + std::to_string(cfg.mtu) + " outside the device's range " +
             std::to_string(info.min_mtu) + ".." + std::to_string(info.max_mtu));
    }

    rte_eth_conf conf{};
    conf.rxmode.mtu = cfg.mtu;
    if (cfg.n_queues > 1) {
        // Hash the outer addresses and UDP ports: every WireGuard session (one 5-tuple)
        // lands on one queue, so its replay window and counters stay on one core.
        const uint64_t want = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP;
        const uint64_t hf = want & info.flow_type_rss_offloads;
        if (hf != 0) {
            conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
            conf.rx_adv_conf.rss_conf.rss_hf = hf;
            p->_rss = true;
        } else {
            p->_notes.push_back(who + " (driver " + std::string(info.driver_name) +
                                ") has no RSS: every packet arrives on queue 0 and other "
                                "workers must hand flows off");
        }
    }
    const uint64_t tx_ck = RTE_ETH_TX_OFFLOAD_IPV4_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
    if ((info.tx_offload_capa & tx_ck) == tx_ck) {
        conf.txmode.offloads |= tx_ck;
        p->_tx_cksum = true;
    }
    const uint64_t rx_ck = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM;
    if ((info.rx_offload_capa & rx_ck) == rx_ck) {
        conf.rxmode.offloads |= rx_ck;
        p->_rx_cksum = true;
    }

    {
        std::lock_guard guard(g_lock);
        if (g_open_ports.contains(pid)) {
            fail(who + " is already open: list each port once");
        }
        uint16_t nb_rx = cfg.rx_ring;
        uint16_t nb_tx = cfg.tx_ring;
        if (int rc = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rx, &nb_tx); rc != 0) {
            fail(who + ": ring sizes " + std::to_string(cfg.rx_ring) + "/" +
                 std::to_string(cfg.tx_ring) + " rejected: " + rc_text(rc));
        }

        pool_entry& pool = pool_for_socket_locked(p->_socket, cfg.pool_mbufs);
        // Full RX and TX rings plus the per-lcore caches on every queue.
        const unsigned need = cfg.n_queues * (nb_rx + nb_tx + pool.mp->cache_size);
        if (pool.reserved + need > pool.capacity) {
            fail(who + ": the packet pool on socket " + socket_text(p->_socket) + " has " +
                 std::to_string(pool.capacity) + " mbufs but the open ports' rings need " +
                 std::to_string(pool.reserved + need) +
                 ": raise pool_mbufs on the first port or shrink the rings");
        }
        if (int rc = rte_eth_dev_configure(pid, cfg.n_queues, cfg.n_queues, &conf); rc != 0) {
            fail(who + ": configure failed (" + std::to_string(cfg.n_queues) + " queues, MTU " +
                 std::to_string(cfg.mtu) + "): " + rc_text(rc));
        }
        p->_pool = pool.mp;

        const unsigned q_socket = p->_socket < 0 ? SOCKET_ID_ANY : p->_socket;
        rte_eth_rxconf rxconf = info.default_rxconf;
        rxconf.offloads = conf.rxmode.offloads;
        rte_eth_txconf txconf = info.default_txconf;
        txconf.offloads = conf.txmode.offloads;
        for (uint16_t q = 0; q < cfg.n_queues; ++q) {
            if (int rc = rte_eth_rx_queue_setup(pid, q, nb_rx, q_socket, &rxconf, pool.mp);
                rc != 0) {
                fail(who + ": RX queue " + std::to_string(q) + " setup failed: " + rc_text(rc));
            }
            if (int rc = rte_eth_tx_queue_setup(pid, q, nb_tx, q_socket, &txconf); rc != 0) {
                fail(who + ": TX queue " + std::to_string(q) + " setup failed: " + rc_text(rc));
            }
        }

        // The relay answers only its own MAC; promiscuous mode would feed it the segment's
        // traffic. Drivers without the knob (ENOTSUP) are not promiscuous to begin with.
        if (int rc = rte_eth_promiscuous_disable(pid); rc != 0 && rc != -ENOTSUP) {
            p->_notes.push_back(who + ": cannot disable promiscuous mode: " + rc_text(rc));
        }
        if (int rc = rte_eth_dev_start(pid); rc != 0) {
            fail(who + ": start failed: " + rc_text(rc));
        }
        // Only a started port is ours to close: a failed open leaves the device configured
        // but untouched otherwise, so a corrected open can retry.
        p->_started = true;
        p->_closed = false;
        pool.reserved += need;
        p->_pool_reserved = need;
        g_open_ports.insert(pid);
    }

    static constexpr const char* names[st_count] = {
        "rx_good_packets", "tx_good_packets",  "rx_good_bytes", "tx_good_bytes",
        "rx_missed_errors", "rx_errors",       "tx_errors",     "rx_mbuf_allocation_errors",
    };
    p->_have_xstat_ids = true;
    for (unsigned i = 0; i < st_count; ++i) {
        if (rte_eth_xstats_get_id_by_name(pid, names[i], &p->_xstat_ids[i]) != 0) {
            p->_have_xstat_ids = false;
        }
    }
    return p;
}

dpdk_port::~dpdk_port()
{
    close();
}

uint16_t dpdk_port::rx_burst(uint16_t queue, std::span<pkt*> pkts) noexcept
{
    const auto max = static_cast<uint16_t>(std::min<size_t>(pkts.size(), UINT16_MAX));
    const uint16_t n = rte_eth_rx_burst(_port_id, queue, pkts.data(), max);
    for (uint16_t i = 0; i < n; ++i) {
        meta(pkts[i]).port_index = _index;
    }
    return n;
}

uint16_t dpdk_port::tx_burst(uint16_t queue, std::span<pkt* const> pkts) noexcept
{
    const auto max = static_cast<uint16_t>(std::min<size_t>(pkts.size(), UINT16_MAX));
    // ethdev takes a non-const array but does not write to it.
    return rte_eth_tx_burst(_port_id, queue, const_cast<rte_mbuf**>(pkts.data()), max);
}

link_info dpdk_port::link_status() const noexcept
{
    rte_eth_link link{};
    if (rte_eth_link_get_nowait(_port_id, &link) != 0) {
        return {};
    }
    link_info li;
    li.up = link.link_status == RTE_ETH_LINK_UP;
    li.speed_mbps = link.link_speed == RTE_ETH_SPEED_NUM_UNKNOWN ? 0 : link.link_speed;
    li.full_duplex = link.link_duplex == RTE_ETH_LINK_FULL_DUPLEX;
    return li;
}

std::array<uint8_t, 6> dpdk_port::mac() const noexcept
{
    rte_ether_addr a{};
    rte_eth_macaddr_get(_port_id, &a);
    std::array<uint8_t, 6> out{};
    std::copy(std::begin(a.addr_bytes), std::end(a.addr_bytes), out.begin());
    return out;
}

port_stats dpdk_port::stats() const noexcept
{
    port_stats s;
    if (_closed) {
        return s;
    }
    if (_have_xstat_ids) {
        std::array<uint64_t, st_count> v{};
        if (rte_eth_xstats_get_by_id(_port_id, _xstat_ids.data(), v.data(), st_count) ==
            static_cast<int>(st_count)) {
            s.rx_packets = v[st_rx_packets];
            s.tx_packets = v[st_tx_packets];
            s.rx_bytes = v[st_rx_bytes];
            s.tx_bytes = v[st_tx_bytes];
            s.rx_missed = v[st_rx_missed];
            s.rx_errors = v[st_rx_errors];
            s.tx_errors = v[st_tx_errors];
            s.rx_nombuf = v[st_rx_nombuf];
            return s;
        }
    }
    rte_eth_stats es{};
    if (rte_eth_stats_get(_port_id, &es) == 0) {
        s = {es.ipackets, es.opackets, es.ibytes, es.obytes,
             es.imissed,  es.ierrors,  es.oerrors, es.rx_nombuf};
    }
    return s;
}

std::vector<std::pair<std::string, uint64_t>> dpdk_port::xstats() const
{
    std::vector<std::pair<std::string, uint64_t>> out;
    if (_closed) {
        return out;
    }
    int n = rte_eth_xstats_get_names(_port_id, nullptr, 0);
    if (n <= 0) {
        return out;
    }
    std::vector<rte_eth_xstat_name> names(n);
    std::vector<rte_eth_xstat> vals(n);
    if (rte_eth_xstats_get_names(_port_id, names.data(), n) != n ||
        rte_eth_xstats_get(_port_id, vals.data(), n) != n) {
        return out;
    }
    for (const auto& v : vals) {
        if (v.id < names.size()) {
            out.emplace_back(names[v.id].name, v.value);
        }
    }
    return out;
}

void dpdk_port::stop() noexcept
{
    if (_started) {
        rte_eth_dev_stop(_port_id);
        _started = false;
    }
}

void dpdk_port::close() noexcept
{
    if (_closed) {
        return;
    }
    stop();
    rte_eth_dev_close(_port_id);
    _closed = true;
    std::lock_guard guard(g_lock);
    g_open_ports.erase(_port_id);
    for (auto& [socket, pool] : g_pools) {
        if (pool.mp == _pool) {
            pool.reserved -= std::min(pool.reserved, _pool_reserved);
        }
    }
}

} // namespace edgerelay::drv
