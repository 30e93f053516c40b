//! The gateway serves exactly the routes template.yaml deploys, each to the same function, and
//! every function crate is built for Lambda from its own folder.

use std::collections::BTreeSet;

use local_gateway::routes::{HttpFunction, ROUTES};
use serde_yaml::Value;

fn template() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../template.yaml");
    serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// (method, path, function logical id) for every HttpApi event in the template.
fn template_routes(t: &Value) -> BTreeSet<(String, String, String)> {
    let mut routes = BTreeSet::new();
    for (name, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values() {
            if event["Type"] == "HttpApi" {
                let p = &event["Properties"];
                routes.insert((
                    p["Method"].as_str().unwrap().to_uppercase(),
                    p["Path"].as_str().unwrap().to_owned(),
                    name.as_str().unwrap().to_owned(),
                ));
            }
        }
    }
    routes
}

#[test]
fn the_gateway_serves_every_template_route_and_has_no_handler_without_one() {
    // Reading ROUTES fails on a route to a function the gateway cannot build.
    let gateway: BTreeSet<_> = ROUTES
        .iter()
        .map(|r| {
            (
                r.method.to_owned(),
                r.path.to_owned(),
                r.function.logical_id().to_owned(),
            )
        })
        .collect();
    let template = template_routes(&template());
    assert!(!template.is_empty());
    assert_eq!(
        gateway, template,
        "local gateway and template.yaml disagree"
    );
    // The tool URLs the agent manager registers are built from the same path.
    assert!(
        ROUTES
            .iter()
            .any(|r| r.function == HttpFunction::ElevenLabsTools
                && r.path == shared::call_tools::TOOLS_PATH)
    );
    for f in HttpFunction::ALL {
        assert!(
            ROUTES.iter().any(|r| r.function == *f),
            "{f:?} has no route in template.yaml"
        );
    }
}

#[test]
fn every_function_is_built_for_lambda_from_its_own_crate() {
    let t = template();
    for (name, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let name = name.as_str().unwrap();
        assert_eq!(resource["Metadata"]["BuildMethod"], "makefile", "{name}");
        let code_uri = resource["Properties"]["CodeUri"].as_str().unwrap();
        let crate_name = code_uri
            .strip_prefix("functions/")
            .unwrap_or_else(|| panic!("{name}: CodeUri {code_uri} is not a function crate"));
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
        let manifest = std::fs::read_to_string(format!("{root}/{code_uri}/Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"{crate_name}\"")),
            "{name}: one crate per function, its binary named as its folder"
        );
        // Its route's tests are beside it.
        let tests = std::fs::read_dir(format!("{root}/{code_uri}/tests"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .any(|e| e.path().extension().is_some_and(|x| x == "rs"))
            })
            .unwrap_or(false);
        assert!(tests, "{name}: {code_uri}/tests holds its tests");
        // Its Makefile builds through the one workspace build (infra/deploy/lambda.mk).
        let makefile = std::fs::read_to_string(format!("{root}/{code_uri}/Makefile")).unwrap();
        assert!(
            makefile.contains("infra/deploy/lambda.mk"),
            "{name}: {code_uri}/Makefile includes infra/deploy/lambda.mk"
        );
    }
    assert_eq!(t["Globals"]["Function"]["Runtime"], "provided.al2023");
    assert_eq!(t["Globals"]["Function"]["Architectures"][0], "arm64");
}

#[test]
fn every_queue_has_a_dead_letter_queue_with_an_alarm() {
    let t = template();
    let resources = t["Resources"].as_mapping().unwrap();
    let alarmed: Vec<&str> = resources
        .values()
        .filter(|r| r["Type"] == "AWS::CloudWatch::Alarm")
        .filter_map(|r| tagged_get_att(&r["Properties"]["Dimensions"][0]["Value"]))
        .collect();
    let mut checked = 0;
    for (name, resource) in resources {
        if resource["Type"] != "AWS::SQS::Queue" {
            continue;
        }
        let name = name.as_str().unwrap();
        if name.ends_with("DeadLetterQueue") {
            assert!(
                alarmed.iter().any(|a| a.starts_with(&format!("{name}."))),
                "{name} has no depth alarm"
            );
            continue;
        }
        let redrive = &resource["Properties"]["RedrivePolicy"];
        assert!(
            redrive["maxReceiveCount"].as_u64().is_some_and(|n| n >= 3),
            "{name} needs a redrive policy"
        );
        checked += 1;
    }
    assert!(checked >= 2);
}

