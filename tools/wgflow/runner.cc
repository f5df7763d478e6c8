// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// wgflow's modes over one poll() loop: paced sending, receiving, echoing, TUN bridging, replay.
#include "tools/wgflow/runner.hh"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "common/wire/wireguard.hh"
#include "tools/wgflow/probe.hh"
#include "tools/wgflow/session.hh"
#include "tools/wgflow/stats.hh"

namespace edgerelay::tools::wgflow {

namespace {

volatile std::sig_atomic_t g_stop = 0;

void on_signal(int)
{
    g_stop = 1;
}

constexpr uint64_t ms_ns = 1'000'000;
constexpr uint64_t s_ns = 1'000'000'000;
constexpr int max_batch = 256; ///< datagrams handled per wake-up, so sending keeps its pace
constexpr size_t history_len = 64;

uint64_t seconds_to_ns(double s)
{
    return static_cast<uint64_t>(s * 1e9);
}

const char* mode_name(mode m)
{
    switch (m) {
    case mode::send: return "send";
    case mode::recv: return "recv";
    case mode::echo: return "echo";
    case mode::tun: return "tun";
    case mode::replay: return "replay";
    case mode::none: break;
    }
    return "none";
}

int open_tun(const std::string& name)
{
    int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        throw std::system_error(errno, std::generic_category(), "open /dev/net/tun");
    }
    ifreq ifr{};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
    if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int err = errno;
        ::close(fd);
        throw std::system_error(err, std::generic_category(), "TUNSETIFF " + name);
    }
    return fd;
}

// Record file: each message as a 2-byte little-endian length, then its bytes.
std::vector<std::vector<uint8_t>> load_records(const std::string& path)
{
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) {
        throw std::system_error(errno, std::generic_category(), "open " + path);
    }
    std::vector<std::vector<uint8_t>> out;
    uint8_t len_le[2];
    while (std::fread(len_le, 1, 2, f) == 2) {
        std::vector<uint8_t> msg(len_le[0] | (size_t{len_le[1]} << 8));
        if (std::fread(msg.data(), 1, msg.size(), f) != msg.size()) {
            break; // a truncated last record (writer killed mid-way) is ignored
        }
        out.push_back(std::move(msg));
    }
    std::fclose(f);
    return out;
}

class runner {
public:
    explicit runner(const options& o) : _o(o), _s(o), _rx(max_message + 64), _tx(max_message + 64)
    {
        _start = now_ns();
        _deadline = _start + seconds_to_ns(o.timeout_s);
        _next_progress = _start + s_ns;
        if (o.rate_pps > 0) {
            _interval_ns = static_cast<uint64_t>(1e9 / o.rate_pps);
        }
        if (!o.record_path.empty()) {
            _record = std::fopen(o.record_path.c_str(), "ab");
            if (!_record) {
                throw std::system_error(errno, std::generic_category(), "open " + o.record_path);
            }
        }
        if (o.what == mode::replay) {
            _replay = load_records(o.replay_path);
            _replay_total = o.count ? std::min<size_t>(o.count, _replay.size()) : _replay.size();
        }
        if (o.what == mode::tun) {
            _tun = open_tun(o.tun_name);
        }
    }

    ~runner()
    {
        if (_record) {
            std::fclose(_record);
        }
        if (_tun >= 0) {
            ::close(_tun);
        }
    }

    runner(const runner&) = delete;
    runner& operator=(const runner&) = delete;

    int run()
    {
        for (;;) {
            uint64_t now = now_ns();
            if (g_stop || now >= _deadline || done(now)) {
                break;
            }
            if (_o.what == mode::send || _o.what == mode::replay) {
                send_due(now);
            }
            pollfd fds[2] = {{_s.fd(), POLLIN, 0}, {_tun, POLLIN, 0}};
            ::poll(fds, _tun >= 0 ? 2 : 1, poll_timeout_ms(now_ns()));
            if (fds[0].revents & POLLIN) {
                drain_socket();
            }
            if (_tun >= 0 && (fds[1].revents & POLLIN)) {
                tun_to_socket();
            }
            if (_o.progress && now_ns() >= _next_progress) {
                _st.elapsed_ns = now_ns() - _start;
                std::fprintf(stderr, "%s\n", _st.progress_line(mode_name(_o.what)).c_str());
                _next_progress += s_ns;
            }
        }
        return finish();
    }

private:
    bool sending_done() const noexcept
    {
        return _o.what == mode::replay ? _replay_pos >= _replay_total : _st.sent >= _o.count;
    }

