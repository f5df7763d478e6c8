// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Loading and validating the YAML configuration (docs/DESIGN.md §4) into plain structs.
#include "common/config/config.hh"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <sys/stat.h>

#include "common/config/reader.hh"
#include "common/crypto/encoding.hh"

namespace edgerelay::config {
namespace {

// Bounds the other parts of the system impose; kept here so the file is refused at load rather
// than at dataplane start. dp::max_workers (dataplane/limits.hh) and abi::limits::max_ports.
constexpr uint32_t max_workers = 16;
constexpr std::size_t max_ports = 8;
// Peer ids 0 .. count-1 stay below the special next hops (abi::next_hop_control = 0x00FFFFFD
// is the lowest of them), so the segment accepts every count the file can ask for.
constexpr uint32_t max_peer_count = 0x00FFFFFD;
constexpr uint32_t max_route_count = 1u << 24;
constexpr uint32_t max_core_id = 1023; // CPU_SETSIZE - 1
constexpr std::size_t max_sun_path = 107;

bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
}

std::string line_of(const field& f)
{
    return std::to_string(f.mark.line + 1);
}

class parser {
  public:
    explicit parser(const std::string& file) : _r(file) {}

    config run(const std::string& text);

  private:
    void top(const mapping& m, config& c);
    void identity(const field& f, identity_config& id);
    void location(const field& f, config& c);
    void dataplane(const field& f, dataplane_config& d);
    void cores(const field& f, dataplane_config& d);
    void eal_args(const field& f, dataplane_config& d);
    port_config port(const field& f);
    void io_uring(const field& f, io_uring_config& io);
    void dht(const field& f, dht_config& d);
    void health(const field& f, health_config& h);
    void announce(const field& f, announce_config& a);
    void peers(const field& f, config& c);
    peer_config peer(const mapping& m);
    void routes(const field& f, config& c);
    std::string name(const field& f, std::size_t max_len, bool allow_dot);

