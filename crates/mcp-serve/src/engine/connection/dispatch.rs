//! Dispatch: which function serves a request's method in its era (most
//! live in `engine::methods`; handler-backed calls, legacy session methods,
//! tasks and listen streams have their own modules), and how a method's
//! result becomes the response's bytes.

use mcp_serve_core::error::code;
use mcp_serve_core::jsonrpc::{ErrorObject, RequestId, encode_error};
use mcp_serve_core::version::ProtocolVersion;
use serde_json::{Map, Value};

use super::{Answer, Connection, Reply, Scope, error_reply};
use crate::engine::extensions::{self, Serve};
use crate::engine::methods::{self, MethodResult};
use crate::engine::shape::Cache;

impl Connection {
    /// Serves a request: through the middleware chain when the server has
    /// one, else straight to its method.
    pub(super) fn dispatch(
        &self,
        scope: Scope,
        method: &str,
        params: Map<String, Value>,
        shared_connection: bool,
    ) -> Reply {
        if let Some(chain) = self
            .inner
            .shared
            .options
            .middleware
            .as_ref()
            .filter(|c| !c.passes(method))
        {
            let wrapped = super::layered::wrapped(method, scope.version)
                .map(std::borrow::Cow::Borrowed)
                .or_else(|| {
                    let shared = &self.inner.shared;
                    shared
                        .options
                        .extensions
                        .has_method(method)
                        .then(|| std::borrow::Cow::Owned(method.to_owned()))
                });
            if let Some(method) = wrapped {
                let chain = std::sync::Arc::clone(chain);
                let name = method.clone();
                return self.through(
                    &chain,
                    scope,
                    method,
                    params,
                    shared_connection,
                    move |conn, scope, params| conn.dispatch_direct(scope, &name, params, shared_connection),
                );
            }
        }
        self.dispatch_direct(scope, method, params, shared_connection)
    }

    fn dispatch_direct(
        &self,
        scope: Scope,
        method: &str,
        params: Map<String, Value>,
        shared_connection: bool,
    ) -> Reply {
        let shared = &self.inner.shared;
        let id = scope.id.clone();
        let viewer = methods::list_viewer(scope.http.as_deref());
        let outcome: MethodResult = match method {
            "ping" if scope.version.is_modern() => {
                return error_reply(
                    Some(&id),
                    &ErrorObject::method_not_found("ping (removed in revision 2026-07-28)"),
                );
            }
            "ping" => Ok((Value::Object(Map::new()), Cache::No)),
            "server/discover" => Ok(methods::discover(shared)),
            "logging/setLevel" if scope.version.is_legacy() => self.set_level(&params),
            "subscriptions/listen" if scope.version.is_modern() => {
                return self.listen(scope, &params, shared_connection);
            }
            "resources/subscribe" | "resources/unsubscribe" if scope.version.is_legacy() => {
                self.subscribe(method, &params)
            }
            // The first page as everyone sees it; a list filtered for the
            // caller is made for each request.
            "tools/list" | "resources/list" | "resources/templates/list" | "prompts/list"
                if matches!(params.get("cursor"), None | Some(Value::Null)) && viewer.is_none() =>
            {
                return Reply::Now(methods::cached_list(shared, method, scope.version, &id));
            }
            "tools/list" => methods::list_tools(shared, &shared.catalog.load(), &params, viewer),
            "resources/list" => methods::list_resources(shared, &shared.catalog.load(), &params, viewer),
            "resources/templates/list" => {
                methods::list_templates(shared, &shared.catalog.load(), &params, viewer)
            }
            "prompts/list" => methods::list_prompts(shared, &shared.catalog.load(), &params, viewer),
            "tasks/get" | "tasks/result" | "tasks/list" | "tasks/cancel" if scope.version.is_legacy() => {
                return self.task_method(&scope.id, method, &params);
            }
            "tools/call" if scope.version.is_legacy() => {
                if let Some(reply) = self.maybe_task(&scope, &params) {
                    return reply;
                }
                return self.dispatch_call(scope, method, params, shared_connection);
            }
            // Built-in extensions (tasks) may take a modern call over.
            "tools/call" if scope.version.is_modern() => {
                let mut params = params;
                for (_, hook) in shared.options.extensions.call_hooks() {
                    match hook(self, &scope, params, shared_connection) {
                        Ok(reply) => return reply,
                        Err(back) => params = back,
                    }
                }
                // A tool another server answers: handed on as it came.
                match self.pass_call(&scope, params, shared_connection) {
                    Ok(reply) => return reply,
                    Err(back) => params = back,
                }
                return self.dispatch_call(scope, method, params, shared_connection);
            }
            "tools/call" | "resources/read" | "prompts/get" | "completion/complete" => {
                return self.dispatch_call(scope, method, params, shared_connection);
            }
            // Extension methods: the server's own and the built-in ones
            // (the tasks extension's tasks/get|update|cancel in the modern era).
            _ => match shared.options.extensions.method(method, scope.version) {
                Some(m) if m.client_required && !extensions::declares(&scope, &m.extension) => {
                    return error_reply(
                        Some(&id),
                        &extensions::missing(&m.extension, method, scope.version),
                    );
                }
                Some(m) => match &m.serve {
                    Serve::Handler(_) => return self.dispatch_call(scope, method, params, shared_connection),
                    Serve::Engine(serve) => return serve(self, &scope, method, params),
                },
                None => return error_reply(Some(&id), &ErrorObject::method_not_found(method)),
            },
        };
        Reply::Now(self.finish(&id, scope.version, outcome).bytes)
    }

    pub(in crate::engine) fn finish(
        &self,
        id: &RequestId,
        version: ProtocolVersion,
        result: MethodResult,
    ) -> Answer {
        match result {
            Ok((value, cache)) => {
                match crate::engine::shape::encode_response(&self.inner.shared, id, version, cache, value) {
                    Ok(bytes) => Answer { bytes, error: None },
                    Err(e) => Answer {
                        bytes: encode_error(Some(id), &ErrorObject::internal(e)),
                        error: Some(code::INTERNAL_ERROR),
                    },
                }
            }
            Err(e) => {
                let mut e = e.into_error_object();
                if e.code == code::RESOURCE_NOT_FOUND {
                    e.code = version.resource_not_found_code();
                }
                Answer {
                    bytes: encode_error(Some(id), &e),
                    error: Some(e.code),
                }
            }
        }
    }
}
