// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wg-quick INI to edgerelay YAML, with the line of every refused entry.
#include "common/config/wg_quick.hh"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <initializer_list>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "common/config/address.hh"
#include "common/config/config.hh"
#include "common/config/reader.hh"
#include "common/crypto/encoding.hh"

namespace edgerelay::config {
namespace {

const std::initializer_list<std::string_view> interface_keys = {
    "PrivateKey", "ListenPort", "Address", "MTU",      "DNS",        "Table",
    "PreUp",      "PostUp",     "PreDown", "PostDown", "SaveConfig", "FwMark"};
const std::initializer_list<std::string_view> host_only_keys = {
    "DNS", "Table", "PreUp", "PostUp", "PreDown", "PostDown", "SaveConfig", "FwMark"};
const std::initializer_list<std::string_view> peer_keys = {"PublicKey", "PresharedKey", "Endpoint",
                                                           "AllowedIPs", "PersistentKeepalive"};

bool iequal(std::string_view a, std::string_view b)
{
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Returns the canonical spelling: wg(8) matches keys without regard to case.
std::string_view canonical(std::string_view key, std::initializer_list<std::string_view> known)
{
    for (std::string_view k : known) {
        if (iequal(k, key)) {
            return k;
        }
    }
    return {};
}

std::string_view trim(std::string_view s)
{
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
        s.remove_prefix(1);
    }
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
        s.remove_suffix(1);
    }
    return s;
}

std::string quote(const std::string& s)
{
    return "\"" + s + "\"";
}

struct entry {
    std::string key; // canonical
    std::string value;
    int line = 0;
    int column = 0; // of the value
};

struct wg_peer {
    int line = 0;
    std::vector<entry> entries;
};

class importer {
  public:
    importer(const std::string& file) : _file(file) {}

    std::string run(const std::string& text, std::optional<crypto::secret32>& private_key);

  private:
    [[noreturn]] void fail(int line, int column, const std::string& field,
                           const std::string& problem, const std::string& hint) const
    {
        throw config_error(_file, line, column, field, problem, hint);
    }
    [[noreturn]] void fail(const entry& e, const std::string& section, const std::string& problem,
                           const std::string& hint) const
    {
        fail(e.line, e.column, section + "." + e.key, problem, hint);
    }
    void read(const std::string& text);
    std::vector<std::string> list(const entry& e) const;
    uint64_t number(const entry& e, const std::string& section, uint64_t lo, uint64_t hi) const;
    crypto::key32 key(const entry& e, const std::string& section, const char* tool) const;
    std::string instance_name() const;