#[test]
fn every_function_has_an_error_alarm_and_sqs_events_report_batch_failures() {
    let t = template();
    let resources = t["Resources"].as_mapping().unwrap();
    for (name, resource) in resources {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        let name = name.as_str().unwrap();
        let has_alarm = resources.values().any(|r| {
            r["Type"] == "AWS::CloudWatch::Alarm"
                && r["Properties"]["MetricName"] == "Errors"
                && references(&r["Properties"]["Dimensions"][0]["Value"], name)
        });
        assert!(has_alarm, "{name} has no Errors alarm");
        for event in resource["Properties"]["Events"]
            .as_mapping()
            .map(|m| m.values().collect())
            .unwrap_or_else(Vec::new)
        {
            if event["Type"] == "SQS" {
                assert_eq!(
                    event["Properties"]["FunctionResponseTypes"][0], "ReportBatchItemFailures",
                    "{name}: partial batch failures"
                );
            }
        }
    }
}

/// `!GetAtt X.Y` as serde_yaml reads a tagged value.
fn tagged_get_att(v: &Value) -> Option<&str> {
    match v {
        Value::Tagged(t) if t.tag == "!GetAtt" => t.value.as_str(),
        _ => None,
    }
}

/// `!Ref name` as serde_yaml reads a tagged value.
fn references(v: &Value, name: &str) -> bool {
    matches!(v, Value::Tagged(t) if t.tag == "!Ref" && t.value.as_str() == Some(name))
}

/// The SQS message an EventBridge Scheduler schedule of the template sends to `queue`.
fn scheduled_message(schedule: &str, queue: &str) -> aws_lambda_events::sqs::SqsMessage {
    let t = template();
    let schedule = &t["Resources"][schedule];
    assert_eq!(schedule["Type"], "AWS::Scheduler::Schedule");
    let target = &schedule["Properties"]["Target"];
    assert_eq!(
        tagged_get_att(&target["Arn"]),
        Some(format!("{queue}.Arn").as_str())
    );
    // What EventBridge Scheduler substitutes for its context placeholders at run time.
    let input = target["Input"]
        .as_str()
        .unwrap()
        .replace(
            "<aws.scheduler.execution-id>",
            "d9a6c1c0-1b2c-4e5f-8a9b-0c1d2e3f4a5b",
        )
        .replace("<aws.scheduler.scheduled-time>", "2026-11-24T11:00:00Z");
    let mut message = aws_lambda_events::sqs::SqsMessage::default();
    message.message_id = Some("m1".into());
    message.body = Some(input);
    message
}

#[test]
fn the_pm_resync_schedule_enqueues_a_job_the_worker_can_decode() {
    let message = scheduled_message("PmResyncSchedule", "PmSyncQueue");
    let job = shared::jobs::decode::<shared::pm::sync::PmJob>(&message)
        .expect("the schedule's message is a pm_sync job");
    assert_eq!(job, shared::pm::sync::PmJob::ResyncAll);
}

/// The knowledge worker's jobs end on their own deadlines before Lambda's timeout stops them,
/// and SQS does not hand a job to a second worker while the first may still run it.
#[test]
fn the_knowledge_workers_deadlines_fit_its_timeout_and_its_queues_visibility() {
    let t = template();
    let timeout = t["Resources"]["KnowledgeIngestWorkerFunction"]["Properties"]["Timeout"]
        .as_u64()
        .unwrap();
    // A build cancelled at the sweep's deadline is followed by the drop of its remains.
    let sweep = knowledge_ingest_worker::DEFAULT_SWEEP_DEADLINE
        + shared::knowledge::vector_index::CLEANUP_TIMEOUT;
    let longest = knowledge_ingest_worker::DEFAULT_JOB_DEADLINE
        .max(sweep)
        .as_secs();
    assert!(longest < timeout, "{longest} s of {timeout} s");
    let visibility = t["Resources"]["KnowledgeQueue"]["Properties"]["VisibilityTimeout"]
        .as_u64()
        .unwrap();
    assert!(visibility >= 6 * timeout, "{visibility} s");
}

#[test]
fn the_knowledge_index_schedule_enqueues_a_job_the_worker_can_decode() {
    let message = scheduled_message("KnowledgeIndexSchedule", "KnowledgeQueue");
    let job = shared::jobs::decode::<shared::knowledge::KnowledgeJob>(&message)
        .expect("the schedule's message is a knowledge job");
    assert_eq!(job, shared::knowledge::KnowledgeJob::MaintainIndexes);
}

