#[watchful::singleton]
pub fn init_logging() {
    println!("logging ready");
}

fn main() {}