    bool done(uint64_t now) const noexcept
    {
        switch (_o.what) {
        case mode::send:
            if (!sending_done()) {
                return false;
            }
            return !_o.expect_echo || _st.unique >= _st.sent ||
                   now >= _sending_ended + seconds_to_ns(_o.linger_s);
        case mode::replay:
            return sending_done();
        case mode::recv:
            return _st.unique >= _o.expect ||
                   (_o.idle_s > 0 && _last_rx_ns != 0 &&
                    now - _last_rx_ns > seconds_to_ns(_o.idle_s));
        case mode::echo:
            return _o.count != 0 && _st.echoed >= _o.count;
        case mode::tun:
        case mode::none:
            break;
        }
        return false;
    }

    int poll_timeout_ms(uint64_t now) const noexcept
    {
        uint64_t wake = std::min(_deadline, _next_progress);
        wake = std::min(wake, now + 100 * ms_ns);
        bool pacing = (_o.what == mode::send || _o.what == mode::replay) && !sending_done();
        if (pacing) {
            wake = std::min(wake, due(_items));
        }
        if (wake <= now) {
            return 0;
        }
        return static_cast<int>((wake - now + ms_ns - 1) / ms_ns);
    }

    uint64_t due(uint64_t item) const noexcept { return _start + item * _interval_ns; }

    const sock_addr& relay() const noexcept { return *_o.relay; }

    // Seals plain with a fresh counter and sends it; remembers it for --duplicate-every and
    // --record.
    bool send_fresh(std::span<const uint8_t> plain, const sock_addr& to)
    {
        size_t len = _s.seal(plain, _tx.data());
        auto& slot = _history[_history_n++ % history_len];
        slot.assign(_tx.data(), _tx.data() + len);
        if (_record) {
            uint8_t len_le[2] = {static_cast<uint8_t>(len), static_cast<uint8_t>(len >> 8)};
            std::fwrite(len_le, 1, 2, _record);
            std::fwrite(_tx.data(), 1, len, _record);
        }
        if (!_s.send_to(_tx.data(), len, to)) {
            _st.send_errors++;
            return false;
        }
        return true;
    }

    void send_due(uint64_t now)
    {
        for (int burst = 0; burst < max_batch && !sending_done() && now >= due(_items); ++burst) {
            _items++;
            if (_o.what == mode::replay) {
                const auto& m = _replay[_replay_pos++];
                if (_s.send_to(m.data(), m.size(), relay())) {
                    _st.dup_sent++;
                } else {
                    _st.send_errors++;
                }
                continue;
            }
            uint8_t* inner = _tx.data() + wire::wg_transport_header_len;
            size_t len = probe_build(_o, _st.sent, now_ns(), inner);
            if (send_fresh(std::span<const uint8_t>(inner, len), relay())) {
                _st.sent++;
            }
            if (_o.keepalive_every && _st.sent % _o.keepalive_every == 0 &&
                send_fresh({}, relay())) {
                _st.keepalives_sent++;
            }
            if (_o.duplicate_every && _st.sent % _o.duplicate_every == 0 &&
                _history_n >= _o.duplicate_lag) {
                const auto& old = _history[(_history_n - _o.duplicate_lag) % history_len];
                if (_s.send_to(old.data(), old.size(), relay())) {
                    _st.dup_sent++;
                }
            }
        }
        if (sending_done() && _sending_ended == 0) {
            _sending_ended = now_ns();
        }
    }

    void drain_socket()
    {
        for (int i = 0; i < max_batch; ++i) {
            sock_addr from;
            long n = _s.receive(_rx.data(), _rx.size(), from);
            if (n < 0) {
                return;
            }
            std::span<uint8_t> plain;
            uint64_t counter = 0;
            switch (_s.open(std::span<uint8_t>(_rx.data(), static_cast<size_t>(n)), plain,
                            counter)) {
            case open_result::malformed: _st.malformed++; break;
            case open_result::bad_index: _st.bad_index++; break;
            case open_result::replayed: _st.replayed++; break;
            case open_result::bad_tag: _st.bad_tag++; break;
            case open_result::keepalive: _st.keepalives++; break;
            case open_result::data: on_data(plain, from); break;
            }
            _last_rx_ns = now_ns();
        }
    }

