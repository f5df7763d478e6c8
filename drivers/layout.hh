// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Chooses the cores the dataplane workers are pinned to, from the hwloc topology.
#pragma once

#include <string>
#include <vector>

struct hwloc_topology;

namespace edgerelay::drv {

/// A loaded hwloc topology: this machine's, or a synthetic one for tests.
/// Start-up only; not thread-safe. Movable, not copyable.
class topology {
public:
    /// Loads this machine's topology. PUs the process may not use (cgroup cpuset) are
    /// kept in the topology but treated as unavailable.
    /// @throws std::runtime_error if hwloc cannot discover the machine.
    static topology system();

    /// Loads an hwloc synthetic description, e.g. "numa:2 core:4 pu:2" (2 NUMA nodes, 4
    /// cores each, 2 SMT threads per core). PU os indexes are assigned in order.
    /// @throws std::runtime_error naming the description if hwloc rejects it.
    static topology synthetic(const std::string& description);

    topology(topology&& other) noexcept;
    topology& operator=(topology&& other) noexcept;
    topology(const topology&) = delete;
    topology& operator=(const topology&) = delete;
    ~topology();

    /// Marks PUs (os indexes) as unavailable, as if they were offline or outside the
    /// process's cpuset. Lets tests exercise those checks on a synthetic topology.
    void mark_unavailable(const std::vector<unsigned>& pus);

    /// The underlying hwloc handle (owned by this object).
    hwloc_topology* get() const noexcept { return _topo; }

    /// True if the PU is online and the process may run on it.
    bool pu_available(unsigned pu) const noexcept;

private:
    explicit topology(hwloc_topology* t) noexcept : _topo(t) {}
    hwloc_topology* _topo = nullptr;
    std::vector<unsigned> _unavailable;
};

/// What the operator asked for (config key `cores:` plus the port's NUMA node).
struct layout_request {
    /// Upper bound on workers for `cores: auto`; 0 means one worker per eligible core.
    /// Ignored when `cores` is given: the explicit list defines the workers.
    unsigned max_workers = 0;
    /// NUMA node of the NIC the workers serve; -1 if unknown (no preference).
    int numa_node = -1;
    /// Explicit PU os indexes (`cores: [2, 4, 6]`); empty means `cores: auto`.
    std::vector<unsigned> cores;
    /// `cores: auto` leaves the physical core holding PU 0 to the OS when the machine has
    /// more than two cores. Set false to use it anyway.
    bool reserve_core0 = true;
    /// An explicit list naming two SMT siblings of one core is refused unless this is set:
    /// siblings share the core's execution units, so two workers there each run at roughly
    /// half speed while appearing as two full workers.
    bool allow_smt_siblings = false;
};

/// One worker's placement.
struct worker_slot {
    unsigned worker; ///< worker number, 0-based
    unsigned pu;     ///< PU (logical CPU) os index, as the kernel numbers CPUs
    unsigned core;   ///< physical core, hwloc logical index (unique across packages)
    int numa;        ///< NUMA node os index, -1 if unknown
};

/// The chosen layout, plus anything the operator should know about it.
struct core_layout {
    std::vector<worker_slot> workers;
    std::vector<std::string> warnings; ///< e.g. workers placed off the NIC's NUMA node
};

/// Picks the PUs the workers are pinned to.
///
/// `cores: auto`: one PU per physical core (never two workers on SMT siblings), cores on
/// the NIC's NUMA node first then the others, core 0 left to the OS when the machine has
/// more than two cores, at most max_workers.
/// Explicit list: honoured in order after checks.
/// @throws std::runtime_error with the cause and the fix when an explicit PU does not
///         exist, is offline or not allowed, is listed twice, or shares a core with
///         another listed PU (unless allow_smt_siblings); or when no PU is eligible.
core_layout pick_worker_cores(const topology& topo, const layout_request& req);

/// Same, on this machine's topology.
core_layout pick_worker_cores(const layout_request& req);

/// One line per worker ("worker 0 → PU 1 (core 1, NUMA 0)"), then one per warning.
std::string describe(const core_layout& layout);

/// Pins the calling thread to one PU (os index).
/// @throws std::runtime_error naming the PU and the errno text on failure.
void pin_current_thread(unsigned pu);

} // namespace edgerelay::drv
