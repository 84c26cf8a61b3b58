"""One test per rule of the desired state: a valid variant loads, an invalid one gives the exact message.

Every tree is `state/a.yaml` = the six-line `INSTANCE` block followed by the test's own YAML, so the
test's first line is line 7 of the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reconciler.desired.loader import load

from .helpers import ACCOUNT, INSTANCE, UUID1, UUID2, Tree, problems, write_tree

F = "state/a.yaml"
QUEUE_ARN = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID1}/queue/{UUID2}"


def tdg(telephony: str, extra: str = "") -> str:
    """A group `main` whose telephony is the flow mapping `telephony` (lines 7-9), then `extra`."""
    return f"trafficDistributionGroups:\n  main:\n    telephony: {telephony}\n{extra}"


def queue(fields: str) -> str:
    """A queue `Sales` (line 8) with the given flow-mapping fields on line 9."""
    return f"queues:\n  Sales:\n    {fields}\n"


# --- percentages --------------------------------------------------------------------------------


def test_percentages_sum_to_100_exact_message_of_the_issue(workdir: Path) -> None:
    body = """\
trafficDistributionGroups:
  other:
    telephony:
      us-east-1: 50
      us-west-2: 50
  main:
    default: true
    telephony:
      us-east-1: 50
      us-west-2: 40
