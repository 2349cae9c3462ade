//! The HTTP routes, one module per resource. Each `#[get(..)]` function gets a constant named
//! after it (`ping` → `PING`) that [`crate::blueprint`] registers.

pub mod greet;
pub mod ping;
