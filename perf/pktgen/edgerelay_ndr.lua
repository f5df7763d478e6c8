-- SPDX-License-Identifier: Apache-2.0
-- Copyright 2026 The edgerelay Authors
-- Pktgen-DPDK script: NDR/PDR search of an edgerelay relay on real NICs, replaying loadgen pcaps.
--
-- Lab use only (not run in CI). Pktgen replays a pcap written by `edgerelay-loadgen --write-pcap`
-- (WireGuard transport frames, unique counters within the file) on TX_PORT; the relay forwards
-- every frame, re-sealed, to the sink peer whose gateway MAC is RX_PORT's. Because a pcap replayed
-- twice is a replay, every trial sends the file exactly once ("count" = frames in the file) and,
-- when RESET_CMD is set, runs it first (e.g. `ssh relay er-program --instance lab prog.conf`):
-- re-installing the keypairs resets the relay's replay windows. See perf/pktgen/README.md.
--
-- Settings (environment): TX_PORT (0), RX_PORT (1; may equal TX_PORT), FRAMES (frames in the
-- pcap, required), FRAME_BYTES (mean frame length on the wire without preamble/IFG, required),
-- LINK_GBPS (10), LOSS (PDR bound, 0.005), STEPS (8), RESET_CMD (optional shell command).
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local function env(name, default)
    local v = os.getenv(name)
    if v == nil or v == "" then
        if default == nil then
            error("edgerelay_ndr.lua: set " .. name)
        end
        return default
    end
    return v
end

local tx_port = env("TX_PORT", "0")
local rx_port = env("RX_PORT", "1")
local frames = tonumber(env("FRAMES"))
local frame_bytes = tonumber(env("FRAME_BYTES"))
local link_bps = tonumber(env("LINK_GBPS", "10")) * 1e9
local pdr_loss = tonumber(env("LOSS", "0.005"))
local steps = tonumber(env("STEPS", "8"))
local reset_cmd = env("RESET_CMD", "")

-- Pktgen's rate is a percentage of line rate; a frame costs 20 more bytes (preamble, IFG).
local line_pps = link_bps / ((frame_bytes + 20) * 8)
local function pct_of(pps)
    return math.min(100, pps / line_pps * 100)
end

-- One trial: the whole pcap once at `pps`; returns the loss ratio.
local function trial(pps)
    if reset_cmd ~= "" then
        assert(os.execute(reset_cmd), "RESET_CMD failed: " .. reset_cmd)
    end
    pktgen.clr()
    pktgen.set(tx_port, "count", frames)
    pktgen.set(tx_port, "rate", pct_of(pps))
    pktgen.delay(200)
    pktgen.start(tx_port)
    -- Expected duration plus a second for what is in flight.
    pktgen.delay(math.floor(frames / pps * 1000) + 1000)
    pktgen.stop(tx_port)
    pktgen.delay(200)
    local tx = pktgen.portStats(tx_port, "port")[tonumber(tx_port)].opackets
    local rx = pktgen.portStats(rx_port, "port")[tonumber(rx_port)].ipackets
    local loss = 1
    if tx > 0 then
        loss = math.max(0, 1 - rx / tx)
    end
    printf("trial pps=%.0f rate_pct=%.3f tx=%d rx=%d loss=%.6f\n", pps, pct_of(pps), tx, rx, loss)
    return loss
end

-- Binary search between 0 and line rate for the highest rate with loss <= bound.
local function search(lo, hi, bound, name)
    local best = 0
    for _ = 1, steps do
        local mid = (lo + hi) / 2
        if trial(mid) <= bound then
            lo, best = mid, mid
        else
            hi = mid
        end
    end
    printf("%s pps=%.0f (line rate %.0f pps, %.1f Gb/s, frame %d B)\n", name, best, line_pps,
           link_bps / 1e9, frame_bytes)
    return best
end

pktgen.screen("off")
pktgen.pcap(tx_port, "on")
local ndr = search(0, line_pps, 0, "ndr")
search(ndr, line_pps, pdr_loss, "pdr")
pktgen.pcap(tx_port, "off")
