//! Shared with the CLI's sync tests: the real sync server in a child process (this
//! test binary re-executed, so the module path must stay `common::server`).

#[allow(dead_code)]
#[path = "../../../crates/cli/tests/common/server.rs"]
pub mod server;
