#[watchful::get("/sum")]
pub unsafe extern "C" fn sum(first: u32, _: ...) -> String {
    first.to_string()
}

fn main() {}
