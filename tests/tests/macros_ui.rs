//! Every error the attribute macros raise (attribute arguments, signatures the framework cannot
//! call, items that are not functions), and the compile-time checks of the code they generate
//! (injected types that are not `Send + Sync`, outputs that are not responses, a function
//! registered instead of its constant), points at the
//! offending part and says what to write instead. Each `ui/*.rs` file must fail
//! to compile with exactly the errors in the `.stderr` file beside it; regenerate those with
//! `TRYBUILD=overwrite cargo test -p watchful-conformance --test macros_ui` and review the diff.

#[test]
fn unsupported_signatures_are_compile_errors() {
    trybuild::TestCases::new().compile_fail("ui/*.rs");
}
