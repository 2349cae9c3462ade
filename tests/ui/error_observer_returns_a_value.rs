#[watchful::error_observer]
pub fn count_errors(error: &watchful::Error) -> usize {
    error.sources().count()
}

fn main() {}
