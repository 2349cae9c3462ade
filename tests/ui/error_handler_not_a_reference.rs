use watchful::http::StatusCode;

#[derive(Debug, thiserror::Error)]
#[error("not found")]
pub struct NotFound;

#[watchful::error_handler]
pub fn not_found(error: NotFound) -> StatusCode {
    let _ = error;
    StatusCode::NOT_FOUND
}

fn main() {}
