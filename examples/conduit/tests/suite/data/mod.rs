//! The data layer: every repository function, its success and each of its errors.

mod articles;
mod comments;
mod profiles;
mod tags;
mod users;
