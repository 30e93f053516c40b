//! The distribution's side of `shared::web::EdgeTrust`, checked against template.yaml: the `/api/*`
//! behaviour runs the viewer-request function that writes the viewer's address (run here in Node,
//! as CloudFront's JavaScript runtime would), and the API origin adds the generated token under the
//! header name the functions read.

use serde_yaml::Value;
use shared::web::{EDGE_TOKEN_HEADER, VIEWER_ADDRESS_HEADER};

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn distribution(t: &Value) -> &Value {
    &t["Resources"]["DashboardDistribution"]["Properties"]["DistributionConfig"]
}

/// The `!GetAtt X.FunctionMetadata.FunctionARN` of the behaviour's viewer-request function: `X`.
fn viewer_request_function(behaviour: &Value) -> String {
    let associations = behaviour["FunctionAssociations"].as_sequence().unwrap();
    let viewer = associations
        .iter()
        .find(|a| a["EventType"] == "viewer-request")
        .expect("a viewer-request function");
    let Value::Tagged(get_att) = &viewer["FunctionARN"] else {
        panic!("FunctionARN must be !GetAtt");
    };
    let target = get_att.value.as_str().unwrap();
    target
        .strip_suffix(".FunctionMetadata.FunctionARN")
        .unwrap()
        .to_owned()
}

#[test]
fn the_api_behaviour_writes_the_viewer_address_over_the_viewers_own() {
    let t = template();
    let api = distribution(&t)["CacheBehaviors"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|b| b["PathPattern"] == "/api/*")
        .expect("the /api/* behaviour");
    let function = viewer_request_function(api);
    let code = t["Resources"][function.as_str()]["Properties"]["FunctionCode"]
        .as_str()
        .unwrap();
    // A viewer that sends the header itself, as an attacker would.
    let event = serde_json::json!({
        "viewer": {"ip": "198.51.100.23"},
        "request": {"method": "POST", "uri": "/api/auth/login", "headers": {
            VIEWER_ADDRESS_HEADER: {"value": "10.0.0.1"},
            "authorization": {"value": "Bearer t"}
        }}
    });
    let script = format!(
        "{code}\nprocess.stdout.write(JSON.stringify(handler({event})));",
        event = event
    );
    let out = std::process::Command::new("node")
        .args(["-e", &script])
        .output()
        .expect("node (the README's commands install it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let request: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        request["headers"][VIEWER_ADDRESS_HEADER]["value"],
        "198.51.100.23"
    );
    assert_eq!(request["headers"]["authorization"]["value"], "Bearer t");
    assert_eq!(request["uri"], "/api/auth/login", "the API path is kept");
}

#[test]
fn the_api_origin_sends_the_generated_token_under_the_functions_header() {
    let t = template();
    let origin = distribution(&t)["Origins"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|o| o["Id"] == "http-api")
        .expect("the API origin");
    let headers = origin["OriginCustomHeaders"].as_sequence().unwrap();
    let token = headers
        .iter()
        .find(|h| h["HeaderName"] == EDGE_TOKEN_HEADER)
        .expect("the token header");
    let Value::Tagged(sub) = &token["HeaderValue"] else {
        panic!("the value must be !Sub of a dynamic reference");
    };
    assert_eq!(
        sub.value.as_str().unwrap(),
        "{{resolve:secretsmanager:${EdgeOriginSecret}:SecretString:edge_origin_token}}"
    );
    let secret = &t["Resources"]["EdgeOriginSecret"]["Properties"]["GenerateSecretString"];
    assert_eq!(secret["GenerateStringKey"], "edge_origin_token");
    assert!(secret["PasswordLength"].as_u64().unwrap() >= 32);
}
