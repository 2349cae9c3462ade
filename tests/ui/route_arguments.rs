//! Every mistake in the arguments of `#[get]`, .. and `#[route]`.

#[watchful::get]
pub fn no_path() {}

#[watchful::get(users)]
pub fn path_not_a_string() {}

#[watchful::get("/users", "/people")]
pub fn two_paths() {}

#[watchful::post("users")]
pub fn path_without_slash() {}

#[watchful::route(path = "/users")]
pub fn no_method() {}

#[watchful::route]
pub fn no_method_nor_path() {}

#[watchful::route(method = "get", path = "/users")]
pub fn lowercase_method() {}

#[watchful::route(method = "GET /users", path = "/users")]
pub fn method_not_letters() {}

#[watchful::route(method = "GET", path = "users")]
pub fn route_path_without_slash() {}

#[watchful::route(method = "GET", path = "/users", name = "users")]
pub fn unknown_key() {}

#[watchful::route(method = "GET", method = "HEAD", path = "/users")]
pub fn method_twice() {}

#[watchful::post("/users", status = 1000)]
pub fn status_out_of_range() {}

#[watchful::post("/users", code = 201)]
pub fn status_misnamed() {}

#[watchful::route(method = "POST", path = "/users", status = "201")]
pub fn status_not_a_number() {}

fn main() {}
