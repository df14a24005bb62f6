//! Sorting a function's parameters into schema arguments and injected
//! extractors.

use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, Type};

use crate::attrs::ArgOptions;

/// Types injected from the request rather than read from the arguments.
const EXTRACTORS: &[&str] = &[
    "Context",
    "State",
    "RequestMeta",
    "ClientInfo",
    "HttpRequest",
    "ProtocolVersion",
];

pub(crate) enum Param {
    /// A value the client supplies.
    Arg {
        ident: Ident,
        ty: Box<Type>,
        options: Box<ArgOptions>,
        doc: Option<String>,
    },
    /// A value built from the request context.
    Extract { ty: Box<Type> },
}

fn last_segment(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

pub(crate) fn is_option(ty: &Type) -> bool {
    last_segment(ty).as_deref() == Some("Option")
}

/// Reads the parameters, removing our helper attributes from `inputs`.
pub(crate) fn classify(
    inputs: &mut syn::punctuated::Punctuated<FnArg, syn::Token![,]>,
) -> syn::Result<Vec<Param>> {
    let mut params = Vec::new();
    for input in inputs.iter_mut() {
        let pat_ty = match input {
            FnArg::Receiver(r) => {
                return Err(syn::Error::new(
                    r.span(),
                    "MCP handler macros go on free functions, not methods: move this function out of the `impl` block (use `State<T>` to reach shared data)",
                ));
            }
            FnArg::Typed(t) => t,
        };
        let mut options = ArgOptions::default();
        let mut forced_extract = false;
        let mut doc = None;
        let mut kept = Vec::new();
        for attr in pat_ty.attrs.drain(..) {
            if attr.path().is_ident("arg") {
                options = attr.parse_args()?;
            } else if attr.path().is_ident("ctx") {
                forced_extract = true;
            } else if attr.path().is_ident("doc") {
                doc = crate::attrs::doc_string(std::slice::from_ref(&attr));
            } else {
                kept.push(attr);
            }
        }
        pat_ty.attrs = kept;
        let ident = match &*pat_ty.pat {
            Pat::Ident(p) => p.ident.clone(),
            other => {
                return Err(syn::Error::new(
                    other.span(),
                    "parameters of MCP handlers must be plain names (like `count: u32`), because the name is the argument's name in the schema",
                ));
            }
        };
        let ty = pat_ty.ty.clone();
        let is_extractor =
            forced_extract || last_segment(&ty).is_some_and(|s| EXTRACTORS.contains(&s.as_str()));
        if is_extractor {
            if options.desc.is_some() || options.default.is_some() || options.rename.is_some() {
                return Err(syn::Error::new(
                    ident.span(),
                    format!(
                        "`{ident}` is injected from the request context, so #[arg(...)] does not apply to it"
                    ),
                ));
            }
            params.push(Param::Extract { ty });
        } else {
            params.push(Param::Arg {
                ident,
                ty,
                options: Box::new(options),
                doc,
            });
        }
    }
    Ok(params)
}