    reader _r;
};

// YAML is Unicode text: a byte sequence that is not UTF-8 would not survive to_yaml() and
// usually means a file saved in another encoding. Refused with its position.
void check_utf8(const std::string& file, const std::string& text)
{
    int line = 1, col = 1;
    for (size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        bool ok = len != 0 && i + len <= text.size() && !(len == 2 && c < 0xc2);
        for (size_t k = 1; ok && k < len; k++) {
            ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
        }
        if (!ok) {
            throw config_error(file, line, col, "", "the text is not valid UTF-8",
                               "save the file as UTF-8 (iconv -t UTF-8)");
        }
        if (c == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
        i += len;
    }
}

config parser::run(const std::string& text)
{
    check_utf8(_r.file(), text);
    // A second document starts with `---` in column 0 after content (block scalars are
    // indented, so such a line is always a marker). Found by hand rather than with
    // YAML::LoadAll, which loops forever on inputs like "," in yaml-cpp 0.7 (upstream #1040;
    // found by fuzz_config).
    {
        bool content = false;
        int line_no = 0;
        int second = 0; // line of the second document's marker
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            line_no++;
            bool marker = line.rfind("---", 0) == 0 &&
                          (line.size() == 3 || line[3] == ' ' || line[3] == '\t' || line[3] == '\r');
            auto first = line.find_first_not_of(" \t\r");
            bool has_content = first != std::string::npos && line[first] != '#' && line[first] != '%';
            if (marker && content && second == 0) {
                second = line_no;
            } else if (second != 0 && has_content) {
                second = line_no; // point at the second document's first content line
                break;
            }
            content |= !marker && has_content;
        }
        if (second != 0) {
            throw config_error(_r.file(), second, 1, "", "the file holds more than one YAML document",
                               "remove the second document (after ---)");
        }
    }
    std::vector<YAML::Node> docs(1);
    try {
        docs[0] = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw config_error(_r.file(), e.mark.line + 1, e.mark.column + 1, "", e.msg,
                           "check the indentation and quoting here");
    }
    if (docs[0].IsNull()) {
        throw config_error(_r.file(), 1, 1, "", "the file is empty",
                           "start from the documented example, config/edgerelay.yaml");
    }
    mapping m =
        _r.as_map(field{docs[0], docs[0].Mark(), ""},
                  {"instance", "identity", "listen_port", "mtu", "region", "location", "http",
                   "control_socket", "dataplane", "bootstrap", "dht", "health", "announce", "peers",
                   "routes"});
    config c;
    top(m, c);
    return c;
}

std::string parser::name(const field& f, std::size_t max_len, bool allow_dot)
{
    std::string s = _r.as_string(f);
    bool ok = !s.empty() && s.size() <= max_len && s[0] != '-' && s[0] != '.' &&
              std::all_of(s.begin(), s.end(),
                          [&](char ch) { return is_name_char(ch) && (allow_dot || ch != '.'); });
    if (!ok) {
        _r.fail(f, "\"" + s + "\" is not a valid name",
                std::string("use 1..") + std::to_string(max_len) + " letters, digits, '-', '_'" +
                    (allow_dot ? " or '.'" : "") + ", not starting with '-'");
    }
    return s;
}

void parser::top(const mapping& m, config& c)
{
    if (const field* f = m.get("instance")) {
        c.instance = name(*f, 32, false);
    }
    c.control_socket = "/run/edgerelay/" + c.instance + ".sock";
    if (const field* f = m.get("identity")) {
        identity(*f, c.identity);
    }
    if (const field* f = m.get("listen_port")) {
        c.listen_port = static_cast<uint16_t>(_r.as_uint(*f, 1, 65535));
    }
    if (const field* f = m.get("mtu")) {
        c.mtu = static_cast<uint16_t>(_r.as_uint(*f, 576, 9000));
    }
    if (const field* f = m.get("region")) {
        std::string s = _r.as_string(*f);
        // The region names a DHT rendezvous key, so two spellings must not mean two regions.
        bool ok = !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
        });
        if (!ok) {
            _r.fail(*f, "\"" + s + "\" is not a valid region",
                    "use up to 32 lowercase letters, digits and '-', e.g. eu-west");
        }
        c.region = s;
    }
    if (const field* f = m.get("location")) {
        location(*f, c);
    }
    if (const field* f = m.get("http")) {
        mapping h = _r.as_map(*f, {"address"});
        if (const field* a = h.get("address")) {
            c.http_address = _r.as_endpoint(*a);
        }
    }
    if (const field* f = m.get("control_socket")) {
        c.control_socket = _r.as_absolute_path(*f, max_sun_path);
    }
    if (const field* f = m.get("dataplane")) {
        dataplane(*f, c.dataplane);
    }
    if (const field* f = m.get("bootstrap")) {
        std::map<std::string, std::string> seen;
        for (const field& e : _r.as_list(*f, "[\"10.0.0.2:4222\"]")) {
            wire::endpoint ep = _r.as_endpoint(e);
            auto [it, fresh] = seen.emplace(format_endpoint(ep), line_of(e));
            if (!fresh) {
                _r.fail(e,
                        format_endpoint(ep) + " is listed twice (first at line " + it->second + ")",
                        "remove the duplicate");
            }
            c.bootstrap.push_back(ep);
        }
    }
    if (const field* f = m.get("dht")) {
        dht(*f, c.dht);
    }
    if (const field* f = m.get("health")) {
        health(*f, c.health);
    }
    if (const field* f = m.get("announce")) {
        announce(*f, c.announce);
    }
    if (const field* f = m.get("peers")) {
        peers(*f, c);
    }
    if (const field* f = m.get("routes")) {
        routes(*f, c);
    }
}

void parser::identity(const field& f, identity_config& id)
{
    mapping m = _r.as_map(f, {"private_key_file", "node_key_file"});
    if (const field* p = m.get("private_key_file")) {
        id.private_key_file = _r.as_absolute_path(*p);
    }
    if (const field* p = m.get("node_key_file")) {
        id.node_key_file = _r.as_absolute_path(*p);
    }
}

