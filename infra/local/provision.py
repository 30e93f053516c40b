#!/usr/bin/env python3
"""Create in the local AWS emulator exactly the queues, tables and secrets that template.yaml declares,
and print the functions' environment (template Globals) with every !Ref resolved to the local resource.

Re-running is safe: existing resources are kept (the secrets' values are refreshed).
"""
import argparse
import json
import re
import shlex
import sys

import boto3
import yaml

ACCOUNT = "123456789012"  # moto's default account


class CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    key = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {key: value}


CfnLoader.add_multi_constructor("!", _tag)


class Stack:
    def __init__(self, template, stack, region, endpoint, visibility_timeout=None):
        self.t = template
        self.visibility_timeout = visibility_timeout
        self.stack = stack
        self.region = region
        kw = dict(endpoint_url=endpoint, region_name=region,
                  aws_access_key_id="local", aws_secret_access_key="local")
        self.sqs = boto3.client("sqs", **kw)
        self.ddb = boto3.client("dynamodb", **kw)
        self.sm = boto3.client("secretsmanager", **kw)
        self.refs = {}   # logical id -> Ref value
        self.atts = {}   # (logical id, attribute) -> value

    def resolve(self, v):
        if isinstance(v, dict) and len(v) == 1:
            (k, arg), = v.items()
            if k == "Ref":
                return self.ref(arg)
            if k == "Fn::Sub":
                return self.sub(arg)
            if k == "Fn::GetAtt":
                return self.atts[tuple(arg)]
            if k == "Fn::If":
                name, then, otherwise = arg
                return self.resolve(then if self.condition(name) else otherwise)
        if isinstance(v, dict):
            return {k: self.resolve(x) for k, x in v.items()}
        if isinstance(v, list):
            return [self.resolve(x) for x in v]
        return v

    def ref(self, name):
        pseudo = {"AWS::StackName": self.stack, "AWS::Region": self.region,
                  "AWS::AccountId": ACCOUNT, "AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com"}
        if name in pseudo:
            return pseudo[name]
        if name in self.refs:
            return self.refs[name]
        param = self.t.get("Parameters", {}).get(name)
        if param is not None:
            return param.get("Default", "")
        raise KeyError(f"cannot resolve !Ref {name} locally")

    def condition(self, name):
        def holds(c):
            (k, arg), = c.items()
            if k == "Fn::Not":
                return not holds(arg[0])
            if k == "Fn::Equals":
                return self.resolve(arg[0]) == self.resolve(arg[1])
            if k == "Condition":
                return self.condition(arg)
            raise KeyError(f"cannot evaluate condition {k} locally")
        return holds(self.t["Conditions"][name])

    def sub(self, s):
        def value(m):
            name = m.group(1)
            if "." in name:   # ${Resource.Attribute}
                return str(self.atts[tuple(name.split(".", 1))])
            return str(self.ref(name))
        return re.sub(r"\$\{([^}]+)\}", value, s)

    def resources(self, kind):
        return [(n, r.get("Properties", {})) for n, r in self.t["Resources"].items() if r["Type"] == kind]

    def queues(self):
        pending = self.resources("AWS::SQS::Queue")
        # Dead-letter queues first: a redrive policy names its target's ARN.
        while pending:
            progressed = False
            for name, props in list(pending):
                redrive = props.get("RedrivePolicy")
                if redrive and tuple(redrive["deadLetterTargetArn"]["Fn::GetAtt"]) not in self.atts:
                    continue
                attrs = {}
                for key in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds"):
                    if key in props:
                        attrs[key] = str(props[key])
                if self.visibility_timeout is not None and "RedrivePolicy" in props:
                    attrs["VisibilityTimeout"] = str(self.visibility_timeout)
                if redrive:
                    attrs["RedrivePolicy"] = json.dumps(self.resolve(redrive))
                qname = self.resolve(props["QueueName"])
                url = self.sqs.create_queue(QueueName=qname, Attributes=attrs)["QueueUrl"]
                if attrs:  # create_queue keeps an existing queue's attributes: make them current
                    self.sqs.set_queue_attributes(QueueUrl=url, Attributes=attrs)
                arn = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
                self.refs[name] = url
                self.atts[(name, "Arn")] = arn
                self.atts[(name, "QueueName")] = qname
                self.atts[(name, "QueueUrl")] = url
                pending.remove((name, props))
                progressed = True
            if not progressed:
                sys.exit("provision: a queue's dead-letter target is not declared")

    def tables(self):
        existing = set(self.ddb.list_tables().get("TableNames", []))
        for name, props in self.resources("AWS::DynamoDB::Table"):
            tname = self.resolve(props["TableName"])
            if tname not in existing:
                self.ddb.create_table(TableName=tname, BillingMode=props.get("BillingMode", "PAY_PER_REQUEST"),
                                      AttributeDefinitions=props["AttributeDefinitions"], KeySchema=props["KeySchema"])
                ttl = props.get("TimeToLiveSpecification")
                if ttl:
                    self.ddb.update_time_to_live(TableName=tname, TimeToLiveSpecification=ttl)
            self.refs[name] = tname
            self.atts[(name, "Arn")] = f"arn:aws:dynamodb:{self.region}:{ACCOUNT}:table/{tname}"

    def secrets(self, values):
        """Each secret of the template, valued from the dev-secrets entry named after its stack prefix."""
        prefix = f"{self.stack}/"
        for name, props in self.resources("AWS::SecretsManager::Secret"):
            sname = self.resolve(props["Name"])
            if not sname.startswith(prefix) or sname[len(prefix):] not in values:
                sys.exit(f"provision: no value for secret {sname} in the dev secrets file")
            value = json.dumps(values[sname[len(prefix):]])
            try:
                arn = self.sm.create_secret(Name=sname, SecretString=value)["ARN"]
            except self.sm.exceptions.ResourceExistsException:
                arn = self.sm.put_secret_value(SecretId=sname, SecretString=value)["ARN"]
            self.refs[name] = arn

    def environment(self):
        variables = self.t.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
        return {k: str(self.resolve(v)) for k, v in variables.items()}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--template", required=True)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--stack", default="studioconnect-local")
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--secrets", required=True, help="JSON file with each secret's value, by name after the stack prefix")
    p.add_argument("--visibility-timeout", type=int,
                   help="replaces the work queues' VisibilityTimeout (./infra/local/chaos: failed messages "
                        "come back in seconds, not the template's minutes, so a bounded run sees retries "
                        "and dead-lettering)")
    args = p.parse_args()
    with open(args.template) as f:
        template = yaml.load(f, Loader=CfnLoader)
    with open(args.secrets) as f:
        secret_values = json.load(f)
    stack = Stack(template, args.stack, args.region, args.endpoint, args.visibility_timeout)
    stack.queues()
    stack.tables()
    stack.secrets(secret_values)
    for k, v in sorted(stack.environment().items()):
        print(f"export {k}={shlex.quote(v)}")


if __name__ == "__main__":
    main()
