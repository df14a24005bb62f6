//! The expansion shared by the three macros: an argument struct deriving
//! `Deserialize` + `JsonSchema`, a unit struct named after the function, and
//! an `Into{Tool,Resource,Prompt}` impl that builds the registration.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ItemFn, LitStr, ReturnType, Type};

use crate::args::{Param, classify, is_option};
use crate::attrs::{Options, doc_string};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tool,
    Resource,
    Prompt,
}

impl Kind {
    /// The marker type of `mcp_serve::probe` naming this kind in errors.
    fn probe_target(self) -> Ident {
        let name = match self {
            Kind::Tool => "ForTool",
            Kind::Resource => "ForResource",
            Kind::Prompt => "ForPrompt",
        };
        Ident::new(name, Span::call_site())
    }

    fn macro_name(self) -> &'static str {
        match self {
            Kind::Tool => "tool",
            Kind::Resource => "resource",
            Kind::Prompt => "prompt",
        }
    }
}

/// The variable names of a URI template (`{id}`, `{+path}`, `{?q,limit}`).
fn template_vars(uri: &str) -> Vec<String> {
    let mut vars = Vec::new();
    let mut rest = uri;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let expr = rest[open + 1..open + close].trim_start_matches(['+', '?', '#', '.', '/', ';', '&']);
        vars.extend(expr.split(',').map(|v| v.trim_end_matches('*').to_owned()));
        rest = &rest[open + close + 1..];
    }
    vars
}