void parser::location(const field& f, config& c)
{
    mapping m = _r.as_map(f, {"latitude", "longitude"});
    location_config l;
    l.latitude = _r.as_double(_r.require(m, "latitude", "write latitude: 48.85"), -90, 90);
    l.longitude = _r.as_double(_r.require(m, "longitude", "write longitude: 2.35"), -180, 180);
    c.location = l;
}

void parser::dataplane(const field& f, dataplane_config& d)
{
    mapping m = _r.as_map(f, {"driver", "cores", "workers", "max_peers", "max_routes", "hugepages",
                              "eal_args", "ports", "io_uring"});
    if (const field* p = m.get("driver")) {
        d.driver = static_cast<driver_kind>(_r.as_enum(*p, {"auto", "dpdk", "io_uring"}));
    }
    if (const field* p = m.get("cores")) {
        cores(*p, d);
    }
    if (const field* p = m.get("workers")) {
        uint32_t w = static_cast<uint32_t>(_r.as_uint(*p, 1, max_workers));
        if (!d.cores.empty() && w != d.cores.size()) {
            _r.fail(*p,
                    "workers: " + std::to_string(w) + " disagrees with the " +
                        std::to_string(d.cores.size()) + " cores listed",
                    "leave workers out when cores are listed: one worker runs on each");
        }
        d.workers = w;
    }
    if (const field* p = m.get("max_peers")) {
        d.max_peers = static_cast<uint32_t>(_r.as_uint(*p, 1, max_peer_count));
    }
    if (const field* p = m.get("max_routes")) {
        d.max_routes = static_cast<uint32_t>(_r.as_uint(*p, 1, max_route_count));
    }
    if (const field* p = m.get("hugepages")) {
        d.hugepages = _r.as_bool(*p);
    }
    if (const field* p = m.get("eal_args")) {
        eal_args(*p, d);
    }
    if (const field* p = m.get("ports")) {
        std::vector<field> list = _r.as_list(*p, "[{name: net_tap0, role: access}]");
        if (list.size() > max_ports) {
            _r.fail(list[max_ports], "more than " + std::to_string(max_ports) + " ports",
                    "the dataplane drives at most " + std::to_string(max_ports) + " ports");
        }
        std::map<std::string, std::string> names;
        for (const field& e : list) {
            port_config pc = port(e);
            auto [it, fresh] = names.emplace(pc.name, line_of(e));
            if (!fresh) {
                _r.fail(e,
                        "port \"" + pc.name + "\" is listed twice (first at line " + it->second +
                            ")",
                        "give each port its own name");
            }
            d.ports.push_back(std::move(pc));
        }
    }
    if (const field* p = m.get("io_uring")) {
        io_uring(*p, d.io_uring);
    }
    if (d.driver == driver_kind::dpdk &&
        std::none_of(d.ports.begin(), d.ports.end(),
                     [](const port_config& pc) { return pc.role == port_role::underlay; })) {
        const field* at = m.get("ports");
        _r.fail(at ? at->mark : m.get("driver")->mark, f.path + ".ports",
                "driver dpdk needs an underlay port",
                "add one, e.g. {name: net_af_packet0, devargs: \"iface=eth0\", role: underlay, "
                "address: 10.0.0.1/24}");
    }
}

void parser::cores(const field& f, dataplane_config& d)
{
    if (f.node.IsScalar()) {
        if (f.node.Scalar() != "auto") {
            _r.fail(f, "expected auto or a list of core numbers, found " + describe(f.node),
                    "write auto or a list like [1, 2]");
        }
        d.cores.clear();
        return;
    }
    std::vector<field> list = _r.as_list(f, "[1, 2] (or auto)");
    if (list.empty()) {
        _r.fail(f, "the list of cores is empty", "write auto or a list like [1, 2]");
    }
    if (list.size() > max_workers) {
        _r.fail(list[max_workers], "more than " + std::to_string(max_workers) + " cores",
                "the dataplane runs at most " + std::to_string(max_workers) + " workers");
    }
    std::set<uint32_t> seen;
    for (const field& e : list) {
        uint32_t core = static_cast<uint32_t>(_r.as_uint(e, 0, max_core_id));
        if (!seen.insert(core).second) {
            _r.fail(e, "core " + std::to_string(core) + " is listed twice",
                    "list each core once: one worker is pinned to each");
        }
        d.cores.push_back(core);
    }
    d.workers = static_cast<uint32_t>(d.cores.size());
}

