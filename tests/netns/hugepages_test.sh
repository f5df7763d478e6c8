#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Copyright 2026 The edgerelay Authors
#
# The hugepage helper restores exactly the state it found.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/hugepages.sh"

before_count=$(cat "$HP_SYSFS")
before_mounted=0; mountpoint -q "$HP_MNT" && before_mounted=1

# Test that reserving gives at least the pages asked for and a mounted hugetlbfs.
hugepages_reserve 64
trap hugepages_restore EXIT
[ "$(cat "$HP_SYSFS")" -ge 64 ] || { echo "FAIL: fewer than 64 pages"; exit 1; }
mountpoint -q "$HP_MNT" || { echo "FAIL: hugetlbfs not mounted"; exit 1; }

# Test that a nested reserve is a no-op (the outer owner restores).
hugepages_reserve 64

# Test that restoring puts back the previous page count and mount state.
hugepages_restore
[ "$(cat "$HP_SYSFS")" -eq "$before_count" ] || { echo "FAIL: count not restored"; exit 1; }
now_mounted=0; mountpoint -q "$HP_MNT" && now_mounted=1
[ "$now_mounted" -eq "$before_mounted" ] || { echo "FAIL: mount state not restored"; exit 1; }
echo "PASS: hugepages reserved and restored ($before_count pages before and after)"
