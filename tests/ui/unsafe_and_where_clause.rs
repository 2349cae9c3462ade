#[watchful::get("/raw")]
pub unsafe fn raw() -> &'static str {
    "raw"
}

#[watchful::get("/echo")]
pub fn echo() -> String
where
    String: Clone,
{
    String::new()
}

fn main() {}
