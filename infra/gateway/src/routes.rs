//! Every HTTP function of the bundle and how to build its handler; the routes (method, path,
//! function) are read from template.yaml, the one route table, when the gateway starts.

use std::collections::HashMap;
use std::sync::Arc;

use futures::future::BoxFuture;
use lambda_http::{Body, Request, Response};
use std::sync::LazyLock;

use shared::platform::Platform;
use shared::secrets::SecretName;

/// Declares the HTTP functions: each one's variant, its logical id in template.yaml, its crate
/// (which exports `SECRETS` and `handle`) and how its state is built at cold start.
macro_rules! http_functions {
    ($($variant:ident => $id:literal, $krate:ident, $state:expr;)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum HttpFunction {
            $($variant),*
        }

        impl HttpFunction {
            pub const ALL: &'static [HttpFunction] = &[$(HttpFunction::$variant),*];

            /// The function's logical id in template.yaml.
            pub fn logical_id(self) -> &'static str {
                match self {
                    $(HttpFunction::$variant => $id),*
                }
            }

            /// The secrets the function is granted: what its `main` loads.
            pub fn secrets(self) -> &'static [SecretName] {
                match self {
                    $(HttpFunction::$variant => $krate::SECRETS),*
                }
            }

            /// Builds the handler from a platform already restricted to the function's secrets.
            pub fn handler_granted(self, platform: &Platform) -> anyhow::Result<Handler> {
                Ok(match self {
                    $(HttpFunction::$variant => {
                        let build: fn(&Platform) -> anyhow::Result<_> = $state;
                        wrap(build(platform)?, |state, req| async move {
                            $krate::handle(&state, req).await
                        })
                    }),*
                })
            }
        }
    };
}

http_functions! {
    Health => "HealthFunction", health, health::State::new;
    ElevenLabsPersonalization => "ElevenLabsPersonalizationFunction", elevenlabs_personalization,
        elevenlabs_personalization::State::from_platform;
    ElevenLabsEvents => "ElevenLabsEventsFunction", elevenlabs_events,
        elevenlabs_events::State::from_platform;
    ElevenLabsTools => "ElevenLabsToolsFunction", elevenlabs_tools,
        elevenlabs_tools::ToolState::from_platform;
    PmOAuthCallback => "PmOAuthCallbackFunction", pm_oauth_callback,
        pm_oauth_callback::State::from_platform;
    PmJiraWebhook => "PmJiraWebhookFunction", pm_webhook_jira, pm_webhook_jira::State::from_platform;
    PmAsanaWebhook => "PmAsanaWebhookFunction", pm_webhook_asana,
        pm_webhook_asana::State::from_platform;
    PmMondayWebhook => "PmMondayWebhookFunction", pm_webhook_monday,
        pm_webhook_monday::State::from_platform;
    AuthLogin => "AuthLoginFunction", auth_login, auth_login::State::from_platform;
    AuthRefresh => "AuthRefreshFunction", auth_refresh, auth_refresh::State::from_platform;
    AuthLogout => "AuthLogoutFunction", auth_logout, auth_logout::State::from_platform;
    AuthPassword => "AuthPasswordFunction", auth_password, auth_password::State::from_platform;
    AuthAcceptInvite => "AuthAcceptInviteFunction", auth_accept_invite,
        auth_accept_invite::State::from_platform;
    AdminUsers => "AdminUsersFunction", admin_users, admin_users::State::from_platform;
    AdminUser => "AdminUserFunction", admin_user, admin_user::State::from_platform;
    OpenApi => "OpenApiFunction", openapi, openapi::State::from_platform;
    AdminBusiness => "AdminBusinessFunction", admin_business, admin_business::State::from_platform;
    AdminAgentConfig => "AdminAgentConfigFunction", admin_agent_config,
        admin_agent_config::State::from_platform;
    AdminClients => "AdminClientsFunction", admin_clients, admin_clients::State::from_platform;
    AdminClient => "AdminClientFunction", admin_client, admin_client::State::from_platform;
    AdminQualificationQuestions => "AdminQualificationQuestionsFunction",
        admin_qualification_questions, admin_qualification_questions::State::from_platform;
    AdminUrgencyKeywords => "AdminUrgencyKeywordsFunction", admin_urgency_keywords,
        admin_urgency_keywords::State::from_platform;
    AdminLeads => "AdminLeadsFunction", admin_leads, admin_leads::State::from_platform;
    AdminLead => "AdminLeadFunction", admin_lead, admin_lead::State::from_platform;
    AdminCalls => "AdminCallsFunction", admin_calls, admin_calls::State::from_platform;
    AdminCall => "AdminCallFunction", admin_call, admin_call::State::from_platform;
    AdminOverview => "AdminOverviewFunction", admin_overview, admin_overview::State::from_platform;
    AdminAgentPreview => "AdminAgentPreviewFunction", admin_agent_preview, admin_agent_preview::State::from_platform;
    AdminAgentOptions => "AdminAgentOptionsFunction", admin_agent_options, admin_agent_options::State::from_platform;
    AdminBusinesses => "AdminBusinessesFunction", admin_businesses, admin_businesses::State::from_platform;
    AdminAgentSync => "AdminAgentSyncFunction", admin_agent_sync,
        admin_agent_sync::State::from_platform;
    AdminIntegrationConnect => "AdminIntegrationConnectFunction", admin_integration_connect,
        admin_integration_connect::state;
    AdminIntegrations => "AdminIntegrationsFunction", admin_integrations,
        admin_integrations::state;
    AdminIntegration => "AdminIntegrationFunction", admin_integration,
        admin_integration::state;
    AdminProjects => "AdminProjectsFunction", admin_projects, admin_projects::State::from_platform;
    AdminClientProjects => "AdminClientProjectsFunction", admin_client_projects,
        admin_client_projects::State::from_platform;
    AdminKnowledgeDocuments => "AdminKnowledgeDocumentsFunction", admin_knowledge_documents,
        admin_knowledge_documents::State::from_platform;
    AdminKnowledgeDocument => "AdminKnowledgeDocumentFunction", admin_knowledge_document,
        admin_knowledge_document::State::from_platform;
    AdminKnowledgeUnanswered => "AdminKnowledgeUnansweredFunction", admin_knowledge_unanswered,
        admin_knowledge_unanswered::State::from_platform;
}

