"""Large, reproducible fixtures for pagination tests and benchmarks.

``generate_fixture(queues=5000, seed=0)`` builds one instance in us-east-1 with a replica in
us-west-2: a default traffic distribution group and more groups, all homed in us-east-1 (Connect
creates groups in the source Region only, and the fixture checks refuse any other home, so the
replica Region is never a group's home; it reaches the groups by ARN); flows (mostly
OUTBOUND_WHISPER); phone numbers, most claimed to the instance and the rest to the groups (at
least one to the second group); STANDARD queues whose caller configs reference those numbers and
flows, some with fields left unset, and numbers of the second group stored in ARN form (the form
a queue written from the replica Region must use, and one reads may return). The same arguments
always give the same fixture (IDs come from a seeded generator).

Command line::

    python -m connect_emulator.generate --queues 5000 --out /tmp/big.yaml
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import uuid
from typing import Any

import yaml


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def generate_fixture(
    queues: int = 5000,
    flows: int = 20,
    numbers: int = 100,
    groups: int = 3,
    seed: int = 0,
    *,
    agent_queues: int = 0,
    account: str = "111122223333",
    region: str = "us-east-1",
    replica_region: str = "us-west-2",
) -> dict[str, Any]:
    """A fixture-format dict (see the module docstring); load it with ``Emulator(state=...)``."""
    if min(queues, flows, numbers, groups, agent_queues) < 0 or flows < 1 or numbers < 1 or groups < 1:
        raise ValueError("need queues >= 0, flows >= 1, numbers >= 1, groups >= 1")
    rng = random.Random(seed)
    instance_id = _uuid(rng)
    regions = (region, replica_region)

    group_list: list[dict[str, Any]] = []
    for g in range(groups):
        group: dict[str, Any] = {
            "id": _uuid(rng),
            "name": "default" if g == 0 else f"group-{g:02d}",
            "region": region,  # the source Region: never the replica's
            "isDefault": g == 0,
            "status": "ACTIVE",
            "telephony": {region: 100, replica_region: 0} if g == 0 else {region: 50, replica_region: 50},
            "agents": {region: 100, replica_region: 0} if g == 0 else {region: 50, replica_region: 50},
        }
        if g == 0:
            group["signIn"] = {region: True, replica_region: False}
        group_list.append(group)

    flow_list = []
    for f in range(flows):
        ftype = "CONTACT_FLOW" if f % 5 == 4 else "OUTBOUND_WHISPER"
        flow_list.append({"id": _uuid(rng), "name": f"Flow {f:04d}", "type": ftype})
    whisper_ids = [f["id"] for f in flow_list if f["type"] == "OUTBOUND_WHISPER"] or [flow_list[0]["id"]]

    number_list = []
    arn_form = {group_list[1]["id"]} if groups > 1 else set()
    for n in range(numbers):
        claimed = "instance"
        if n % 4 == 3 and groups:
            claimed = group_list[(n // 4) % groups]["id"]
        if n == numbers - 1 and groups > 1:
            claimed = group_list[1]["id"]  # at least one number stored in ARN form
        number_list.append(
            {
                "id": _uuid(rng),
                "number": f"+1{2065550000 + n}",
                "countryCode": "US",
                "type": "TOLL_FREE" if n % 10 == 9 else "DID",
                "claimedTo": claimed,
            }
        )

    def number_ref(num: dict[str, Any]) -> str:
        if num["claimedTo"] in arn_form:
            return f"arn:aws:connect:{region}:{account}:phone-number/{num['id']}"
        return str(num["id"])

    queue_list: list[dict[str, Any]] = []
    for q in range(queues):
        queue: dict[str, Any] = {"id": _uuid(rng), "name": f"Queue {q:05d}", "type": "STANDARD"}
        roll = rng.random()
        if roll > 0.05:
            queue["callerIdName"] = rng.choice(["AnyCompany", "AnyCompany Sales", "AnyCompany Support"])
            queue["callerIdNumberId"] = number_ref(rng.choice(number_list))
        if roll > 0.3:
            queue["outboundFlowId"] = rng.choice(whisper_ids)
        queue_list.append(queue)
    for a in range(agent_queues):
        queue_list.append({"id": _uuid(rng), "name": None, "type": "AGENT", "description": f"agent {a}"})

    return {
        "defaultAccount": account,
        "instances": [
            {
                "id": instance_id,
                "account": account,
                "region": regions[0],
                "replicaRegion": regions[1],
                "alias": f"generated-{seed}",
                "flows": flow_list,
                "phoneNumbers": number_list,
                "trafficDistributionGroups": group_list,
                "queues": queue_list,
            }
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m connect_emulator.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--queues", type=int, default=5000)
    parser.add_argument("--flows", type=int, default=20)
    parser.add_argument("--numbers", type=int, default=100)
    parser.add_argument("--groups", type=int, default=3)
    parser.add_argument("--agent-queues", type=int, default=0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=["yaml", "json"], default=None, help="default: from --out suffix")
    parser.add_argument("--out", default="-", help="output file ('-' for stdout)")
    args = parser.parse_args(argv)
    try:
        fixture = generate_fixture(
            args.queues, args.flows, args.numbers, args.groups, args.seed, agent_queues=args.agent_queues
        )
    except ValueError as exc:
        parser.error(str(exc))
    fmt = args.format or ("json" if args.out.endswith(".json") else "yaml")
    if fmt == "json":
        text = json.dumps(fixture, indent=1)
    else:
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        text = yaml.dump(fixture, Dumper=dumper, sort_keys=False, allow_unicode=True, width=200)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as fh:
            fh.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
