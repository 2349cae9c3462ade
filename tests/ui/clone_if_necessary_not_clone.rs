pub struct Session {
    pub user: String,
}

#[watchful::request_scoped(clone_if_necessary)]
pub fn session() -> Session {
    Session {
        user: "ada".to_owned(),
    }
}

fn main() {}
