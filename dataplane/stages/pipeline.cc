// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// The relay pass: stages chained over one burst, for underlay and access input.
#include "dataplane/stages/stages.hh"

namespace edgerelay::dp {
namespace {

void forward(worker_ctx& c, pkt** pkts, uint16_t n) noexcept
{
    n = route_process(c, pkts, n);
    n = encrypt_process(c, pkts, n);
    encap_process(c, pkts, n);
}

} // namespace

void relay_underlay_input(worker_ctx& c, pkt** pkts, uint16_t n, drv::port_kind kind) noexcept
{
    n = classify_process(c, pkts, n, kind);
    n = decrypt_process(c, pkts, n);
    n = cryptokey_process(c, pkts, n);
    forward(c, pkts, n);
}

void relay_access_input(worker_ctx& c, pkt** pkts, uint16_t n, drv::port_kind kind) noexcept
{
    n = classify_access_process(c, pkts, n, kind);
    forward(c, pkts, n);
}

} // namespace edgerelay::dp
