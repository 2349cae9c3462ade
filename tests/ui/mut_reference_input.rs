pub struct Cart(pub Vec<String>);

#[watchful::post("/cart")]
pub fn add_to_cart(cart: &mut Cart) -> &'static str {
    cart.0.push("apple".to_owned());
    "added"
}

fn main() {}