void parser::eal_args(const field& f, dataplane_config& d)
{
    // The dataplane derives these from other settings; a second copy would contradict them.
    static const std::map<std::string, std::string> owned = {
        {"-l", "use dataplane.cores"},
        {"--lcores", "use dataplane.cores"},
        {"-c", "use dataplane.cores"},
        {"--no-huge", "use dataplane.hugepages: false"},
        {"--file-prefix", "the dataplane derives it from instance"},
    };
    for (const field& e : _r.as_list(f, "[\"--in-memory\"]")) {
        std::string arg = _r.as_string(e);
        std::string key = arg.substr(0, arg.find('='));
        if (auto it = owned.find(key); it != owned.end()) {
            _r.fail(e, "EAL argument " + key + " is set by the dataplane", it->second);
        }
        if (arg.empty()) {
            _r.fail(e, "empty EAL argument", "remove it");
        }
        d.eal_args.push_back(arg);
    }
}

port_config parser::port(const field& f)
{
    mapping m = _r.as_map(f, {"name", "devargs", "role", "address", "gateway_mac", "vlan"});
    port_config pc;
    pc.name =
        name(_r.require(m, "name", "write the vdev name or PCI address, e.g. net_tap0"), 64, true);
    if (const field* p = m.get("devargs")) {
        pc.devargs = _r.as_string(*p);
    }
    pc.role = static_cast<port_role>(_r.as_enum(
        _r.require(m, "role", "write role: underlay or role: access"), {"underlay", "access"}));
    if (const field* p = m.get("address")) {
        pc.address = _r.as_prefix(*p, true);
    } else if (pc.role == port_role::underlay) {
        _r.require(m, "address",
                   "an underlay port sends from its own address: write e.g. "
                   "address: 10.0.0.1/24");
    }
    if (const field* p = m.get("gateway_mac")) {
        std::string s = _r.as_string(*p);
        std::array<uint8_t, 6> mac{};
        bool ok = s.size() == 17;
        for (std::size_t i = 0; ok && i < 6; ++i) {
            if (i > 0 && s[i * 3 - 1] != ':') {
                ok = false;
                break;
            }
            unsigned v = 0;
            auto [end, ec] = std::from_chars(s.data() + i * 3, s.data() + i * 3 + 2, v, 16);
            ok = ec == std::errc() && end == s.data() + i * 3 + 2;
            mac[i] = static_cast<uint8_t>(v);
        }
        if (!ok) {
            _r.fail(*p, "\"" + s + "\" is not a MAC address",
                    "write six hex bytes separated by colons, e.g. \"02:00:00:00:00:01\"");
        }
        pc.gateway_mac = mac;
    }
    if (const field* p = m.get("vlan")) {
        pc.vlan = static_cast<uint16_t>(_r.as_uint(*p, 0, 4094));
    }
    return pc;
}

