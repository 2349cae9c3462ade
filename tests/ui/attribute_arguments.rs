//! Arguments on the attributes that take none, or not these.

pub struct Pool;

#[watchful::singleton(clone_if_necessary)]
pub fn pool() -> Pool {
    Pool
}

#[watchful::transient(clone_if_necessary)]
pub fn fresh_pool() -> Pool {
    Pool
}

#[watchful::request_scoped(clone)]
pub fn scoped_pool() -> Pool {
    Pool
}

#[watchful::singleton(lazy)]
pub fn lazy_pool() -> Pool {
    Pool
}

#[watchful::wrap(outermost)]
pub async fn timed(next: watchful::middleware::Next) -> watchful::Response {
    next.await
}

#[watchful::error_observer(level = "warn")]
pub fn log_error(_error: &watchful::Error) {}

#[derive(Debug, thiserror::Error)]
#[error("gone")]
pub struct Gone;

#[watchful::error_handler(responses(404, 404))]
pub fn gone_twice(_error: &Gone) -> watchful::http::StatusCode {
    watchful::http::StatusCode::NOT_FOUND
}

#[watchful::error_handler(statuses(404))]
pub fn gone_misnamed(_error: &Gone) -> watchful::http::StatusCode {
    watchful::http::StatusCode::NOT_FOUND
}

#[watchful::error_handler(responses(99 = String))]
pub fn gone_bad_status(_error: &Gone) -> watchful::http::StatusCode {
    watchful::http::StatusCode::NOT_FOUND
}

fn main() {}
