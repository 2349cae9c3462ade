#[watchful::get("/greet")]
pub fn greet(greeting: impl AsRef<str>) -> String {
    greeting.as_ref().to_owned()
}

fn main() {}
