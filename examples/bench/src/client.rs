//! A minimal blocking HTTP/1.1 client: one request per connection to check each scenario's
//! response and drive the error-reporting comparison, and a keep-alive [`Connection`] that
//! sends requests one after the other for the instruction counts.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

/// A response as received.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body, de-chunked.
    pub body: Vec<u8>,
    /// The `access-control-allow-origin` header, if any.
    pub allow_origin: Option<String>,
}

impl Reply {
    /// The body as text (lossy).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request to `127.0.0.1:port` on a connection of its own; `Err` when the server
/// closed the connection without a response.
pub fn send(
    port: u16,
    method: &str,
    path: &str,
    content_type: Option<&str>,
    body: &str,
) -> std::io::Result<Reply> {
    let mut connection = Connection::open(port, Duration::from_secs(10))?;
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if let Some(content_type) = content_type {
        request.push_str(&format!("content-type: {content_type}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    connection.exchange(&request)
}

/// A keep-alive connection to `127.0.0.1:port`.
pub struct Connection {
    port: u16,
    reader: BufReader<TcpStream>,
}

impl Connection {
    /// Connects; every read waits at most `timeout`.
    pub fn open(port: u16, timeout: Duration) -> std::io::Result<Self> {
        let stream = TcpStream::connect(("127.0.0.1", port))?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_nodelay(true)?;
        Ok(Self {
            port,
            reader: BufReader::new(stream),
        })
    }

    /// `GET path`, keeping the connection open, and waits for the whole response.
    pub fn get(&mut self, path: &str) -> std::io::Result<Reply> {
        let request = format!(
            "GET {path} HTTP/1.1\r\nhost: 127.0.0.1:{}\r\n\r\n",
            self.port
        );
        self.exchange(&request)
    }

    fn exchange(&mut self, request: &str) -> std::io::Result<Reply> {
        self.reader.get_mut().write_all(request.as_bytes())?;
        read_reply(&mut self.reader)
    }
}

/// Reads one response: the head, then a body of `content-length` bytes, chunks, or (with
/// neither) everything until the server closes the connection.
fn read_reply(reader: &mut impl BufRead) -> std::io::Result<Reply> {
    let status_line = line(reader)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid(format!("not an HTTP status line: {status_line:?}")))?;
    let (mut length, mut chunked, mut allow_origin) = (None, false, None);
    loop {
        let header = line(reader)?;
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(invalid(format!("not a header: {header:?}")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(invalid)?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        } else if name.eq_ignore_ascii_case("access-control-allow-origin") {
            allow_origin = Some(value.to_owned());
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            let size = line(reader)?;
            let size = size.split(';').next().unwrap_or_default().trim();
            let size = usize::from_str_radix(size, 16).map_err(invalid)?;
            if size == 0 {
                // The trailers, up to the empty line.
                while !line(reader)?.is_empty() {}
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line(reader)?;
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else {
        reader.read_to_end(&mut body)?;
    }
    Ok(Reply {
        status,
        body,
        allow_origin,
    })
}

/// One line without its CRLF; an error at the end of the stream.
fn line(reader: &mut impl BufRead) -> std::io::Result<String> {
    let mut text = String::new();
    if reader.read_line(&mut text)? == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection before the end of the response",
        ));
    }
    Ok(text.trim_end_matches(['\r', '\n']).to_owned())
}

fn invalid(error: impl ToString) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, error.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(raw: &str) -> std::io::Result<Reply> {
        read_reply(&mut raw.as_bytes())
    }

    #[test]
    fn reads_a_body_of_content_length_and_leaves_the_next_response() {
        let mut raw =
            "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloHTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n"
                .as_bytes();
        let first = read_reply(&mut raw).unwrap();
        assert_eq!((first.status, first.text().as_str()), (200, "hello"));
        let second = read_reply(&mut raw).unwrap();
        assert_eq!((second.status, second.body.len()), (404, 0));
        assert!(raw.is_empty());
    }

    #[test]
    fn dechunks() {
        let reply = read(
            "HTTP/1.1 500 Internal Server Error\r\nTransfer-Encoding: chunked\r\n\r\n\
             5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((reply.status, reply.text().as_str()), (500, "hello, world"));
    }

    #[test]
    fn reads_to_the_end_without_a_length() {
        let reply = read("HTTP/1.0 200 OK\r\n\r\nuntil close").unwrap();
        assert_eq!(reply.text(), "until close");
    }

    #[test]
    fn a_truncated_response_is_an_error() {
        let error = read("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
        let error = read("").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::UnexpectedEof);
        let error = read("garbage\r\n\r\n").unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    }
}