/// The gateway drives the same SQS-triggered and scheduled functions the template deploys, each
/// SQS one on the queue the template maps it to.
#[test]
fn gateway_workers_and_schedules_equal_the_template() {
    use local_gateway::workers::{QUEUE_SCHEDULES, SCHEDULED_FUNCTIONS, SQS_FUNCTIONS};
    let t = template();
    let mut sqs = BTreeSet::new();
    let mut scheduled = BTreeSet::new();
    let mut queue_schedules = BTreeSet::new();
    for (name, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"] == "AWS::Scheduler::Schedule" {
            queue_schedules.insert(name.as_str().unwrap().to_owned());
        }
        let Some(events) = resource["Properties"]["Events"].as_mapping() else {
            continue;
        };
        for event in events.values() {
            match event["Type"].as_str() {
                Some("SQS") => {
                    let queue = tagged_get_att(&event["Properties"]["Queue"]).unwrap();
                    sqs.insert((
                        name.as_str().unwrap().to_owned(),
                        queue.trim_end_matches(".Arn").to_owned(),
                    ));
                }
                Some("Schedule") => {
                    scheduled.insert(name.as_str().unwrap().to_owned());
                }
                _ => {}
            }
        }
    }
    let gateway_sqs: BTreeSet<_> = SQS_FUNCTIONS
        .iter()
        .map(|(f, q)| (f.to_string(), q.to_string()))
        .collect();
    assert_eq!(gateway_sqs, sqs);
    let gateway_scheduled: BTreeSet<_> =
        SCHEDULED_FUNCTIONS.iter().map(|f| f.to_string()).collect();
    assert_eq!(gateway_scheduled, scheduled);
    let gateway_queue_schedules: BTreeSet<_> =
        QUEUE_SCHEDULES.iter().map(|f| f.to_string()).collect();
    assert_eq!(gateway_queue_schedules, queue_schedules);
}

/// Junk on one route cannot use up another's throttle: every webhook, and every route anyone may
/// call without a token, has its own route-level throttle (the admin routes share the default),
/// each no looser than the stage default for the unauthenticated ones; the ElevenLabs webhooks
/// reserve their concurrency when the deployment says how much.
#[test]
fn webhooks_and_unauthenticated_routes_have_their_own_throttles() {
    let t = template();
    let api = &t["Resources"]["HttpApi"]["Properties"];
    let settings = api["RouteSettings"].as_mapping().unwrap();
    let default_rate = api["DefaultRouteSettings"]["ThrottlingRateLimit"]
        .as_f64()
        .unwrap();
    for (method, path, function) in template_routes(&t) {
        let key = format!("{method} {path}");
        let webhook = path.starts_with("/api/voice/") || path.starts_with("/api/webhooks/");
        let open = matches!(path.as_str(), "/api/auth/login" | "/api/health");
        if !(webhook || open) {
            continue;
        }
        let own = settings
            .get(Value::String(key.clone()))
            .unwrap_or_else(|| panic!("{key} ({function}) has no RouteSettings of its own"));
        let rate = own["ThrottlingRateLimit"].as_f64().unwrap();
        assert!(
            own["ThrottlingBurstLimit"].as_f64().unwrap() >= rate,
            "{key}"
        );
        if open {
            assert!(
                rate < default_rate,
                "{key}: an open route gets less than the default"
            );
        }
    }
    for function in [
        "ElevenLabsPersonalizationFunction",
        "ElevenLabsToolsFunction",
        "ElevenLabsEventsFunction",
    ] {
        let reserved = &t["Resources"][function]["Properties"]["ReservedConcurrentExecutions"];
        assert!(
            serde_yaml::to_string(reserved)
                .unwrap()
                .contains("WebhookReservedConcurrency"),
            "{function}: {reserved:?}"
        );
    }
}

#[test]
fn every_function_logs_to_a_group_of_its_own_with_a_retention() {
    let t = template();
    let mut functions = 0;
    for (name, resource) in t["Resources"].as_mapping().unwrap() {
        if resource["Type"] != "AWS::Serverless::Function" {
            continue;
        }
        functions += 1;
        let group = format!("{}LogGroup", name.as_str().unwrap());
        assert!(
            references(&resource["Properties"]["LoggingConfig"]["LogGroup"], &group),
            "{name:?} logs to {group}"
        );
        let declared = &t["Resources"][group.as_str()];
        assert_eq!(declared["Type"], "AWS::Logs::LogGroup", "{group}");
        assert!(
            references(
                &declared["Properties"]["RetentionInDays"],
                "LogRetentionDays"
            ),
            "{group} keeps its logs for LogRetentionDays"
        );
    }
    assert!(functions >= 35, "{functions}");
    let access = &t["Resources"]["HttpApiAccessLogGroup"]["Properties"]["RetentionInDays"];
    assert!(references(access, "LogRetentionDays"));
}
