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

fn main() {}
