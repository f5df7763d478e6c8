# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# Hugepage helper for root-only tests. Source it, then:
#   hugepages_reserve 512          # at least 512 free 2 MiB pages, hugetlbfs mounted
#   trap hugepages_restore EXIT    # put back exactly what was there before
# Several tests may nest: only the outermost reserve/restore pair changes the system,
# and the previous page count and mount state are restored, not just zeroed.

HP_SYSFS=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
HP_MNT=${HP_MNT:-/dev/hugepages}
_hp_saved_count=""
_hp_mounted_here=0

hugepages_reserve() {
    local want=${1:?usage: hugepages_reserve PAGES}
    if [ "$(id -u)" -ne 0 ]; then
        echo "hugepages: need root to reserve hugepages (sysfs $HP_SYSFS)" >&2
        return 1
    fi
    if [ -n "${EDGERELAY_HUGEPAGES_HELD:-}" ]; then
        return 0   # an outer test owns the reservation
    fi
    _hp_saved_count=$(cat "$HP_SYSFS")
    local total=$_hp_saved_count
    if [ "$total" -lt "$want" ]; then
        echo "$want" > "$HP_SYSFS"
        total=$(cat "$HP_SYSFS")
        if [ "$total" -lt "$want" ]; then
            echo "hugepages: asked for $want pages of 2 MiB, the kernel gave $total (memory fragmented?)" >&2
            echo "$_hp_saved_count" > "$HP_SYSFS"
            return 1
        fi
    fi
    if ! mountpoint -q "$HP_MNT"; then
        mkdir -p "$HP_MNT"
        mount -t hugetlbfs -o pagesize=2M nodev "$HP_MNT" || return 1
        _hp_mounted_here=1
    fi
    export EDGERELAY_HUGEPAGES_HELD=1
}

hugepages_restore() {
    [ -n "$_hp_saved_count" ] || return 0
    # Files left by a crashed DPDK process would pin pages: remove ours first.
    rm -f "$HP_MNT"/edgerelay* "$HP_MNT"/rtemap_* 2>/dev/null
    if [ "$_hp_mounted_here" = 1 ]; then
        umount "$HP_MNT" 2>/dev/null || umount -l "$HP_MNT"
        _hp_mounted_here=0
    fi
    echo "$_hp_saved_count" > "$HP_SYSFS"
    _hp_saved_count=""
    unset EDGERELAY_HUGEPAGES_HELD
}
