//! The name of the constant emitted next to an annotated function.

use proc_macro2::Ident;
use syn::ext::IdentExt;

/// The function's name without `r#`: `r#type` -> `type`.
pub(crate) fn function_name(function: &Ident) -> String {
    function.unraw().to_string()
}

/// The constant describing `function`: `get_user` -> `GET_USER`, `r#type` -> `TYPE`. It
/// carries the function's span, so that errors and "go to definition" lead to the function.
pub(crate) fn constant_name(function: &Ident) -> Ident {
    Ident::new(&screaming_case(&function_name(function)), function.span())
}

/// `get_user` -> `GET_USER`; a lowercase-to-uppercase step starts a word too: `getUser` ->
/// `GET_USER`.
fn screaming_case(name: &str) -> String {
    let mut constant = String::with_capacity(name.len() + 4);
    let mut after_lowercase = false;
    for character in name.chars() {
        if character.is_uppercase() && after_lowercase {
            constant.push('_');
        }
        after_lowercase = character.is_lowercase() || character.is_ascii_digit();
        constant.extend(character.to_uppercase());
    }
    constant
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_becomes_screaming_case() {
        assert_eq!(screaming_case("get_user"), "GET_USER");
        assert_eq!(screaming_case("greet"), "GREET");
        assert_eq!(screaming_case("_private"), "_PRIVATE");
        assert_eq!(screaming_case("v2_users"), "V2_USERS");
    }

    #[test]
    fn camel_case_words_are_separated() {
        assert_eq!(screaming_case("getUser"), "GET_USER");
        assert_eq!(screaming_case("user2Id"), "USER2_ID");
        assert_eq!(screaming_case("HTTPHandler"), "HTTPHANDLER");
    }

    #[test]
    fn raw_identifiers_lose_their_prefix() {
        let ident = Ident::new_raw("type", proc_macro2::Span::call_site());
        assert_eq!(constant_name(&ident).to_string(), "TYPE");
        assert_eq!(function_name(&ident), "type");
    }
}
