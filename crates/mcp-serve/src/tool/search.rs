//! Tool search for large catalogs: `tools/list` shows a `search_tools` tool
//! and a `call_tool` tool instead of every tool, and the model finds the
//! tools it needs by asking (ranked with BM25 over the tools' names,
//! descriptions and argument names).

use std::collections::HashMap;

/// The tool search transform: set with
/// [`Server::tool_search`](crate::server::Server::tool_search).
///
/// `tools/list` then lists the [`always_visible`](Self::always_visible)
/// tools, `search_tools` (a query → the best matching tools with their names,
/// descriptions and input schemas) and `call_tool` (a name and arguments →
/// the result of that tool, checked and answered as a direct call would be).
/// The other tools are only hidden from the list: a client that knows a name
/// may still call it directly. Disabled tools (by name or tag) are neither
/// found nor called.
///
/// ```
/// use mcp_serve::prelude::*;
/// use mcp_serve::tool::ToolSearch;
///
/// /// Add two numbers.
/// #[tool]
/// fn add(a: f64, b: f64) -> f64 { a + b }
///
/// /// Reverse a text.
/// #[tool]
/// fn reverse(text: String) -> String { text.chars().rev().collect() }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
/// let server = Server::new("big", "1.0.0").tool(add).tool(reverse).tool_search(ToolSearch::bm25().max_results(3));
/// let client = mcp_serve::testing::TestClient::modern(server).await?;
/// let names: Vec<String> = client.list_tools().await?.tools.into_iter().map(|t| t.name).collect();
/// assert_eq!(names, ["search_tools", "call_tool"]);
/// let found = client.call_tool("search_tools", serde_json::json!({ "query": "reverse text" })).await?;
/// let found = found.structured_content.unwrap();
/// assert_eq!(found["tools"][0]["name"], "reverse");
/// let r = client
///     .call_tool("call_tool", serde_json::json!({ "name": "add", "arguments": { "a": 1, "b": 2 } }))
///     .await?;
/// assert_eq!(r.content[0].as_text(), Some("3"));
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ToolSearch {
    pub(crate) always_visible: Vec<String>,
    pub(crate) max_results: usize,
    pub(crate) search_name: String,
    pub(crate) call_name: String,
}

impl ToolSearch {
    /// BM25 ranking, at most 5 results, nothing else always visible.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolSearch::bm25();
    /// ```
    pub fn bm25() -> Self {
        ToolSearch {
            always_visible: Vec::new(),
            max_results: 5,
            search_name: "search_tools".into(),
            call_name: "call_tool".into(),
        }
    }

    /// Tools that stay in `tools/list` (e.g. the few every session needs).
    /// A name that is not a registered tool is refused when the server is
    /// built.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolSearch::bm25().always_visible(["help"]);
    /// ```
    #[must_use]
    pub fn always_visible<I: IntoIterator<Item = S>, S: Into<String>>(mut self, names: I) -> Self {
        self.always_visible.extend(names.into_iter().map(Into::into));
        self
    }

    /// The most tools one search returns (at least 1; a caller may ask for
    /// fewer with `max_results`).
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolSearch::bm25().max_results(10);
    /// ```
    #[must_use]
    pub fn max_results(mut self, n: usize) -> Self {
        self.max_results = n.max(1);
        self
    }

    /// Other names for the two tools (default `search_tools` and
    /// `call_tool`), e.g. when the server has a tool of that name already.
    ///
    /// ```
    /// let _ = mcp_serve::tool::ToolSearch::bm25().names("find_tools", "run_tool");
    /// ```
    #[must_use]
    pub fn names(mut self, search: impl Into<String>, call: impl Into<String>) -> Self {
        self.search_name = search.into();
        self.call_name = call.into();
        self
    }
}

