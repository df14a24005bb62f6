//! An HTTP API served as MCP tools from its OpenAPI document, next to a tool
//! of our own: the Swagger Petstore's operations become tools, its `GET`
//! routes resources and templates, and every call goes to the API.
//!
//! ```sh
//! # The Petstore document kept in the repository, against the public Petstore:
//! cargo run --example openapi --features openapi
//! # Any document, against a local copy of the API, over HTTP:
//! PETSTORE_API_KEY=special-key cargo run --example openapi --features openapi -- \
//!     ./openapi.yaml --base-url http://127.0.0.1:8080/api/v3 --http 127.0.0.1:8000
//! ```
//!
//! `mcp-serve openapi <spec> [--base-url URL] [--http ADDR]` does the same
//! with no code.

use mcp_serve::openapi::{OpenApi, RouteKind, RouteMap};
use mcp_serve::prelude::*;

/// Suggest a name for a new pet.
#[tool(annotations(read_only))]
fn suggest_pet_name(species: String) -> String {
    match species.as_str() {
        "cat" => "Miso".into(),
        "dog" => "Biscuit".into(),
        _ => "Pebble".into(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut spec = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/fixtures/openapi/petstore.yaml"
    )
    .to_owned();
    let mut base_url = None;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--base-url" => base_url = args.next(),
            // `Server::run` reads `--http ADDR` itself.
            "--http" => {
                args.next();
            }
            other => spec = other.to_owned(),
        }
    }
    let mut api = OpenApi::load(&spec)
        .await?
        // Tools for every operation but the bulk user import...
        .route_map(RouteMap::new(RouteKind::Exclude).path("/user/createWithList"))
        // ...and resources for what can be read with a plain GET.
        .get_as_resources()
        .rename("findPetsByStatus", "find_pets");
    if let Some(url) = base_url {
        api = api.base_url(url);
    }
    // The key is read from the environment, never from the model.
    if std::env::var_os("PETSTORE_API_KEY").is_some() {
        api = api.api_key_env("PETSTORE_API_KEY");
    }
    let server = Server::new(api.title().to_owned(), api.version().to_owned());
    let generated = api.build()?;
    for skipped in &generated.skipped {
        eprintln!("left out: {skipped}");
    }
    generated.register(server.tool(suggest_pet_name)).run().await?;
    Ok(())
}
