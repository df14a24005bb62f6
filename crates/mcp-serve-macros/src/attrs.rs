//! Parsing the macros' own options: `#[tool(name = "...", annotations(...))]`,
//! `#[resource("uri", mime = "...")]`, `#[arg(desc = "...", default = ...)]`.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Ident, LitStr, Token};

/// Options of `#[tool]`, `#[resource]`, `#[prompt]`.
#[derive(Default)]
pub(crate) struct Options {
    pub(crate) uri: Option<LitStr>,
    pub(crate) name: Option<LitStr>,
    pub(crate) title: Option<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) mime: Option<LitStr>,
    pub(crate) annotations: Vec<(Ident, Option<LitStr>)>,
    /// `task` (optional) or `task = "required"`.
    pub(crate) task: Option<LitStr>,
    /// `inline`: a sync function runs where it is polled, not on the blocking pool.
    pub(crate) inline: Option<Ident>,
    /// `scopes = ["a", "b"]`: what a caller must be granted.
    pub(crate) scopes: Vec<LitStr>,
    /// `tags = ["a", "b"]`: groups to enable, disable or filter by.
    pub(crate) tags: Vec<LitStr>,
}

const ANNOTATIONS: &[&str] = &["read_only", "destructive", "idempotent", "open_world", "title"];

impl Options {
    pub(crate) fn parse(tokens: TokenStream, allowed: &[&str], uri_first: bool) -> syn::Result<Self> {
        let parser = move |input: ParseStream<'_>| {
            let mut o = Options::default();
            if uri_first && input.peek(LitStr) {
                o.uri = Some(input.parse()?);
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            while !input.is_empty() {
                let key: Ident = input.parse()?;
                let k = key.to_string();
                if !allowed.contains(&k.as_str()) {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown option `{k}`; expected one of: {}", allowed.join(", ")),
                    ));
                }
                if k == "inline" {
                    o.inline = Some(key);
                } else if k == "scopes" || k == "tags" {
                    input.parse::<Token![=]>()?;
                    let content;
                    syn::bracketed!(content in input);
                    let list =
                        content.parse_terminated(|i: ParseStream<'_>| i.parse::<LitStr>(), Token![,])?;
                    let list: Vec<LitStr> = list.into_iter().collect();
                    if k == "tags" {
                        if let Some(bad) = list.iter().find(|t| t.value().trim().is_empty()) {
                            return Err(syn::Error::new(bad.span(), "a tag cannot be empty"));
                        }
                        o.tags = list;
                    } else {
                        o.scopes = list;
                    }
                } else if k == "task" {
                    let value = if input.peek(Token![=]) {
                        input.parse::<Token![=]>()?;
                        let v: LitStr = input.parse()?;
                        if !matches!(v.value().as_str(), "optional" | "required") {
                            return Err(syn::Error::new(
                                v.span(),
                                "task must be \"optional\" or \"required\"",
                            ));
                        }
                        v
                    } else {
                        LitStr::new("optional", key.span())
                    };
                    o.task = Some(value);
                } else if k == "annotations" {
                    let content;
                    syn::parenthesized!(content in input);
                    while !content.is_empty() {
                        let a: Ident = content.parse()?;
                        if !ANNOTATIONS.contains(&a.to_string().as_str()) {
                            return Err(syn::Error::new(
                                a.span(),
                                format!(
                                    "unknown annotation `{a}`; expected one of: {}",
                                    ANNOTATIONS.join(", ")
                                ),
                            ));
                        }
                        let value = if content.peek(Token![=]) {
                            content.parse::<Token![=]>()?;
                            Some(content.parse::<LitStr>()?)
                        } else {
                            None
                        };
                        o.annotations.push((a, value));
                        if !content.is_empty() {
                            content.parse::<Token![,]>()?;
                        }
                    }
                } else {
                    input.parse::<Token![=]>()?;
                    let v: LitStr = input.parse()?;
                    match k.as_str() {
                        "name" => o.name = Some(v),
                        "title" => o.title = Some(v),
                        "description" => o.description = Some(v),
                        "mime" | "mime_type" => o.mime = Some(v),
                        _ => unreachable!("checked against `allowed`"),
                    }
                }
                if !input.is_empty() {
                    input.parse::<Token![,]>()?;
                }
            }
            Ok(o)
        };
        syn::parse::Parser::parse2(parser, tokens)
    }
}

/// `#[arg(desc = "...", default = expr, rename = "...")]` on a parameter.
#[derive(Default)]
pub(crate) struct ArgOptions {
    pub(crate) desc: Option<LitStr>,
    pub(crate) default: Option<Expr>,
    pub(crate) rename: Option<LitStr>,
}

impl Parse for ArgOptions {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut o = ArgOptions::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            match key.to_string().as_str() {
                "desc" | "description" => o.desc = Some(input.parse()?),
                "default" => o.default = Some(input.parse()?),
                "rename" => o.rename = Some(input.parse()?),
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown argument option `{other}`; expected desc, default or rename"),
                    ));
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(o)
    }
}

/// The doc comment of an item, lines trimmed and joined.
pub(crate) fn doc_string(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value().trim().to_owned()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    let text = lines.join("\n").trim().to_owned();
    (!text.is_empty()).then_some(text)
}
