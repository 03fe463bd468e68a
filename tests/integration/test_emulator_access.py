"""The emulator run as root is no open door (issue 21, item 6): its API answers only the
credentials its state file holds, no browser origin, every file it writes lives in its private
directory, a Lambda handler does not run as root, and names CloudFormation refuses are refused
with CloudFormation's words."""

from __future__ import annotations

import io
import json
import os
import pwd
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

_HANDLER = """
import os
def handler(event, context):
    seen = {"uid": os.getuid(), "gid": os.getgid(), "groups": sorted(os.getgroups()),
            "code": os.path.dirname(os.path.realpath(__file__)), "task_root": os.environ["LAMBDA_TASK_ROOT"]}
    for what, path in (("write_code", os.path.join(os.path.dirname(__file__), "x")), ("write_tmp", "/tmp/x")):
        try:
            open(path, "w").write("x")
            seen[what] = "written"
        except OSError as e:
            seen[what] = type(e).__name__
    for what, path in (("state", event["state"]), ("log", event["log"])):
        try:
            open(path).read()
            seen[what] = "read"
        except OSError as e:
            seen[what] = type(e).__name__
    try:
        os.listdir(event["root"])
        seen["root"] = "listed"
    except OSError as e:
        seen["root"] = type(e).__name__
    return seen
"""


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("h.py", source)
    return buffer.getvalue()


def test_a_function_invoked_as_root_runs_as_nobody_and_reads_nothing_of_the_emulators(local_target, emulator) -> None:
    if os.geteuid() != 0:
        pytest.skip("the emulator drops privileges only when it runs as root")
    iam, lam = local_target.client("iam"), local_target.client("lambda")
    name = f"whoami-{uuid.uuid4().hex[:6]}"
    role = iam.create_role(
        RoleName=name,
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )["Role"]["Arn"]
    try:
        lam.create_function(
            FunctionName=name, Runtime="python3.11", Role=role, Handler="h.handler", Code={"ZipFile": _zip(_HANDLER)}
        )
        event = {"state": emulator["state"], "log": emulator["log"], "root": emulator["root"]}
        answer = lam.invoke(FunctionName=name, Payload=json.dumps(event))
        seen = json.loads(answer["Payload"].read())
    finally:
        lam.delete_function(FunctionName=name)
        iam.delete_role(RoleName=name)
    nobody = pwd.getpwnam("nobody")
    assert "FunctionError" not in answer, seen
    # its own /tmp and /var: the state file (under the test's /tmp) is not even there
    in_its_own_tmp = emulator["state"].startswith(("/tmp/", "/var/"))
    assert seen == {
        "uid": nobody.pw_uid,
        "gid": nobody.pw_gid,
        "groups": [],
        "code": "/var/task",
        "task_root": "/var/task",
        "write_code": "OSError",
        "write_tmp": "written",
        "state": "FileNotFoundError" if in_its_own_tmp else "PermissionError",
        "log": "PermissionError",
        "root": "PermissionError",
    }


def _client(emulator: dict[str, Any], service: str, **kwargs: Any) -> Any:
    return boto3.client(
        service,
        endpoint_url=emulator["url"],
        region_name="us-east-1",
        config=kwargs.pop("config", Config(retries={"max_attempts": 1})),
        **kwargs,
    )


