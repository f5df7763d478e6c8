// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The endpoint table: dispatch, readiness, JSON shapes, and /metrics accepted by promcheck.
#include <gtest/gtest.h>

#include "common/crypto/encoding.hh"
#include "controlplane/api/prometheus.hh"
#include "controlplane/api/routes.hh"
#include "tools/promcheck/promcheck.hh"

namespace edgerelay::cp::api {
namespace {

using namespace std::chrono_literals;

const char* peer_key = "5aLHsCNWkQezl/VuXnSNR7wAwPKk8UoQhp9MuKfS2mo=";
const char* other_key = "drJW8ESI0Qk/CurfMtDupWGllz47qKUZcHp65hN3RGU=";

readiness all_ready()
{
    return readiness{.dataplane_attached = true, .dataplane_heartbeating = true,
                     .tables_programmed = true, .dht_joined = true, .draining = false};
}

snapshot sample_snapshot()
{
    snapshot s;
    s.itf.instance = "er0";
    s.itf.attached = true;
    s.now_wall = nanos(1'700'000'100'000'000'000);
    s.uptime_s = 42;
    s.ready = all_ready();
    peer_entry a;
    a.view.id = 1;
    a.view.name = "site-a";
    a.view.public_key = *crypto::key_from_base64(peer_key);
    a.view.endpoint = "192.0.2.1:51820";
    a.view.allowed_ips = {"10.1.0.0/16"};
    a.view.latest_handshake = nanos(1'700'000'000'000'000'000);
    a.view.rx_bytes = 1000;
    a.view.tx_bytes = 2000;
    a.view.handshake_state = "established";
    a.view.has_session = true;
    a.view.rx_packets = 10;
    a.view.tx_packets = 20;
    peer_entry b = a;
    b.view.id = 2;
    b.view.public_key = *crypto::key_from_base64(other_key); // same name as a: label falls back to the key
    b.view.latest_handshake.reset();
    b.view.endpoint.clear();
    s.peers = {a, b};
    s.routes = {{"10.1.0.0/16", "site-a", 1}, {"10.0.0.0/24", "local", abi::next_hop_local}};
    worker_entry w;
    w.view.worker = 0;
    w.view.rx_packets = 5;
    w.view.drops = {{"no_route", 3}, {"bad_mac", 1}};
    w.busy_ratio = 0.25;
    worker_entry w1 = w;
    w1.view.worker = 1;
    w1.busy_ratio.reset();
    s.workers = {w, w1};
    s.handshakes = {{"completed", 4}, {"timeout", 1}};
    s.rekeys = 2;
    s.rings = {{"commands", 0, 1024}, {"punt0", 3, 0}};
    s.dht_nodes = 17;
    s.dht_records = {{"valid", 9}, {"bad_signature", 1}};
    neighbour_entry n;
    n.name = "relay-b";
    n.up = true;
    n.rtt_s = 0.004;
    n.loss = 0.01;
    n.lost = 3;
    n.late = 1;
    n.rtt = {{0.001, 0.01, 0.1}, {1, 5, 0, 0}, 0.03, 6};
    neighbour_entry broken = n;
    broken.name = "relay-c";
    broken.rtt.counts = {1}; // inconsistent: skipped, never a broken exposition
    s.neighbours = {n, broken};
    s.nodes = {{"aa", "relay-a", "eu", 48.8, 2.3, true}, {"bb", "relay-b", "us", std::nullopt, std::nullopt, false}};
    s.edges = {{"aa", "bb", 0.004, 0.0, true}};
    s.mesh = {5, 2, 11};
    return s;
}

http_response get(std::string path, const provider& p, std::string method = "GET")
{
    http_request r;
    r.method = std::move(method);
    r.path = std::move(path);
    return dispatch(r, p);
}

provider full_provider()
{
    return provider{[] { return all_ready(); }, [] { return sample_snapshot(); }};
}

TEST(routes, make_handler_dispatches)
{
    handler h = make_handler(full_provider());
    http_request req;
    req.method = "GET";
    req.path = "/routes";
    auto r = h(req);
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("10.1.0.0/16"), std::string::npos);
    req.path = "/nope";
    EXPECT_EQ(h(req).status, 404);
}

TEST(routes, health_is_ok)
{
    auto r = get("/health", provider{});
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "{\"status\":\"ok\"}\n");
}

