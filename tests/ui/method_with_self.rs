pub struct Users;

impl Users {
    #[watchful::get("/users")]
    pub fn list(&self) -> &'static str {
        "ada, grace"
    }
}

fn main() {}
