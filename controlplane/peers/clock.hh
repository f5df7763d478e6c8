// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The edgerelay Authors
// Injectable sources of time and randomness for the peer manager, so its timers can be tested.
#pragma once

#include <cstdint>

#include "controlplane/handshake/protocol.hh"

namespace edgerelay::cp {

/// Where the control plane reads time. Monotonic time drives every timer; wall time is only
/// used for the TAI64N stamp of initiations and for "latest handshake" in `show`.
class clock {
  public:
    virtual ~clock() = default;
    /// Monotonic time in nanoseconds (arbitrary origin, never goes back).
    virtual nanos now() const noexcept = 0;
    /// Wall-clock time in nanoseconds since the Unix epoch.
    virtual nanos wall() const noexcept = 0;
};

/// The process's clock: CLOCK_MONOTONIC (std::chrono::steady_clock) and the system clock.
class real_clock final : public clock {
  public:
    nanos now() const noexcept override;
    nanos wall() const noexcept override;
};

/// A clock for tests: time moves only when advance() is called, for both readings at once.
class virtual_clock final : public clock {
  public:
    /// @param start_mono initial monotonic reading.
    /// @param start_wall initial wall reading (default: a realistic 2025 date, so TAI64N
    ///        stamps look like real ones).
    explicit virtual_clock(nanos start_mono = std::chrono::seconds(1000),
                           nanos start_wall = std::chrono::seconds(1'760'000'000)) noexcept
        : _mono(start_mono), _wall(start_wall)
    {
    }

    nanos now() const noexcept override { return _mono; }
    nanos wall() const noexcept override { return _wall; }

    /// Moves both readings forward by d (d >= 0).
    void advance(nanos d) noexcept
    {
        _mono += d;
        _wall += d;
    }

  private:
    nanos _mono;
    nanos _wall;
};

/// Where the peer manager draws receiver indices and timer jitter.
class random_source {
  public:
    virtual ~random_source() = default;
    /// A uniformly distributed 32-bit value.
    virtual uint32_t next_u32() noexcept = 0;
};

/// The operating system's CSPRNG (libsodium randombytes). Receiver indices drawn from it
/// cannot be predicted by an off-path attacker.
class system_random final : public random_source {
  public:
    uint32_t next_u32() noexcept override;
};

/// A deterministic generator for tests (SplitMix64): the same seed gives the same jitter and
/// indices on every run. Never use it in production: its output is predictable.
class seeded_random final : public random_source {
  public:
    explicit seeded_random(uint64_t seed) noexcept : _state(seed) {}
    uint32_t next_u32() noexcept override;

  private:
    uint64_t _state;
};

} // namespace edgerelay::cp