    std::string _file;
    bool _have_interface = false;
    std::vector<entry> _interface;
    std::vector<wg_peer> _peers;
    std::vector<std::string> _not_imported;
};

void importer::read(const std::string& text)
{
    enum { none, interface, peer } section = none;
    std::istringstream in(text);
    std::string raw;
    for (int line = 1; std::getline(in, raw); ++line) {
        std::string_view s = raw;
        if (size_t hash = s.find('#'); hash != std::string_view::npos) {
            s = s.substr(0, hash);
        }
        s = trim(s);
        int indent = static_cast<int>(raw.find_first_not_of(" \t"));
        if (s.empty()) {
            continue;
        }
        if (s.front() == '[') {
            if (iequal(s, "[Interface]")) {
                if (_have_interface) {
                    fail(line, indent + 1, "[Interface]", "a second [Interface] section",
                         "a wg-quick file has one [Interface]; merge them");
                }
                _have_interface = true;
                section = interface;
            } else if (iequal(s, "[Peer]")) {
                _peers.push_back(wg_peer{line, {}});
                section = peer;
            } else {
                fail(line, indent + 1, "", "unknown section " + std::string(s),
                     "wg-quick files have [Interface] and [Peer] sections");
            }
            continue;
        }
        size_t eq = s.find('=');
        if (eq == std::string_view::npos) {
            fail(line, indent + 1, "", "expected Key = Value, found \"" + std::string(s) + "\"",
                 "write e.g. ListenPort = 51820");
        }
        std::string key(trim(s.substr(0, eq)));
        std::string_view value = trim(s.substr(eq + 1));
        int column = static_cast<int>(value.empty() ? raw.size() : value.data() - raw.data()) + 1;
        if (section == none) {
            fail(line, indent + 1, key, "\"" + key + "\" is outside any section",
                 "put it under [Interface] or [Peer]");
        }
        bool in_interface = section == interface;
        std::string sec = in_interface ? std::string("[Interface]")
                                       : "[Peer " + std::to_string(_peers.size()) + "]";
        auto known = in_interface ? interface_keys : peer_keys;
        std::string_view canon = canonical(key, known);
        if (canon.empty()) {
            fail(line, indent + 1, sec + "." + key, "unknown key \"" + key + "\"",
                 did_you_mean(key, known));
        }
        entry e{std::string(canon), std::string(value), line, column};
        if (value.empty()) {
            fail(e, sec, "has no value", "write " + e.key + " = <value>, or remove the line");
        }
        if (in_interface && canonical(canon, host_only_keys).size()) {
            _not_imported.push_back("line " + std::to_string(line) + ": " + e.key + " = " +
                                    e.value);
            continue;
        }
        std::vector<entry>& into = in_interface ? _interface : _peers.back().entries;
        bool repeatable = e.key == "Address" || e.key == "AllowedIPs";
        for (const entry& prev : into) {
            if (!repeatable && prev.key == e.key) {
                fail(e, sec,
                     e.key + " is set twice (first at line " + std::to_string(prev.line) + ")",
                     "keep one of them");
            }
        }
        into.push_back(std::move(e));
    }
    if (!_have_interface) {
        fail(1, 1, "[Interface]", "no [Interface] section",
             "a wg-quick file starts with [Interface]");
    }
}

std::vector<std::string> importer::list(const entry& e) const
{
    std::vector<std::string> out;
    std::string_view rest = e.value;
    while (true) {
        size_t comma = rest.find(',');
        std::string_view item = trim(rest.substr(0, comma));
        if (!item.empty()) {
            out.emplace_back(item);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        rest = rest.substr(comma + 1);
    }
    return out;
}

uint64_t importer::number(const entry& e, const std::string& section, uint64_t lo,
                          uint64_t hi) const
{
    uint64_t v = 0;
    const std::string& s = e.value;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    std::string range = std::to_string(lo) + ".." + std::to_string(hi);
    if (end != s.data() + s.size() || ec == std::errc::invalid_argument) {
        fail(e, section, quote(s) + " is not a whole number", "write a number in " + range);
    }
    if (ec == std::errc::result_out_of_range || v < lo || v > hi) {
        fail(e, section, s + " is out of range", "use a value in " + range);
    }
    return v;
}

crypto::key32 importer::key(const entry& e, const std::string& section, const char* tool) const
{
    auto k = crypto::key_from_base64(e.value);
    if (!k || std::all_of(k->begin(), k->end(), [](uint8_t b) { return b == 0; })) {
        fail(e, section, "not a WireGuard key (44 characters of base64, 32 bytes, not all zero)",
             std::string("copy the key exactly as `") + tool + "` prints it");
    }
    return *k;
}

std::string importer::instance_name() const
{
    std::string base = _file.substr(_file.find_last_of('/') + 1);
    if (base.size() > 5 && base.compare(base.size() - 5, 5, ".conf") == 0) {
        base.resize(base.size() - 5);
    }
    bool ok = !base.empty() && base.size() <= 32 && base[0] != '-' &&
              std::all_of(base.begin(), base.end(), [](char c) {
                  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
              });
    return ok ? base : "edgerelay";
}

std::string importer::run(const std::string& text, std::optional<crypto::secret32>& private_key)
{
    read(text);
    const std::string sec = "[Interface]";
    std::ostringstream y;
    y << "# Imported from " << _file << " (wg-quick) by edgerelayctl import.\n";
    y << "instance: " << instance_name() << "\n";
    y << "identity:\n";
    private_key.reset();
    std::vector<prefix> addresses;
    std::vector<prefix> local_routes;
    std::string listen_port;
    std::string mtu;
    for (const entry& e : _interface) {
        if (e.key == "PrivateKey") {
            crypto::key32 k = key(e, sec, "wg genkey");
            private_key.emplace();
            std::copy(k.begin(), k.end(), private_key->bytes.begin());
            crypto::wipe(k.data(), k.size());
        } else if (e.key == "ListenPort") {
            listen_port = std::to_string(number(e, sec, 1, 65535));
        } else if (e.key == "MTU") {
            mtu = std::to_string(number(e, sec, 576, 9000));
        } else if (e.key == "Address") {
            for (const std::string& item : list(e)) {
                prefix p;
                if (auto problem = parse_prefix(item, p, true)) {
                    fail(e, sec, problem->problem, problem->hint);
                }
                if (std::find(addresses.begin(), addresses.end(), p) != addresses.end()) {
                    fail(e, sec, format_prefix(p) + " is listed twice", "remove the duplicate");
                }
                addresses.push_back(p);
                prefix net = masked(p);
                if (std::find(local_routes.begin(), local_routes.end(), net) ==
                    local_routes.end()) {
                    local_routes.push_back(net);
                }
            }
        }
    }
    if (private_key) {
        y << "  # The [Interface] PrivateKey is not copied here: write it into this file,\n"
             "  # readable by the service user only (chmod 600).\n";
    }
    y << "  private_key_file: /etc/edgerelay/private.key\n";
    if (!listen_port.empty()) {
        y << "listen_port: " << listen_port << "\n";
    }
    if (!mtu.empty()) {
        y << "mtu: " << mtu << "\n";
    }
    y << "dataplane:\n  driver: io_uring\n  io_uring:\n    family: dual\n";
    if (!addresses.empty()) {
        y << "    tun:\n      name: er0\n      address: [";
        for (std::size_t i = 0; i < addresses.size(); ++i) {
            y << (i ? ", " : "") << format_prefix(addresses[i]);
        }
        y << "]\n";
    }
    y << "peers:" << (_peers.empty() ? " []" : "") << "\n";
    std::set<std::string> seen_keys;
    std::map<std::string, int> seen_ips; // allowed IP -> line of its first use
    for (std::size_t i = 0; i < _peers.size(); ++i) {
        const wg_peer& p = _peers[i];
        std::string psec = "[Peer " + std::to_string(i + 1) + "]";
        auto find = [&](std::string_view k) -> const entry* {
            for (const entry& e : p.entries) {
                if (e.key == k) {
                    return &e;
                }
            }
            return nullptr;
        };
        const entry* pub = find("PublicKey");
        if (!pub) {
            fail(p.line, 1, psec + ".PublicKey", "this [Peer] has no PublicKey",
                 "add PublicKey = <the peer's key, as `wg pubkey` prints it>");
        }
        std::string pub_text = crypto::key_to_base64(key(*pub, psec, "wg pubkey").data());
        if (!seen_keys.insert(pub_text).second) {
            fail(*pub, psec, "the same PublicKey as an earlier [Peer]",
                 "each peer has its own key; merge the two sections");
        }
        y << "  - public_key: " << quote(pub_text) << "\n";
        if (const entry* e = find("Endpoint")) {
            wire::endpoint ep;
            if (auto problem = parse_endpoint(e->value, ep)) {
                fail(*e, psec, problem->problem, problem->hint);
            }
            y << "    endpoint: " << quote(format_endpoint(ep)) << "\n";
        }
        y << "    allowed_ips: [";
        bool first = true;
        for (const entry& e : p.entries) {
            if (e.key != "AllowedIPs") {
                continue;
            }
            for (const std::string& item : list(e)) {
                prefix pf;
                if (auto problem = parse_prefix(item, pf, false)) {
                    fail(e, psec, problem->problem, problem->hint);
                }
                // Cryptokey routing maps each allowed IP to exactly one peer.
                auto [it, fresh] = seen_ips.emplace(format_prefix(pf), e.line);
                if (!fresh) {
                    fail(e, psec,
                         format_prefix(pf) + " is already an allowed IP (line " +
                             std::to_string(it->second) + ")",
                         "an allowed IP belongs to one peer only; remove one of them");
                }
                y << (first ? "" : ", ") << format_prefix(pf);
                first = false;
            }
        }
        y << "]\n";
        if (const entry* e = find("PresharedKey")) {
            crypto::key32 k = key(*e, psec, "wg genpsk");
            y << "    preshared_key: " << quote(crypto::key_to_base64(k.data())) << "\n";
            crypto::wipe(k.data(), k.size());
        }
        if (const entry* e = find("PersistentKeepalive")) {
            y << "    persistent_keepalive: "
              << (iequal(e->value, "off") ? 0 : number(*e, psec, 0, 65535)) << "\n";
        }
    }
    y << "routes:" << (local_routes.empty() ? " []" : "") << "\n";
    for (const prefix& r : local_routes) {
        y << "  - {prefix: " << format_prefix(r) << ", via: local}\n";
    }
    for (const std::string& n : _not_imported) {
        y << "# not imported (wg-quick only), " << n << "\n";
    }
    std::string out = y.str();
    // Everything parse() checks has been checked above against the INI lines; this only guards
    // against the two formats drifting apart.
    parse(out, _file + " (imported)");
    return out;
}

} // namespace

std::string import_wg_quick(const std::string& ini_text, const std::string& name_for_errors,
                            std::optional<crypto::secret32>& private_key)
{
    return importer(name_for_errors).run(ini_text, private_key);
}

std::string import_wg_quick(const std::string& ini_text, const std::string& name_for_errors)
{
    std::optional<crypto::secret32> discarded;
    return importer(name_for_errors).run(ini_text, discarded);
}

} // namespace edgerelay::config
