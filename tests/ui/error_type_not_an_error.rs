#[watchful::get("/count")]
pub fn count() -> Result<String, u32> {
    Err(404)
}

fn main() {}
