#!/usr/bin/env bash
# Prints the vault, audit-append, patient-record and scan-crypto and PDF-import benchmark figures recorded in docs/BENCHMARKS.md.
# Usage: scripts/bench.sh [--quick]
source "$(dirname "$0")/lib.sh"
setup
cargo bench -p clinic-vault-core --features bench-support --bench vault --locked -- "$@"
cargo bench -p clinic-vault-core --features bench-support --bench audit --locked -- "$@"
cargo bench -p clinic-vault-core --features bench-support,synthetic --bench records --locked -- "$@"
cargo bench -p clinic-vault-core --bench scan_crypto --locked -- "$@"
cargo bench -p clinic-vault-core --bench scan_vault --locked -- "$@"
cargo build -p clinic-vault-render --release --locked
cargo bench -p clinic-vault-core --bench scan_pdf --locked -- "$@"
