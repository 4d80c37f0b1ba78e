//! Stand-ins for a misbehaving renderer: shell scripts that hang, crash, spew, answer
//! garbage, or report what they can see (descriptors, environment, directory).

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

/// Writes an executable `/bin/sh` script named `name` into `dir`.
pub fn script(dir: &std::path::Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("write script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path
}

/// Never answers.
pub const HANG: &str = "exec sleep 600";
/// Dies of a segmentation fault.
pub const CRASH: &str = "kill -SEGV $$";
/// Writes zeros for ever.
pub const SPEW: &str = "exec cat /dev/zero";
/// Exits 0 with something that is not an answer.
pub const GARBAGE: &str = "printf 'hello, parent'";
/// Reports, as its one-word reason, which descriptors above 2 it holds (other than
/// the one the shell reads this script from), whether any environment reached it (the shell itself
/// exports only `PWD`),
/// and whether it runs in `/`. `[ -e ]` and `[ -ef ]` only stat: no descriptor is
/// opened to look.
pub const INSPECT: &str = r#"extra=""
n=3
while [ $n -lt 64 ]; do
  if [ -e /proc/self/fd/$n ] && ! [ /proc/self/fd/$n -ef "$0" ]; then extra="${extra}_$n"; fi
  n=$((n + 1))
done
if [ -z "$extra" ]; then fds=fds_none; else fds="fds$extra"; fi
if [ -z "${HOME+x}" ] && [ "$(env | grep -vc '^PWD=')" = 0 ]; then env=env_clear; else env=env_kept; fi
if [ "$(pwd)" = / ]; then cwd=cwd_root; else cwd=cwd_other; fi
echo "${fds}_${env}_${cwd}" >&2
exit 9"#;
