#[watchful::get("/users")]
pub struct Users;

#[watchful::singleton]
pub const POOL_SIZE: usize = 8;

#[watchful::error_handler]
pub mod handlers {}

fn main() {}
