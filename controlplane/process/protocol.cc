// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Control socket requests (text or JSON lines) and dot-terminated responses.
#include "controlplane/process/protocol.hh"

#include <charconv>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/crypto/encoding.hh"

namespace edgerelay::cp::process {

namespace {

std::vector<std::string> split_words(std::string_view line)
{
    std::vector<std::string> out;
    size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t') {
            ++i;
        }
        if (i > start) {
            out.emplace_back(line.substr(start, i - start));
        }
    }
    return out;
}

// JSON is a subset of YAML's flow style, so the YAML parser the configuration already uses
// reads these one-line objects; only strings, booleans and arrays of strings are accepted.
std::optional<request> parse_json_request(std::string_view line, std::string& error)
{
    YAML::Node n;
    try {
        n = YAML::Load(std::string(line));
    } catch (const YAML::Exception& e) {
        error = "request is not valid JSON (" + e.msg + "); send e.g. {\"command\": \"peers\"}";
        return std::nullopt;
    }
    if (!n.IsMap()) {
        error = "a JSON request must be an object such as {\"command\": \"peers\"}";
        return std::nullopt;
    }
    request r;
    for (const auto& kv : n) {
        std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
        const YAML::Node& v = kv.second;
        if (key == "command" && v.IsScalar()) {
            r.command = v.Scalar();
        } else if (key == "json" && v.IsScalar() && (v.Scalar() == "true" || v.Scalar() == "false")) {
            r.json = v.Scalar() == "true";
        } else if (key == "args" && v.IsSequence()) {
            for (const auto& a : v) {
                if (!a.IsScalar()) {
                    error = "\"args\" must be an array of strings";
                    return std::nullopt;
                }
                r.args.push_back(a.Scalar());
            }
        } else {
            error = "unknown or mistyped JSON member \"" + key +
                    "\"; a request has \"command\" (string), \"args\" (array of strings) and "
                    "\"json\" (boolean)";
            return std::nullopt;
        }
    }
    if (r.command.empty()) {
        error = "JSON request has no \"command\"";
        return std::nullopt;
    }
    return r;
}

bool parse_u16(std::string_view s, uint16_t& out)
{
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v > 65535) {
        return false;
    }
    out = uint16_t(v);
    return true;
}

} // namespace

const std::vector<command_info>& commands()
{
    static const std::vector<command_info> list = {
        {"show", "show [--json]", "interface and peers, like `wg show`", false},
        {"peers", "peers [--json]", "one line per peer: id, name, key, endpoint, state", false},
        {"routes", "routes [--json]", "configured routes and their next hops", false},
        {"stats", "stats [--json]", "per-worker packet counters and drops by reason", false},
        {"add-peer",
         "add-peer <pubkey> [endpoint HOST:PORT] [allowed-ips A,B] [psk FILE] [keepalive N] "
         "[name N]",
         "add a peer at run time (kept across control plane restarts, not in the config file)",
         true},
        {"remove-peer", "remove-peer <pubkey>", "remove a peer and its routes", true},
        {"drain", "drain [on|off]",
         "stop (or resume) accepting new handshakes; live sessions run until they expire", false},
    };
    return list;
}

const command_info* find_command(std::string_view name) noexcept
{
    for (const auto& c : commands()) {
        if (name == c.name) {
            return &c;
        }
    }
    return nullptr;
}

std::optional<request> parse_request(std::string_view line, std::string& error)
{
    if (line.size() > max_request_bytes) {
        error = "request longer than " + std::to_string(max_request_bytes) + " bytes";
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
    }
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        error = "empty request; try `show`";
        return std::nullopt;
    }
    std::optional<request> r;
    if (line[first] == '{') {
        r = parse_json_request(line.substr(first), error);
        if (!r) {
            return std::nullopt;
        }
    } else {
        r.emplace();
        auto words = split_words(line);
        r->command = words.front();
        for (size_t i = 1; i < words.size(); ++i) {
            if (words[i] == "--json") {
                r->json = true;
            } else {
                r->args.push_back(words[i]);
            }
        }
    }
    if (find_command(r->command) == nullptr) {
        error = "unknown command \"" + r->command + "\"; known: ";
        const char* sep = "";
        for (const auto& c : commands()) {
            error += sep;
            error += c.name;
            sep = ", ";
        }
        return std::nullopt;
    }
    return r;
}

std::string format_request(const request& r)
{
    std::string out = r.command;
    for (const auto& a : r.args) {
        out += ' ';
        out += a;
    }
    if (r.json) {
        out += " --json";
    }
    return out;
}

