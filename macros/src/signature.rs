//! Reads an annotated function's signature and checks that the framework can call it.

use quote::ToTokens;
use syn::visit::Visit;
use syn::{Error, FnArg, ReturnType, Signature, Type, TypeImplTrait};

use crate::args::{Kind, Macro};

/// A function the framework can call, as the generated code sees it.
pub(crate) struct Component<'f> {
    /// The input the framework passes first, before the injected ones: the error an error
    /// handler handles (`E` in `&E`) or an observer observes, a wrapping middleware's `Next`,
    /// a post-processing middleware's `Response`.
    pub(crate) leading_input: Option<&'f Type>,
    /// The inputs the framework injects, in declaration order.
    pub(crate) inputs: Vec<Input<'f>>,
    pub(crate) output: Output<'f>,
}

/// An injected input.
pub(crate) struct Input<'f> {
    /// The type to inject: `T` for both `T` and `&T`.
    pub(crate) ty: &'f Type,
    pub(crate) by_ref: bool,
}

/// What the function returns.
pub(crate) enum Output<'f> {
    /// Nothing, or `()`.
    Unit,
    /// A type that is not a `Result`.
    Value(&'f Type),
    /// A type whose last path segment is `Result`, whatever alias spells it.
    Result(&'f Type),
}

/// Checks a function's signature against the rules of the `kind` of component it declares,
/// reporting every problem at once.
pub(crate) fn read(sig: &Signature, kind: Macro) -> syn::Result<Component<'_>> {
    let mut errors = Vec::new();
    check_shape(sig, &mut errors);

    let mut params = sig.inputs.iter();
    let leading_input = match kind {
        Kind::ErrorHandler(()) | Kind::ErrorObserver | Kind::Wrap | Kind::PostProcess => {
            read_leading_input(sig, params.next(), kind, &mut errors)
        }
        Kind::Route(_) | Kind::Constructor(_) | Kind::PreProcess | Kind::Fallback => None,
    };
    let inputs = params
        .filter_map(|param| read_input(param, &mut errors))
        .collect();
    let output = read_output(sig, kind, &mut errors);

    match errors.into_iter().reduce(|mut all, error| {
        all.combine(error);
        all
    }) {
        Some(error) => Err(error),
        None => Ok(Component {
            leading_input,
            inputs,
            output,
        }),
    }
}

/// Rejects what no component may be: generic, `unsafe` or variadic.
fn check_shape(sig: &Signature, errors: &mut Vec<Error>) {
    if !sig.generics.params.is_empty() {
        errors.push(Error::new_spanned(
            &sig.generics,
            "components cannot be generic: the framework calls them with concrete types; \
             remove the generic parameters and name the types (references can elide their \
             lifetime: `&T`)",
        ));
    }
    if let Some(where_clause) = &sig.generics.where_clause {
        errors.push(Error::new_spanned(
            where_clause,
            "components cannot be generic: remove the `where` clause and name the types",
        ));
    }
    if let Some(unsafety) = &sig.unsafety {
        errors.push(Error::new_spanned(
            unsafety,
            "components cannot be `unsafe fn`: the framework calls them with no safety \
             precondition; remove `unsafe` and use an `unsafe` block in the body",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        errors.push(Error::new_spanned(
            variadic,
            "components cannot be variadic: remove `...` and declare each input",
        ));
    }
}

/// The input the framework passes first: the error, by reference, to an error handler (`&E`)
/// or an observer (`&watchful::Error`); by value, the rest of the pipeline to a wrapping
/// middleware (`next: Next`) and the response to a post-processing one (`response: Response`).
fn read_leading_input<'f>(
    sig: &'f Signature,
    param: Option<&'f FnArg>,
    kind: Macro,
    errors: &mut Vec<Error>,
) -> Option<&'f Type> {
    let (message, by_ref) = match kind {
        Kind::ErrorObserver => (
            "the first input of an error observer must be a reference to the error it observes: \
             write `error: &watchful::Error`",
            true,
        ),
        Kind::Wrap => (
            "the first input of a wrapping middleware is the rest of the pipeline, by value: \
             write `next: Next` (`watchful::middleware::Next`)",
            false,
        ),
        Kind::PostProcess => (
            "the first input of a post-processing middleware is the response, by value: write \
             `response: Response` (`watchful::Response`)",
            false,
        ),
        _ => (
            "the first input of an error handler must be a reference to the error it handles, \
             e.g. `e: &MyError`",
            true,
        ),
    };
    let Some(param) = param else {
        errors.push(Error::new(sig.paren_token.span.join(), message));
        return None;
    };
    let ty = param_type(param, errors)?;
    match (peel(ty), by_ref) {
        (Type::Reference(reference), true) if reference.mutability.is_none() => {
            Some(&reference.elem)
        }
        (Type::Reference(_), _) | (_, true) => {
            errors.push(Error::new_spanned(ty, message));
            None
        }
        (_, false) => Some(ty),
    }
}

