//! Every HTTP function, its production method and path, and how to build its handler.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use std::sync::LazyLock;

use shared::admin::{AdminState, ENDPOINTS, Function as AdminFunction};
use shared::platform::Platform;
use shared::secrets::SecretName;

/// The HTTP functions of the bundle. Adding one: a variant, its template logical id, its builder
/// in `handler`, and its rows in `ROUTES` (the compiler and the template test catch omissions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpFunction {
    Health,
    ElevenLabsPersonalization,
    ElevenLabsEvents,
    ElevenLabsTools,
    PmOAuthCallback,
    PmJiraWebhook,
    PmAsanaWebhook,
    PmMondayWebhook,
    /// The admin API's functions (their routes are `shared::admin::ENDPOINTS`).
    Admin(AdminFunction),
}

impl HttpFunction {
    /// The function's logical id in template.yaml.
    pub fn logical_id(self) -> &'static str {
        match self {
            HttpFunction::Health => "HealthFunction",
            HttpFunction::ElevenLabsPersonalization => "ElevenLabsPersonalizationFunction",
            HttpFunction::ElevenLabsEvents => "ElevenLabsEventsFunction",
            HttpFunction::ElevenLabsTools => "ElevenLabsToolsFunction",
            HttpFunction::PmOAuthCallback => "PmOAuthCallbackFunction",
            HttpFunction::PmJiraWebhook => "PmJiraWebhookFunction",
            HttpFunction::PmAsanaWebhook => "PmAsanaWebhookFunction",
            HttpFunction::PmMondayWebhook => "PmMondayWebhookFunction",
            HttpFunction::Admin(f) => f.logical_id(),
        }
    }

    /// The secrets the function is granted: what its `main` loads.
    pub fn secrets(self) -> &'static [SecretName] {
        match self {
            HttpFunction::Health => health::SECRETS,
            HttpFunction::ElevenLabsPersonalization => elevenlabs_personalization::SECRETS,
            HttpFunction::ElevenLabsEvents => elevenlabs_events::SECRETS,
            HttpFunction::ElevenLabsTools => elevenlabs_tools::SECRETS,
            HttpFunction::PmOAuthCallback => pm_oauth_callback::SECRETS,
            HttpFunction::PmJiraWebhook => pm_webhook_jira::SECRETS,
            HttpFunction::PmAsanaWebhook => pm_webhook_asana::SECRETS,
            HttpFunction::PmMondayWebhook => pm_webhook_monday::SECRETS,
            HttpFunction::Admin(f) => f.secrets(),
        }
    }

    /// Builds the function's state once, as its `main` does at cold start (with only the secrets
    /// it is granted), and returns its handler.
    pub fn handler(self, platform: &Platform) -> anyhow::Result<Handler> {
        self.handler_granted(&platform.granted(self.secrets())?)
    }

    /// Builds the handler from a platform already restricted to the function's secrets.
    pub fn handler_granted(self, platform: &Platform) -> anyhow::Result<Handler> {
        Ok(match self {
            HttpFunction::Health => wrap(health::State::new(platform), health::handle),
            HttpFunction::ElevenLabsPersonalization => wrap(
                elevenlabs_personalization::State::from_platform(platform)?,
                elevenlabs_personalization::handle,
            ),
            HttpFunction::ElevenLabsEvents => wrap(
                elevenlabs_events::State::from_platform(platform)?,
                elevenlabs_events::handle,
            ),
            HttpFunction::ElevenLabsTools => wrap(
                elevenlabs_tools::ToolState::from_platform(platform)?,
                elevenlabs_tools::handle,
            ),
            HttpFunction::PmOAuthCallback => wrap(
                pm_oauth_callback::State::from_platform(platform)?,
                pm_oauth_callback::handle,
            ),
            HttpFunction::PmJiraWebhook => wrap(
                pm_webhook_jira::State::from_platform(platform)?,
                pm_webhook_jira::handle,
            ),
            HttpFunction::PmAsanaWebhook => wrap(
                pm_webhook_asana::State::from_platform(platform)?,
                pm_webhook_asana::handle,
            ),
            HttpFunction::PmMondayWebhook => wrap(
                pm_webhook_monday::State::from_platform(platform)?,
                pm_webhook_monday::handle,
            ),
            HttpFunction::Admin(f) => wrap(
                AdminState::from_platform(platform, f)?,
                move |state: &'static AdminState, req| f.handle(state, req),
            ),
        })
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// API Gateway path template, e.g. `/api/businesses/{id}`.
    pub path: &'static str,
    pub function: HttpFunction,
}

