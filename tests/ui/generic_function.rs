#[watchful::get("/echo")]
pub fn echo<T: ToString>(value: T) -> String {
    value.to_string()
}

fn main() {}
