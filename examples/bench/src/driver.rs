//! Starting the servers as child processes (pinned to a core with `taskset`, or under
//! callgrind), stopping them cleanly, and reading their CPU time from `/proc`.

use std::fs::File;
use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::alloc_count::Allocations;
use crate::callgrind;
use crate::servers::Kind;

/// A server running as a child process; killed when dropped.
pub struct Running {
    /// Which server.
    pub kind: Kind,
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
    /// Its JSON log.
    pub log: PathBuf,
    stderr: PathBuf,
    child: Child,
}

/// How a server process is started.
#[derive(Debug, Clone, Default)]
pub struct Launch {
    /// Pinned to [`SERVER_CORE`].
    pub pin: bool,
    /// With a tracing subscriber off at every level (`serve --quiet-telemetry`): logging off.
    pub quiet_telemetry: bool,
    /// Under callgrind, which writes its profile to this file when the server exits.
    pub callgrind: Option<PathBuf>,
    /// Another binary taking the same `serve` command line (the OpenTelemetry scenario's);
    /// `None` runs this one.
    pub program: Option<PathBuf>,
}

/// The core the servers are pinned to, and the core of the load generator.
pub const SERVER_CORE: &str = "0";
/// See [`SERVER_CORE`].
pub const LOAD_CORE: &str = "1";

/// Whether there are two cores to pin the server and the load generator apart.
pub fn can_pin() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() >= 2)
        && Command::new("taskset")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// `program` with `args`, pinned to `core` when `pin`.
pub fn pinned(pin: bool, core: &str, program: impl AsRef<std::ffi::OsStr>) -> Command {
    if pin {
        let mut command = Command::new("taskset");
        command.args(["-c", core]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

impl Running {
    /// Starts `kind` with its log in `dir`, and waits until it accepts connections.
    pub fn start(kind: Kind, dir: &Path, launch: &Launch) -> Result<Self, String> {
        let port = free_port().map_err(|e| format!("no free port: {e}"))?;
        let log = dir.join(format!("{}.log", kind.name()));
        let stderr = dir.join(format!("{}.stderr", kind.name()));
        // A fresh log for every start.
        File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let stderr_file =
            File::create(&stderr).map_err(|e| format!("{}: {e}", stderr.display()))?;
        let exe = match &launch.program {
            Some(program) => program.clone(),
            None => std::env::current_exe().map_err(|e| format!("current exe: {e}"))?,
        };
        let mut command = match &launch.callgrind {
            Some(profile) => {
                let wrapper = callgrind::wrapper(profile);
                let mut command = pinned(launch.pin, SERVER_CORE, &wrapper[0]);
                command.args(&wrapper[1..]).arg(exe);
                command
            }
            None => pinned(launch.pin, SERVER_CORE, exe),
        };
        command
            .args(["serve", kind.name(), "--port", &port.to_string(), "--log"])
            .arg(&log);
        if launch.quiet_telemetry {
            command.arg("--quiet-telemetry");
        }
        // The server runs until its stdin closes: see `stop`.
        let child = command
            .env("RUST_LIB_BACKTRACE", "0")
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr_file)
            .spawn()
            .map_err(|e| format!("failed to start the {} server: {e}", kind.name()))?;
        let mut running = Self {
            kind,
            port,
            log,
            stderr,
            child,
        };
        running.wait_ready()?;
        Ok(running)
    }

    fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the {} server exited ({status}): {}",
                    self.kind.name(),
                    std::fs::read_to_string(&self.stderr).unwrap_or_default()
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the {} server did not start listening",
                    self.kind.name()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// user + system CPU time of the whole process so far, in clock ticks.
    pub fn cpu_ticks(&self) -> Result<u64, String> {
        cpu_ticks(self.child.id())
    }

    /// Whether the process is still alive.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Empties the log (the server appends to it), so that long runs do not fill the disk.
    pub fn truncate_log(&self) {
        if let Ok(file) = std::fs::OpenOptions::new().write(true).open(&self.log) {
            let _ = file.set_len(0);
        }
    }

    /// The log's current size.
    pub fn log_len(&self) -> u64 {
        std::fs::metadata(&self.log).map_or(0, |m| m.len())
    }
}

impl Running {
    /// Waits until every thread of the server sleeps (blocked in a system call: waiting for
    /// the network or stdin), so that each request finds it in the same state. Without this,
    /// a request sent while the server still finishes the previous one is read without a
    /// trip through `epoll_wait`, and that varies from run to run.
    pub fn wait_idle(&self) -> Result<(), String> {
        let tasks = format!("/proc/{}/task", self.child.id());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let entries = std::fs::read_dir(&tasks).map_err(|e| format!("{tasks}: {e}"))?;
            let mut idle = true;
            for entry in entries.flatten() {
                let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
                idle &= thread_state(&stat) == Some('S');
            }
            if idle {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("the {} server never went idle", self.kind.name()));
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }

    /// Stops the server the clean way (it exits when its stdin closes, so that callgrind
    /// writes its profile) and returns the allocation counts it printed on exit.
    pub fn stop(&mut self) -> Result<Allocations, String> {
        drop(self.child.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10));
                }
                Ok(None) => return Err(format!("the {} server did not exit", self.kind.name())),
                Err(e) => return Err(format!("waiting for the {} server: {e}", self.kind.name())),
            }
        };
        let mut stdout = String::new();
        if let Some(mut pipe) = self.child.stdout.take() {
            let _ = pipe.read_to_string(&mut stdout);
        }
        if !status.success() {
            return Err(format!(
                "the {} server exited with {status}: {}",
                self.kind.name(),
                std::fs::read_to_string(&self.stderr).unwrap_or_default()
            ));
        }
        serde_json::from_str(stdout.trim()).map_err(|e| {
            format!(
                "the {} server printed no allocation counts ({e}): {stdout:?}",
                self.kind.name()
            )
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// utime + stime (fields 14 and 15 of `/proc/<pid>/stat`), in clock ticks.
pub fn cpu_ticks(pid: u32) -> Result<u64, String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map_err(|e| format!("/proc/{pid}/stat: {e}"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let after_name = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .ok_or("unexpected /proc/<pid>/stat")?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // `fields[0]` is field 3 (state), so field 14 is `fields[11]`.
    let field = |i: usize| -> Result<u64, String> {
        fields
            .get(i)
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("unexpected /proc/{pid}/stat: {stat}"))
    };
    Ok(field(11)? + field(12)?)
}

/// The state (field 3) of a `/proc/<pid>/task/<tid>/stat` line: `R` running, `S` sleeping...
fn thread_state(stat: &str) -> Option<char> {
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// Clock ticks per second (`getconf CLK_TCK`).
pub fn clock_ticks_per_second() -> Result<u64, String> {
    let output = Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .map_err(|e| format!("getconf CLK_TCK: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .trim()
        .parse()
        .map_err(|e| format!("getconf CLK_TCK: {e}"))
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_thread_state_past_a_name_with_spaces_and_parentheses() {
        let stat = "4242 (tokio (rt) 1) S 4241 4242 4200 0 -1 4194560 120 0 0 0 3 1";
        assert_eq!(thread_state(stat), Some('S'));
        assert_eq!(thread_state("4242 (bench) R 1 2"), Some('R'));
        assert_eq!(thread_state(""), None);
    }
}
