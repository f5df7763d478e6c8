// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The HTTP API's endpoint table: path → answer, rendered from data the daemon provides.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/api/http_message.hh"
#include "controlplane/api/http_server.hh"
#include "controlplane/api/snapshot.hh"

namespace edgerelay::cp::api {

/// Where the answers' data comes from. Both callbacks run on the server's (the loop's) thread
/// inside http_server::poll(). An unset callback makes the endpoints that need it answer 503.
struct provider {
    /// Cheap: only what /ready (and edgerelay_up) needs.
    std::function<api::readiness()> readiness;
    /// Everything else; called once per request of /metrics, /peers, /routes, /topology, /stats.
    std::function<api::snapshot()> snapshot;
};

/// One row of the endpoint table, for the README and for a 404's list of paths.
struct endpoint_info {
    std::string_view path;
    std::string_view content_type;
    std::string_view description;
};
/// The endpoints, in the order the README documents them.
const std::vector<endpoint_info>& endpoints();

/// Answers a request: GET/HEAD only (405 with Allow: GET, HEAD), known paths (404 with a JSON
/// error otherwise, a trailing '/' is tolerated). Never throws: a provider that throws gives 500.
http_response dispatch(const http_request& req, const provider& p);

/// The server's handler for this table, `p` copied in: `server.poll(make_handler(p))`.
handler make_handler(provider p);

/// The reasons /ready lists when not ready, empty when ready.
std::vector<std::string> not_ready_reasons(const readiness& r);

/// Drops by reason: `s.drops` if the daemon filled it, else the workers' drops summed.
std::vector<labelled_count> drops_by_reason(const snapshot& s);

// The renderers, public for tests and for the CLI should it want the same output.
std::string render_health_json();
std::string render_ready_json(const readiness& r);
std::string render_peers_json(const snapshot& s);
std::string render_routes_json(const snapshot& s);
std::string render_topology_json(const snapshot& s);
std::string render_stats_json(const snapshot& s);
/// The /metrics exposition (Prometheus text format 0.0.4), every name prefixed edgerelay_.
std::string render_metrics(const snapshot& s);

} // namespace edgerelay::cp::api