"""
    write_tree(workdir / "desired-state", {"prod.yaml": INSTANCE + body})
    assert problems("desired-state") == [
        "desired-state/prod.yaml:14: trafficDistributionGroups.main.telephony: "
        "percentages sum to 90, must be 100"
    ]
    write_tree(workdir / "desired-state", {"prod.yaml": INSTANCE + body.replace("40", "50")})
    assert problems("desired-state") == []


def test_percentages_sum_to_100(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 60, us-west-2: 40}")}) == []
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}")}) == []
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 60, us-west-2: 50}")}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony: percentages sum to 110, must be 100"
    ]
    agents = "    agents:\n      us-east-1: 0\n      us-west-2: 0\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 60, us-west-2: 40}", agents)}) == [
        f"{F}:10: trafficDistributionGroups.main.agents: percentages sum to 0, must be 100"
    ]


def test_sum_reported_with_the_errors_of_other_fields(check: Tree) -> None:
    agents = "    agents: {us-east-1: 55, us-west-2: 45}\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 50, us-west-2: 40}", agents)}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony: percentages sum to 90, must be 100",
        f"{F}:10: trafficDistributionGroups.main.agents.us-east-1: "
        "55% is not a multiple of 10 (Amazon Connect refuses it)",
        f"{F}:10: trafficDistributionGroups.main.agents.us-west-2: "
        "45% is not a multiple of 10 (Amazon Connect refuses it)",
    ]
    agents = "    agents: {us-east-1: 50, us-west-2: 40}\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 50, us-west-2: 40}", agents)}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony: percentages sum to 90, must be 100",
        f"{F}:10: trafficDistributionGroups.main.agents: percentages sum to 90, must be 100",
    ]


def test_percentages_are_whole_numbers(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 50.0, us-west-2: '50'}")}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony.us-east-1: must be a whole number, got 50.0",
        f"{F}:9: trafficDistributionGroups.main.telephony.us-west-2: must be a whole number, got '50'",
    ]
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: true, us-west-2: 0}")}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony.us-east-1: must be a whole number, got True",
    ]


def test_percentages_are_between_0_and_100(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 110, us-west-2: -10}")}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony.us-east-1: 110% is out of range, must be 0-100",
        f"{F}:9: trafficDistributionGroups.main.telephony.us-west-2: -10% is out of range, must be 0-100",
    ]


def test_percentages_are_multiples_of_10(check: Tree) -> None:
    body = tdg("\n      us-east-1: 55\n      us-west-2: 45")
    assert check({"a.yaml": INSTANCE + body}) == [
        f"{F}:10: trafficDistributionGroups.main.telephony.us-east-1: "
        "55% is not a multiple of 10 (Amazon Connect refuses it)",
        f"{F}:11: trafficDistributionGroups.main.telephony.us-west-2: "
        "45% is not a multiple of 10 (Amazon Connect refuses it)",
    ]


# --- Regions ------------------------------------------------------------------------------------


def test_regions_are_the_instance_region_and_replica_region(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("{us-west-2: 30, us-east-1: 70}")}) == []


def test_unknown_region_with_did_you_mean(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("\n      us-east-1: 100\n      us-wst-2: 0")}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony: missing Region us-west-2: "
        "give both us-east-1 and us-west-2",
        f"{F}:11: trafficDistributionGroups.main.telephony: us-wst-2 is not this instance's Region "
        "(us-east-1) or replica Region (us-west-2); did you mean 'us-west-2'?",
    ]


def test_unknown_region_without_a_close_match(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 50, us-west-2: 50, ap-south-1: 0}")}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony: ap-south-1 is not this instance's Region "
        "(us-east-1) or replica Region (us-west-2)",
    ]


def test_missing_region(check: Tree) -> None:
    agents = "    agents: {us-east-1: 100, us-west-2: 0}\n    signIn: {us-west-2: true}\n    default: true\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100}", agents)}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony: missing Region us-west-2: "
        "give both us-east-1 and us-west-2",
        f"{F}:11: trafficDistributionGroups.main.signIn: missing Region us-east-1: "
        "give both us-east-1 and us-west-2",
    ]


def test_region_code_pattern(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("{US-EAST-1: 100, us-west-2: 0}")}) == [
        f"{F}:9: trafficDistributionGroups.main.telephony.US-EAST-1: 'US-EAST-1' is not a Region code "
        "like us-east-1",
    ]
    instance = INSTANCE.replace("region: us-east-1", "region: virginia")
    assert check({"a.yaml": instance}) == [
        f"{F}:4: instance.region: 'virginia' is not a Region code like us-east-1",
    ]


def test_replica_region_differs_from_region(check: Tree) -> None:
    instance = INSTANCE.replace("replicaRegion: us-west-2", "replicaRegion: us-east-1")
    assert check({"a.yaml": instance}) == [
        f"{F}:5: instance.replicaRegion: replicaRegion must differ from region (both are us-east-1)",
    ]


# --- telephony, agents, signIn ------------------------------------------------------------------


def test_telephony_required_with_agents_or_sign_in(check: Tree) -> None:
    group = "trafficDistributionGroups:\n  main:\n    default: true\n"
    agents = "    agents: {us-east-1: 100, us-west-2: 0}\n"
    sign_in = "    signIn: {us-east-1: true, us-west-2: true}\n"
    telephony = "    telephony: {us-east-1: 100, us-west-2: 0}\n"
    assert check({"a.yaml": INSTANCE + group + agents + sign_in + telephony}) == []
    message = "telephony is required when {} is given (Amazon Connect refuses an update without it)"
    assert check({"a.yaml": INSTANCE + group + agents}) == [
        f"{F}:8: trafficDistributionGroups.main: " + message.format("agents")
    ]
    assert check({"a.yaml": INSTANCE + group + sign_in}) == [
        f"{F}:8: trafficDistributionGroups.main: " + message.format("signIn")
    ]
    assert check({"a.yaml": INSTANCE + group + agents + sign_in}) == [
        f"{F}:8: trafficDistributionGroups.main: " + message.format("agents and signIn")
    ]
    assert check({"a.yaml": INSTANCE + group + "    signIn: {}\n"}) == [
        f"{F}:8: trafficDistributionGroups.main: " + message.format("signIn")
    ]


def test_agents_allowed_on_any_group(check: Tree) -> None:
    agents = "    agents: {us-east-1: 70, us-west-2: 30}\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}", agents)}) == []


def test_sign_in_only_on_the_default_group(check: Tree) -> None:
    sign_in = "    signIn: {us-east-1: true, us-west-2: false}\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}", sign_in)}) == [
        f"{F}:10: trafficDistributionGroups.main.signIn: "
        "signIn is only allowed on the default group (set default: true)"
    ]
    default = "    default: true\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}", sign_in + default)}) == []


def test_sign_in_enables_at_least_one_region(check: Tree) -> None:
    sign_in = "    default: true\n    signIn: {us-east-1: false, us-west-2: false}\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}", sign_in)}) == [
        f"{F}:11: trafficDistributionGroups.main.signIn: signIn must enable at least one Region"
    ]
    sign_in = "    default: true\n    signIn: {us-east-1: false, us-west-2: true}\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}", sign_in)}) == []


def test_sign_in_values_are_booleans(check: Tree) -> None:
    sign_in = "    default: true\n    signIn: {us-east-1: 1, us-west-2: 'yes'}\n"
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}", sign_in)}) == [
        f"{F}:11: trafficDistributionGroups.main.signIn.us-east-1: must be true or false, got 1",
        f"{F}:11: trafficDistributionGroups.main.signIn.us-west-2: must be true or false, got 'yes'",
    ]


def test_only_one_default_group_per_instance(check: Tree) -> None:
    body = """\
