// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Worker core layout on synthetic hwloc topologies (checked against a model) and this machine.
#include "drivers/layout.hh"

#include <algorithm>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pthread.h>
#include <sched.h>

namespace edgerelay::drv {
namespace {

// A uniform synthetic machine: n_numa nodes × cores_per_numa cores × pus_per_core PUs.
// hwloc numbers PUs in order, so core k holds PUs k*P .. k*P+P-1 and sits on node k / C.
struct shape {
    unsigned n_numa;
    unsigned cores_per_numa;
    unsigned pus_per_core;

    std::string text() const
    {
        return "numa:" + std::to_string(n_numa) + " core:" + std::to_string(cores_per_numa) +
               " pu:" + std::to_string(pus_per_core);
    }
};

// The trivially correct model of `cores: auto` for a uniform shape.
std::vector<unsigned> model_auto(const shape& s, int numa, unsigned max_workers, bool reserve0)
{
    const unsigned n_cores = s.n_numa * s.cores_per_numa;
    std::vector<unsigned> local, remote;
    for (unsigned k = 0; k < n_cores; ++k) {
        if (reserve0 && n_cores > 2 && k == 0) {
            continue;
        }
        bool numa_exists = numa >= 0 && static_cast<unsigned>(numa) < s.n_numa;
        int node = static_cast<int>(k / s.cores_per_numa);
        (!numa_exists || node == numa ? local : remote).push_back(k * s.pus_per_core);
    }
    // remote is already ordered by node, then core.
    local.insert(local.end(), remote.begin(), remote.end());
    if (max_workers != 0 && local.size() > max_workers) {
        local.resize(max_workers);
    }
    return local;
}

std::vector<unsigned> pus_of(const core_layout& l)
{
    std::vector<unsigned> v;
    for (const auto& w : l.workers) {
        v.push_back(w.pu);
    }
    return v;
}

void expect_one_per_core(const core_layout& l)
{
    std::set<unsigned> cores, pus;
    for (size_t i = 0; i < l.workers.size(); ++i) {
        EXPECT_EQ(l.workers[i].worker, i);
        EXPECT_TRUE(cores.insert(l.workers[i].core).second) << describe(l);
        EXPECT_TRUE(pus.insert(l.workers[i].pu).second) << describe(l);
    }
}

std::string error_of(const topology& t, const layout_request& r)
{
    try {
        pick_worker_cores(t, r);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no error)";
}

TEST(layout, auto_matches_model_on_many_shapes)
{
    const std::vector<shape> shapes = {
        {1, 1, 1}, {1, 2, 1}, {1, 2, 2}, {1, 3, 1}, {1, 8, 2}, {2, 1, 1},
        {2, 4, 2}, {4, 2, 4}, {2, 3, 1}, {3, 2, 2},
    };
    for (const auto& s : shapes) {
        topology t = topology::synthetic(s.text());
        for (int numa : {-1, 0, 1, 3}) {
            for (unsigned max : {0u, 1u, 2u, 5u, 100u}) {
                for (bool reserve0 : {true, false}) {
                    SCOPED_TRACE(s.text() + " numa=" + std::to_string(numa) +
                                 " max=" + std::to_string(max) + " reserve0=" +
                                 std::to_string(reserve0));
                    layout_request r;
                    r.numa_node = numa;
                    r.max_workers = max;
                    r.reserve_core0 = reserve0;
                    core_layout l = pick_worker_cores(t, r);
                    EXPECT_EQ(pus_of(l), model_auto(s, numa, max, reserve0)) << describe(l);
                    expect_one_per_core(l);
                    for (const auto& w : l.workers) {
                        EXPECT_EQ(w.numa, static_cast<int>(w.pu / s.pus_per_core /
                                                           s.cores_per_numa));
                    }
                }
            }
        }
    }
}

TEST(layout, smt_siblings_never_both_used)
{
    topology t = topology::synthetic("numa:2 core:4 pu:2");
    core_layout l = pick_worker_cores(t, {});
    // 8 cores, core 0 reserved: 7 workers, each on the first thread of its core.
    EXPECT_EQ(pus_of(l), (std::vector<unsigned>{2, 4, 6, 8, 10, 12, 14}));
    expect_one_per_core(l);
}

TEST(layout, nic_numa_node_first_then_spill_with_warning)
{
    topology t = topology::synthetic("numa:2 core:4 pu:2");
    layout_request r;
    r.numa_node = 1;
    r.max_workers = 6;
    core_layout l = pick_worker_cores(t, r);
    EXPECT_EQ(pus_of(l), (std::vector<unsigned>{8, 10, 12, 14, 2, 4}));
    ASSERT_EQ(l.warnings.size(), 1u);
    EXPECT_NE(l.warnings[0].find("2 worker(s) placed off the port's NUMA node 1"),
              std::string::npos);

    r.max_workers = 4;
    l = pick_worker_cores(t, r);
    EXPECT_EQ(pus_of(l), (std::vector<unsigned>{8, 10, 12, 14}));
    EXPECT_TRUE(l.warnings.empty());
}

TEST(layout, unknown_numa_node_is_ignored_with_warning)
{
    topology t = topology::synthetic("numa:2 core:2 pu:1");
    layout_request r;
    r.numa_node = 7;
    core_layout l = pick_worker_cores(t, r);
    EXPECT_EQ(pus_of(l), (std::vector<unsigned>{1, 2, 3}));
    ASSERT_FALSE(l.warnings.empty());
    EXPECT_NE(l.warnings[0].find("NUMA node 7"), std::string::npos);
}

TEST(layout, core0_kept_on_two_core_machines)
{
    topology t = topology::synthetic("core:2 pu:2");
    EXPECT_EQ(pus_of(pick_worker_cores(t, {})), (std::vector<unsigned>{0, 2}));
    topology t3 = topology::synthetic("core:3 pu:1");
    EXPECT_EQ(pus_of(pick_worker_cores(t3, {})), (std::vector<unsigned>{1, 2}));
}

TEST(layout, more_workers_than_cores_warns)
{
    topology t = topology::synthetic("core:4 pu:2");
    layout_request r;
    r.max_workers = 8;
    core_layout l = pick_worker_cores(t, r);
    EXPECT_EQ(l.workers.size(), 3u);
    ASSERT_EQ(l.warnings.size(), 1u);
    EXPECT_NE(l.warnings[0].find("only 3 cores are eligible"), std::string::npos);
}

TEST(layout, unavailable_pu_skipped_in_auto_and_refused_in_list)
{
    topology t = topology::synthetic("core:4 pu:2");
    t.mark_unavailable({2});
    EXPECT_FALSE(t.pu_available(2));
    EXPECT_TRUE(t.pu_available(3));
    // Core 1's first thread is unavailable: its sibling serves instead.
    EXPECT_EQ(pus_of(pick_worker_cores(t, {})), (std::vector<unsigned>{3, 4, 6}));

    layout_request r;
    r.cores = {2};
    EXPECT_NE(error_of(t, r).find("PU 2 is offline or outside this process's cpuset"),
              std::string::npos);

    t.mark_unavailable({1, 3, 4, 5, 6, 7});
    // Only core 0 (PU 0) remains and it is reserved.
    EXPECT_NE(error_of(t, {}).find("no usable core for workers"), std::string::npos);
}

TEST(layout, explicit_list_honoured_in_order)
{
    topology t = topology::synthetic("numa:2 core:4 pu:2");
    layout_request r;
    r.cores = {9, 3, 0};
    core_layout l = pick_worker_cores(t, r);
    EXPECT_EQ(pus_of(l), (std::vector<unsigned>{9, 3, 0}));
    EXPECT_EQ(l.workers[0].core, 4u);
    EXPECT_EQ(l.workers[0].numa, 1);
    EXPECT_EQ(l.workers[1].core, 1u);
    EXPECT_EQ(l.workers[2].core, 0u);
    EXPECT_TRUE(l.warnings.empty());

    r.numa_node = 0;
    l = pick_worker_cores(t, r);
    ASSERT_EQ(l.warnings.size(), 1u);
    EXPECT_NE(l.warnings[0].find("PU 9 is on NUMA node 1"), std::string::npos);
}

TEST(layout, explicit_list_errors_name_the_cause)
{
    topology t = topology::synthetic("numa:2 core:4 pu:2");
    layout_request r;
    r.cores = {4, 4};
    EXPECT_NE(error_of(t, r).find("PU 4 is listed twice"), std::string::npos);
    r.cores = {16};
    EXPECT_NE(error_of(t, r).find("PU 16 does not exist on this machine (16 PUs)"),
              std::string::npos);
    r.cores = {2, 5, 3};
    EXPECT_NE(error_of(t, r).find("PUs 2 and 3 are SMT siblings of core 1"), std::string::npos);

    r.allow_smt_siblings = true;
    core_layout l = pick_worker_cores(t, r);
    EXPECT_EQ(pus_of(l), (std::vector<unsigned>{2, 5, 3}));
    ASSERT_EQ(l.warnings.size(), 1u);
    EXPECT_NE(l.warnings[0].find("SMT siblings"), std::string::npos);
}

TEST(layout, describe_prints_each_worker_and_warning)
{
    topology t = topology::synthetic("core:2 pu:1");
    EXPECT_EQ(describe(pick_worker_cores(t, {})),
              "worker 0 → PU 0 (core 0, NUMA 0)\nworker 1 → PU 1 (core 1, NUMA 0)\n");
    layout_request r;
    r.max_workers = 3;
    EXPECT_EQ(describe(pick_worker_cores(t, r)),
              "worker 0 → PU 0 (core 0, NUMA 0)\nworker 1 → PU 1 (core 1, NUMA 0)\n"
              "warning: asked for 3 workers but only 2 cores are eligible (one worker per "
              "physical core)\n");
}

TEST(layout, bad_synthetic_description_is_reported)
{
    try {
        topology::synthetic("bogus:2");
        FAIL() << "expected an error";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("invalid synthetic topology 'bogus:2'"),
                  std::string::npos);
    }
}

TEST(layout, real_machine_layout_and_pinning)
{
    topology t = topology::system();
    core_layout l = pick_worker_cores(t, {});
    ASSERT_FALSE(l.workers.empty());
    expect_one_per_core(l);
    for (const auto& w : l.workers) {
        EXPECT_TRUE(t.pu_available(w.pu));
    }
    const unsigned n_cpus = std::thread::hardware_concurrency();
    if (n_cpus > 2) {
        // PU 0's core is left to the OS.
        for (const auto& w : l.workers) {
            EXPECT_NE(w.pu, 0u) << describe(l);
        }
    }

    // Pin a fresh thread so the test runner's own affinity is untouched.
    const unsigned target = l.workers.back().pu;
    unsigned got_cpu = ~0u;
    int n_allowed = -1;
    std::thread th([&] {
        pin_current_thread(target);
        cpu_set_t set;
        CPU_ZERO(&set);
        if (pthread_getaffinity_np(pthread_self(), sizeof(set), &set) == 0) {
            n_allowed = CPU_COUNT(&set);
            got_cpu = CPU_ISSET(target, &set) ? target : ~0u;
        }
    });
    th.join();
    EXPECT_EQ(n_allowed, 1);
    EXPECT_EQ(got_cpu, target);

    EXPECT_THROW(pin_current_thread(CPU_SETSIZE + 1), std::runtime_error);
    layout_request r;
    r.cores = {100000};
    EXPECT_NE(error_of(t, r).find("does not exist"), std::string::npos);
}

} // namespace
} // namespace edgerelay::drv