/// Every route: the fixed ones below, then the admin API's.
pub static ROUTES: LazyLock<Vec<Route>> = LazyLock::new(|| {
    BASE_ROUTES
        .iter()
        .copied()
        .chain(ENDPOINTS.iter().map(|e| Route {
            method: e.method,
            path: e.path,
            function: HttpFunction::Admin(e.function),
        }))
        .collect()
});

const BASE_ROUTES: &[Route] = &[
    Route {
        method: "GET",
        path: "/api/health",
        function: HttpFunction::Health,
    },
    Route {
        method: "POST",
        path: "/api/voice/elevenlabs-personalization",
        function: HttpFunction::ElevenLabsPersonalization,
    },
    Route {
        method: "POST",
        path: "/api/voice/elevenlabs-events",
        function: HttpFunction::ElevenLabsEvents,
    },
    Route {
        method: "POST",
        path: shared::call_tools::TOOLS_PATH,
        function: HttpFunction::ElevenLabsTools,
    },
    Route {
        method: "GET",
        path: "/api/integrations/{provider}/callback",
        function: HttpFunction::PmOAuthCallback,
    },
    Route {
        method: "POST",
        path: "/api/webhooks/jira",
        function: HttpFunction::PmJiraWebhook,
    },
    Route {
        method: "POST",
        path: "/api/webhooks/asana/{integrationId}",
        function: HttpFunction::PmAsanaWebhook,
    },
    Route {
        method: "POST",
        path: "/api/webhooks/monday/{integrationId}",
        function: HttpFunction::PmMondayWebhook,
    },
];

pub type Handler = Arc<dyn Fn(Request) -> BoxFuture<'static, Response<Body>> + Send + Sync>;

/// Wraps a function's state and handler the way `shared::web::run_http` does in Lambda.
pub fn wrap<S, F, Fut>(state: S, handle: F) -> Handler
where
    S: Send + Sync + 'static,
    F: Fn(&'static S, Request) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response<Body>> + Send + 'static,
{
    let state: &'static S = Box::leak(Box::new(state));
    Arc::new(move |req| Box::pin(handle(state, req)))
}

/// Resolves a request's method and path to its route, as API Gateway does.
pub struct RouteTable {
    paths: matchit::Router<HashMap<&'static str, usize>>,
    handlers: HashMap<HttpFunction, Handler>,
}

pub struct Matched<'a> {
    pub route: &'static Route,
    pub path_parameters: Vec<(String, String)>,
    pub handler: &'a Handler,
}

impl RouteTable {
    pub fn new(platform: &Platform) -> anyhow::Result<Self> {
        let mut handlers = HashMap::new();
        for route in ROUTES.iter() {
            if !handlers.contains_key(&route.function) {
                handlers.insert(route.function, route.function.handler(platform)?);
            }
        }
        Self::with_handlers(handlers)
    }

    /// `new`, with some functions' handlers replaced (tests pointing one at HTTP fakes).
    pub fn with_overrides(
        platform: &Platform,
        mut overrides: HashMap<HttpFunction, Handler>,
    ) -> anyhow::Result<Self> {
        for route in ROUTES.iter() {
            if !overrides.contains_key(&route.function) {
                overrides.insert(route.function, route.function.handler(platform)?);
            }
        }
        Self::with_handlers(overrides)
    }

    pub fn with_handlers(handlers: HashMap<HttpFunction, Handler>) -> anyhow::Result<Self> {
        let mut by_path: Vec<(&'static str, HashMap<&'static str, usize>)> = Vec::new();
        for (i, route) in ROUTES.iter().enumerate() {
            match by_path.iter_mut().find(|(p, _)| *p == route.path) {
                Some((_, methods)) => {
                    methods.insert(route.method, i);
                }
                None => by_path.push((route.path, HashMap::from([(route.method, i)]))),
            }
        }
        let mut paths = matchit::Router::new();
        for (path, methods) in by_path {
            paths
                .insert(path, methods)
                .map_err(|e| anyhow::anyhow!("route {path}: {e}"))?;
        }
        Ok(Self { paths, handlers })
    }

    pub fn find(&self, method: &str, path: &str) -> Option<Matched<'_>> {
        let found = self.paths.at(path).ok()?;
        let route = &ROUTES[*found.value.get(method)?];
        let handler = self.handlers.get(&route.function)?;
        let path_parameters = found
            .params
            .iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(Matched {
            route,
            path_parameters,
            handler,
        })
    }
}