impl HttpFunction {
    pub fn from_logical_id(id: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|f| f.logical_id() == id)
    }

    /// Builds the function's state once, as its `main` does at cold start (with only the secrets
    /// it is granted), and returns its handler.
    pub fn handler(self, platform: &Platform) -> anyhow::Result<Handler> {
        self.handler_granted(&platform.granted(self.secrets())?)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Route {
    pub method: &'static str,
    /// API Gateway path template, e.g. `/api/businesses/{id}`.
    pub path: &'static str,
    pub function: HttpFunction,
}

/// The deployed template, compiled in: the gateway serves exactly its routes.
pub const TEMPLATE: &str = include_str!("../../../template.yaml");

/// Every `HttpApi` event in template.yaml, in template order. A route to a function this gateway
/// cannot build is a start-up error (and a test failure), not a silently missing route.
pub static ROUTES: LazyLock<Vec<Route>> =
    LazyLock::new(|| template_routes(TEMPLATE).expect("template.yaml routes"));

pub fn template_routes(template: &str) -> anyhow::Result<Vec<Route>> {
    let t: serde_yaml::Value = serde_yaml::from_str(template)?;
    let resources = t["Resources"]
        .as_mapping()
        .ok_or_else(|| anyhow::anyhow!("no Resources"))?;
    let mut routes = Vec::new();
    for (name, resource) in resources {
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        let name = name.as_str().unwrap_or_default();
        for event in events.values().filter(|e| e["Type"] == "HttpApi") {
            let p = &event["Properties"];
            let (Some(method), Some(path)) = (p["Method"].as_str(), p["Path"].as_str()) else {
                anyhow::bail!("{name}: an HttpApi event without Method and Path");
            };
            let function = HttpFunction::from_logical_id(name)
                .ok_or_else(|| anyhow::anyhow!("{name}: no handler for this function"))?;
            routes.push(Route {
                method: Box::leak(method.to_uppercase().into_boxed_str()),
                path: Box::leak(path.to_owned().into_boxed_str()),
                function,
            });
        }
    }
    Ok(routes)
}

pub type Handler = Arc<dyn Fn(Request) -> BoxFuture<'static, Response<Body>> + Send + Sync>;

/// Wraps a function's state and handler the way `shared::web::run_http` does in Lambda, except
/// that the handler owns the state instead of leaking it: a route table dropped at the end of a
/// test drops its functions' database pools. sqlx's test pools borrow connections from a budget
/// of 20 for the whole test binary and give them back only when dropped, so a leaked one starves
/// the tests after it.
pub fn wrap<S, F, Fut>(state: S, handle: F) -> Handler
where
    S: Send + Sync + 'static,
    F: Fn(Arc<S>, Request) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Response<Body>> + Send + 'static,
{
    let state = Arc::new(state);
    Arc::new(move |req| Box::pin(shared::web::contain_panics(handle(Arc::clone(&state), req))))
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

    /// The handler of one function (tests call it directly, with the path parameters set).
    pub fn handler_of(&self, function: HttpFunction) -> Option<&Handler> {
        self.handlers.get(&function)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A handler owns its function's state: dropping the handler (a test's route table) drops
    /// the state and whatever it holds, a database pool above all.
    #[tokio::test]
    async fn a_wrapped_state_lives_as_long_as_its_handler() {
        let state = Arc::new(());
        let observed = Arc::downgrade(&state);
        let handler = wrap(state, |state, _req| async move {
            Response::new(Body::from(format!("{}", Arc::strong_count(&state))))
        });
        let response = handler(Request::default()).await;
        assert_eq!(response.status(), 200);
        assert!(
            observed.upgrade().is_some(),
            "the state lives while the handler does"
        );
        drop(handler);
        assert!(
            observed.upgrade().is_none(),
            "the state went with the handler"
        );
    }
}
