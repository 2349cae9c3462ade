//! What the tests share: an in-process client, and the real server spawned on a free port.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::Value;
use starter_template::blueprint::blueprint;
use starter_template::config::{Config, Profile};
use watchful::testing::{Capture, CaptureGuard, TestClient, capture};

/// How long the spawned server may take to start, answer or stop.
const PATIENCE: Duration = Duration::from_secs(20);

/// The template's `config/` directory.
pub fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config")
}

/// The `test` profile's configuration.
pub fn test_config() -> Config {
    Config::load_from(&config_dir(), Profile::Test).expect("the test configuration loads")
}

/// The application in process, with the `test` profile's configuration, and the telemetry
/// it produces on this thread.
pub struct TestApp {
    /// Sends requests to the application.
    pub client: TestClient,
    /// The events and root spans the requests produced.
    pub telemetry: Capture,
    _guard: CaptureGuard,
}

/// Builds the application for a `#[tokio::test]` (whose runtime runs every task on the test's
/// thread) and captures its telemetry.
pub async fn test_app() -> TestApp {
    let (telemetry, guard) = capture();
    let app = blueprint(&test_config())
        .build()
        .await
        .expect("the blueprint is valid");
    TestApp {
        client: TestClient::new(app),
        telemetry,
        _guard: guard,
    }
}

/// The application's binary, running with the `test` profile (a free port, JSON logs).
/// Killed when dropped.
pub struct TestServer {
    child: Child,
    lines: Receiver<String>,
    /// Every stdout line read so far, for failure messages.
    seen: Vec<String>,
    /// Where it listens.
    pub address: SocketAddr,
}

impl TestServer {
    /// Starts the binary from the project's directory, with `APP_PROFILE=test` and `vars`, and
    /// waits until it listens.
    pub fn spawn(vars: &[(&str, &str)]) -> TestServer {
        let mut child = Self::command(vars)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut server = TestServer {
            child,
            lines,
            seen: Vec::new(),
            address: SocketAddr::from(([0, 0, 0, 0], 0)),
        };
        let listening = server.next_line_where(|line| line["fields"]["address"].is_string());
        let address = listening["fields"]["address"]
            .as_str()
            .expect("checked above");
        server.address = address.parse().expect("the logged address is an address");
        server
    }

    /// The binary, run from the project's directory with the `test` profile and `vars`.
    pub fn command(vars: &[(&str, &str)]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_starter-template"));
        command
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("APP_PROFILE", "test")
            .env_remove("RUST_LOG")
            .envs(vars.iter().copied())
            .stdin(Stdio::null());
        command
    }

    /// Sends `GET path` over a new connection and returns the status code and the body.
    pub fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(self.address).expect("the server accepts");
        stream.set_read_timeout(Some(PATIENCE)).expect("a timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.address
        )
        .expect("the request is sent");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .expect("the response is read");
        let (head, body) = response
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"));
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status code in {head:?}"));
        (status, body.to_owned())
    }

    /// The next JSON log line for which `matches` is true; the lines before it are skipped.
    /// Panics after [`PATIENCE`] or when stdout closes.
    pub fn next_line_where(&mut self, matches: impl Fn(&Value) -> bool) -> Value {
        self.lines_until(matches)
            .pop()
            .expect("lines_until returns the matching line last")
    }

    /// Every JSON log line up to and including the first for which `matches` is true.
    /// Panics after [`PATIENCE`] or when stdout closes.
    pub fn lines_until(&mut self, matches: impl Fn(&Value) -> bool) -> Vec<Value> {
        let deadline = Instant::now() + PATIENCE;
        let mut lines = Vec::new();
        loop {
            let timeout = deadline.saturating_duration_since(Instant::now());
            let line = match self.lines.recv_timeout(timeout) {
                Ok(line) => line,
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no such line within {PATIENCE:?} in {:#?}", self.seen)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("stdout closed before such a line: {:#?}", self.seen)
                }
            };
            self.seen.push(line.clone());
            let value: Value = serde_json::from_str(&line)
                .unwrap_or_else(|error| panic!("not a JSON line ({error}): {line}"));
            let found = matches(&value);
            lines.push(value);
            if found {
                return lines;
            }
        }
    }

    /// Sends SIGTERM and waits for the process to exit.
    #[cfg(unix)]
    pub fn terminate(mut self) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("`kill` runs");
        assert!(status.success(), "kill -TERM failed: {status}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the process can be waited on") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {PATIENCE:?} after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Already gone after `terminate`: then there is nothing to kill.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether `line` is the line logged when a request's root span closed.
pub fn is_root_span_close(line: &Value) -> bool {
    line["fields"]["message"] == "close" && line["span"]["name"] == "HTTP request"
}
