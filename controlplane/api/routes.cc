// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The endpoint table and dispatch: method and path checks, then one renderer per path.
#include "controlplane/api/routes.hh"

#include <exception>

#include "controlplane/api/prometheus.hh"
#include "controlplane/process/json.hh"

namespace edgerelay::cp::api {
namespace {

constexpr std::string_view json_type = "application/json";

http_response json_ok(std::string body, int status = 200)
{
    http_response r;
    r.status = status;
    r.content_type = std::string(json_type);
    r.body = std::move(body);
    r.body += '\n';
    return r;
}

http_response not_found(std::string_view path)
{
    process::json_writer j;
    j.begin_object();
    j.key("error").value("no such endpoint: " + std::string(path));
    j.key("status").value(404);
    j.key("endpoints").begin_array();
    for (const auto& e : endpoints()) {
        j.value(e.path);
    }
    j.end_array();
    j.end_object();
    return json_ok(j.take(), 404);
}

// Builds the answer for a known path; may throw whatever the provider throws.
http_response answer(std::string_view path, const provider& p)
{
    if (path == "/health") {
        return json_ok(render_health_json());
    }
    if (path == "/ready") {
        readiness r;
        if (p.readiness) {
            r = p.readiness();
        } else if (p.snapshot) {
            r = p.snapshot().ready;
        } else {
            return json_error(503, "no state source");
        }
        return json_ok(render_ready_json(r), not_ready_reasons(r).empty() ? 200 : 503);
    }
    if (!p.snapshot) {
        return json_error(503, "no state source");
    }
    if (path == "/metrics") {
        http_response r;
        r.content_type = std::string(prometheus_content_type);
        r.body = render_metrics(p.snapshot());
        return r;
    }
    if (path == "/peers") {
        return json_ok(render_peers_json(p.snapshot()));
    }
    if (path == "/routes") {
        return json_ok(render_routes_json(p.snapshot()));
    }
    if (path == "/topology") {
        return json_ok(render_topology_json(p.snapshot()));
    }
    if (path == "/stats") {
        return json_ok(render_stats_json(p.snapshot()));
    }
    return not_found(path);
}

} // namespace

const std::vector<endpoint_info>& endpoints()
{
    static const std::vector<endpoint_info> table{
        {"/health", json_type, "liveness: 200 while the process runs"},
        {"/ready", json_type, "readiness: 200, or 503 with the reasons"},
        {"/metrics", prometheus_content_type, "Prometheus text format 0.0.4"},
        {"/peers", json_type, "peers, endpoints, handshakes, transfer"},
        {"/routes", json_type, "installed prefixes and their next hops"},
        {"/topology", json_type, "relays, measured links, neighbour health"},
        {"/stats", json_type, "workers, drops, handshakes, rings, DHT"},
    };
    return table;
}

std::vector<std::string> not_ready_reasons(const readiness& r)
{
    std::vector<std::string> reasons;
    if (!r.dataplane_attached) {
        reasons.emplace_back("dataplane not attached");
    }
    if (!r.dataplane_heartbeating) {
        reasons.emplace_back("dataplane not heartbeating");
    }
    if (!r.tables_programmed) {
        reasons.emplace_back("tables not programmed");
    }
    if (!r.dht_joined) {
        reasons.emplace_back("DHT not joined");
    }
    if (r.draining) {
        reasons.emplace_back("draining");
    }
    return reasons;
}

http_response dispatch(const http_request& req, const provider& p)
{
    if (req.method != "GET" && req.method != "HEAD") {
        http_response r = json_error(405, "only GET and HEAD are served; changes go through edgerelayctl");
        r.headers.emplace_back("Allow", "GET, HEAD");
        return r;
    }
    std::string_view path = req.path;
    if (path.size() > 1 && path.back() == '/') {
        path.remove_suffix(1);
    }
    try {
        return answer(path, p);
    } catch (const std::exception& e) {
        return json_error(500, std::string("internal error: ") + e.what());
    } catch (...) {
        return json_error(500, "internal error");
    }
}

handler make_handler(provider p)
{
    return [p = std::move(p)](const http_request& req) { return dispatch(req, p); };
}

} // namespace edgerelay::cp::api
