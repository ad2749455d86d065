#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# A bounded fuzzing run, as a test: seeds from the captures, then the
# fuzzer for SECONDS. Inputs it finds are kept in WORKDIR/corpus for the
# next run; a crash leaves its reproducer in WORKDIR.
# usage: run_fuzz.sh FUZZER GEN_SEEDS WORKDIR SECONDS
set -eu
fuzzer=$(realpath "$1") gen_seeds=$(realpath "$2") workdir=$3 seconds=$4
# the kernel-vs-userspace comparison and its BPF object: the corpus the
# fuzzer grew goes through both, and any difference fails the run
compare=$(realpath "$5") check_obj=$(realpath "$6")
mkdir -p "$workdir/corpus"
workdir=$(realpath "$workdir")
rm -rf "$workdir/seeds"
"$gen_seeds" "$workdir/seeds"
cd "$workdir"
"$fuzzer" -max_total_time="$seconds" -max_len=12000 -timeout=10 \
	-print_final_stats=1 -artifact_prefix="$workdir/" corpus seeds
exec "$compare" "$check_obj" corpus seeds
