//! Emits the constant that describes an annotated function, with compile-time checks on the
//! types it mentions.
//!
//! Every path is absolute (`::watchful::__private::..`, `::core::..`, `::std::..`), so that the
//! code means the same wherever it expands.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericArgument, ItemFn, PathArguments, Type};

use crate::args::{Constructor, Declared, DeclaredResponse, Kind, Lifecycle, Route};
use crate::naming;
use crate::signature::{Component, Output};

/// The constant describing `function`.
pub(crate) fn emit(function: &ItemFn, kind: &Declared, component: &Component) -> TokenStream {
    let shape = Shape::new(function, kind, component);
    let constant = naming::constant_name(&function.sig.ident);
    let vis = &function.vis;
    let cfgs = function
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"));
    let meta = meta(function, component, &shape);
    let call = call(function, component, &shape);
    let Shape {
        doc,
        ty,
        leading,
        documented,
        ..
    } = &shape;
    quote! {
        #(#cfgs)*
        #[doc = #doc]
        #vis const #constant: ::watchful::__private::#ty =
            ::watchful::__private::#ty::new(#leading #meta, #call) #documented;
    }
}

/// What a route says about itself in the OpenAPI document: its doc comment, its declared
/// success status and its success type. The `watchful::__route_doc!` macro keeps them only
/// when watchful's `openapi` feature is on.
fn route_doc(function: &ItemFn, status: Option<&syn::LitInt>, ok: &TokenStream) -> TokenStream {
    let docs = doc_comment(function);
    let status = match status {
        Some(status) => quote!(::core::option::Option::Some(#status)),
        None => quote!(::core::option::Option::None),
    };
    quote!(.documented(::watchful::__route_doc!(#docs, #status, #ok)))
}

/// The responses an error handler declares, for the OpenAPI document and for the debug-build
/// check of the statuses it answers.
fn declared_responses(declared: &[DeclaredResponse]) -> TokenStream {
    let responses = declared
        .iter()
        .map(|DeclaredResponse { status, body }| match body {
            Some(body) => quote!(::watchful::__declared_response!(#status, #body)),
            None => quote!(::watchful::__declared_response!(#status)),
        });
    quote!(.responses(&[#(#responses),*]))
}

/// The function's doc comment, its lines joined, each stripped of the one space `///` leaves.
fn doc_comment(function: &ItemFn) -> String {
    let lines: Vec<String> = function
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .map(|line| line.strip_prefix(' ').map(str::to_owned).unwrap_or(line))
        .collect();
    lines.join("\n").trim().to_owned()
}

/// What sets one kind of component apart in the generated code.
///
/// Types taken from the user's code keep its spans, so that a type error points at the type.
/// Each compile-time check sits in the same function as the code that needs it: rustc then
/// reports a bound that fails once, from the check.
struct Shape {
    doc: String,
    /// The constant's type in `::watchful::__private`, e.g. `Route`.
    ty: TokenStream,
    /// The arguments of the type's `new` that come before the meta and the adapter.
    leading: TokenStream,
    /// The value a constructor builds.
    output: Option<TokenStream>,
    /// The error in a returned `Result`, or the error an error handler handles.
    error: Option<TokenStream>,
    /// The adapter's parameter for the error that an error handler or observer receives.
    error_param: Option<TokenStream>,
    /// The function's argument for that error, before the injected ones.
    error_arg: Option<TokenStream>,
    /// What the adapter's step yields.
    yields: TokenStream,
    /// The function that turns the function's output into what the step yields, if any.
    convert: Option<TokenStream>,
    /// The argument `convert` takes before the output: the verdict on whether a constructor's
    /// value can be shared across threads.
    verdict: Option<TokenStream>,
    /// Checks on the output and error types, and the imports they need, at the top of the
    /// adapter.
    checks: Vec<TokenStream>,
    /// A method call on the constant that adds what the OpenAPI document needs, if any.
    documented: Option<TokenStream>,
}

impl Shape {
    fn new(function: &ItemFn, kind: &Declared, component: &Component) -> Self {
        let name = naming::function_name(&function.sig.ident);
        let link = format!("[`{name}`](fn@{name})");
        let ok = ok_type(&component.output);
        let result_error = match component.output {
            Output::Result(ty) => Some(result_part(ty, "Err")),
            Output::Unit | Output::Value(_) => None,
        };
        let error_check =
            |error: &TokenStream| quote!(::watchful::__private::assert_error::<#error>(););
        // `response` or `value` for a plain output; `response_result` or `value_result` for a
        // `Result`; `value` also names the type of the verdict it takes (`infer`).
        let convert = |plain: &str, infer: Option<TokenStream>| {
            let (function, types) = match &result_error {
                Some(error) => (format_ident!("{plain}_result"), quote!(#ok, #error)),
                None => (format_ident!("{plain}"), quote!(#ok)),
            };
            let infer = infer.map(|infer| quote!(, #infer));
            Some(quote!(::watchful::__private::#function::<#types #infer>))
        };
        let erased = quote!(::watchful::__private::ErasedError);
        // A step of the request pipeline (route, middleware, fallback): it yields a response
        // (or, for `pre`, a `Processing`), or an error; `passed` is the type of the input the
        // framework passes first, if any.
        let pipeline = |doc: String,
                        ty: TokenStream,
                        leading: TokenStream,
                        passed: Option<TokenStream>,
                        pre: bool,
                        documented: Option<TokenStream>| {
            let (ok, plain) = match pre {
                true => (quote!(::watchful::middleware::Processing), "processing"),
                false => (quote!(::watchful::__private::Response), "response"),
            };
            Shape {
                doc,
                ty,
                leading,
                output: None,
                // Spanned on the declared type, so that a mismatch points at it.
                error_arg: passed
                    .as_ref()
                    .and(component.leading_input)
                    .map(|declared| quote_spanned!(declared.span()=> __passed,)),
                error_param: passed.map(|passed| quote!(__passed: #passed)),
                yields: quote!(::core::result::Result<#ok, #erased>),
                convert: convert(plain, None),
                verdict: None,
                checks: result_error.iter().map(error_check).collect(),
                error: result_error.clone(),
                documented,
            }
        };

        match kind {
            Kind::Route(Route {
                method,
                path,
                status,
            }) => pipeline(
                format!("Route `{method} {}`, served by {link}.", path.value()),
                quote!(Route),
                quote!(#method, #path,),
                None,
                false,
                Some(route_doc(function, status.as_ref(), &ok)),
            ),
            Kind::Constructor(Constructor {
                lifecycle,
                clone_if_necessary,
            }) => {
                let (variant, what) = match lifecycle {
                    Lifecycle::Singleton => (quote!(Singleton), "a singleton"),
                    Lifecycle::RequestScoped => (quote!(RequestScoped), "a request-scoped value"),
                    Lifecycle::Transient => (quote!(Transient), "a transient value"),
                };
                // The bound is spanned on the flag, which the error's note then points at.
                let clone = clone_if_necessary.as_ref().map(|flag| {
                    let bound = quote_spanned!(flag.span()=> ::core::clone::Clone);
                    quote! {
                        fn __clone_if_necessary<T: #bound>() {}
                        let _ = __clone_if_necessary::<#ok>;
                    }
                });
                let clone_if_necessary = clone_if_necessary.is_some();
                let (infer, verdict) = thread_safety(&ok, value_span(&component.output));
                Shape {
                    doc: format!("Builds {what} with {link}."),
                    ty: quote!(Constructor),
                    leading: quote!(
                        ::watchful::__private::Lifecycle::#variant, #clone_if_necessary,
                    ),
                    error_param: None,
                    error_arg: None,
                    yields: quote!(::core::result::Result<
                        ::std::boxed::Box<
                            dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync,
                        >,
                        #erased,
                    >),
                    convert: convert("value", Some(infer)),
                    verdict: Some(quote!(#verdict,)),
                    checks: std::iter::once(thread_safety_probe())
                        .chain(result_error.iter().map(error_check))
                        .chain(clone)
                        .collect(),
                    output: Some(ok),
                    error: result_error,
                    documented: None,
                }
            }
            Kind::ErrorHandler(declared) => {
                let handled = component.leading_input.map(|handled| quote!(#handled));
                Shape {
                    doc: format!("Error handler {link}."),
                    ty: quote!(ErrorHandler),
                    leading: TokenStream::new(),
                    output: None,
                    error_param: Some(quote!(
                        __error: &'s (dyn ::core::any::Any + ::core::marker::Send + ::core::marker::Sync)
                    )),
                    error_arg: handled.as_ref().map(|handled| {
                        quote!(::watchful::__private::handled_error::<#handled>(__error),)
                    }),
                    yields: quote!(::watchful::__private::Response),
                    convert: Some(quote!(
                        <#ok as ::watchful::__private::IntoResponse>::into_response
                    )),
                    verdict: None,
                    checks: handled.iter().map(error_check).collect(),
                    error: handled,
                    documented: (!declared.is_empty()).then(|| declared_responses(declared)),
                }
            }
            Kind::ErrorObserver => Shape {
                doc: format!("Error observer {link}."),
                ty: quote!(ErrorObserver),
                leading: TokenStream::new(),
                output: None,
                error: None,
                error_param: Some(quote!(__error: &'s ::watchful::Error)),
                // Spanned on the declared type, so that a mismatch points at it.
                error_arg: component
                    .leading_input
                    .map(|observed| quote_spanned!(observed.span()=> __error,)),
                yields: quote!(()),
                convert: None,
                verdict: None,
                checks: Vec::new(),
                documented: None,
            },
            Kind::Wrap => pipeline(
                format!("Wrapping middleware {link}."),
                quote!(Wrap),
                TokenStream::new(),
                Some(quote!(::watchful::middleware::Next)),
                false,
                None,
            ),
            Kind::PostProcess => pipeline(
                format!("Post-processing middleware {link}."),
                quote!(PostProcess),
                TokenStream::new(),
                Some(quote!(::watchful::Response)),
                false,
                None,
            ),
            Kind::PreProcess => pipeline(
                format!("Pre-processing middleware {link}."),
                quote!(PreProcess),
                TokenStream::new(),
                None,
                true,
                None,
            ),
            Kind::Fallback => pipeline(
                format!("Fallback {link}, for requests that match no route."),
                quote!(Fallback),
                TokenStream::new(),
                None,
                false,
                None,
            ),
        }
    }
}

/// The value in a function's output: `T` in `T` and in `Result<T, E>`.
fn ok_type(output: &Output) -> TokenStream {
    match output {
        Output::Unit => quote!(()),
        Output::Value(ty) => quote!(#ty),
        Output::Result(ty) => result_part(ty, "Ok"),
    }
}

/// Where the value in a function's output starts: `T` in `T` and in `Result<T, E>` when written
/// so, else the return type.
fn value_span(output: &Output) -> Span {
    let ty = match output {
        Output::Unit => return Span::call_site(),
        Output::Value(ty) => ty,
        Output::Result(ty) => match ty {
            Type::Path(path) => match path.path.segments.last().map(|last| &last.arguments) {
                Some(PathArguments::AngleBracketed(args)) => match args.args.first() {
                    Some(GenericArgument::Type(ok)) => ok,
                    _ => ty,
                },
                _ => ty,
            },
            _ => ty,
        },
    };
    first_span(ty)
}

/// The span of the first token of `tokens`.
fn first_span(tokens: &impl ToTokens) -> Span {
    tokens
        .to_token_stream()
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |token| token.span())
}

/// `<Ty as IsResult>::Ok` or `::Err`, spanned across `ty` so that an error about it underlines
/// the whole return type: on stable Rust a span cannot be joined, but rustc underlines from the
/// start of generated code to its end.
fn result_part(ty: &Type, part: &str) -> TokenStream {
    let mut spans = ty.to_token_stream().into_iter().map(|token| token.span());
    let first = spans.next().unwrap_or_else(Span::call_site);
    let last = spans.last().unwrap_or(first);
    let part = Ident::new(part, last);
    let open = quote_spanned!(first=> <);
    let close = quote_spanned!(last=> as ::watchful::__private::IsResult>::#part);
    quote!(#open #ty #close)
}

/// The verdict on whether `ty` can be injected, `(&&InjectProbe::<ty>::new()).verdict()`, and
/// the `_` that stands for the verdict's type in the turbofish of the function that takes it.
/// rustc reports a verdict that is not `Injectable` at that `_`, so it carries `span`, the
/// start of the user's type.
fn thread_safety(ty: &TokenStream, span: Span) -> (TokenStream, TokenStream) {
    (
        quote_spanned!(span=> _),
        quote!((&&::watchful::__private::InjectProbe::<#ty>::new()).verdict()),
    )
}

/// Brings into scope the methods that [`thread_safety`]'s verdict calls.
fn thread_safety_probe() -> TokenStream {
    quote!(
        use ::watchful::__private::{ViaNotThreadSafe as _, ViaThreadSafe as _};
    )
}

/// `ComponentMeta::new(name, file, line, signature)`.
fn meta(function: &ItemFn, component: &Component, shape: &Shape) -> TokenStream {
    let ident = &function.sig.ident;
    let suffix = format!("::{}", naming::function_name(ident));
    // `line!()` reports the line of its invocation's span: the function's name.
    let location = quote_spanned!(ident.span()=> ::core::file!(), ::core::line!());

    let by_value = component.inputs.iter().any(|input| !input.by_ref);
    let clone_detection = by_value.then(|| {
        quote!(
            use ::watchful::__private::{ViaClone as _, ViaNoClone as _};
        )
    });
    let probes = (!component.inputs.is_empty()).then(|| {
        let thread_safety_probe = thread_safety_probe();
        quote!(
            use ::watchful::__private::{ViaBody as _, ViaHead as _, ViaNone as _};
            #thread_safety_probe
        )
    });
    let inputs = component.inputs.iter().map(|input| {
        let ty = input.ty;
        let (infer, verdict) = thread_safety(&quote!(#ty), first_span(ty));
        let input = if input.by_ref {
            quote!(::watchful::__private::input_by_ref::<#ty, #infer>(#verdict))
        } else {
            quote! {
                ::watchful::__private::input_by_value::<#ty, #infer>(
                    #verdict,
                    (&&::watchful::__private::CloneProbe::<#ty>::new()).cloner(),
                )
            }
        };
        quote! {
            ::watchful::__input_doc!(
                #input.with_extractor(
                    (&&&::watchful::__private::ExtractProbe::<#ty>::new()).extractor(),
                ),
                #ty
            )
        }
    });
    let type_meta = |ty: &Option<TokenStream>| match ty {
        Some(ty) => quote!(
            ::core::option::Option::Some(::watchful::__private::TypeMeta::of::<#ty>())
        ),
        None => quote!(::core::option::Option::None),
    };
    let output = type_meta(&shape.output);
    let error = type_meta(&shape.error);

    quote! {
        ::watchful::__private::ComponentMeta::new(
            ::core::concat!(::core::module_path!(), #suffix),
            #location,
            {
                fn __signature() -> ::watchful::__private::Signature {
                    #clone_detection
                    #probes
                    ::watchful::__private::Signature {
                        inputs: ::std::vec![#(#inputs),*],
                        output: #output,
                        error: #error,
                    }
                }
                __signature
            },
        )
    }
}

/// The adapter: takes the by-value inputs, then borrows the others, then calls the function.
fn call(function: &ItemFn, component: &Component, shape: &Shape) -> TokenStream {
    let ident = &function.sig.ident;
    let inputs = &component.inputs;
    let names: Vec<_> = (0..inputs.len())
        .map(|index| format_ident!("__arg{index}"))
        .collect();
    let fetch = |by_ref: bool| {
        inputs
            .iter()
            .zip(&names)
            .enumerate()
            .filter(move |(_, (input, _))| input.by_ref == by_ref)
            .map(move |(index, (input, name))| {
                let ty = input.ty;
                if by_ref {
                    quote!(let #name = __args.get::<#ty>(#index);)
                } else {
                    quote!(let #name = __args.take::<#ty>(#index);)
                }
            })
    };
    let takes: Vec<_> = fetch(false).collect();
    let gets: Vec<_> = fetch(true).collect();
    // Bind `__args` only as far as it is used, so that no lint fires in the user's crate.
    let args = match (takes.is_empty(), gets.is_empty()) {
        (true, true) => quote!(_),
        (true, false) => quote!(__args),
        (false, _) => quote!(mut __args),
    };
    let share = (!gets.is_empty()).then(|| quote!(let __args = __args.share();));

    let error_arg = &shape.error_arg;
    let invocation = quote!(#ident(#error_arg #(#names),*));
    let verdict = &shape.verdict;
    let convert = |output: TokenStream| match &shape.convert {
        Some(convert) => quote!(#convert(#verdict #output)),
        None => output,
    };
    let step = match &function.sig.asyncness {
        // Spanned on `async`, so that a future that is not `Send` is reported there.
        Some(asyncness) => {
            let output = convert(quote!(#invocation.await));
            quote_spanned! {asyncness.span()=>
                ::watchful::__private::Step::Pending(::std::boxed::Box::pin(async move { #output }))
            }
        }
        None => {
            let output = convert(invocation);
            quote!(::watchful::__private::Step::Ready(#output))
        }
    };

    let error_param = shape.error_param.as_ref().map(|param| quote!(, #param));
    let Shape { yields, checks, .. } = shape;
    quote! {{
        fn __call<'s>(
            #args: ::watchful::__private::Args<'s> #error_param
        ) -> ::watchful::__private::Step<'s, #yields> {
            #(#checks)*
            #(#takes)*
            #share
            #(#gets)*
            #step
        }
        __call
    }}
}
