//! The HTTP layer: one module per resource of the spec, each with its routes, the JSON shapes
//! it reads and writes, and the request-scoped constructors that validate its input; [`auth`]
//! for who is asking and [`errors`] for what every failure answers. [`crate::app`] puts them
//! in a blueprint.

pub mod articles;
pub mod auth;
pub mod comments;
mod dates;
pub mod errors;
pub mod profiles;
pub mod tags;
pub mod users;