TEST(routes, ready_lists_the_reasons_when_not_ready)
{
    auto r = get("/ready", full_provider());
    EXPECT_EQ(r.status, 200);
    EXPECT_NE(r.body.find("\"ready\":true,\"reasons\":[]"), std::string::npos) << r.body;

    provider p{[] { return readiness{.dataplane_attached = true}; }, {}};
    r = get("/ready", p);
    EXPECT_EQ(r.status, 503);
    EXPECT_NE(r.body.find("\"reasons\":[\"dataplane not heartbeating\",\"tables not programmed\","
                          "\"DHT not joined\"]"),
              std::string::npos)
        << r.body;
    auto draining = all_ready();
    draining.draining = true;
    EXPECT_EQ(not_ready_reasons(draining), std::vector<std::string>{"draining"});
    EXPECT_EQ(get("/ready", provider{}).status, 503);
}

TEST(routes, unknown_paths_methods_and_missing_sources)
{
    auto r = get("/nope", full_provider());
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_NE(r.body.find("\"/metrics\""), std::string::npos);
    r = get("/health", full_provider(), "POST");
    EXPECT_EQ(r.status, 405);
    ASSERT_EQ(r.headers.size(), 1u);
    EXPECT_EQ(r.headers[0].first, "Allow");
    EXPECT_EQ(get("/peers/", full_provider()).status, 200); // trailing slash tolerated
    EXPECT_EQ(get("/peers", provider{}).status, 503);
    provider throwing{{}, []() -> snapshot { throw std::runtime_error("state gone"); }};
    EXPECT_EQ(get("/peers", throwing).status, 500);
    EXPECT_EQ(endpoints().size(), 7u);
}

TEST(routes, metrics_pass_promcheck_and_name_everything)
{
    auto r = get("/metrics", full_provider());
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/plain; version=0.0.4; charset=utf-8");
    auto c = promcheck::check(r.body);
    ASSERT_TRUE(c.ok) << promcheck::describe(c) << "\n" << r.body;
    for (const char* line : {
             "edgerelay_up 1\n",
             "edgerelay_ready 1\n",
             "edgerelay_peer_rx_packets_total{peer=\"site-a\"} 10\n",
             "edgerelay_peer_rx_bytes_total{peer=\"site-a\"} 1000\n",
             "edgerelay_peer_tx_packets_total{peer=\"site-a\"} 20\n",
             "edgerelay_peer_tx_bytes_total{peer=\"drJW8ESI0Qk/CurfMtDupWGllz47qKUZcHp65hN3RGU=\"} 2000\n",
             "edgerelay_peer_last_handshake_timestamp_seconds{peer=\"site-a\"} 1700000000\n",
             "edgerelay_drops_total{reason=\"bad_mac\"} 2\n",
             "edgerelay_drops_total{reason=\"no_route\"} 6\n",
             "edgerelay_handshakes_total{result=\"timeout\"} 1\n",
             "edgerelay_rekeys_total 2\n",
             "edgerelay_worker_busy_ratio{worker=\"0\"} 0.25\n",
             "edgerelay_ring_depth{ring=\"punt0\"} 3\n",
             "edgerelay_ring_capacity{ring=\"commands\"} 1024\n",
             "edgerelay_dht_records_total{verdict=\"bad_signature\"} 1\n",
             "edgerelay_dht_nodes 17\n",
             "edgerelay_probe_rtt_seconds_bucket{neighbour=\"relay-b\",le=\"0.01\"} 6\n",
             "edgerelay_probe_rtt_seconds_bucket{neighbour=\"relay-b\",le=\"+Inf\"} 6\n",
             "edgerelay_probe_rtt_seconds_count{neighbour=\"relay-b\"} 6\n",
             "edgerelay_neighbour_up{neighbour=\"relay-b\"} 1\n",
             "edgerelay_probes_lost_total{neighbour=\"relay-b\"} 3\n",
             "edgerelay_neighbour_down_transitions_total 5\n",
             "edgerelay_neighbour_holds_total 2\n",
             "edgerelay_route_changes_total 11\n",
             "edgerelay_routes 2\n",
         }) {
        EXPECT_NE(r.body.find(line), std::string::npos) << "missing: " << line;
    }
    EXPECT_EQ(r.body.find("worker=\"1\"} 0.25"), std::string::npos); // unmeasured: no series
    EXPECT_EQ(r.body.find("relay-c\",le"), std::string::npos);       // inconsistent histogram skipped
}