std::optional<add_peer_args> parse_add_peer(const std::vector<std::string>& args,
                                            std::string& error)
{
    const std::string usage = std::string("usage: ") + find_command("add-peer")->usage;
    if (args.empty()) {
        error = "add-peer needs the peer's public key; " + usage;
        return std::nullopt;
    }
    add_peer_args a;
    auto key = crypto::key_from_base64(args[0]);
    if (!key) {
        error = "\"" + args[0] + "\" is not a WireGuard public key (44 characters of base64, "
                "as `wg pubkey` prints)";
        return std::nullopt;
    }
    a.public_key = *key;
    std::vector<std::string> seen;
    for (size_t i = 1; i < args.size(); i += 2) {
        const std::string& opt = args[i];
        if (i + 1 >= args.size()) {
            error = "\"" + opt + "\" needs a value; " + usage;
            return std::nullopt;
        }
        const std::string& val = args[i + 1];
        for (const auto& s : seen) {
            if (s == opt) {
                error = "\"" + opt + "\" given twice; give it once";
                return std::nullopt;
            }
        }
        seen.push_back(opt);
        if (opt == "endpoint") {
            if (auto p = config::parse_endpoint(val, a.endpoint)) {
                error = "endpoint: " + p->problem + "; " + p->hint;
                return std::nullopt;
            }
        } else if (opt == "allowed-ips") {
            std::stringstream ss(val);
            std::string item;
            while (std::getline(ss, item, ',')) {
                if (item.empty()) {
                    continue;
                }
                config::prefix pfx;
                if (auto p = config::parse_prefix(item, pfx, false)) {
                    error = "allowed-ips: " + p->problem + "; " + p->hint;
                    return std::nullopt;
                }
                a.allowed_ips.push_back(pfx);
            }
        } else if (opt == "psk") {
            if (val.empty() || val[0] != '/') {
                error = "psk: \"" + val + "\" is not an absolute path; the control plane reads "
                        "the file, so give its full path (mode 0600, e.g. from `wg genpsk`)";
                return std::nullopt;
            }
            a.psk_file = val;
        } else if (opt == "keepalive") {
            if (!parse_u16(val, a.persistent_keepalive)) {
                error = "keepalive: \"" + val + "\" is not a number of seconds in 0..65535";
                return std::nullopt;
            }
        } else if (opt == "name") {
            a.name = val;
        } else {
            error = "unknown add-peer option \"" + opt + "\"; " + usage;
            return std::nullopt;
        }
    }
    return a;
}

std::vector<std::string> format_add_peer(const add_peer_args& a)
{
    std::vector<std::string> out{crypto::key_to_base64(a.public_key.data())};
    if (!a.endpoint.empty()) {
        out.insert(out.end(), {"endpoint", config::format_endpoint(a.endpoint)});
    }
    if (!a.allowed_ips.empty()) {
        std::string list;
        for (const auto& p : a.allowed_ips) {
            list += (list.empty() ? "" : ",") + config::format_prefix(p);
        }
        out.insert(out.end(), {"allowed-ips", list});
    }
    if (!a.psk_file.empty()) {
        out.insert(out.end(), {"psk", a.psk_file});
    }
    if (a.persistent_keepalive != 0) {
        out.insert(out.end(), {"keepalive", std::to_string(a.persistent_keepalive)});
    }
    if (!a.name.empty()) {
        out.insert(out.end(), {"name", a.name});
    }
    return out;
}

std::string encode_response(bool ok, std::string_view body)
{
    std::string out;
    std::string_view rest = body;
    if (ok) {
        out = "ok\n";
    } else {
        size_t nl = body.find('\n');
        out = "error: " + std::string(body.substr(0, nl)) + "\n";
        rest = nl == std::string_view::npos ? std::string_view() : body.substr(nl + 1);
    }
    while (!rest.empty()) {
        size_t nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        if (!line.empty() && line[0] == '.') {
            out += '.';
        }
        out += line;
        out += '\n';
        rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    }
    out += ".\n";
    return out;
}

bool response_reader::feed(std::string_view line)
{
    if (_done) {
        return true;
    }
    if (!_have_status) {
        _have_status = true;
        if (line == "ok") {
            _ok = true;
        } else if (line.starts_with("error: ")) {
            _body = std::string(line.substr(7));
        } else {
            _body = "malformed response status \"" + std::string(line) + "\"";
        }
        return false;
    }
    if (line == ".") {
        _done = true;
        return true;
    }
    if (!line.empty() && line[0] == '.') {
        line.remove_prefix(1);
    }
    if (_body_lines > 0 || !_ok) {
        _body += '\n';
    }
    _body += line;
    ++_body_lines;
    return false;
}

} // namespace edgerelay::cp::process
