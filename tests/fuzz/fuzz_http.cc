// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// libFuzzer target for the API's request-head parser and the Prometheus text validator.
//
// Each input is offered to both: parse_request_head() (controlplane/api/http_message.hh) as
// bytes received from a client, and promcheck::check() (tools/promcheck/promcheck.hh) as an
// exposition. Both promise to answer any byte string without crashing or throwing (an escaping
// exception reaches libFuzzer as an abort). What they answer must also hold to their contracts:
// an accepted request has a method and a path starting with '/', lowercased header names and
// values without surrounding blanks; a promcheck answer is either ok without an error or an
// error with its line.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "controlplane/api/http_message.hh"
#include "tools/promcheck/promcheck.hh"

namespace {

using namespace edgerelay::cp::api;

void require(bool ok, const char* what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_http: contract broken: %s\n", what);
        std::abort();
    }
}

bool blank(char c) { return c == ' ' || c == '\t'; }

void check_request(std::string_view data, parse_status st, const http_request& r)
{
    if (st == parse_status::incomplete) {
        require(data.size() <= max_request_head, "incomplete only under max_request_head");
    }
    if (st != parse_status::ok) {
        return;
    }
    require(!r.method.empty(), "method is not empty");
    require(!r.path.empty() && r.path[0] == '/', "path starts with '/'");
    for (char c : r.method) {
        require(c > ' ' && c < 0x7f, "method is a token (no blanks or controls)");
    }
    for (const auto& [name, value] : r.headers) {
        require(!name.empty(), "header name is not empty");
        for (char c : name) {
            require(!(c >= 'A' && c <= 'Z'), "header name is lowercased");
            require(c != ':' && !blank(c), "header name has no colon or blank");
        }
        require(value.empty() || (!blank(value.front()) && !blank(value.back())),
                "header value has no surrounding blanks");
        for (char c : value) {
            require(c != '\r' && c != '\n', "header value has no CR or LF");
        }
    }
}

} // namespace

// NOLINTNEXTLINE(readability-identifier-naming): the name libFuzzer calls
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);

    http_request r;
    parse_status st = parse_request_head(bytes, r);
    check_request(bytes, st, r);

    // The server parses whatever it has received so far: a partial read is just another input
    // and must hold to the same contract.
    if (size > 1) {
        http_request part;
        parse_status pst = parse_request_head(bytes.substr(0, size / 2), part);
        check_request(bytes.substr(0, size / 2), pst, part);
    }

    // An answer built from what was parsed serializes without trouble.
    if (st == parse_status::ok) {
        http_response resp = json_error(404, r.path);
        std::string wire = serialize_response(resp, r.method == "HEAD");
        require(wire.rfind("HTTP/1.1 404 ", 0) == 0, "status line comes first");
    }

    for (bool require_type : {true, false}) {
        edgerelay::promcheck::options opt;
        opt.require_type = require_type;
        edgerelay::promcheck::result res = edgerelay::promcheck::check(bytes, opt);
        if (res.ok) {
            require(res.error.empty() && res.line == 0, "ok carries no error");
        } else {
            require(!res.error.empty() && res.line >= 1, "an error has a message and a line");
        }
        require(!edgerelay::promcheck::describe(res).empty(), "describe() says something");
    }
    return 0;
}
