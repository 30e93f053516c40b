//! Least privilege for secrets: each function's template.yaml policy lets it read exactly the
//! secrets its code declares (`SECRETS` beside its state), and the function, built with only those,
//! reads every one of them at cold start. A grant the code does not use, a use the template does not
//! grant, or a policy wider than named secrets fails here.

use std::collections::{BTreeMap, BTreeSet};

use local_gateway::routes::{HttpFunction, ROUTES};
use local_gateway::workers;
use serde_yaml::Value;
use shared::platform::Platform;
use shared::secrets::SecretName;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn functions(t: &Value) -> Vec<(String, &Value)> {
    t["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(name, r)| (name.as_str().unwrap().to_owned(), r))
        .collect()
}

/// Each secret resource's logical id, with the `SecretName` its `Name` (`${AWS::StackName}/<name>`) gives.
fn secret_resources(t: &Value) -> BTreeMap<String, SecretName> {
    let mut secrets = BTreeMap::new();
    for (name, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::SecretsManager::Secret" {
            continue;
        }
        let Value::Tagged(sub) = &resource["Properties"]["Name"] else {
            panic!("{name:?}: Name must be !Sub ${{AWS::StackName}}/<name>");
        };
        let suffix = sub
            .value
            .as_str()
            .and_then(|s| s.strip_prefix("${AWS::StackName}/"))
            .unwrap_or_else(|| panic!("{name:?}: Name must be !Sub ${{AWS::StackName}}/<name>"));
        let secret = SecretName::from_name(suffix)
            .unwrap_or_else(|| panic!("{name:?}: {suffix} is not a SecretName"));
        secrets.insert(name.as_str().unwrap().to_owned(), secret);
    }
    secrets
}

fn as_list(v: &Value) -> Vec<&Value> {
    match v {
        Value::Sequence(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// The secrets a function's policies let it read (`secretsmanager:GetSecretValue`).
fn readable_secrets(
    function: &str,
    resource: &Value,
    names: &BTreeMap<String, SecretName>,
) -> BTreeSet<SecretName> {
    secrets_allowed(function, resource, names, "secretsmanager:GetSecretValue")
}

/// The secrets a function's policies allow `action` on.
fn secrets_allowed(
    function: &str,
    resource: &Value,
    names: &BTreeMap<String, SecretName>,
    action: &str,
) -> BTreeSet<SecretName> {
    let mut readable = BTreeSet::new();
    for policy in as_list(&resource["Properties"]["Policies"]) {
        for statement in as_list(&policy["Statement"]) {
            let actions: Vec<&str> = as_list(&statement["Action"])
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            assert!(
                !actions
                    .iter()
                    .any(|a| *a == "*" || *a == "secretsmanager:*"),
                "{function}: a wildcard action reaches every secret"
            );
            if !actions.contains(&action) {
                continue;
            }
            for target in as_list(&statement["Resource"]) {
                let Value::Tagged(r) = target else {
                    panic!("{function}: {action} on {target:?}, not on a named secret");
                };
                let logical = r.value.as_str().unwrap();
                assert_eq!(r.tag, "Ref", "{function}: secrets are named by !Ref");
                readable.insert(*names.get(logical).unwrap_or_else(|| {
                    panic!("{function}: {action} on {logical}, which is not a secret")
                }));
            }
        }
    }
    readable
}

/// What the code declares for a function of the template (its `main` loads these).
fn declared(logical_id: &str) -> BTreeSet<SecretName> {
    let grants = ROUTES
        .iter()
        .find(|r| r.function.logical_id() == logical_id)
        .map(|r| r.function.secrets())
        .or_else(|| workers::secrets(logical_id))
        .unwrap_or_else(|| panic!("{logical_id}: not a gateway route, worker or schedule"));
    grants.iter().copied().collect()
}

#[test]
fn every_function_may_read_exactly_the_secrets_its_code_declares() {
    let t = template();
    let names = secret_resources(&t);
    assert_eq!(
        names.values().copied().collect::<BTreeSet<_>>(),
        SecretName::ALL.iter().copied().collect(),
        "template.yaml declares one secret per SecretName"
    );
    let all = functions(&t);
    assert!(all.len() > 20);
    for (function, resource) in all {
        assert_eq!(
            readable_secrets(&function, resource, &names),
            declared(&function),
            "{function}: its policy and its SECRETS disagree"
        );
    }
}

/// The health check describes every secret (it checks each exists, never reading one): a secret
/// added without its grant there would make every health check fail in AWS.
#[test]
fn the_health_check_may_describe_every_secret() {
    let t = template();
    let names = secret_resources(&t);
    let health = &t["Resources"]["HealthFunction"];
    assert_eq!(
        secrets_allowed(
            "HealthFunction",
            health,
            &names,
            "secretsmanager:DescribeSecret"
        ),
        SecretName::ALL.iter().copied().collect(),
    );
}

/// Builds every function as its `main` does, with only its granted secrets: each build succeeds
/// (nothing reads a secret it was not granted) and reads every secret it was granted.
#[tokio::test]
async fn every_function_reads_every_secret_it_is_granted_and_no_other() {
    let platform = Platform::load(SecretName::ALL)
        .await
        .expect("run the tests with ./infra/local/test");
    let functions: Vec<HttpFunction> = ROUTES.iter().map(|r| r.function).collect();
    let mut checked = BTreeSet::new();
    for function in functions {
        if !checked.insert(function.logical_id()) {
            continue;
        }
        let granted = platform.granted(function.secrets()).unwrap();
        if let Err(e) = function.handler_granted(&granted) {
            panic!("{}: {e:#}", function.logical_id());
        }
        assert_eq!(
            granted.secrets.unread(),
            [],
            "{}: granted secrets it never reads",
            function.logical_id()
        );
    }
    let worker = |id: &str| platform.granted(workers::secrets(id).unwrap()).unwrap();

    let p = worker("CallSummaryWorkerFunction");
    call_summary_worker::State::from_platform(&p).unwrap();
    assert_eq!(p.secrets.unread(), [], "CallSummaryWorkerFunction");

    let p = worker("PmSyncWorkerFunction");
    pm_sync_worker::PmWorker::from_platform(&p).await.unwrap();
    assert_eq!(p.secrets.unread(), [], "PmSyncWorkerFunction");

    let p = worker("ElevenLabsReconcileFunction");
    elevenlabs_reconcile::State::from_platform(&p).unwrap();
    assert_eq!(p.secrets.unread(), [], "ElevenLabsReconcileFunction");
    assert!(checked.len() > 20);
}
