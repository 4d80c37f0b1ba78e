#!/usr/bin/env bash
# Prints the vault, audit-append and patient-record benchmark figures recorded in docs/BENCHMARKS.md.
# Usage: scripts/bench.sh [--quick]
source "$(dirname "$0")/lib.sh"
setup
cargo bench -p clinic-vault-core --features bench-support --bench vault --locked -- "$@"
cargo bench -p clinic-vault-core --features bench-support --bench audit --locked -- "$@"
cargo bench -p clinic-vault-core --features bench-support,synthetic --bench records --locked -- "$@"
