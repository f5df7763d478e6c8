// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The request-head parser and response framing, without sockets.
#include <gtest/gtest.h>

#include <random>

#include "controlplane/api/http_message.hh"

namespace edgerelay::cp::api {
namespace {

parse_status parse(std::string_view text, http_request* out = nullptr)
{
    http_request r;
    parse_status s = parse_request_head(text, r);
    if (out) {
        *out = r;
    }
    return s;
}

TEST(http_message, parses_a_get_with_query_and_headers)
{
    http_request r;
    ASSERT_EQ(parse("GET /peers?format=x&y=1 HTTP/1.1\r\nHost: a\r\nUser-Agent:  curl/8 \r\n\r\n", &r),
              parse_status::ok);
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.path, "/peers");
    EXPECT_EQ(r.query, "format=x&y=1");
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.headers[1].first, "user-agent");
    EXPECT_EQ(r.headers[1].second, "curl/8");
}

TEST(http_message, decodes_percent_escapes_and_refuses_bad_ones)
{
    http_request r;
    ASSERT_EQ(parse("GET /%68ealth HTTP/1.0\r\n\r\n", &r), parse_status::ok);
    EXPECT_EQ(r.path, "/health");
    EXPECT_EQ(parse("GET /%6 HTTP/1.0\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /%zz HTTP/1.0\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /a%00b HTTP/1.0\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /a% HTTP/1.0\r\n\r\n"), parse_status::bad);
}

TEST(http_message, waits_for_the_blank_line)
{
    EXPECT_EQ(parse(""), parse_status::incomplete);
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost: a\r\n"), parse_status::incomplete);
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost: a\r\n\r"), parse_status::incomplete);
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost: a\r\n\r\n"), parse_status::ok);
    EXPECT_EQ(parse("GET /health HTTP/1.1\nHost: a\n\n"), parse_status::ok); // bare LF tolerated
}

TEST(http_message, refuses_malformed_heads)
{
    EXPECT_EQ(parse("GET /health\r\n\r\n"), parse_status::bad);                    // no version
    EXPECT_EQ(parse("GET  /health HTTP/1.1\r\nHost: a\r\n\r\n"), parse_status::bad); // two spaces
    EXPECT_EQ(parse("GET health HTTP/1.1\r\nHost: a\r\n\r\n"), parse_status::bad);   // not origin-form
    EXPECT_EQ(parse("GET http://x/health HTTP/1.1\r\nHost: a\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("G(T /health HTTP/1.1\r\nHost: a\r\n\r\n"), parse_status::bad);  // not a token
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\n\r\n"), parse_status::bad);             // 1.1 without Host
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost : a\r\n\r\n"), parse_status::bad); // blank before ':'
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /health HTTP/1.1\r\nHost: a\x01\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /he\x7flth HTTP/1.1\r\nHost: a\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("GET /health HTTP/1.1\rHost: a\r\n\r\n"), parse_status::bad);    // bare CR
    EXPECT_EQ(parse("GET /health HTTP/1.x\r\n\r\n"), parse_status::bad);
    EXPECT_EQ(parse("\r\n\r\n"), parse_status::bad);
    // Garbage is refused at once, without waiting for a blank line or 8 KiB.
    EXPECT_EQ(parse(std::string_view("\x16\x03\x01\x02\x00", 5)), parse_status::bad); // a TLS hello
}

TEST(http_message, other_versions_get_505)
{
    EXPECT_EQ(parse("GET / HTTP/2.0\r\n\r\n"), parse_status::version);
    EXPECT_EQ(parse("GET / HTTP/0.9\r\n\r\n"), parse_status::version);
}

TEST(http_message, head_size_is_bounded)
{
    std::string big = "GET /health HTTP/1.1\r\nHost: a\r\nX-Pad: " + std::string(max_request_head, 'a');
    EXPECT_EQ(parse(big), parse_status::too_large);
    EXPECT_EQ(parse(big + "\r\n\r\n"), parse_status::too_large);
    // Exactly at the limit is fine.
    std::string head = "GET /health HTTP/1.1\r\nHost: a\r\nX-Pad: ";
    head += std::string(max_request_head - head.size() - 4, 'b') + "\r\n\r\n";
    ASSERT_EQ(head.size(), max_request_head);
    EXPECT_EQ(parse(head), parse_status::ok);
    std::string many = "GET / HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 200; ++i) {
        many += "A: b\r\n";
    }
    EXPECT_EQ(parse(many + "\r\n"), parse_status::too_large);
}

TEST(http_message, random_bytes_never_crash)
{
    std::mt19937 rng(7);
    static constexpr char chars[] = "GET /HTP1.\r\n: \x00\x7f\xff%a";
    const std::string alphabet(chars, sizeof chars - 1);
    for (int i = 0; i < 20000; ++i) {
        std::string s(rng() % 64, '\0');
        for (auto& c : s) {
            c = (rng() % 4 == 0) ? char(rng()) : alphabet[rng() % alphabet.size()];
        }
        http_request r;
        parse_status st = parse_request_head(s, r);
        if (st == parse_status::ok) {
            EXPECT_FALSE(r.path.empty());
            EXPECT_EQ(r.path.front(), '/');
        }
    }
}

TEST(http_message, serializes_with_length_and_close)
{
    http_response r;
    r.status = 405;
    r.body = "{}";
    r.headers.emplace_back("Allow", "GET, HEAD");
    std::string full = serialize_response(r, false);
    EXPECT_EQ(full,
              "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
              "Connection: close\r\nCache-Control: no-store\r\nAllow: GET, HEAD\r\n\r\n{}");
    std::string head = serialize_response(r, true);
    EXPECT_EQ(head, full.substr(0, full.size() - 2)); // same headers, Content-Length kept, no body
}

TEST(http_message, json_error_is_json)
{
    auto r = json_error(404, "no \"such\" path");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(r.body, "{\"error\":\"no \\\"such\\\" path\",\"status\":404}\n");
}

} // namespace
} // namespace edgerelay::cp::api
