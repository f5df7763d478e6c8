// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// HTTP/1.1 request and response values and their wire forms, apart from any socket.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgerelay::cp::api {

/// A parsed request. Only what a read-only API needs: the body, if any, is never read.
struct http_request {
    std::string method; ///< "GET", "HEAD", ... as sent (case-sensitive, RFC 9110 9.1)
    std::string path;   ///< percent-decoded path, always starting with '/'
    std::string query;  ///< raw text after '?', empty if none
    /// Header fields in arrival order, names lowercased, values with surrounding blanks cut.
    std::vector<std::pair<std::string, std::string>> headers;
};

/// What a handler answers. The server adds Content-Length, Connection: close and Date-less
/// framing; a HEAD answer gets the headers of the GET answer without the body.
struct http_response {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    /// Extra header fields ("Allow", "Retry-After", ...), written as given.
    std::vector<std::pair<std::string, std::string>> headers;
};

/// Largest request head (request line + header fields + blank line) the server accepts.
inline constexpr size_t max_request_head = 8 * 1024;

/// Outcome of looking at the bytes received so far.
enum class parse_status {
    incomplete, ///< no blank line yet and still under max_request_head: read more
    ok,         ///< a complete, valid head was parsed into the request
    bad,        ///< malformed: answer 400
    too_large,  ///< no end of head within max_request_head bytes: answer 431
    version,    ///< not HTTP/1.x: answer 505
};

/// Parses a request head from `data` (everything received so far). Never reads past
/// data.size(), never throws on any input. On `ok`, `out` holds the request.
parse_status parse_request_head(std::string_view data, http_request& out);

/// The standard reason phrase of a status code ("Not Found"), "Unknown" otherwise.
std::string_view reason_phrase(int status);

/// The bytes sent for `r`: status line, Content-Type, Content-Length, Connection: close,
/// the extra headers, a blank line, then the body unless `head_only`.
std::string serialize_response(const http_response& r, bool head_only);

/// A JSON error answer: {"error":"<message>","status":<status>}.
http_response json_error(int status, std::string_view message);

} // namespace edgerelay::cp::api
