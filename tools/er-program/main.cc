// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// er-program: programs a running dataplane's segment from a statement file, for tests (--help).
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include "common/abi/segment.hh"
#include "common/abi/validate.hh"
#include "common/crypto/encoding.hh"
#include "common/crypto/secret.hh"
#include "tools/er-program/program_file.hh"

namespace edgerelay::tools::program {
namespace {

const char* const usage =
    R"(Usage: er-program [options] FILE     program the dataplane from FILE (- = stdin)
       er-program [options] --readback  print the dataplane's peers, keypairs and routes
       er-program --check FILE          compile and validate FILE offline, touch nothing
       er-program --gen-keys            print two fresh random base64 keys, one per line

Programs a running edgerelay-dataplane directly through its shared-memory segment, as the
control plane would: each statement becomes one or more commands, validated locally
(abi::validate) before anything is sent, then pushed one at a time on the command ring;
each reply is awaited on the event ring before the next command goes. Meant for tests and
lab set-ups while no control plane runs: it consumes the event ring, so do not run it
alongside edgerelay-controlplane (the ring has a single consumer), and do not run two at once.

Options:
  --instance NAME   dataplane instance; the segment is /edgerelay-NAME (default: default)
  --segment NAME    the segment's shm name instead, e.g. /edgerelay-lab1
  --timeout S       seconds to wait for the dataplane to be ready and for each reply (default 5)
  --keep-going      after a refused command, go on with the next statements (default: stop)
  --check           only compile and validate (with default limits), exit 0 if all is well
  --readback        send a readback command and print what the dataplane holds
  -v, --verbose     print each command as sent and each event skipped while waiting
  -h, --help        this text

Exit status: 0 every command accepted; 1 a statement did not compile or validate, a command
was refused, or a reply did not come in time; 2 bad command line; 3 cannot attach.
Errors name the statement: "lab.conf:4: route 10.2.0.0/24 via 9: refused: unknown_peer".

)";

struct cli {
    std::string segment = "/edgerelay-default";
    double timeout_s = 5.0;
    bool keep_going = false;
    bool check = false;
    bool readback = false;
    bool gen_keys = false;
    bool verbose = false;
    std::string file;
};

const char* type_name(abi::command_type t)
{
    static const char* const names[] = {
        "none", "add_peer", "remove_peer", "set_endpoint", "install_keypair", "retire_keypair",
        "add_route", "remove_route", "add_allowed_ip", "remove_allowed_ip", "add_splice",
        "remove_splice", "set_limits", "readback", "send_keepalive",
    };
    auto i = static_cast<size_t>(t);
    return i < std::size(names) ? names[i] : "unknown";
}

const char* slot_name(abi::key_slot s)
{
    switch (s) {
    case abi::key_slot::current: return "current";
    case abi::key_slot::previous: return "previous";
    case abi::key_slot::next: return "next";
    default: return "?";
    }
}

std::string hop_text(abi::next_hop h)
{
    return h == abi::next_hop_local     ? "local"
           : h == abi::next_hop_control ? "control"
                                        : "via " + std::to_string(h);
}

uint64_t deadline_after(double s)
{
    return abi::segment::now_ns() + static_cast<uint64_t>(s * 1e9);
}

void print_event(const abi::event& ev)
{
    const auto& b = ev.body;
    switch (ev.type) {
    case abi::event_type::rb_peer:
    {
        // Printed in the statement syntax, leaving out what is unset, so it reads like the file.
        const auto& p = b.rb_peer;
        std::string line = "peer " + std::to_string(p.peer);
        if (p.flags & abi::peer_flag_transit) {
            line += " transit";
        }
        if (!p.remote.empty()) {
            line += " endpoint " + format_endpoint(p.remote) + " port " +
                    std::to_string(p.port_index);
        }
        if (!p.local.empty()) {
            line += " local " + format_endpoint(p.local);
        }
        static const uint8_t zero_mac[6] = {};
        if (std::memcmp(p.src_mac, zero_mac, 6) != 0) {
            line += " src-mac " + format_mac(p.src_mac);
        }
        if (std::memcmp(p.dst_mac, zero_mac, 6) != 0) {
            line += " dst-mac " + format_mac(p.dst_mac);
        }
        std::printf("%s\n", line.c_str());
        break;
    }
    case abi::event_type::rb_keypair:
        std::printf("keypair %u slot %s local-index %u remote-index %u%s age-ms %lu counter %lu\n",
                    b.rb_keypair.peer, slot_name(b.rb_keypair.slot), b.rb_keypair.local_index,
                    b.rb_keypair.remote_index, b.rb_keypair.initiator ? " initiator" : "",
                    static_cast<unsigned long>(b.rb_keypair.age_ms),
                    static_cast<unsigned long>(b.rb_keypair.send_counter));
        break;
    case abi::event_type::rb_route:
        std::printf("route %s %s\n", format_prefix(b.rb_route.dst).c_str(),
                    hop_text(b.rb_route.hop).c_str());
        break;
    case abi::event_type::rb_allowed_ip:
        std::printf("allowed %u %s\n", b.rb_allowed_ip.peer,
                    format_prefix(b.rb_allowed_ip.src).c_str());
        break;
    case abi::event_type::rb_splice:
        std::printf("splice %u %s %s port %u\n", b.rb_splice.relay_port,
                    format_endpoint(b.rb_splice.a).c_str(), format_endpoint(b.rb_splice.b).c_str(),
                    b.rb_splice.port_index);
        break;
    case abi::event_type::readback_done:
        std::printf("# readback done: %u items, segment generation %lu\n",
                    b.readback_done.items,
                    static_cast<unsigned long>(b.readback_done.generation));
        break;
    default:
        std::printf("# event type %u\n", static_cast<unsigned>(ev.type));
        break;
    }
}

/// Waits for the reply to seq. With print_readback, readback items are printed as they come;
/// other events are skipped (they belong to whoever normally consumes them).
std::optional<abi::error> await_reply(abi::segment& seg, uint64_t seq, double timeout_s,
                                      bool print_readback, bool verbose)
{
    uint64_t deadline = deadline_after(timeout_s);
    abi::event ev;
    while (abi::segment::now_ns() < deadline) {
        if (!seg.events().pop(ev)) {
            std::this_thread::sleep_for(std::chrono::microseconds(200));
            continue;
        }
        if (ev.type == abi::event_type::reply && ev.body.reply.seq == seq) {
            return ev.body.reply.code;
        }
        bool rb = ev.type >= abi::event_type::rb_peer && ev.type <= abi::event_type::readback_done;
        if (print_readback && rb) {
            print_event(ev);
        } else if (verbose) {
            std::fprintf(stderr, "er-program: skipped event type %u while waiting\n",
                         static_cast<unsigned>(ev.type));
        }
    }
    return std::nullopt;
}

bool push(abi::segment& seg, const abi::command& c, double timeout_s)
{
    uint64_t deadline = deadline_after(timeout_s);
    while (!seg.commands().push(c)) {
        if (abi::segment::now_ns() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

/// First seq of this run: the pid in the high half keeps two runs' replies apart.
uint64_t first_seq()
{
    return (static_cast<uint64_t>(::getpid()) << 32) | 1;
}

int gen_keys()
{
    for (int i = 0; i < 2; ++i) {
        uint8_t key[32];
        crypto::random_bytes(key, sizeof(key));
        std::printf("%s\n", crypto::key_to_base64(key).c_str());
        crypto::wipe(key, sizeof(key));
    }
    return 0;
}

bool wait_ready(abi::segment& seg, double timeout_s)
{
    uint64_t deadline = deadline_after(timeout_s);
    while (!(seg.header().dp_flags.load(std::memory_order_acquire) & abi::dp_flag_ready)) {
        if (abi::segment::now_ns() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

int readback(abi::segment& seg, const cli& c)
{
    abi::command cmd;
    cmd.type = abi::command_type::readback;
    cmd.seq = first_seq();
    abi::seal(cmd);
    if (!push(seg, cmd, c.timeout_s)) {
        std::fprintf(stderr, "er-program: command ring full for %.1f s\n", c.timeout_s);
        return 1;
    }
    auto code = await_reply(seg, cmd.seq, c.timeout_s, true, c.verbose);
    if (!code) {
        std::fprintf(stderr, "er-program: no reply to readback within %.1f s\n", c.timeout_s);
        return 1;
    }
    if (*code != abi::error::ok) {
        std::fprintf(stderr, "er-program: readback refused: %s\n", abi::error_name(*code));
        return 1;
    }
    return 0;
}

int program(const cli& c_in)
{
    cli c = c_in;
    std::string text;
    if (c.file == "-") {
        std::ostringstream ss;
        ss << std::cin.rdbuf();
        text = ss.str();
    } else {
        std::ifstream in(c.file);
        if (!in) {
            std::fprintf(stderr, "er-program: cannot read %s: %s\n", c.file.c_str(),
                         std::strerror(errno));
            return 1;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    if (c.file == "-") {
        c.file = "<stdin>"; // the name errors are reported under
    }
    std::vector<parse_error> errors;
    auto cmds = compile_program(text, errors);
    for (const auto& e : errors) {
        std::fprintf(stderr, "%s:%u: %s: %s\n", c.file.c_str(), e.line, e.text.c_str(),
                     e.message.c_str());
    }
    if (!errors.empty()) {
        return 1;
    }

    std::optional<abi::segment> seg;
    abi::limits lim; // --check validates against the defaults the dataplane starts with
    if (!c.check) {
        auto r = abi::segment::attach(c.segment);
        if (!r) {
            std::fprintf(stderr, "er-program: %s\n", r.error.c_str());
            return 3;
        }
        seg = std::move(*r.seg);
        lim = seg->lim();
    }
    // Validate everything before sending anything: a half-applied file is harder to reason
    // about than a refused one.
    uint64_t seq = first_seq();
    bool bad = false;
    for (auto& x : cmds) {
        x.cmd.seq = seq++;
        abi::seal(x.cmd);
        if (auto err = abi::validate(x.cmd, lim); err != abi::error::ok) {
            std::fprintf(stderr, "%s:%u: %s: %s invalid: %s\n", c.file.c_str(), x.line,
                         x.text.c_str(), type_name(x.cmd.type), abi::error_name(err));
            bad = true;
        }
    }
    if (bad || c.check) {
        return bad ? 1 : 0;
    }
    if (!wait_ready(*seg, c.timeout_s)) {
        std::fprintf(stderr, "er-program: dataplane of %s not ready within %.1f s\n",
                     c.segment.c_str(), c.timeout_s);
        return 1;
    }
    int status = 0;
    for (const auto& x : cmds) {
        if (c.verbose) {
            std::fprintf(stderr, "er-program: %s:%u: %s seq %lu\n", c.file.c_str(), x.line,
                         type_name(x.cmd.type), static_cast<unsigned long>(x.cmd.seq));
        }
        if (!push(*seg, x.cmd, c.timeout_s)) {
            std::fprintf(stderr, "%s:%u: %s: command ring full for %.1f s\n", c.file.c_str(),
                         x.line, x.text.c_str(), c.timeout_s);
            return 1;
        }
        auto code = await_reply(*seg, x.cmd.seq, c.timeout_s, false, c.verbose);
        if (!code) {
            std::fprintf(stderr, "%s:%u: %s: no reply to %s within %.1f s\n", c.file.c_str(),
                         x.line, x.text.c_str(), type_name(x.cmd.type), c.timeout_s);
            return 1;
        }
        if (*code != abi::error::ok) {
            std::fprintf(stderr, "%s:%u: %s: %s refused: %s\n", c.file.c_str(), x.line,
                         x.text.c_str(), type_name(x.cmd.type), abi::error_name(*code));
            status = 1;
            if (!c.keep_going) {
                return status;
            }
        }
    }
    return status;
}

struct usage_error {
    std::string text;
};

cli parse_cli(int argc, char** argv, bool& help)
{
    cli c;
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&](std::string_view name) -> std::string {
            if (i + 1 >= argc) {
                throw usage_error{std::string(name) + " needs a value"};
            }
            return argv[++i];
        };
        if (a == "-h" || a == "--help") {
            help = true;
        } else if (a == "--instance") {
            try {
                c.segment = abi::segment::name_for(value(a));
            } catch (const std::invalid_argument& e) {
                throw usage_error{std::string("--instance: ") + e.what()};
            }
        } else if (a == "--segment") {
            c.segment = value(a);
        } else if (a == "--timeout") {
            std::string v = value(a);
            char* end = nullptr;
            c.timeout_s = std::strtod(v.c_str(), &end);
            if (v.empty() || *end != '\0' || !(c.timeout_s > 0)) {
                throw usage_error{"--timeout: a positive number of seconds"};
            }
        } else if (a == "--keep-going") {
            c.keep_going = true;
        } else if (a == "--check") {
            c.check = true;
        } else if (a == "--readback") {
            c.readback = true;
        } else if (a == "--gen-keys") {
            c.gen_keys = true;
        } else if (a == "-v" || a == "--verbose") {
            c.verbose = true;
        } else if (a.starts_with("-") && a != "-") {
            throw usage_error{"unknown option '" + std::string(a) + "'"};
        } else if (c.file.empty()) {
            c.file = std::string(a);
        } else {
            throw usage_error{"more than one FILE given"};
        }
    }
    if (!help && !c.gen_keys && !c.readback && c.file.empty()) {
        throw usage_error{"nothing to do: give FILE, --readback or --gen-keys"};
    }
    if (c.readback && c.check) {
        throw usage_error{"--readback needs a running dataplane; --check touches none"};
    }
    return c;
}

} // namespace
} // namespace edgerelay::tools::program

int main(int argc, char** argv)
{
    using namespace edgerelay::tools::program;
    using edgerelay::abi::segment;
    cli c;
    bool help = false;
    try {
        c = parse_cli(argc, argv, help);
    } catch (const usage_error& e) {
        std::fprintf(stderr, "er-program: %s\nTry 'er-program --help'.\n", e.text.c_str());
        return 2;
    }
    if (help) {
        std::fputs(usage, stdout);
        std::fputs(syntax_help, stdout);
        return 0;
    }
    if (c.gen_keys) {
        return gen_keys();
    }
    if (c.readback) {
        auto r = segment::attach(c.segment);
        if (!r) {
            std::fprintf(stderr, "er-program: %s\n", r.error.c_str());
            return 3;
        }
        if (!wait_ready(*r.seg, c.timeout_s)) {
            std::fprintf(stderr, "er-program: dataplane of %s not ready within %.1f s\n",
                         c.segment.c_str(), c.timeout_s);
            return 1;
        }
        int rc = readback(*r.seg, c);
        if (!c.file.empty() && rc == 0) {
            rc = program(c);
        }
        return rc;
    }
    return program(c);
}
