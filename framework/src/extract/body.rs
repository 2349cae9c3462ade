//! [`BufferedBody`], and the reading every body extractor shares: the size limit, checked on
//! `Content-Length` before reading and while reading.

use bytes::{Bytes, BytesMut};
use http::StatusCode;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http_body_util::BodyExt;

use super::text::{quote, rejection_problem};
use super::{BodySizeLimit, FromRequestBody, Rejection};
use crate::error::BoxError;
use crate::request::{RequestBody, RequestHead};
use crate::response::Problem;

/// The whole request body, in memory.
///
/// At most the route's [`BodySizeLimit`] is read: a `Content-Length` over it is rejected before
/// reading, and a body without one (chunked) is rejected as soon as it passes the limit. Either
/// is a [`BufferedBodyError`], 413; a body that breaks off is one too, 400.
///
/// ```
/// use watchful::extract::BufferedBody;
/// use watchful::{Blueprint, post};
///
/// #[post("/upload")]
/// pub fn upload(body: BufferedBody) -> String {
///     format!("{} bytes", body.0.len())
/// }
///
/// let mut bp = Blueprint::new();
/// bp.route(UPLOAD);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BufferedBody(pub Bytes);

impl BufferedBody {
    /// The body's bytes.
    pub fn into_bytes(self) -> Bytes {
        self.0
    }
}

/// The request body could not be read in full.
#[derive(Debug, thiserror::Error)]
pub enum BufferedBodyError {
    /// The body is longer than the limit. Default response: 413.
    #[error("the request body is larger than the limit of {max_bytes} bytes")]
    TooLarge {
        /// The limit.
        max_bytes: usize,
    },
    /// The body stream failed, e.g. the client disconnected. Default response: 400.
    #[error("the request body could not be read")]
    Broken(#[source] BoxError),
}

impl Rejection for BufferedBodyError {
    fn statuses() -> &'static [StatusCode] {
        &[StatusCode::BAD_REQUEST, StatusCode::PAYLOAD_TOO_LARGE]
    }

    fn problem(&self) -> Problem {
        let status = match self {
            Self::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Broken(_) => StatusCode::BAD_REQUEST,
        };
        rejection_problem(status, self)
    }
}

impl FromRequestBody for BufferedBody {
    type Rejection = BufferedBodyError;

    async fn from_request_body(
        head: &RequestHead,
        body: RequestBody,
        limit: BodySizeLimit,
    ) -> Result<Self, BufferedBodyError> {
        read_body(head, body, limit).await.map(BufferedBody)
    }
}

/// Reads the whole body, within `limit`.
pub(crate) async fn read_body(
    head: &RequestHead,
    body: RequestBody,
    limit: BodySizeLimit,
) -> Result<Bytes, BufferedBodyError> {
    let max_bytes = match limit {
        BodySizeLimit::Enabled { max_bytes } => max_bytes,
        BodySizeLimit::Disabled => usize::MAX,
    };
    let too_large = BufferedBodyError::TooLarge { max_bytes };
    let declared = head
        .headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse::<u64>().ok());
    let mut body = body.into_inner();
    let hinted = http_body::Body::size_hint(&body).lower();
    if declared.unwrap_or(0).max(hinted) > max_bytes as u64 {
        return Err(too_large);
    }

    // Most bodies arrive in one frame: keep it as it is, copy only from the second.
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    let mut read = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(BufferedBodyError::Broken)?;
        let Ok(data) = frame.into_data() else {
            continue; // Trailers.
        };
        read = read.saturating_add(data.len());
        if read > max_bytes {
            return Err(too_large);
        }
        match &first {
            None => first = Some(data),
            Some(first) => {
                if rest.is_empty() {
                    rest.extend_from_slice(first);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(if rest.is_empty() {
        first.unwrap_or_default()
    } else {
        rest.freeze()
    })
}

/// The request's `Content-Type` is not the one an extractor reads.
///
/// Default response (through the body extractor's error): 415.
#[derive(Debug, thiserror::Error)]
#[error("expected `Content-Type: {expected}`, {}", match got {
    Some(got) => format!("got {}", quote(got)),
    None => "the request has none".to_owned(),
})]
pub struct UnsupportedContentType {
    expected: &'static str,
    got: Option<String>,
}

impl UnsupportedContentType {
    /// The content type the extractor reads.
    pub fn expected(&self) -> &'static str {
        self.expected
    }

    /// The request's content type, if it has one.
    pub fn got(&self) -> Option<&str> {
        self.got.as_deref()
    }
}

/// Checks the request's media type (what precedes any `;` parameter, case-insensitively) with
/// `accepts`; `expected` names it in the error.
pub(crate) fn check_content_type(
    head: &RequestHead,
    expected: &'static str,
    accepts: fn(&str) -> bool,
) -> Result<(), UnsupportedContentType> {
    let Some(value) = head.headers.get(CONTENT_TYPE) else {
        return Err(UnsupportedContentType {
            expected,
            got: None,
        });
    };
    let text = String::from_utf8_lossy(value.as_bytes());
    let media_type = text.split(';').next().unwrap_or_default().trim();
    if accepts(&media_type.to_ascii_lowercase()) {
        Ok(())
    } else {
        Err(UnsupportedContentType {
            expected,
            got: Some(text.into_owned()),
        })
    }
}
