use watchful::http::StatusCode;
use watchful::{Blueprint, Error, error_handler, error_observer};

#[error_observer]
pub fn count(_error: &Error) {}

#[error_handler]
pub fn any(_error: &Error) -> StatusCode {
    StatusCode::INTERNAL_SERVER_ERROR
}

fn main() {
    let mut bp = Blueprint::new();
    bp.error_observer(COUNT).error_handler(ANY);
}
