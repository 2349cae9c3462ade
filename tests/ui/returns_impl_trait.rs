#[watchful::get("/greet")]
pub fn greet() -> impl watchful::IntoResponse {
    "hello"
}

#[watchful::wrap]
pub async fn passthrough(next: watchful::middleware::Next) {
    let _ = next.await;
}

fn main() {}
