#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A short libFuzzer run of fuzz_dns from the built cases:
#   fuzz-run.sh FUZZER REPLAY WORKDIR RUNS
# (REPLAY writes the seeds). Crashes are left in WORKDIR for
# `fuzz-dns-replay FILE` to reproduce.
set -eu
fuzzer=$1
replay=$2
work=$3
runs=$4

mkdir -p "$work/corpus"
"$replay" --write-seeds "$work/seeds"
exec "$fuzzer" -runs="$runs" -seed=1 -max_len=4200 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" "$work/seeds"
