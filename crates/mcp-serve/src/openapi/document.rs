//! Loading an OpenAPI document (JSON or YAML, from a file or a URL) and
//! resolving its `$ref`s, local and remote.
//!
//! Remote documents are fetched once, when the document is loaded, so that
//! converting operations afterwards is plain synchronous work. How much is
//! fetched is bounded: [`MAX_DOCUMENTS`] documents of at most
//! [`MAX_DOCUMENT_BYTES`] each.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Url;
use serde_json::Value;

use super::OpenApiError;

/// At most this many documents (the root and the ones its `$ref`s name).
pub(crate) const MAX_DOCUMENTS: usize = 32;
/// At most this many bytes per document.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;
/// At most this many `$ref` hops to reach a value that is not a reference.
const MAX_REF_HOPS: usize = 32;

/// The root document and every document its `$ref`s reach, by URL.
#[derive(Debug, Clone)]
pub(crate) struct Document {
    pub(crate) root: Url,
    docs: HashMap<Url, Value>,
}

/// Where a document comes from, as written by the user: a URL or a path.
pub(crate) fn source_url(source: &str) -> Result<Url, OpenApiError> {
    if source.starts_with("http://") || source.starts_with("https://") || source.starts_with("file://") {
        return Url::parse(source).map_err(|e| OpenApiError::Load {
            location: source.to_owned(),
            reason: format!("not a valid URL: {e}"),
        });
    }
    let path = std::path::absolute(source).map_err(|e| OpenApiError::Load {
        location: source.to_owned(),
        reason: e.to_string(),
    })?;
    Url::from_file_path(&path).map_err(|()| OpenApiError::Load {
        location: source.to_owned(),
        reason: "not a file path or an http(s) URL".into(),
    })
}

/// Parses a document's text: JSON when it starts like JSON, YAML otherwise
/// (YAML 1.2 is a superset of JSON, but a JSON parser words errors better).
pub(crate) fn parse(text: &str, origin: &str) -> Result<Value, OpenApiError> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let value: Value = if trimmed.starts_with('{') {
        serde_json::from_str(trimmed).map_err(|e| OpenApiError::Load {
            location: origin.to_owned(),
            reason: format!("invalid JSON: {e}"),
        })?
    } else {
        serde_norway::from_str(trimmed).map_err(|e| OpenApiError::Load {
            location: origin.to_owned(),
            reason: format!("invalid YAML: {e}"),
        })?
    };
    Ok(value)
}

/// Reads one document from a file or over HTTP, within the size bound.
async fn fetch(http: &reqwest::Client, url: &Url) -> Result<Value, OpenApiError> {
    let fail = |reason: String| OpenApiError::Load {
        location: url.to_string(),
        reason,
    };
    let text = match url.scheme() {
        "file" => {
            let path = url
                .to_file_path()
                .map_err(|()| fail("not a local file path".into()))?;
            let meta = tokio::fs::metadata(&path)
                .await
                .map_err(|e| fail(e.to_string()))?;
            if meta.len() > MAX_DOCUMENT_BYTES as u64 {
                return Err(fail(format!("larger than {MAX_DOCUMENT_BYTES} bytes")));
            }
            tokio::fs::read_to_string(&path)
                .await
                .map_err(|e| fail(e.to_string()))?
        }
        "http" | "https" => {
            let mut response = http
                .get(url.clone())
                .send()
                .await
                .map_err(|e| fail(e.to_string()))?;
            if !response.status().is_success() {
                return Err(fail(format!("HTTP {}", response.status())));
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.to_string()))? {
                if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
                    return Err(fail(format!("larger than {MAX_DOCUMENT_BYTES} bytes")));
                }
                body.extend_from_slice(&chunk);
            }
            String::from_utf8(body).map_err(|_| fail("not UTF-8 text".into()))?
        }
        other => {
            return Err(fail(format!(
                "the `{other}` scheme is not supported (use http, https or a file)"
            )));
        }
    };
    parse(&text, url.as_str())
}

