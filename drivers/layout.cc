// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Worker core selection on the hwloc topology (start-up only; exceptions allowed).
#include "drivers/layout.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

#include <hwloc.h>
#include <pthread.h>
#include <sched.h>

namespace edgerelay::drv {
namespace {

[[noreturn]] void fail(const std::string& msg)
{
    throw std::runtime_error(msg);
}

// What we need to know about one PU.
struct pu_info {
    unsigned pu;
    unsigned core; // logical index of its core (or of the PU when hwloc reports no cores)
    int numa;
};

int numa_of(hwloc_topology_t t, hwloc_const_cpuset_t set)
{
    // In hwloc 2.x NUMA nodes are memory children, not ancestors: match on cpusets.
    hwloc_obj_t node = nullptr;
    while ((node = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, node)) != nullptr) {
        if (node->cpuset != nullptr && hwloc_bitmap_isincluded(set, node->cpuset)) {
            return static_cast<int>(node->os_index);
        }
    }
    return -1;
}

pu_info info_of(hwloc_topology_t t, hwloc_obj_t pu)
{
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(t, HWLOC_OBJ_CORE, pu);
    unsigned core_idx = core != nullptr ? core->logical_index : pu->logical_index;
    return {pu->os_index, core_idx, numa_of(t, pu->cpuset)};
}

std::string numa_text(int numa)
{
    return numa < 0 ? "?" : std::to_string(numa);
}

core_layout pick_auto(const topology& topo, const layout_request& req)
{
    hwloc_topology_t t = topo.get();
    core_layout out;

    // First available PU of each physical core, in topology order.
    std::map<unsigned, pu_info> first_pu_of_core;
    std::set<unsigned> all_cores;
    hwloc_obj_t pu = nullptr;
    while ((pu = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PU, pu)) != nullptr) {
        pu_info pi = info_of(t, pu);
        all_cores.insert(pi.core);
        if (topo.pu_available(pi.pu) && !first_pu_of_core.contains(pi.core)) {
            first_pu_of_core.emplace(pi.core, pi);
        }
    }

    // Core 0 takes the OS's interrupts, timers and housekeeping threads; a worker there
    // would see latency spikes. On one- or two-core machines we cannot afford to skip it.
    if (req.reserve_core0 && all_cores.size() > 2) {
        if (hwloc_obj_t pu0 = hwloc_get_pu_obj_by_os_index(t, 0)) {
            first_pu_of_core.erase(info_of(t, pu0).core);
        }
    }

    std::vector<pu_info> local, remote;
    bool numa_known = false;
    for (const auto& [core, pi] : first_pu_of_core) {
        numa_known = numa_known || pi.numa == req.numa_node;
        (req.numa_node < 0 || pi.numa == req.numa_node ? local : remote).push_back(pi);
    }
    if (req.numa_node >= 0 && !numa_known) {
        out.warnings.push_back("NUMA node " + std::to_string(req.numa_node) +
                               " of the port has no usable core: no NUMA preference applied");
    }
    // Remote cores ordered by node, so spill-over stays on as few nodes as possible.
    std::stable_sort(remote.begin(), remote.end(),
                     [](const pu_info& a, const pu_info& b) { return a.numa < b.numa; });

    std::vector<pu_info> order = local;
    order.insert(order.end(), remote.begin(), remote.end());
    if (order.empty()) {
        fail("no usable core for workers: every core is offline, outside this process's "
             "cpuset or reserved; list cores explicitly (cores: [..]) or widen the cpuset");
    }
    size_t n = req.max_workers == 0 ? order.size() : std::min<size_t>(req.max_workers,
                                                                        order.size());
    if (req.max_workers > order.size()) {
        out.warnings.push_back("asked for " + std::to_string(req.max_workers) +
                               " workers but only " + std::to_string(order.size()) +
                               " cores are eligible (one worker per physical core)");
    }
    size_t off_node = 0;
    for (size_t i = 0; i < n; ++i) {
        const pu_info& pi = order[i];
        out.workers.push_back({static_cast<unsigned>(i), pi.pu, pi.core, pi.numa});
        off_node += req.numa_node >= 0 && numa_known && pi.numa != req.numa_node ? 1 : 0;
    }
    if (off_node > 0) {
        out.warnings.push_back(std::to_string(off_node) + " worker(s) placed off the port's NUMA "
                               "node " + std::to_string(req.numa_node) +
                               ": packets cross the interconnect");
    }
    return out;
}