void parser::io_uring(const field& f, io_uring_config& io)
{
    mapping m = _r.as_map(f, {"bind", "family", "tun"});
    if (const field* p = m.get("family")) {
        io.family = static_cast<ip_family>(_r.as_enum(*p, {"ipv4", "ipv6", "dual"}));
    }
    if (const field* p = m.get("bind")) {
        wire::endpoint e;
        if (auto problem = parse_address(_r.as_string(*p), e)) {
            _r.fail(*p, problem->problem, problem->hint + " (the port is listen_port)");
        }
        // A dual-stack socket is one IPv6 socket that also takes IPv4-mapped traffic, so it can
        // only bind the IPv6 wildcard (drivers/io_uring/udp_port.hh).
        static const uint8_t zero[16] = {};
        bool wildcard = std::memcmp(e.addr, zero, 16) == 0;
        if (io.family == ip_family::dual && !(e.family == 6 && wildcard)) {
            _r.fail(*p, "family dual binds the IPv6 wildcard only",
                    "write bind: \"::\", or choose family: ipv4 or ipv6 for a specific address");
        }
        if ((io.family == ip_family::ipv4 && e.family != 4) ||
            (io.family == ip_family::ipv6 && e.family != 6)) {
            _r.fail(*p, "the bind address is not of family " + std::string(to_string(io.family)),
                    "make bind and family agree");
        }
        io.bind = e;
    }
    if (const field* p = m.get("tun")) {
        mapping t = _r.as_map(*p, {"name", "address"});
        tun_config tc;
        if (const field* n = t.get("name")) {
            tc.name = name(*n, 15, true); // IFNAMSIZ - 1
        }
        if (const field* a = t.get("address")) {
            std::vector<field> list;
            if (a->node.IsScalar()) {
                list.push_back(*a);
            } else {
                list = _r.as_list(*a, "[10.99.0.1/16, fd99::1/64]");
            }
            for (const field& e : list) {
                prefix pf = _r.as_prefix(e, true);
                if (std::find(tc.addresses.begin(), tc.addresses.end(), pf) != tc.addresses.end()) {
                    _r.fail(e, format_prefix(pf) + " is listed twice", "remove the duplicate");
                }
                tc.addresses.push_back(pf);
            }
        }
        io.tun = tc;
    }
}

void parser::dht(const field& f, dht_config& d)
{
    mapping m = _r.as_map(f, {"port", "state_file", "k_nearest"});
    if (const field* p = m.get("port")) {
        d.port = static_cast<uint16_t>(_r.as_uint(*p, 1, 65535));
    }
    if (const field* p = m.get("state_file")) {
        d.state_file = _r.as_absolute_path(*p);
    }
    if (const field* p = m.get("k_nearest")) {
        d.k_nearest = static_cast<uint32_t>(_r.as_uint(*p, 1, 20));
    }
}

void parser::health(const field& f, health_config& h)
{
    mapping m = _r.as_map(f, {"interval_ms", "misses", "timeout_ms"});
    if (const field* p = m.get("interval_ms")) {
        h.interval_ms = static_cast<uint32_t>(_r.as_uint(*p, 10, 60000));
    }
    if (const field* p = m.get("misses")) {
        h.misses = static_cast<uint32_t>(_r.as_uint(*p, 1, 100));
    }
    if (const field* p = m.get("timeout_ms")) {
        h.timeout_ms = static_cast<uint32_t>(_r.as_uint(*p, 0, 240000));
    }
}

void parser::announce(const field& f, announce_config& a)
{
    mapping m = _r.as_map(f, {"endpoints", "prefixes"});
    if (const field* e = m.get("endpoints")) {
        std::map<std::string, std::string> seen;
        for (const field& x : _r.as_list(*e, "[\"203.0.113.7:51820\"]")) {
            wire::endpoint ep = _r.as_endpoint(x);
            // Other relays send handshakes here: an unspecified address reaches nobody.
            bool wildcard = std::all_of(ep.addr, ep.addr + 16, [](uint8_t b) { return b == 0; });
            if (wildcard) {
                _r.fail(x, format_endpoint(ep) + " is a wildcard address",
                        "write the address other relays reach this one at, e.g. 203.0.113.7:" +
                            std::to_string(ep.port));
            }
            auto [it, fresh] = seen.emplace(format_endpoint(ep), line_of(x));
            if (!fresh) {
                _r.fail(x,
                        format_endpoint(ep) + " is listed twice (first at line " + it->second + ")",
                        "remove the duplicate");
            }
            a.endpoints.push_back(ep);
        }
    }
    if (const field* p = m.get("prefixes")) {
        std::map<std::string, std::string> seen;
        for (const field& x : _r.as_list(*p, "[10.50.0.0/16]")) {
            prefix pf = _r.as_prefix(x, false);
            auto [it, fresh] = seen.emplace(format_prefix(pf), line_of(x));
            if (!fresh) {
                _r.fail(x,
                        format_prefix(pf) + " is listed twice (first at line " + it->second + ")",
                        "remove the duplicate");
            }
            a.prefixes.push_back(pf);
        }
    }
}

