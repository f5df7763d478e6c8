// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// HTTP/1.1 request-head parsing and response framing (RFC 9110, RFC 9112), strict and total.
#include "controlplane/api/http_message.hh"

#include "controlplane/process/json.hh"

namespace edgerelay::cp::api {
namespace {

// The request is untrusted: a cap on header fields bounds the work one head can cause.
constexpr size_t max_header_fields = 100;

// RFC 9110 5.6.2 tchar.
bool is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool is_token(std::string_view s)
{
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        if (!is_tchar(c)) {
            return false;
        }
    }
    return true;
}

int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// Percent-decodes a path; false on a malformed escape or a decoded NUL (which no file-like
// path should hold and which C strings downstream would cut).
bool percent_decode(std::string_view in, std::string& out)
{
    out.clear();
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        if (in[i] != '%') {
            out += in[i];
            continue;
        }
        if (i + 2 >= in.size()) {
            return false;
        }
        int hi = hex_digit(in[i + 1]);
        int lo = hex_digit(in[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return false;
        }
        out += char(hi * 16 + lo);
        i += 2;
    }
    return true;
}

std::string_view trim_blanks(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// Sets `http11` for HTTP/1.1 (Host is then required), clear for HTTP/1.0.
parse_status parse_request_line(std::string_view line, http_request& out, bool& http11)
{
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos) {
        return parse_status::bad;
    }
    size_t sp2 = line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
        return parse_status::bad;
    }
    std::string_view method = line.substr(0, sp1);
    std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    std::string_view version = line.substr(sp2 + 1);
    if (!is_token(method)) {
        return parse_status::bad;
    }
    // HTTP-version = "HTTP/" DIGIT "." DIGIT; only 1.x is spoken here.
    if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9') {
        return parse_status::bad;
    }
    if (version[5] != '1') {
        return parse_status::version;
    }
    // Origin-form only: this server is nobody's proxy.
    if (target.empty() || target.front() != '/') {
        return parse_status::bad;
    }
    for (char c : target) {
        if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
            return parse_status::bad;
        }
    }
    if (size_t hash = target.find('#'); hash != std::string_view::npos) {
        target = target.substr(0, hash); // a fragment is never sent by a correct client
    }
    std::string_view raw_path = target;
    out.query.clear();
    if (size_t q = target.find('?'); q != std::string_view::npos) {
        raw_path = target.substr(0, q);
        out.query = std::string(target.substr(q + 1));
    }
    if (!percent_decode(raw_path, out.path)) {
        return parse_status::bad;
    }
    out.method = std::string(method);
    out.headers.clear();
    http11 = version[7] != '0';
    return parse_status::ok;
}

} // namespace

parse_status parse_request_head(std::string_view data, http_request& out)
{
    // Find the blank line that ends the head; bare LF line ends are tolerated (RFC 9112 2.2).
    size_t end = std::string_view::npos;
    size_t body = 0;
    for (size_t i = 0; i < data.size(); ++i) {
        if (data[i] != '\n') {
            continue;
        }
        if (i + 1 < data.size() && data[i + 1] == '\n') {
            end = i + 1;
            body = i + 2;
            break;
        }
        if (i + 2 < data.size() && data[i + 1] == '\r' && data[i + 2] == '\n') {
            end = i + 1;
            body = i + 3;
            break;
        }
    }
    if (end == std::string_view::npos) {
        // A head that starts with garbage need not wait for 8 KiB to be refused.
        if (!data.empty()) {
            size_t first = data.find_first_of(" \r\n");
            std::string_view m = data.substr(0, first == std::string_view::npos ? data.size() : first);
            for (char c : m) {
                if (!is_tchar(c)) {
                    return parse_status::bad;
                }
            }
        }
        return data.size() >= max_request_head ? parse_status::too_large : parse_status::incomplete;
    }
    if (body > max_request_head) {
        return parse_status::too_large;
    }
    std::string_view head = data.substr(0, end);

    // RFC 9112 2.2: a server SHOULD ignore at least one empty line before the request line.
    while (!head.empty() && (head.front() == '\r' || head.front() == '\n')) {
        head.remove_prefix(1);
    }
    bool first = true;
    bool http11 = false;
    bool has_host = false;
    while (!head.empty()) {
        size_t nl = head.find('\n');
        std::string_view line = head.substr(0, nl);
        head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.find('\r') != std::string_view::npos || line.find('\0') != std::string_view::npos) {
            return parse_status::bad; // a bare CR or NUL inside a line
        }
        if (first) {
            parse_status s = parse_request_line(line, out, http11);
            if (s != parse_status::ok) {
                return s;
            }
            first = false;
            continue;
        }
        if (line.empty()) {
            break;
        }
        if (line.front() == ' ' || line.front() == '\t') {
            return parse_status::bad; // obsolete line folding (RFC 9112 5.2)
        }
        size_t colon = line.find(':');
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
            return parse_status::bad; // includes whitespace before the colon (RFC 9112 5.1)
        }
        std::string_view value = trim_blanks(line.substr(colon + 1));
        for (char c : value) {
            auto u = static_cast<unsigned char>(c);
            if ((u < 0x20 && c != '\t') || u == 0x7f) {
                return parse_status::bad;
            }
        }
        if (out.headers.size() == max_header_fields) {
            return parse_status::too_large;
        }
        std::string name(line.substr(0, colon));
        for (char& c : name) {
            if (c >= 'A' && c <= 'Z') {
                c = char(c - 'A' + 'a');
            }
        }
        if (name == "host") {
            if (has_host) {
                return parse_status::bad; // RFC 9112 3.2: more than one Host is a 400
            }
            has_host = true;
        }
        out.headers.emplace_back(std::move(name), std::string(value));
    }
    if (first) {
        return parse_status::bad; // only blank lines
    }
    if (http11 && !has_host) {
        return parse_status::bad; // RFC 9112 3.2: HTTP/1.1 without Host is a 400
    }
    return parse_status::ok;
}

std::string_view reason_phrase(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

std::string serialize_response(const http_response& r, bool head_only)
{
    std::string out;
    out.reserve(160 + (head_only ? 0 : r.body.size()));
    out += "HTTP/1.1 ";
    out += std::to_string(r.status);
    out += ' ';
    out += reason_phrase(r.status);
    out += "\r\n";
    if (!r.content_type.empty()) {
        out += "Content-Type: ";
        out += r.content_type;
        out += "\r\n";
    }
    out += "Content-Length: ";
    out += std::to_string(r.body.size());
    out += "\r\nConnection: close\r\nCache-Control: no-store\r\n";
    for (const auto& [name, value] : r.headers) {
        out += name;
        out += ": ";
        out += value;
        out += "\r\n";
    }
    out += "\r\n";
    if (!head_only) {
        out += r.body;
    }
    return out;
}

http_response json_error(int status, std::string_view message)
{
    process::json_writer j;
    j.begin_object();
    j.key("error").value(message);
    j.key("status").value(status);
    j.end_object();
    http_response r;
    r.status = status;
    r.content_type = "application/json";
    r.body = j.take();
    r.body += '\n';
    return r;
}

} // namespace edgerelay::cp::api
