use std::cell::RefCell;
use std::rc::Rc;

/// A connection that, like `rusqlite::Connection`, is `Send` but not `Sync`.
pub struct Connection {
    pub statements: RefCell<Vec<String>>,
}

#[watchful::singleton]
pub fn connection() -> Connection {
    Connection {
        statements: RefCell::new(Vec::new()),
    }
}

#[watchful::singleton]
pub fn shared_name() -> Result<Rc<String>, std::io::Error> {
    Ok(Rc::new("ada".to_owned()))
}

#[watchful::get("/count")]
pub fn count(connection: &Connection) -> String {
    connection.statements.borrow().len().to_string()
}

#[watchful::post("/names")]
pub fn add_name(name: Rc<String>) -> String {
    name.to_string()
}

fn main() {}