trafficDistributionGroups:
  first:
    default: true
    telephony: {us-east-1: 100, us-west-2: 0}
  second:
    telephony: {us-east-1: 100, us-west-2: 0}
    default: true
"""
    assert check({"a.yaml": INSTANCE + body}) == [
        f"{F}:13: trafficDistributionGroups.second.default: only one group can be the default; "
        f"{F}:8 is already marked default"
    ]
    assert check({"a.yaml": INSTANCE + body.replace("default: true\n", "default: false\n", 1)}) == []


# --- queue formats --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "+12065550100",
        "'+12065550100'",
        "+442071838750",
        UUID2,
        f"arn:aws:connect:us-east-1:{ACCOUNT}:phone-number/{UUID2}",
        f"arn:aws:connect:us-west-2:{ACCOUNT}:phone-number/{UUID2}",
    ],
)
def test_caller_id_number_valid_forms(check: Tree, number: str) -> None:
    assert check({"a.yaml": INSTANCE + queue(f"callerIdNumber: {number}")}) == []


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("12065550100", "'12065550100'"),  # no leading +
        ("'+1206555010012345'", "'+1206555010012345'"),  # 16 digits
        ("'+012065550100'", "'+012065550100'"),  # country code cannot start with 0
        ("'+1 206 555 0100'", "'+1 206 555 0100'"),
        ("4a1b2c3d-0000-4000-8000-00000000000", "'4a1b2c3d-0000-4000-8000-00000000000'"),
        (
            f"arn:aws:connect:us-east-1:{ACCOUNT}:queue/{UUID2}",
            f"'arn:aws:connect:us-east-1:{ACCOUNT}:queue/{UUID2}'",
        ),
    ],
)
def test_caller_id_number_invalid_forms(check: Tree, number: str, shown: str) -> None:
    assert check({"a.yaml": INSTANCE + queue(f"callerIdNumber: {number}")}) == [
        f"{F}:9: queues.Sales.callerIdNumber: {shown} is not an E.164 number (+12065550100), "
        "a phone-number ID or ARN"
    ]


def test_phone_number_arn_with_instance_has_its_own_message(check: Tree) -> None:
    arn = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID1}/phone-number/{UUID2}"
    assert check({"a.yaml": INSTANCE + queue(f"callerIdNumber: {arn}")}) == [
        f"{F}:9: queues.Sales.callerIdNumber: use the phone-number ARN without 'instance/' "
        "(arn:aws:connect:REGION:ACCOUNT:phone-number/ID)"
    ]


def test_unquoted_e164_number_stays_text(check: Tree, workdir: Path) -> None:
    assert check({"a.yaml": INSTANCE + queue("callerIdNumber: +12065550100")}) == []
    (instance,) = load("state").instances
    assert instance.queues[0].spec.caller_id_number == "+12065550100"


def test_caller_id_name_length_1_to_255(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + queue("callerIdName: " + "x" * 255)}) == []
    assert check({"a.yaml": INSTANCE + queue("callerIdName: x")}) == []
    assert check({"a.yaml": INSTANCE + queue("callerIdName: " + "x" * 256)}) == [
        f"{F}:9: queues.Sales.callerIdName: must be 1-255 characters, got 256"
    ]
    assert check({"a.yaml": INSTANCE + queue("callerIdName: ''")}) == [
        f"{F}:9: queues.Sales.callerIdName: must be 1-255 characters, got 0"
    ]
    assert check({"a.yaml": INSTANCE + queue("callerIdName: '   '")}) == [
        f"{F}:9: queues.Sales.callerIdName: callerIdName is blank"
    ]


def test_whisper_flow_length_1_to_500(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + queue("whisperFlow: " + "f" * 500)}) == []
    assert check({"a.yaml": INSTANCE + queue("whisperFlow: " + "f" * 501)}) == [
        f"{F}:9: queues.Sales.whisperFlow: must be 1-500 characters, got 501"
    ]


def test_text_fields_take_unquoted_numbers_as_written(check: Tree, workdir: Path) -> None:
    assert check({"a.yaml": INSTANCE + queue("{callerIdName: 0012, whisperFlow: 1e3}")}) == []
    spec = load("state").instances[0].queues[0].spec
    assert (spec.caller_id_name, spec.whisper_flow) == ("0012", "1e3")


# --- instance formats -----------------------------------------------------------------------------


def test_instance_id_uuid_or_instance_arn(check: Tree) -> None:
    for instance_id in (
        UUID1,
        f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID1}",
        f"arn:aws:connect:us-west-2:{ACCOUNT}:instance/{UUID1}",
    ):
        assert check({"a.yaml": INSTANCE.replace(UUID1, instance_id)}) == [], instance_id
    assert check({"a.yaml": INSTANCE.replace(UUID1, "i-123")}) == [
        f"{F}:3: instance.id: 'i-123' is neither an instance ID (UUID) nor an instance ARN"
    ]
    arn = f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID1}/queue/{UUID2}"
    assert check({"a.yaml": INSTANCE.replace(UUID1, arn)}) == [
        f"{F}:3: instance.id: '{arn}' is neither an instance ID (UUID) nor an instance ARN"
    ]


def test_instance_arn_consistent_with_region_and_account(check: Tree) -> None:
    other_region = f"arn:aws:connect:eu-west-1:{ACCOUNT}:instance/{UUID1}"
    assert check({"a.yaml": INSTANCE.replace(UUID1, other_region)}) == [
        f"{F}:3: instance.id: the ARN is in eu-west-1, but region is us-east-1"
    ]
    other_account = f"arn:aws:connect:us-east-1:999988887777:instance/{UUID1}"
    assert check({"a.yaml": INSTANCE.replace(UUID1, other_account)}) == [
        f"{F}:3: instance.id: the ARN is in account 999988887777, but accountId is {ACCOUNT}"
    ]
    no_account = INSTANCE.replace(f'  accountId: "{ACCOUNT}"\n', "").replace(UUID1, other_account)
    assert check({"a.yaml": no_account}) == []


def test_account_id_is_12_digits(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE.replace(f'"{ACCOUNT}"', ACCOUNT)}) == []  # unquoted stays text
    assert check({"a.yaml": INSTANCE.replace(f'"{ACCOUNT}"', '"11112222333"')}) == [
        f"{F}:6: instance.accountId: '11112222333' is not a 12-digit AWS account ID"
    ]
    assert check({"a.yaml": INSTANCE.replace(f'"{ACCOUNT}"', "abcdabcdabcd")}) == [
        f"{F}:6: instance.accountId: 'abcdabcdabcd' is not a 12-digit AWS account ID"
    ]


def test_role_arn(check: Tree) -> None:
    role = f"  roleArn: arn:aws:iam::{ACCOUNT}:role/connect-reconciler\n"
    assert check({"a.yaml": INSTANCE + role}) == []
    user = f"  roleArn: arn:aws:iam::{ACCOUNT}:user/alice\n"
    assert check({"a.yaml": INSTANCE + user}) == [
        f"{F}:7: instance.roleArn: 'arn:aws:iam::{ACCOUNT}:user/alice' is not an IAM role ARN "
        "(arn:aws:iam::ACCOUNT:role/NAME)"
    ]


def test_instance_name_pattern(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE.replace("name: demo", "name: prod.eu_1-a")}) == []
    assert check({"a.yaml": INSTANCE.replace("name: demo", "name: -demo")}) == [
        f"{F}:2: instance.name: '-demo': use 1-64 letters, digits, '.', '_' or '-', "
        "starting with a letter or digit"
    ]


def test_instance_required_keys(check: Tree) -> None:
    assert check({"a.yaml": "instance:\n  name: demo\n  id: " + UUID1 + "\n"}) == [
        f"{F}:1: instance: required key 'region' is missing",
        f"{F}:1: instance: required key 'replicaRegion' is missing",
    ]


def test_profile_cannot_be_empty(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + "  profile: prod-admin\n"}) == []
    assert check({"a.yaml": INSTANCE + "  profile: ''\n"}) == [
        f"{F}:7: instance.profile: must be at least 1 character, got 0"
    ]


# --- ARNs outside the instance's Region pair or account -----------------------------------------------


def test_group_arn_in_the_instance_region_pair_and_account(check: Tree) -> None:
    def group(arn: str) -> str:
        return f"trafficDistributionGroups:\n  {arn}:\n    telephony: {{us-east-1: 100, us-west-2: 0}}\n"

    ok = f"arn:aws:connect:us-west-2:{ACCOUNT}:traffic-distribution-group/{UUID2}"
    assert check({"a.yaml": INSTANCE + group(ok)}) == []
    bad = f"arn:aws:connect:eu-west-1:999988887777:traffic-distribution-group/{UUID2}"
    assert check({"a.yaml": INSTANCE + group(bad)}) == [
        f"{F}:8: trafficDistributionGroups.{bad}: the ARN is in account 999988887777, not {ACCOUNT}",
        f"{F}:8: trafficDistributionGroups.{bad}: the ARN is in eu-west-1, not in us-east-1 or us-west-2",
    ]


def test_phone_number_arn_in_the_instance_region_pair_and_account(check: Tree) -> None:
    bad_region = f"arn:aws:connect:eu-west-1:{ACCOUNT}:phone-number/{UUID2}"
    assert check({"a.yaml": INSTANCE + queue(f"callerIdNumber: {bad_region}")}) == [
        f"{F}:9: queues.Sales.callerIdNumber: the ARN is in eu-west-1, not in us-east-1 or us-west-2"
    ]
    bad_account = f"arn:aws:connect:us-east-1:999988887777:phone-number/{UUID2}"
    assert check({"a.yaml": INSTANCE + queue(f"callerIdNumber: {bad_account}")}) == [
        f"{F}:9: queues.Sales.callerIdNumber: the ARN is in account 999988887777, not {ACCOUNT}"
    ]


def test_account_taken_from_the_instance_arn(check: Tree) -> None:
    instance = INSTANCE.replace(f'  accountId: "{ACCOUNT}"\n', "").replace(
        UUID1, f"arn:aws:connect:us-east-1:{ACCOUNT}:instance/{UUID1}"
    )
    bad_account = f"arn:aws:connect:us-east-1:999988887777:phone-number/{UUID2}"
    assert check({"a.yaml": instance + queue(f"callerIdNumber: {bad_account}")}) == [
        f"{F}:8: queues.Sales.callerIdNumber: the ARN is in account 999988887777, not {ACCOUNT}"
    ]


# --- unknown keys, empty values, nothing to manage ----------------------------------------------------


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        ("queue:\n  Sales: {callerIdName: x}\n", "7: queue: unknown key 'queue' (did you mean 'queues'?)"),
        (
            "trafficDistributionGroup: {}\n",
            "7: trafficDistributionGroup: unknown key 'trafficDistributionGroup' "
            "(did you mean 'trafficDistributionGroups'?)",
        ),
        (
            "x-defaults: {}\n",
            "7: x-defaults: unknown key 'x-defaults' (allowed: instance, trafficDistributionGroups, queues)",
        ),
        (
            "  replicaregion: us-west-1\n",
            "7: instance.replicaregion: unknown key 'replicaregion' (did you mean 'replicaRegion'?)",
        ),
        (
            tdg("{us-east-1: 100, us-west-2: 0}", "    signin: {us-east-1: true}\n"),
            "10: trafficDistributionGroups.main.signin: unknown key 'signin' (did you mean 'signIn'?)",
        ),
        (
            tdg("{us-east-1: 100, us-west-2: 0}", "    agent: {us-east-1: 100}\n"),
            "10: trafficDistributionGroups.main.agent: unknown key 'agent' (did you mean 'agents'?)",
        ),
        (
            queue("{callerIdNam: x}"),
            "9: queues.Sales.callerIdNam: unknown key 'callerIdNam' (did you mean 'callerIdName'?)",
        ),
        (
            queue("{callerIdName: x, colour: red}"),
            "9: queues.Sales.colour: unknown key 'colour' "
            "(allowed: order, callerIdName, callerIdNumber, whisperFlow)",
        ),
    ],
)
def test_unknown_keys_with_did_you_mean(check: Tree, yaml: str, expected: str) -> None:
    assert check({"a.yaml": INSTANCE + yaml}) == [f"{F}:{expected}"]


@pytest.mark.parametrize(
    ("yaml", "expected"),
    [
        (
            queue("callerIdName:"),
            "9: queues.Sales.callerIdName: empty: fields cannot be cleared; leave the key out to keep the "
            "live value",
        ),
        (
            queue("whisperFlow: null"),
            "9: queues.Sales.whisperFlow: empty: fields cannot be cleared; leave the key out to keep the "
            "live value",
        ),
        (
            tdg("~"),
            "9: trafficDistributionGroups.main.telephony: empty: fields cannot be cleared; leave the key out "
            "to keep the live value",
        ),
        (
            "  profile:\n",
            "7: instance.profile: empty: fields cannot be cleared; leave the key out to keep the live value",
        ),
        (
            "queues:\n  Sales:\n",
            "8: queues.Sales: empty: give the fields to manage, or remove the key",
        ),
        (
            "trafficDistributionGroups:\n  main:\n",
            "8: trafficDistributionGroups.main: empty: give the fields to manage, or remove the key",
        ),
    ],
)
def test_empty_values_are_errors(check: Tree, yaml: str, expected: str) -> None:
    assert check({"a.yaml": INSTANCE + yaml}) == [f"{F}:{expected}"]


def test_empty_sections_are_allowed(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + "trafficDistributionGroups:\nqueues: {}\n"}) == []


def test_instance_cannot_be_empty(check: Tree) -> None:
    assert check({"a.yaml": "instance:\n" + queue("callerIdName: x")}) == [
        f"{F}:1: instance: empty: fields cannot be cleared; leave the key out to keep the live value"
    ]


def test_sections_must_be_mappings(check: Tree) -> None:
    assert check({"a.yaml": "instance: demo\nqueues: [a]\ntrafficDistributionGroups: 3\n"}) == [
        f"{F}:1: instance: must be a mapping, got the text 'demo'",
        f"{F}:2: queues: must be a mapping, got a list",
        f"{F}:3: trafficDistributionGroups: must be a mapping, got 3",
    ]


def test_queue_with_nothing_to_manage(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + queue("order: 2")}) == [
        f"{F}:8: queues.Sales: nothing to manage: give callerIdName, callerIdNumber or whisperFlow"
    ]
    assert check({"a.yaml": INSTANCE + "queues:\n  Sales: {}\n"}) == [
        f"{F}:8: queues.Sales: nothing to manage: give callerIdName, callerIdNumber or whisperFlow"
    ]
    assert check({"a.yaml": INSTANCE + queue("{order: 2, whisperFlow: Default}")}) == []


def test_group_with_nothing_to_manage(check: Tree) -> None:
    body = "trafficDistributionGroups:\n  main:\n    default: true\n    order: 1\n"
    assert check({"a.yaml": INSTANCE + body}) == [
        f"{F}:8: trafficDistributionGroups.main: nothing to manage: give telephony (and optionally agents, "
        "signIn)"
    ]


def test_order_is_a_whole_number(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + queue("{order: -1, callerIdName: x}")}) == []
    assert check({"a.yaml": INSTANCE + queue("{order: first, callerIdName: x}")}) == [
        f"{F}:9: queues.Sales.order: must be a whole number, got 'first'"
    ]


def test_default_is_a_boolean(check: Tree) -> None:
    assert check({"a.yaml": INSTANCE + tdg("{us-east-1: 100, us-west-2: 0}", "    default: 'true'\n")}) == [
        f"{F}:10: trafficDistributionGroups.main.default: must be true or false, got 'true'"
    ]


def test_queue_names_that_yaml_would_read_as_other_types_stay_text(check: Tree, workdir: Path) -> None:
    body = "queues:\n  No:\n    callerIdName: x\n  1:\n    callerIdName: y\n  null:\n    callerIdName: z\n"
    assert check({"a.yaml": INSTANCE + body}) == []
    assert [q.key for q in load("state").instances[0].queues] == ["No", "1", "null"]