core_layout pick_explicit(const topology& topo, const layout_request& req)
{
    hwloc_topology_t t = topo.get();
    core_layout out;
    std::map<unsigned, unsigned> core_owner; // core -> first listed PU on it
    std::set<unsigned> seen;
    for (unsigned pu_idx : req.cores) {
        const std::string name = "cores: PU " + std::to_string(pu_idx);
        if (!seen.insert(pu_idx).second) {
            fail(name + " is listed twice: give each worker its own PU");
        }
        hwloc_obj_t pu = hwloc_get_pu_obj_by_os_index(t, pu_idx);
        if (pu == nullptr) {
            int n = hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU);
            fail(name + " does not exist on this machine (" + std::to_string(n) +
                 " PUs): pick PUs listed by `lscpu -e` or use cores: auto");
        }
        if (!topo.pu_available(pu_idx)) {
            fail(name + " is offline or outside this process's cpuset: bring it online "
                        "(/sys/devices/system/cpu/cpu" + std::to_string(pu_idx) +
                 "/online) or pick another PU");
        }
        pu_info pi = info_of(t, pu);
        auto [it, fresh] = core_owner.emplace(pi.core, pu_idx);
        if (!fresh) {
            std::string msg = "cores: PUs " + std::to_string(it->second) + " and " +
                              std::to_string(pu_idx) + " are SMT siblings of core " +
                              std::to_string(pi.core);
            if (!req.allow_smt_siblings) {
                fail(msg + ": two workers there share one core's execution units; "
                           "list one PU per physical core");
            }
            out.warnings.push_back(msg + ": the two workers share one core");
        }
        if (req.numa_node >= 0 && pi.numa >= 0 && pi.numa != req.numa_node) {
            out.warnings.push_back(name + " is on NUMA node " + std::to_string(pi.numa) +
                                   ", the port on node " + std::to_string(req.numa_node));
        }
        out.workers.push_back({static_cast<unsigned>(out.workers.size()), pi.pu, pi.core,
                               pi.numa});
    }
    return out;
}

} // namespace

topology topology::system()
{
    hwloc_topology_t t = nullptr;
    if (hwloc_topology_init(&t) != 0) {
        fail(std::string("hwloc: cannot initialise a topology: ") + std::strerror(errno));
    }
    // Keep disallowed PUs visible so an explicit list naming one gets "not allowed"
    // rather than "does not exist".
    hwloc_topology_set_flags(t, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED);
    if (hwloc_topology_load(t) != 0) {
        int e = errno;
        hwloc_topology_destroy(t);
        fail(std::string("hwloc: cannot discover this machine's topology: ") + std::strerror(e));
    }
    return topology(t);
}

topology topology::synthetic(const std::string& description)
{
    hwloc_topology_t t = nullptr;
    if (hwloc_topology_init(&t) != 0) {
        fail(std::string("hwloc: cannot initialise a topology: ") + std::strerror(errno));
    }
    if (hwloc_topology_set_synthetic(t, description.c_str()) != 0 ||
        hwloc_topology_load(t) != 0) {
        hwloc_topology_destroy(t);
        fail("hwloc: invalid synthetic topology '" + description +
             "' (expected e.g. \"numa:2 core:4 pu:2\")");
    }
    return topology(t);
}

topology::topology(topology&& other) noexcept
    : _topo(std::exchange(other._topo, nullptr)), _unavailable(std::move(other._unavailable))
{
}

topology& topology::operator=(topology&& other) noexcept
{
    if (this != &other) {
        if (_topo != nullptr) {
            hwloc_topology_destroy(_topo);
        }
        _topo = std::exchange(other._topo, nullptr);
        _unavailable = std::move(other._unavailable);
    }
    return *this;
}

topology::~topology()
{
    if (_topo != nullptr) {
        hwloc_topology_destroy(_topo);
    }
}

void topology::mark_unavailable(const std::vector<unsigned>& pus)
{
    _unavailable.insert(_unavailable.end(), pus.begin(), pus.end());
}

bool topology::pu_available(unsigned pu) const noexcept
{
    if (std::find(_unavailable.begin(), _unavailable.end(), pu) != _unavailable.end()) {
        return false;
    }
    // Offline PUs are in the complete cpuset only; disallowed ones miss the allowed cpuset.
    return hwloc_bitmap_isset(hwloc_topology_get_topology_cpuset(_topo), pu) &&
           hwloc_bitmap_isset(hwloc_topology_get_allowed_cpuset(_topo), pu);
}

core_layout pick_worker_cores(const topology& topo, const layout_request& req)
{
    return req.cores.empty() ? pick_auto(topo, req) : pick_explicit(topo, req);
}

core_layout pick_worker_cores(const layout_request& req)
{
    return pick_worker_cores(topology::system(), req);
}

std::string describe(const core_layout& layout)
{
    std::string s;
    for (const auto& w : layout.workers) {
        s += "worker " + std::to_string(w.worker) + " → PU " + std::to_string(w.pu) + " (core " +
             std::to_string(w.core) + ", NUMA " + numa_text(w.numa) + ")\n";
    }
    for (const auto& w : layout.warnings) {
        s += "warning: " + w + "\n";
    }
    return s;
}

void pin_current_thread(unsigned pu)
{
    if (pu >= CPU_SETSIZE) {
        fail("cannot pin to PU " + std::to_string(pu) + ": beyond CPU_SETSIZE");
    }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(pu, &set);
    // pthread_* functions return the error instead of setting errno.
    int rc = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    if (rc != 0) {
        fail("cannot pin thread to PU " + std::to_string(pu) + ": " + std::strerror(rc) +
             " (is it online and in this process's cpuset?)");
    }
}

} // namespace edgerelay::drv