    void on_data(std::span<uint8_t> plain, const sock_addr& from)
    {
        uint64_t now = now_ns();
        _st.received++;
        if (_last_data_ns != 0) {
            _st.max_gap_ns = std::max(_st.max_gap_ns, now - _last_data_ns);
        }
        _last_data_ns = now;
        probe_info info;
        if (!probe_parse(_o, plain, info)) {
            _st.not_probe++;
            return;
        }
        if (_o.what == mode::tun) {
            // The kernel checks the inner packet from here on; a short write means it refused.
            if (::write(_tun, plain.data(), info.ip_len) != static_cast<ssize_t>(info.ip_len)) {
                _st.send_errors++;
            }
            return;
        }
        if (!info.to_us) {
            _st.wrong_dst++;
            return;
        }
        if (!info.has_probe) {
            _st.not_probe++;
        } else if (_seq.record(info.seq, _st) && info.sent_ns <= now &&
                   _o.what != mode::echo) {
            _st.add_delay(now - info.sent_ns);
        }
        if (_o.what == mode::echo) {
            auto packet = plain.first(info.ip_len);
            probe_reflect(packet);
            // Echo answers the relay when told, else whoever sent it (WireGuard's roaming).
            if (send_fresh(packet, _o.relay ? relay() : from)) {
                _st.echoed++;
            }
        }
    }

    void tun_to_socket()
    {
        for (int i = 0; i < max_batch; ++i) {
            // Read straight to where seal() wants the plaintext, so it is not copied.
            uint8_t* inner = _tx.data() + wire::wg_transport_header_len;
            ssize_t n = ::read(_tun, inner, max_message - 64);
            if (n <= 0) {
                return;
            }
            if (send_fresh(std::span<const uint8_t>(inner, static_cast<size_t>(n)), relay())) {
                _st.sent++;
            }
        }
    }

    int finish()
    {
        _st.elapsed_ns = now_ns() - _start;
        bool ok = true;
        auto check_unique = [&](uint64_t expected) {
            _st.lost = expected > _st.unique ? expected - _st.unique : 0;
            auto need = static_cast<uint64_t>(
                std::ceil(static_cast<double>(expected) * _o.min_ratio - 1e-9));
            ok = ok && _st.unique >= need && _st.duplicates == 0;
        };
        switch (_o.what) {
        case mode::recv:
            check_unique(_o.expect);
            break;
        case mode::send:
            ok = sending_done() && _st.send_errors == 0;
            if (_o.expect_echo) {
                check_unique(_st.sent);
            }
            break;
        case mode::replay:
            ok = sending_done() && _st.send_errors == 0;
            break;
        case mode::echo:
        case mode::tun:
        case mode::none:
            break;
        }
        bool rtt = _o.what == mode::send;
        std::printf("%s\n", _st.json(mode_name(_o.what), rtt ? "rtt" : "latency").c_str());
        std::fflush(stdout);
        if (!sending_done() && (_o.what == mode::send || _o.what == mode::replay)) {
            std::fprintf(stderr, "wgflow: --timeout reached after %lu of the messages\n",
                         _o.what == mode::send ? _st.sent : _replay_pos);
        }
        return ok ? 0 : 1;
    }

    const options& _o;
    session _s;
    stats _st;
    seq_tracker _seq;
    std::vector<uint8_t> _rx;
    std::vector<uint8_t> _tx;
    uint64_t _start = 0;
    uint64_t _deadline = 0;
    uint64_t _next_progress = 0;
    uint64_t _interval_ns = 0; ///< 0: no pacing
    uint64_t _items = 0;       ///< scheduled sends so far (data packets or replayed records)
    uint64_t _sending_ended = 0;
    uint64_t _last_rx_ns = 0;  ///< any datagram, for --idle
    uint64_t _last_data_ns = 0;
    std::vector<uint8_t> _history[history_len];
    size_t _history_n = 0;
    FILE* _record = nullptr;
    std::vector<std::vector<uint8_t>> _replay;
    size_t _replay_pos = 0;
    size_t _replay_total = 0;
    int _tun = -1;
};

} // namespace

int run(const options& o)
{
    struct sigaction sa{};
    sa.sa_handler = on_signal; // no SA_RESTART: poll() returns and the loop sees the flag
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    try {
        runner r(o);
        return r.run();
    } catch (const std::system_error& e) {
        std::fprintf(stderr, "wgflow: %s\n", e.what());
        return 3;
    }
}

} // namespace edgerelay::tools::wgflow
