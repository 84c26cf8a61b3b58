"""``python -m benchmarks [plan-scale|plan-quota|apply-quota|failover|rollout|profile|all] [--sizes ...]``."""

from __future__ import annotations

import argparse
import os
import sys
import time

from benchmarks import apply_quota, failover, plan_quota, plan_scale, profile_plan, rollout

BENCHMARKS = ("plan-scale", "plan-quota", "apply-quota", "failover", "rollout", "profile")


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated queue counts, got {text!r}") from None
    if not sizes or min(sizes) < 10:
        raise argparse.ArgumentTypeError("queue counts must be >= 10")
    return sizes


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of connect-reconciler against the local Connect emulator "
        "(see benchmarks/README.md).",
    )
    parser.add_argument("benchmark", nargs="?", default="all", choices=[*BENCHMARKS, "all"])
    parser.add_argument(
        "--sizes", type=_sizes, help="queue counts for plan-scale (default 1000,5000,50000; quick: 1000)"
    )
    parser.add_argument("--quota-queues", type=int, help="queues for plan-quota (default 5000; quick: 1000)")
    parser.add_argument(
        "--apply-changes", type=int, help="queue changes for apply-quota (default 200; quick: 30)"
    )
    parser.add_argument(
        "--profile-sizes", type=_sizes, help="queue counts to profile (default 5000,50000; quick: 1000)"
    )
    parser.add_argument("--repeat", type=int, help="runs per measured figure (default 3; quick: 1)")
    parser.add_argument("--prof-dir", help="keep the .prof files here (default: a new temporary folder)")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: the whole run takes about a minute"
    )
    args = parser.parse_args(argv)
    for name in ("quota_queues", "apply_changes", "repeat"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    quick = args.quick
    args.sizes = args.sizes or ([1000] if quick else [1000, 5000, 50000])
    args.quota_queues = args.quota_queues or (1000 if quick else 5000)
    args.apply_changes = args.apply_changes or (30 if quick else 200)
    args.profile_sizes = args.profile_sizes or ([1000] if quick else [5000, 50000])
    args.repeat = args.repeat or (1 if quick else 3)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
    # In-process clients (export, the apply benchmark) talk to the emulator with dummy credentials
    # and the tool's default client-side rate limit (the user's RECONCILER_RATE_LIMIT is dropped).
    for key in [k for k in os.environ if k.startswith(("AWS_", "RECONCILER_"))]:
        del os.environ[key]
    os.environ.update(
        AWS_ACCESS_KEY_ID="AKIABENCHMARK0000000",
        AWS_SECRET_ACCESS_KEY="benchmark-secret",
        AWS_REGION="us-east-1",
        AWS_CONFIG_FILE="/dev/null",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
    )
    chosen = BENCHMARKS if args.benchmark == "all" else (args.benchmark,)
    started = time.perf_counter()
    print("# connect-reconciler benchmarks", flush=True)
    if "plan-scale" in chosen:
        plan_scale.run(args.sizes, args.repeat, argv)
    if "plan-quota" in chosen:
        plan_quota.run(args.quota_queues, args.repeat, argv)
    if "apply-quota" in chosen:
        apply_quota.run(args.apply_changes, argv)
    if "failover" in chosen:
        failover.run(argv, 1000 if args.quick else failover.QUEUES)
    if "rollout" in chosen:
        rollout.run(argv)
    if "profile" in chosen:
        profile_plan.run(args.profile_sizes, argv, args.prof_dir)
    print(f"\nAll done in {time.perf_counter() - started:.0f} s.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