TEST(routes, metrics_of_an_empty_snapshot_still_name_every_family)
{
    provider p{{}, [] { return snapshot{}; }};
    auto r = get("/metrics", p);
    auto c = promcheck::check(r.body);
    ASSERT_TRUE(c.ok) << promcheck::describe(c) << "\n" << r.body;
    EXPECT_GE(c.families, 25u);
    EXPECT_NE(r.body.find("# TYPE edgerelay_probe_rtt_seconds histogram\n"), std::string::npos);
    EXPECT_NE(r.body.find("edgerelay_ready 0\n"), std::string::npos);
    EXPECT_NE(r.body.find("edgerelay_dht_nodes 0\n"), std::string::npos);
    EXPECT_NE(r.body.find("edgerelay_neighbour_down_transitions_total 0\n"), std::string::npos);
    EXPECT_NE(r.body.find("edgerelay_neighbour_holds_total 0\n"), std::string::npos);
}

TEST(routes, hostile_label_values_stay_valid)
{
    snapshot s = sample_snapshot();
    s.peers[0].view.name = "evil\"}\n# TYPE x counter\nx 1 \\";
    s.drops = {{"a\nb", 1}};
    s.neighbours[0].name = "n\\\"";
    auto body = render_metrics(s);
    auto c = promcheck::check(body);
    EXPECT_TRUE(c.ok) << promcheck::describe(c) << "\n" << body;
}

TEST(routes, json_shapes)
{
    snapshot s = sample_snapshot();
    EXPECT_EQ(render_routes_json(s),
              "{\"routes\":[{\"prefix\":\"10.1.0.0/16\",\"via\":\"site-a\",\"local\":false,\"next_hop\":1},"
              "{\"prefix\":\"10.0.0.0/24\",\"via\":\"local\",\"local\":true,\"next_hop\":" +
                  std::to_string(abi::next_hop_local) + "}]}");
    std::string peers = render_peers_json(s);
    EXPECT_NE(peers.find("{\"id\":1,\"name\":\"site-a\",\"public_key\":\"" + std::string(peer_key) +
                         "\",\"endpoint\":\"192.0.2.1:51820\",\"allowed_ips\":[\"10.1.0.0/16\"],"
                         "\"latest_handshake_seconds_ago\":100,\"rx_packets\":10,\"rx_bytes\":1000,"
                         "\"tx_packets\":20,\"tx_bytes\":2000,"),
              std::string::npos)
        << peers;
    EXPECT_NE(peers.find("\"endpoint\":null"), std::string::npos);
    EXPECT_NE(peers.find("\"latest_handshake_seconds_ago\":null"), std::string::npos);
    std::string topo = render_topology_json(s);
    EXPECT_NE(topo.find("{\"self\":\"aa\",\"nodes\":[{\"id\":\"aa\",\"name\":\"relay-a\",\"region\":\"eu\","
                        "\"latitude\":48.8,\"longitude\":2.3,\"self\":true}"),
              std::string::npos)
        << topo;
    EXPECT_NE(topo.find("\"latitude\":null"), std::string::npos);
    EXPECT_NE(topo.find("\"neighbours\":[{\"name\":\"relay-b\",\"up\":true,\"rtt_ms\":4,\"loss\":0.01,"
                        "\"probes\":6,\"lost\":3,\"late\":1}"),
              std::string::npos)
        << topo;
    EXPECT_NE(topo.find("\"edges\":[{\"from\":\"aa\",\"to\":\"bb\",\"rtt_ms\":4,\"loss\":0,\"up\":true}]"),
              std::string::npos)
        << topo;
    std::string stats = render_stats_json(s);
    EXPECT_NE(stats.find("\"drops\":{\"bad_mac\":2,\"no_route\":6}"), std::string::npos) << stats;
    EXPECT_NE(stats.find("\"busy_ratio\":0.25"), std::string::npos);
    EXPECT_NE(stats.find("\"busy_ratio\":null"), std::string::npos);
    EXPECT_NE(stats.find("\"dht\":{\"nodes\":17,\"records\":{\"valid\":9,\"bad_signature\":1}}"),
              std::string::npos)
        << stats;
    EXPECT_NE(stats.find("\"rings\":[{\"ring\":\"commands\",\"depth\":0,\"capacity\":1024}"), std::string::npos);
}

TEST(routes, explicit_drop_totals_win_over_the_worker_sum)
{
    snapshot s = sample_snapshot();
    s.drops = {{"no_route", 100}};
    auto d = drops_by_reason(s);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].second, 100u);
}

} // namespace
} // namespace edgerelay::cp::api
