// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// TAI64N encoding of handshake timestamps.
#include "controlplane/handshake/protocol.hh"

namespace edgerelay::cp {

tai64n_stamp tai64n(nanos since_unix_epoch) noexcept
{
    // 2^62 marks a TAI64 label; the extra 10 s is the TAI-UTC offset of 1970, as
    // wireguard-go and the Linux module both write it. Peers only compare stamps, so what
    // matters is that the encoding is monotonic.
    constexpr uint64_t base = 0x400000000000000aULL;
    const int64_t ns = since_unix_epoch.count();
    int64_t secs = ns / 1'000'000'000;
    int64_t frac = ns % 1'000'000'000;
    if (frac < 0) {
        secs -= 1;
        frac += 1'000'000'000;
    }
    const uint64_t s = base + uint64_t(secs);
    tai64n_stamp out{};
    for (int i = 0; i < 8; ++i) {
        out[i] = uint8_t(s >> (56 - 8 * i));
    }
    const auto n = uint32_t(frac);
    for (int i = 0; i < 4; ++i) {
        out[8 + i] = uint8_t(n >> (24 - 8 * i));
    }
    return out;
}

nanos tai64n_whiten(nanos since_unix_epoch) noexcept
{
    // Largest power of two not above 1 s / 50 = 20 ms: 2^24 ns.
    constexpr int64_t step = int64_t(1) << 24;
    static_assert(step <= 1'000'000'000 / max_initiations_per_second &&
                  step * 2 > 1'000'000'000 / max_initiations_per_second);
    const int64_t ns = since_unix_epoch.count();
    int64_t secs = ns / 1'000'000'000;
    int64_t frac = ns % 1'000'000'000;
    if (frac < 0) {
        secs -= 1;
        frac += 1'000'000'000;
    }
    frac &= ~(step - 1);
    return nanos(secs * 1'000'000'000 + frac);
}

} // namespace edgerelay::cp