peer_config parser::peer(const mapping& m)
{
    peer_config p;
    p.public_key = _r.as_key(
        _r.require(m, "public_key", "write the peer's key, as `wg pubkey` prints it"), "wg pubkey");
    if (const field* e = m.get("endpoint")) {
        p.endpoint = _r.as_endpoint(*e);
    }
    if (const field* a = m.get("allowed_ips")) {
        for (const field& e :
             _r.as_list(*a, "[" + (a->node.IsScalar() ? a->node.Scalar() : "10.1.0.0/16") + "]")) {
            p.allowed_ips.push_back(_r.as_prefix(e, false));
        }
    }
    if (const field* k = m.get("preshared_key")) {
        crypto::key32 psk = _r.as_key(*k, "wg genpsk");
        p.preshared_key.emplace();
        std::copy(psk.begin(), psk.end(), p.preshared_key->bytes.begin());
        crypto::wipe(psk.data(), psk.size());
    }
    if (const field* k = m.get("persistent_keepalive")) {
        p.persistent_keepalive = static_cast<uint16_t>(_r.as_uint(*k, 0, 65535));
    }
    if (const field* n = m.get("name")) {
        p.name = name(*n, 32, true);
        if (p.name == "local") {
            _r.fail(*n, "\"local\" is reserved for routes to the local access side",
                    "choose another name");
        }
    }
    return p;
}

void parser::peers(const field& f, config& c)
{
    std::vector<field> list = _r.as_list(f, "[{public_key: ..., allowed_ips: [10.1.0.0/16]}]");
    std::map<crypto::key32, std::size_t> keys;
    std::map<std::string, std::size_t> names;
    std::map<std::pair<std::array<uint8_t, 16>, std::pair<uint8_t, uint8_t>>, std::size_t> ips;
    for (std::size_t i = 0; i < list.size(); ++i) {
        mapping m = _r.as_map(list[i], {"public_key", "endpoint", "allowed_ips", "preshared_key",
                                        "persistent_keepalive", "name"});
        peer_config p = peer(m);
        auto label = [&](std::size_t j) {
            return "peers[" + std::to_string(j) + "]" +
                   (c.peers[j].name.empty() ? "" : " (" + c.peers[j].name + ")");
        };
        if (auto [it, fresh] = keys.emplace(p.public_key, i); !fresh) {
            _r.fail(*m.get("public_key"), "the same public key as " + label(it->second),
                    "each peer has its own key; merge the two entries");
        }
        if (!p.name.empty()) {
            if (auto [it, fresh] = names.emplace(p.name, i); !fresh) {
                _r.fail(*m.get("name"),
                        "name \"" + p.name + "\" is already used by " + label(it->second),
                        "give each peer its own name");
            }
        }
        std::vector<field> ip_fields;
        if (const field* a = m.get("allowed_ips")) {
            ip_fields = _r.as_list(*a, "");
        }
        for (std::size_t k = 0; k < p.allowed_ips.size(); ++k) {
            const prefix& pf = p.allowed_ips[k];
            std::array<uint8_t, 16> a{};
            std::copy(pf.addr, pf.addr + 16, a.begin());
            auto [it, fresh] = ips.emplace(std::make_pair(a, std::make_pair(pf.family, pf.len)), i);
            if (!fresh) {
                // Cryptokey routing maps each allowed IP to exactly one peer.
                _r.fail(ip_fields[k],
                        format_prefix(pf) + " is already an allowed IP of " +
                            (it->second == i ? std::string("this peer") : label(it->second)),
                        "an allowed IP belongs to one peer only; remove one of them");
            }
        }
        c.peers.push_back(std::move(p));
    }
}