/// The `$ref` strings anywhere in `value`.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r.clone()),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// `reference` resolved against `base`, split into the document's URL and
/// the JSON pointer (the fragment, decoded).
pub(crate) fn split_ref(base: &Url, reference: &str) -> Result<(Url, String), OpenApiError> {
    let bad = |reason: String| OpenApiError::Ref {
        reference: reference.to_owned(),
        reason,
    };
    let mut url = base.join(reference).map_err(|e| bad(e.to_string()))?;
    let pointer = url.fragment().unwrap_or_default().to_owned();
    url.set_fragment(None);
    let pointer = percent_encoding::percent_decode_str(&pointer)
        .decode_utf8()
        .map_err(|_| bad("the fragment is not UTF-8".into()))?
        .into_owned();
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(bad("only JSON-pointer fragments (`#/...`) are supported".into()));
    }
    // A remote document may not read local files.
    if url.scheme() == "file" && base.scheme() != "file" {
        return Err(bad(format!(
            "a document from {} may not refer to a local file",
            base.scheme()
        )));
    }
    Ok((url, pointer))
}

impl Document {
    /// The document at `url` and everything its `$ref`s reach.
    pub(crate) async fn load(url: Url, timeout: Duration) -> Result<Self, OpenApiError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| OpenApiError::Load {
                location: url.to_string(),
                reason: e.to_string(),
            })?;
        let root = fetch(&http, &url).await?;
        let mut doc = Document::from_value(url, root);
        doc.fetch_remote(&http).await?;
        Ok(doc)
    }

    /// A document already in memory, at `url` (its `$ref`s to other
    /// documents are fetched by [`Document::fetch_remote`]).
    pub(crate) fn from_value(url: Url, value: Value) -> Self {
        let mut docs = HashMap::new();
        docs.insert(url.clone(), value);
        Document { root: url, docs }
    }

    /// Fetches the documents the `$ref`s name, transitively, within the bounds.
    pub(crate) async fn fetch_remote(&mut self, http: &reqwest::Client) -> Result<(), OpenApiError> {
        let mut queue: Vec<Url> = self.docs.keys().cloned().collect();
        while let Some(url) = queue.pop() {
            let mut found = Vec::new();
            refs(&self.docs[&url], &mut found);
            for reference in found {
                if reference.starts_with('#') {
                    continue;
                }
                let (target, _) = split_ref(&url, &reference)?;
                if self.docs.contains_key(&target) {
                    continue;
                }
                if self.docs.len() >= MAX_DOCUMENTS {
                    return Err(OpenApiError::Ref {
                        reference,
                        reason: format!("more than {MAX_DOCUMENTS} documents are referenced"),
                    });
                }
                let value = fetch(http, &target).await?;
                self.docs.insert(target.clone(), value);
                queue.push(target);
            }
        }
        Ok(())
    }

    /// The root document.
    pub(crate) fn root(&self) -> &Value {
        &self.docs[&self.root]
    }

    /// The value `reference` (relative to `base`) points to, and the URL of
    /// its document (the base of the `$ref`s inside it).
    pub(crate) fn get(&self, base: &Url, reference: &str) -> Result<(Url, &Value), OpenApiError> {
        let (url, pointer) = split_ref(base, reference)?;
        let doc = self.docs.get(&url).ok_or_else(|| OpenApiError::Ref {
            reference: reference.to_owned(),
            reason: format!("{url} was not loaded"),
        })?;
        let value = doc.pointer(&pointer).ok_or_else(|| OpenApiError::Ref {
            reference: reference.to_owned(),
            reason: format!("{url} has nothing at `{pointer}`"),
        })?;
        Ok((url, value))
    }

    /// `value` itself, or what its `$ref` chain ends at (for parameters,
    /// request bodies and responses, whose `$ref` replaces the whole object).
    pub(crate) fn deref<'a>(
        &'a self,
        base: &Url,
        mut value: &'a Value,
    ) -> Result<(Url, &'a Value), OpenApiError> {
        let mut base = base.clone();
        for _ in 0..MAX_REF_HOPS {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let (url, target) = self.get(&base, r)?;
                    base = url;
                    value = target;
                }
                None => return Ok((base, value)),
            }
        }
        Err(OpenApiError::Ref {
            reference: value["$ref"].as_str().unwrap_or_default().to_owned(),
            reason: format!("more than {MAX_REF_HOPS} `$ref` hops (a cycle?)"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn yaml_and_json_parse_to_the_same_value() {
        let yaml = "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n";
        let json = r#"{"openapi":"3.0.0","paths":{"/a":{"get":{"responses":{"200":{"description":"ok"}}}}}}"#;
        assert_eq!(parse(yaml, "a.yaml").unwrap(), parse(json, "a.json").unwrap());
        let e = parse("{ nope", "x.json").unwrap_err().to_string();
        assert!(e.contains("x.json") && e.contains("invalid JSON"), "{e}");
    }

    #[test]
    fn local_refs_resolve_and_ref_cycles_are_bounded() {
        let root = url("file:///api/openapi.json");
        let doc = Document::from_value(
            root.clone(),
            json!({
                "components": {
                    "parameters": { "A": { "$ref": "#/components/parameters/B" }, "B": { "name": "b", "in": "query" } },
                    "schemas": { "Loop1": { "$ref": "#/components/schemas/Loop2" }, "Loop2": { "$ref": "#/components/schemas/Loop1" },
                                 "a~b/c": { "type": "string" } }
                }
            }),
        );
        let a = json!({ "$ref": "#/components/parameters/A" });
        let (_, p) = doc.deref(&root, &a).unwrap();
        assert_eq!(p["name"], "b");
        let e = doc
            .deref(&root, &json!({ "$ref": "#/components/schemas/Loop1" }))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cycle"), "{e}");
        // JSON-pointer escapes and percent-encoding in the fragment.
        let (_, s) = doc.get(&root, "#/components/schemas/a~0b~1c").unwrap();
        assert_eq!(s["type"], "string");
        let e = doc
            .get(&root, "#/components/schemas/Missing")
            .unwrap_err()
            .to_string();
        assert!(e.contains("nothing at"), "{e}");
    }

    #[test]
    fn remote_documents_may_not_read_local_files() {
        let e = split_ref(&url("https://example.com/api.yaml"), "file:///etc/passwd#/x")
            .unwrap_err()
            .to_string();
        assert!(e.contains("local file"), "{e}");
        let (u, p) = split_ref(
            &url("file:///api/openapi.yaml"),
            "common.yaml#/components/schemas/Id",
        )
        .unwrap();
        assert_eq!(u.as_str(), "file:///api/common.yaml");
        assert_eq!(p, "/components/schemas/Id");
    }

    /// Serves `files` (path → body) over HTTP on a local port.
    async fn serve(files: Vec<(&'static str, String)>) -> Url {
        use axum::routing::get;
        let mut app = axum::Router::new();
        for (path, body) in files {
            app = app.route(path, get(move || async move { body }));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Url::parse(&format!("http://{addr}/")).unwrap()
    }

    #[tokio::test]
    async fn remote_refs_are_fetched_transitively_and_resolved_relative_to_their_document() {
        let base = serve(vec![
            (
                "/api/openapi.yaml",
                "openapi: 3.1.0\ncomponents:\n  schemas:\n    Pet:\n      $ref: 'schemas/pet.json#/Pet'\n"
                    .into(),
            ),
            (
                "/api/schemas/pet.json",
                r#"{"Pet": {"type": "object", "properties": {"id": {"$ref": "../common.yaml#/Id"}}}}"#.into(),
            ),
            ("/api/common.yaml", "Id:\n  type: integer\n".into()),
        ])
        .await;
        let doc = Document::load(base.join("api/openapi.yaml").unwrap(), Duration::from_secs(10))
            .await
            .unwrap();
        let (pet_url, pet) = doc
            .deref(&doc.root, &doc.root()["components"]["schemas"]["Pet"])
            .unwrap();
        assert_eq!(pet_url.path(), "/api/schemas/pet.json");
        let (_, id) = doc.deref(&pet_url, &pet["properties"]["id"]).unwrap();
        assert_eq!(id["type"], "integer");
    }

    #[tokio::test]
    async fn a_missing_remote_document_names_its_url() {
        let base = serve(vec![(
            "/openapi.json",
            r##"{"components":{"schemas":{"X":{"$ref":"gone.json#/X"}}}}"##.into(),
        )])
        .await;
        let e = Document::load(base.join("openapi.json").unwrap(), Duration::from_secs(10))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("gone.json") && e.contains("404"), "{e}");
    }
}
