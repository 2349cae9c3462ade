use watchful::http::StatusCode;

#[derive(Debug, thiserror::Error)]
#[error("not found")]
pub struct NotFound;

#[watchful::error_handler]
pub fn no_error() -> StatusCode {
    StatusCode::NOT_FOUND
}

#[watchful::error_handler]
pub fn fails(_error: &NotFound) -> Result<StatusCode, NotFound> {
    Ok(StatusCode::NOT_FOUND)
}

#[watchful::error_handler]
pub fn returns_nothing(_error: &NotFound) {}

#[watchful::error_observer]
pub fn observes_nothing() {}

#[watchful::error_observer]
pub fn observes_by_value(_error: watchful::Error) {}

fn main() {}