void parser::routes(const field& f, config& c)
{
    std::vector<field> list = _r.as_list(f, "[{prefix: 10.2.0.0/16, via: site-b}]");
    std::map<std::string, std::string> seen;
    for (const field& e : list) {
        mapping m = _r.as_map(e, {"prefix", "via"});
        const field& pf =
            _r.require(m, "prefix", "write the destination, e.g. prefix: 10.2.0.0/16");
        route_config r;
        r.dest = _r.as_prefix(pf, false);
        auto [it, fresh] = seen.emplace(format_prefix(r.dest), line_of(pf));
        if (!fresh) {
            _r.fail(pf,
                    "route " + format_prefix(r.dest) + " is already defined at line " + it->second,
                    "keep one route per prefix");
        }
        const field& via = _r.require(m, "via", "write via: <peer name>, <public key> or local");
        r.via = _r.as_string(via);
        if (r.via == "local") {
            r.local = true;
        } else {
            auto key = crypto::key_from_base64(r.via);
            auto match = std::find_if(c.peers.begin(), c.peers.end(), [&](const peer_config& p) {
                return (!p.name.empty() && p.name == r.via) || (key && p.public_key == *key);
            });
            if (match == c.peers.end()) {
                std::string hint = "use a peer's name, its public key, or local";
                std::string best;
                std::size_t best_d = SIZE_MAX;
                for (const peer_config& p : c.peers) {
                    std::size_t d = p.name.empty() ? SIZE_MAX : edit_distance(r.via, p.name);
                    if (d < best_d) {
                        best_d = d;
                        best = p.name;
                    }
                }
                if (best_d <= std::max<std::size_t>(1, r.via.size() / 3)) {
                    hint = "did you mean \"" + best + "\"?";
                }
                _r.fail(via, "\"" + r.via + "\" names no peer", hint);
            }
            r.peer = static_cast<std::size_t>(match - c.peers.begin());
        }
        c.routes.push_back(std::move(r));
    }
}

} // namespace

config_error::config_error(std::string file, int line, int column, std::string field,
                           std::string problem, std::string hint)
    : std::runtime_error(
          file +
          (line > 0 ? ":" + std::to_string(line) + ":" + std::to_string(column) : std::string()) +
          ": " + (field.empty() ? std::string() : field + ": ") + problem +
          (hint.empty() ? std::string() : "; hint: " + hint)),
      _file(std::move(file)), _line(line), _column(column), _field(std::move(field)),
      _problem(std::move(problem)), _hint(std::move(hint))
{
}

bool peer_config::operator==(const peer_config& o) const
{
    bool psk_equal =
        preshared_key.has_value() == o.preshared_key.has_value() &&
        (!preshared_key || crypto::equal_ct(preshared_key->data(), o.preshared_key->data(), 32));
    return public_key == o.public_key && endpoint == o.endpoint && allowed_ips == o.allowed_ips &&
           psk_equal && persistent_keepalive == o.persistent_keepalive && name == o.name;
}

config::config()
{
    parse_endpoint("127.0.0.1:4040", http_address);
    control_socket = "/run/edgerelay/" + instance + ".sock";
}

config parse(const std::string& yaml_text, const std::string& name_for_errors)
{
    return parser(name_for_errors).run(yaml_text);
}

config load(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw config_error(path, 0, 0, "", std::string("cannot open: ") + std::strerror(errno),
                           "check the path and that the service user may read it");
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse(text.str(), path);
}

void check_key_file_mode(const std::string& path)
{
    const std::string field = "identity.private_key_file";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        throw config_error(path, 0, 0, field, std::string("cannot stat: ") + std::strerror(errno),
                           "create it with: (umask 077; wg genkey > " + path + ")");
    }
    if (!S_ISREG(st.st_mode)) {
        throw config_error(path, 0, 0, field, "not a regular file",
                           "point private_key_file at the file `wg genkey` wrote");
    }
    if ((st.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
        throw config_error(path, 0, 0, field,
                           std::string("mode ") + mode + " lets group or others access the key",
                           "chmod 600 " + path);
    }
}

const char* to_string(driver_kind d) noexcept
{
    switch (d) {
    case driver_kind::dpdk:
        return "dpdk";
    case driver_kind::io_uring:
        return "io_uring";
    default:
        return "auto";
    }
}

const char* to_string(port_role r) noexcept
{
    return r == port_role::access ? "access" : "underlay";
}

const char* to_string(ip_family f) noexcept
{
    switch (f) {
    case ip_family::ipv4:
        return "ipv4";
    case ip_family::ipv6:
        return "ipv6";
    default:
        return "dual";
    }
}

} // namespace edgerelay::config
