//! What the fault suites share: an app with every kind of outcome, a raw HTTP/1.1 client that
//! reads responses by hand (so that a closed connection, a reset or a missing response is seen
//! as it is), and the process's open file descriptors.

#![allow(dead_code, reason = "each fault suite uses part of this module")]

use std::collections::BTreeMap;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use watchful::extract::BufferedBody;
use watchful::extract::{JsonBody, PathParams, QueryParams};
use watchful::http::StatusCode;
use watchful::telemetry::LOG_ERROR;
use watchful::{Blueprint, error_handler, get, post};

#[derive(Debug, thiserror::Error)]
#[error("the item is locked")]
pub struct Locked;

#[error_handler]
pub fn locked(_error: &Locked) -> StatusCode {
    StatusCode::CONFLICT
}

#[get("/ok")]
pub fn ok() -> &'static str {
    "ok"
}

#[get("/fail")]
pub fn fail() -> Result<&'static str, Locked> {
    Err(Locked)
}

#[get("/items/{id}")]
pub fn item(PathParams(id): PathParams<u32>) -> String {
    format!("item {id}")
}

#[derive(serde::Deserialize)]
pub struct Page {
    pub page: u32,
}

#[get("/search")]
pub fn search(QueryParams(query): QueryParams<Page>) -> String {
    format!("page {}", query.page)
}

#[derive(serde::Deserialize)]
pub struct Note {
    pub text: String,
}

#[post("/notes")]
pub fn note(JsonBody(note): JsonBody<Note>) -> String {
    note.text
}

#[post("/echo")]
pub fn echo(body: BufferedBody) -> String {
    format!("{} bytes", body.0.len())
}

#[get("/panic")]
pub fn boom() -> &'static str {
    panic!("the storm broke something")
}

#[get("/work")]
pub async fn work() -> &'static str {
    tokio::time::sleep(Duration::from_millis(2)).await;
    "worked"
}

/// Every kind of outcome: successes, a handler error, extractor errors, a panic.
pub fn blueprint() -> Blueprint {
    let mut bp = Blueprint::new();
    bp.error_observer(LOG_ERROR);
    bp.error_handler(LOCKED);
    for route in [OK, FAIL, ITEM, SEARCH, BOOM, WORK] {
        bp.route(route);
    }
    bp.route(NOTE);
    bp.route(ECHO);
    bp
}

/// A response read off the wire.
#[derive(Debug)]
pub struct WireResponse {
    pub status: u16,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl WireResponse {
    /// Whether the server announced it closes the connection.
    pub fn closes(&self) -> bool {
        self.headers
            .get("connection")
            .is_some_and(|value| value.eq_ignore_ascii_case("close"))
    }
}

/// One keep-alive HTTP/1.1 connection, driven by hand; or, split, its reading half.
pub struct Client<R = TcpStream> {
    stream: BufReader<R>,
}

impl Client {
    pub async fn connect(addr: SocketAddr) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream: BufReader::new(stream),
        })
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.stream.get_mut().write_all(bytes).await
    }

    /// The reading half, and the writing half to send on while reading.
    pub fn split(self) -> (Client<OwnedReadHalf>, OwnedWriteHalf) {
        let (read, write) = self.stream.into_inner().into_split();
        let reader = Client {
            stream: BufReader::new(read),
        };
        (reader, write)
    }

    /// Sends `GET path`.
    pub async fn get(&mut self, path: &str) -> io::Result<()> {
        let request = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\n\r\n");
        self.send_raw(request.as_bytes()).await
    }

    /// Sends `POST path` with `body`, of `content_type`.
    pub async fn post(&mut self, path: &str, content_type: &str, body: &str) -> io::Result<()> {
        let request = format!(
            "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        self.send_raw(request.as_bytes()).await
    }
}

impl<R: AsyncRead + Unpin> Client<R> {
    /// Reads one response; `None` if the connection ends before its first byte.
    pub async fn response(&mut self) -> io::Result<Option<WireResponse>> {
        let mut line = String::new();
        if self.stream.read_line(&mut line).await? == 0 {
            return Ok(None);
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| io::Error::other(format!("not a status line: {line:?}")))?;
        let mut headers = BTreeMap::new();
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await? == 0 {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| io::Error::other(format!("not a header: {line:?}")))?;
            headers.insert(name.to_ascii_lowercase(), value.trim().to_owned());
        }
        let length: usize = headers
            .get("content-length")
            .and_then(|length| length.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await?;
        Ok(Some(WireResponse {
            status,
            headers,
            body,
        }))
    }

    /// Whether the server closed the connection (EOF or reset), reading what is left.
    pub async fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        match self.stream.read_to_end(&mut rest).await {
            Ok(_) => true,
            Err(error) => error.kind() == io::ErrorKind::ConnectionReset,
        }
    }
}

/// How many file descriptors the process has open.
pub fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .expect("/proc/self/fd lists the open file descriptors")
        .count()
}
