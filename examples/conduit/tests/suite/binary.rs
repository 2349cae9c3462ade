//! The `conduit` binary with no configuration at all, as `cargo run -p conduit` starts it: it
//! creates `conduit.db` in its working directory, warns about the development JWT secret, and
//! serves the API. (SQLite only: this is about the defaults.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

/// Kills the server when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_binary_starts_with_the_defaults_and_serves_the_api() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut command = Command::new(env!("CARGO_BIN_EXE_conduit"));
    command
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env_remove("RUST_LOG")
        .env_remove("OTEL_EXPORTER_OTLP_ENDPOINT")
        // Any free port: the only setting a parallel test run cannot leave at its default.
        .env("PORT", "0")
        .stdout(Stdio::piped());
    let mut server = Server(command.spawn().expect("the binary starts"));
    let stdout = server.0.stdout.take().expect("piped stdout");

    let mut warned = false;
    let mut address = None;
    // Kept open until the end: the server goes on logging.
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("a log line");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON logs");
        let fields = &event["fields"];
        if event["level"] == "WARN"
            && fields["message"]
                .as_str()
                .unwrap_or("")
                .contains("JWT_SECRET")
        {
            warned = true;
        }
        if let Some(listening) = fields["address"].as_str() {
            address = Some(listening.to_owned());
            break;
        }
    }
    assert!(warned, "a WARN about the development JWT secret");
    let address = address.expect("the server says where it listens");
    assert!(dir.path().join("conduit.db").exists());

    let mut stream = TcpStream::connect(&address).expect("connects");
    stream
        .write_all(b"GET /api/tags HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("sends");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("reads");
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("\r\n\r\n{\"tags\":[]}"), "{response}");
}