/// An injected input: `T` or `&T`.
fn read_input<'f>(param: &'f FnArg, errors: &mut Vec<Error>) -> Option<Input<'f>> {
    let ty = param_type(param, errors)?;
    match peel(ty) {
        Type::Reference(reference) if reference.mutability.is_some() => {
            errors.push(Error::new_spanned(
                ty,
                "inputs cannot be `&mut`: the framework shares the values it injects; take `&T` \
                 or `T` by value",
            ));
            None
        }
        Type::Reference(reference) => Some(Input {
            ty: &reference.elem,
            by_ref: true,
        }),
        _ => Some(Input { ty, by_ref: false }),
    }
}

/// The type of a parameter, unless it is `self` or mentions `impl Trait`.
fn param_type<'f>(param: &'f FnArg, errors: &mut Vec<Error>) -> Option<&'f Type> {
    match param {
        FnArg::Receiver(receiver) => {
            errors.push(Error::new_spanned(
                receiver,
                "a component must be a free function, not a method: remove `self` and move the \
                 function out of the `impl` block",
            ));
            None
        }
        FnArg::Typed(typed) => match find_impl_trait(&typed.ty) {
            Some(impl_trait) => {
                errors.push(Error::new_spanned(
                    impl_trait,
                    "inputs cannot be `impl Trait`: the framework injects inputs by type; name \
                     the type, e.g. `db: &Database`",
                ));
                None
            }
            None => Some(&typed.ty),
        },
    }
}

/// Classifies the return type and checks it against what the kind of component returns.
fn read_output<'f>(sig: &'f Signature, kind: Macro, errors: &mut Vec<Error>) -> Output<'f> {
    let (output, returned, impl_trait): (_, &dyn ToTokens, _) = match &sig.output {
        ReturnType::Default => (Output::Unit, sig, None),
        ReturnType::Type(_, ty) => (classify(ty), ty, find_impl_trait(ty)),
    };
    let problem: Option<(&dyn ToTokens, _)> = match (kind, &output) {
        (Kind::Constructor(_), Output::Unit) => Some((
            returned,
            "a constructor must return the value it builds, e.g. `-> MyType` or \
             `-> Result<MyType, MyError>`",
        )),
        (Kind::ErrorHandler(()), Output::Result(_)) => Some((
            returned,
            "error handlers cannot fail: return a response, e.g. `-> Response`",
        )),
        (Kind::ErrorHandler(()), Output::Unit) => Some((
            returned,
            "an error handler must return a response, e.g. `-> Response`",
        )),
        (Kind::ErrorObserver, Output::Value(_) | Output::Result(_)) => Some((
            returned,
            "error observers cannot fail or return a value: remove the return type",
        )),
        (Kind::Wrap | Kind::PostProcess, Output::Unit) => Some((
            returned,
            "a middleware must return the response, e.g. `-> Response`, or \
             `-> Result<Response, MyError>`",
        )),
        (Kind::PreProcess, Output::Unit) => Some((
            returned,
            "a pre-processing middleware returns `Processing` (`Continue` or \
             `EarlyReturn(response)`), or `Result<Processing, MyError>`",
        )),
        (
            Kind::Route(_)
            | Kind::Constructor(_)
            | Kind::ErrorHandler(())
            | Kind::Wrap
            | Kind::PreProcess
            | Kind::PostProcess
            | Kind::Fallback,
            _,
        ) => impl_trait.map(|impl_trait| -> (&dyn ToTokens, _) {
            (
                impl_trait,
                "a component's output cannot be `impl Trait`: the framework must name its \
                     type; write the type instead",
            )
        }),
        (Kind::ErrorObserver, Output::Unit) => None,
    };
    if let Some((culprit, message)) = problem {
        errors.push(Error::new_spanned(culprit, message));
    }
    output
}

/// `()` is the unit output; a path ending in `Result` is a `Result`.
fn classify(ty: &Type) -> Output<'_> {
    match peel(ty) {
        Type::Tuple(tuple) if tuple.elems.is_empty() => Output::Unit,
        Type::Path(path)
            if path
                .path
                .segments
                .last()
                .is_some_and(|segment| segment.ident == "Result") =>
        {
            Output::Result(ty)
        }
        _ => Output::Value(ty),
    }
}

/// Sees through the invisible groups of `macro_rules!` fragments and through parentheses.
fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => peel(&group.elem),
        Type::Paren(paren) => peel(&paren.elem),
        _ => ty,
    }
}

/// The first `impl Trait` anywhere in `ty`.
fn find_impl_trait(ty: &Type) -> Option<&TypeImplTrait> {
    struct Finder<'f>(Option<&'f TypeImplTrait>);
    impl<'f> Visit<'f> for Finder<'f> {
        fn visit_type_impl_trait(&mut self, impl_trait: &'f TypeImplTrait) {
            self.0.get_or_insert(impl_trait);
        }
    }
    let mut finder = Finder(None);
    finder.visit_type(ty);
    finder.0
}
