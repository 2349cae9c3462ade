use watchful::{Blueprint, get};

#[get("/notes/{id}")]
pub fn get_note() -> &'static str {
    "a note"
}

fn main() {
    let mut bp = Blueprint::new();
    bp.route(get_note);
}
