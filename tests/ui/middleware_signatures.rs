use watchful::{Response, post_process, pre_process, wrap};

#[wrap]
pub async fn no_next() -> Response {
    Response::default()
}

#[post_process]
pub fn borrowed_response(_response: &Response) -> Response {
    Response::new(Default::default())
}

#[pre_process]
pub fn decides_nothing() {}

fn main() {}