pub(crate) fn expand(kind: Kind, attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut func: ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("#[{}] goes on a function: {e}", kind.macro_name()),
        )
    })?;
    let allowed: &[&str] = match kind {
        Kind::Tool => &[
            "name",
            "title",
            "description",
            "annotations",
            "task",
            "inline",
            "scopes",
            "tags",
        ],
        Kind::Resource => &[
            "name",
            "title",
            "description",
            "mime",
            "mime_type",
            "inline",
            "scopes",
            "tags",
        ],
        Kind::Prompt => &["name", "title", "description", "inline", "scopes", "tags"],
    };
    let options = Options::parse(attr, allowed, kind == Kind::Resource)?;

    if !func.sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            func.sig.generics.span(),
            "MCP handler functions cannot be generic: the schema must be known when the server starts",
        ));
    }
    let params = classify(&mut func.sig.inputs)?;

    let fn_ident = func.sig.ident.clone();
    let vis = func.vis.clone();
    let docs: Vec<_> = func
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    let name = options
        .name
        .clone()
        .unwrap_or_else(|| LitStr::new(fn_ident.to_string().trim_start_matches("r#"), fn_ident.span()));
    let description = options
        .description
        .clone()
        .map(|d| d.value())
        .or_else(|| doc_string(&func.attrs));

    let ret_ty: Type = match &func.sig.output {
        ReturnType::Default => syn::parse_quote!(()),
        ReturnType::Type(_, ty) => (**ty).clone(),
    };
    let is_async = func.sig.asyncness.is_some();
    if let (true, Some(inline)) = (is_async, &options.inline) {
        return Err(syn::Error::new(
            inline.span(),
            "`inline` is for plain `fn`s (which otherwise run on the blocking pool); an `async fn` always runs on the runtime: remove `inline`",
        ));
    }

    // The argument struct.
    let mut fields = Vec::new();
    let mut defaults = Vec::new();
    let mut call_args = Vec::new();
    let mut extract_stmts = Vec::new();
    let mut arg_names = Vec::new();
    let mut arg_checks = Vec::new();
    let mut extractors = Vec::new();
    for (i, p) in params.iter().enumerate() {
        match p {
            Param::Arg {
                ident,
                ty,
                options: o,
                doc,
            } => {
                let field = ident.clone();
                let wire_name = o.rename.as_ref().map_or_else(
                    || ident.to_string().trim_start_matches("r#").to_owned(),
                    LitStr::value,
                );
                arg_names.push((wire_name.clone(), ident.span()));
                let mut attrs = vec![quote!(#[serde(rename = #wire_name)])];
                if let Some(desc) = o.desc.as_ref().map(LitStr::value).or_else(|| doc.clone()) {
                    attrs.push(quote!(#[schemars(description = #desc)]));
                }
                if let Some(default) = &o.default {
                    let f = format_ident!("__mcp_default_{}", i);
                    let f_name = f.to_string();
                    // String literals need a conversion; other literals must keep
                    // their type inferred from the parameter (5 as u32, not i32).
                    let value = match default {
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(_),
                            ..
                        }) => {
                            quote!(::core::convert::Into::into(#default))
                        }
                        _ => quote!(#default),
                    };
                    defaults.push(quote! { fn #f() -> #ty { #value } });
                    attrs.push(quote!(#[serde(default = #f_name)]));
                } else if is_option(ty) {
                    attrs.push(quote!(#[serde(default)]));
                }
                // Before the argument struct's derives fail on it, say what an
                // argument must be.
                let target = kind.probe_target();
                arg_checks.push(quote_spanned! {ty.span()=>
                    {
                        #[allow(unused_imports)]
                        use ::mcp_serve::__private::probe::{ArgAcceptedKind as _, ArgRejectedKind as _};
                        (&::mcp_serve::__private::probe::ArgProbe::<#ty, ::mcp_serve::__private::probe::#target>::new())
                            .arg_kind()
                            .check();
                    }
                });
                fields.push(quote! { #(#attrs)* #field: #ty });
                call_args.push(quote!(__args.#field));
            }
            Param::Extract { ty } => {
                let v = format_ident!("__extract_{}", i);
                extract_stmts.push(quote_spanned! {ty.span()=>
                    let #v = <#ty as ::mcp_serve::context::FromContext>::from_context(&__cx)?;
                });
                call_args.push(quote!(#v));
                // Records the `State<T>` it reads, checked when the server is built.
                extractors.push(quote_spanned! {ty.span()=> .extractor::<#ty>() });
            }
        }
    }

    if let Kind::Resource = kind {
        let Some(uri) = &options.uri else {
            return Err(syn::Error::new(
                Span::call_site(),
                "#[resource] needs a URI first, like #[resource(\"config://app\")] or #[resource(\"users://{id}\")]",
            ));
        };
        let vars = template_vars(&uri.value());
        for (arg, span) in &arg_names {
            if !vars.contains(arg) {
                return Err(syn::Error::new(
                    *span,
                    format!(
                        "parameter `{arg}` is not a variable of the URI template {:?}; resource parameters are filled from the URI (add {{{arg}}} to it, or make it an extractor like State<T>)",
                        uri.value()
                    ),
                ));
            }
        }
        for v in &vars {
            if !arg_names.iter().any(|(a, _)| a == v) {
                return Err(syn::Error::new(
                    uri.span(),
                    format!(
                        "the URI template variable `{v}` has no matching parameter: add `{v}: String` (or another type) to the function"
                    ),
                ));
            }
        }
    }

    let call_fn = {
        let mut f = func.clone();
        f.sig.ident = format_ident!("call");
        f.vis = syn::parse_quote!(pub);
        f
    };
    let m = quote!(::mcp_serve);
    let p = quote!(::mcp_serve::__private);
    let args_struct = quote! {
        #(#arg_checks)*
        #(#defaults)*
        #[derive(#p::serde::Deserialize, #p::schemars::JsonSchema)]
        #[serde(crate = "::mcp_serve::__private::serde")]
        #[schemars(crate = "::mcp_serve::__private::schemars")]
        struct __McpArgs { #(#fields,)* }
    };
    // The conversion of the return value, chosen by its type (see
    // `mcp_serve::probe`). Spanned to the return type, where a type that
    // cannot be returned is reported.
    let ret_span = ret_ty.span();
    let wrap_for = |target: Ident| {
        quote_spanned! {ret_span=>
            #[allow(unused_imports)]
            use #p::probe::{
                DirectKind as _, StructuredOptionKind as _, StructuredResultKind as _, StructuredValueKind as _,
                UnsupportedKind as _,
            };
            let __wrap = |__v: #ret_ty| (&&&#p::probe::Probe::<#ret_ty, #p::probe::#target>::new()).kind().wrap(__v);
        }
    };
    // A plain `fn` may block or compute for long: it runs on the blocking
    // pool, so the transport keeps reading and other requests keep going,
    // unless marked `inline` (quick handlers, which save the thread hop).
    let await_call = if is_async { quote!(.await) } else { quote!() };
    let invoke = if is_async || options.inline.is_some() {
        quote! {
            #(#extract_stmts)*
            let __out = #fn_ident::call(#(#call_args),*) #await_call;
        }
    } else {
        quote! {
            #(#extract_stmts)*
            let __out = #p::run_blocking(move || #fn_ident::call(#(#call_args),*)).await;
        }
    };
    let describe = description.map(|d| quote!(.description(#d)));
    let scopes = (!options.scopes.is_empty()).then(|| {
        let list = &options.scopes;
        quote!(.scopes([#(#list),*]))
    });
    let tags = (!options.tags.is_empty()).then(|| {
        let list = &options.tags;
        quote!(.tags([#(#list),*]))
    });
    let title = options.title.as_ref().map(|t| quote!(.title(#t)));

    let registration = match kind {
        Kind::Tool => {
            let annotations = if options.annotations.is_empty() {
                quote!()
            } else {
                let sets = options.annotations.iter().map(|(a, v)| match (a.to_string().as_str(), v) {
                    ("title", Some(t)) => quote!(__a.title = ::core::option::Option::Some(#t.to_string());),
                    ("read_only", _) => quote!(__a.read_only_hint = ::core::option::Option::Some(true);),
                    ("destructive", _) => quote!(__a.destructive_hint = ::core::option::Option::Some(true);),
                    ("idempotent", _) => quote!(__a.idempotent_hint = ::core::option::Option::Some(true);),
                    ("open_world", _) => quote!(__a.open_world_hint = ::core::option::Option::Some(true);),
                    _ => quote_spanned!(a.span()=> compile_error!("`title` needs a value: annotations(title = \"...\")");),
                });
                quote!(.annotations({
                    let mut __a = #m::protocol::types::ToolAnnotations::default();
                    #(#sets)*
                    __a
                }))
            };
            let task = options.task.as_ref().map(|t| {
                let variant = if t.value() == "required" {
                    quote!(Required)
                } else {
                    quote!(Optional)
                };
                quote!(.task_support(#m::protocol::types::TaskSupport::#variant))
            });
            let wrap = wrap_for(kind.probe_target());
            // Spanned to the return type, like `wrap`: a type that has no
            // conversion is reported there, once.
            let output_schema = quote_spanned!(ret_span=> #p::probe::tool_output_schema(__wrap));
            let tool_result =
                quote_spanned!(ret_span=> #m::tool::IntoToolOutput::into_tool_result(__wrap(__out)));
            quote! {
                impl #m::tool::IntoTool for #fn_ident {
                    fn into_tool(self) -> #m::tool::Tool {
                        #args_struct
                        #wrap
                        #m::tool::Tool::new(#name)
                            #describe
                            #title
                            #annotations
                            #task
                            #scopes
                            #tags
                            .input_schema_of::<__McpArgs>()
                            #(#extractors)*
                            .output_schema_fn(#output_schema)
                            .raw_handler(move |__raw: #m::tool::Arguments, __cx: #m::context::Context| async move {
                                #[allow(unused_variables)]
                                let __args: __McpArgs = #m::tool::parse_arguments(#name, __raw)?;
                                #invoke
                                #tool_result
                                    .map_err(#m::tool::CallError::from)
                            })
                    }
                }
            }
        }
        Kind::Resource => {
            let uri = options.uri.as_ref().expect("checked above");
            let mime = options.mime.as_ref().map(|mt| quote!(.mime_type(#mt)));
            let name = options.name.clone().unwrap_or(name);
            let wrap = wrap_for(kind.probe_target());
            let contents = quote_spanned!(ret_span=> #m::resource::IntoResourceContents::into_contents(__wrap(__out), &__uri));
            quote! {
                impl #m::resource::IntoResource for #fn_ident {
                    fn into_resource(self) -> #m::resource::Resource {
                        #args_struct
                        #wrap
                        #m::resource::Resource::new(#uri)
                            .name(#name)
                            #describe
                            #title
                            #mime
                            #scopes
                            #tags
                            .vars_schema_of::<__McpArgs>()
                            #(#extractors)*
                            .raw_handler(move |__uri: ::std::string::String, __vars: #p::serde_json::Map<::std::string::String, #p::serde_json::Value>, __cx: #m::context::Context| async move {
                                #[allow(unused_variables)]
                                let __args: __McpArgs = match #p::serde_json::from_value(#p::serde_json::Value::Object(__vars)) {
                                    ::core::result::Result::Ok(__a) => __a,
                                    ::core::result::Result::Err(_) => return ::core::result::Result::Err(#m::error::McpError::resource_not_found(&__uri)),
                                };
                                #invoke
                                #contents
                            })
                    }
                }
            }
        }
        Kind::Prompt => {
            // Spanned to the return type, where a type that cannot be returned is reported.
            let prompt_result = quote_spanned! {ret_span=>
                #m::prompt::IntoPromptResult::into_prompt_result(__out)
            };
            quote! {
                impl #m::prompt::IntoPrompt for #fn_ident {
                    fn into_prompt(self) -> #m::prompt::Prompt {
                        #args_struct
                        #m::prompt::Prompt::new(#name)
                            #describe
                            #title
                            #scopes
                            #tags
                            .arguments_schema_of::<__McpArgs>()
                            #(#extractors)*
                            .raw_handler(move |__raw: #p::serde_json::Map<::std::string::String, #p::serde_json::Value>, __cx: #m::context::Context| async move {
                                #[allow(unused_variables)]
                                let __args: __McpArgs = #m::prompt::parse_prompt_arguments(#name, __raw)?;
                                #invoke
                                #prompt_result
                            })
                    }
                }
            }
        }
    };

    Ok(quote! {
        #(#docs)*
        #[allow(non_camel_case_types)]
        #[derive(Debug, Clone, Copy)]
        #vis struct #fn_ident;

        impl #fn_ident {
            #call_fn
        }

        #registration
    })
}