/// Words of a text for matching: lowercase runs of letters and digits, with
/// `snake_case`, `kebab-case` and `camelCase` split into their words.
pub(crate) fn tokens(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            // A capital after a lowercase letter starts a word (camelCase).
            if c.is_uppercase() && prev_lower && !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
            word.extend(c.to_lowercase());
        } else {
            prev_lower = false;
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// An Okapi BM25 index over documents (one per tool).
#[derive(Debug, Default)]
pub(crate) struct Bm25 {
    /// Term frequencies of each document.
    docs: Vec<HashMap<String, u32>>,
    lengths: Vec<f64>,
    average_length: f64,
    /// How many documents hold each term.
    document_frequency: HashMap<String, u32>,
}

/// Term-frequency saturation.
const K1: f64 = 1.2;
/// Length normalisation.
const B: f64 = 0.75;
/// Distinct query words considered: a query is short, and this bounds the work.
const MAX_QUERY_TERMS: usize = 32;

impl Bm25 {
    /// An index of documents given as their words.
    pub(crate) fn new(docs: impl IntoIterator<Item = Vec<String>>) -> Self {
        let mut index = Bm25::default();
        for words in docs {
            let mut tf: HashMap<String, u32> = HashMap::new();
            for w in &words {
                *tf.entry(w.clone()).or_default() += 1;
            }
            for term in tf.keys() {
                *index.document_frequency.entry(term.clone()).or_default() += 1;
            }
            index.lengths.push(words.len() as f64);
            index.docs.push(tf);
        }
        let total: f64 = index.lengths.iter().sum();
        index.average_length = if index.docs.is_empty() {
            0.0
        } else {
            total / index.docs.len() as f64
        };
        index
    }

    /// The best `limit` documents for `query`, best first, as (index, score);
    /// documents matching no query word are left out.
    pub(crate) fn search(&self, query: &str, limit: usize) -> Vec<(usize, f64)> {
        let mut terms = tokens(query);
        terms.sort();
        terms.dedup();
        terms.truncate(MAX_QUERY_TERMS);
        let n = self.docs.len() as f64;
        let mut scored: Vec<(usize, f64)> = self
            .docs
            .iter()
            .enumerate()
            .filter_map(|(i, tf)| {
                let mut score = 0.0;
                for term in &terms {
                    let Some(&f) = tf.get(term) else { continue };
                    let df = f64::from(self.document_frequency.get(term).copied().unwrap_or(0));
                    let idf = ((n - df + 0.5) / (df + 0.5) + 1.0).ln();
                    let f = f64::from(f);
                    let norm = 1.0 - B + B * self.lengths[i] / self.average_length.max(1.0);
                    score += idf * f * (K1 + 1.0) / (f + K1 * norm);
                }
                (score > 0.0).then_some((i, score))
            })
            .collect();
        // Ties keep registration order.
        scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(limit);
        scored
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_cases() {
        assert_eq!(tokens("readFile"), ["read", "file"]);
        assert_eq!(tokens("list_open-PRs v2"), ["list", "open", "prs", "v2"]);
        assert_eq!(tokens("  Résumé!! "), ["résumé"]);
        assert!(tokens("--").is_empty());
    }

    #[test]
    fn bm25_ranks_the_specific_match_first() {
        let docs = [
            "add add two numbers a b",
            "multiply multiply two numbers x y",
            "reverse string reverse a string text",
            "read file read the contents of a file path",
        ];
        let index = Bm25::new(docs.iter().map(|d| tokens(d)));
        let hits = index.search("reverse some text", 10);
        assert_eq!(hits[0].0, 2);
        assert_eq!(hits.len(), 1);
        // "numbers" is in two documents, "multiply" in one: the rarer word decides.
        let hits = index.search("multiply numbers", 10);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 0]);
        assert!(hits[0].1 > hits[1].1);
        assert_eq!(index.search("numbers", 1).len(), 1);
        assert!(index.search("unrelated", 10).is_empty());
        assert!(Bm25::new(Vec::<Vec<String>>::new()).search("x", 3).is_empty());
    }

    #[test]
    fn shorter_documents_win_ties_in_frequency() {
        let index = Bm25::new([tokens("deploy"), tokens("deploy the service to the cluster now")]);
        let hits = index.search("deploy", 2);
        assert_eq!(hits[0].0, 0);
    }
}