def _code(call: Any) -> tuple[str, int]:
    with pytest.raises(ClientError) as refused:
        call()
    return refused.value.response["Error"]["Code"], refused.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_the_api_answers_only_the_credentials_of_its_state_file(local_target, emulator) -> None:
    from tapcheck.emulator import control

    creds = control.credentials(emulator["state"])
    assert set(creds) == {"aws_access_key_id", "aws_secret_access_key"} and "testing" not in creds.values()
    unsigned = _client(emulator, "cloudformation", config=Config(signature_version=UNSIGNED))
    testing = _client(emulator, "cloudformation", aws_access_key_id="testing", aws_secret_access_key="testing")
    guessed = _client(
        emulator, "cloudformation", aws_access_key_id=creds["aws_access_key_id"], aws_secret_access_key="guessed"
    )
    assert _code(unsigned.describe_stacks) == ("MissingAuthenticationToken", 403)
    assert _code(testing.describe_stacks) == ("InvalidClientTokenId", 403)
    assert _code(guessed.describe_stacks) == ("SignatureDoesNotMatch", 403)
    kms = _client(emulator, "kms", aws_access_key_id="testing", aws_secret_access_key="testing")
    assert _code(kms.list_keys) == ("UnrecognizedClientException", 403)
    # tapcheck's own clients read the state file's credentials; so does an SDK given `emulator env`
    assert "Stacks" in local_target.client("cloudformation").describe_stacks()
    env = control.environment(emulator["state"])
    sdk = boto3.client(
        "sts",
        endpoint_url=env["AWS_ENDPOINT_URL"],
        region_name=env["AWS_DEFAULT_REGION"],
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    assert sdk.get_caller_identity()["Account"] == "123456789012"


def test_no_browser_origin_is_answered_with_cors(emulator) -> None:
    from tapcheck.emulator import control

    creds = control.credentials(emulator["state"])
    url = emulator["url"] + "/?Action=DescribeStacks&Version=2010-05-15"
    signed = AWSRequest(method="GET", url=url, headers={"Origin": "http://attacker.example"})
    SigV4Auth(
        Credentials(creds["aws_access_key_id"], creds["aws_secret_access_key"]), "cloudformation", "us-east-1"
    ).add_auth(signed)
    with urllib.request.urlopen(urllib.request.Request(url, headers=dict(signed.headers.items())), timeout=10) as r:
        status, headers = r.status, dict(r.headers.items())
    assert status == 200
    assert not [h for h in headers if h.lower().startswith("access-control-")], headers
    preflight = urllib.request.Request(
        url, method="OPTIONS", headers={"Origin": "http://attacker.example", "Access-Control-Request-Method": "POST"}
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(preflight, timeout=10)
    assert refused.value.code == 403
    assert not [h for h in refused.value.headers if h.lower().startswith("access-control-")]


def test_what_the_emulator_writes_lives_in_its_private_directory(emulator) -> None:
    import tempfile

    root, log, state = Path(emulator["root"]), Path(emulator["log"]), Path(emulator["state"])
    assert log.parent == root and log.stat().st_mode & 0o777 == 0o600
    assert state.stat().st_mode & 0o777 == 0o600
    mode = root.stat().st_mode & 0o777
    if os.geteuid() == 0:  # PostgreSQL's user may pass through it, nobody else may enter
        assert (mode, root.stat().st_uid, root.stat().st_gid) == (0o710, 0, pwd.getpwnam("postgres").pw_gid)
    else:
        assert mode == 0o700
    assert not (Path(tempfile.gettempdir()) / f"{root.name}.log").exists()


_TOPIC = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}


def test_names_cloudformation_refuses_are_refused_with_its_words_and_leave_no_stack(local_target) -> None:
    cfn = local_target.client("cloudformation")
    with pytest.raises(ClientError) as refused:
        cfn.create_stack(StackName="my_stack", TemplateBody=json.dumps(_TOPIC))
    assert refused.value.response["Error"] == {
        "Type": "Sender",
        "Code": "ValidationError",
        "Message": "1 validation error detected: Value 'my_stack' at 'stackName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
    }
    name = f"tapcheck-ids-{uuid.uuid4().hex[:6]}"
    bad = {"Resources": {"Alarm-Topic": {"Type": "AWS::SNS::Topic"}}}
    with pytest.raises(ClientError) as refused:
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(bad))
    assert (
        refused.value.response["Error"]["Message"]
        == "Template format error: Resource name Alarm-Topic is non alphanumeric."
    )
    stacks = {s["StackName"] for s in cfn.list_stacks()["StackSummaries"]}
    assert not {"my_stack", name} & stacks
    cfn.create_stack(StackName=name, TemplateBody=json.dumps(_TOPIC))
    try:
        with pytest.raises(ClientError, match="Resource name Alarm-Topic is non alphanumeric"):
            cfn.update_stack(StackName=name, TemplateBody=json.dumps(bad))
        with pytest.raises(ClientError, match="Resource name Alarm-Topic is non alphanumeric"):
            cfn.create_change_set(StackName=name, ChangeSetName="c1", TemplateBody=json.dumps(bad))
        assert cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"] == "CREATE_COMPLETE"
    finally:
        cfn.delete_stack(StackName=name)
