#[derive(serde::Serialize)]
pub struct Note {
    pub id: u64,
    pub text: String,
}

#[watchful::get("/notes/{id}")]
pub fn get_note() -> Note {
    Note {
        id: 1,
        text: "hello".to_owned(),
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no such note")]
pub struct NoSuchNote;

#[watchful::get("/notes")]
pub async fn list_notes() -> Result<Vec<Note>, NoSuchNote> {
    Ok(Vec::new())
}

#[watchful::error_handler]
pub fn no_such_note(_error: &NoSuchNote) -> u16 {
    404
}

fn main() {}
