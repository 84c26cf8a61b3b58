"""Every Connect operation the reconciler calls, by what needs it: the source of the IAM policies.

`reconciler iam-policy` builds least-privilege policies from these lists, and a test checks that
every operation the code calls (found in this package's source, and in the emulator's call log of
a full plan / apply / drift run) is listed here, so the policy cannot fall behind the code.
"""

from __future__ import annotations

READ = (
    "SearchQueues",
    "ListContactFlows",
    "ListPhoneNumbersV2",
    "ListTrafficDistributionGroups",
    "DescribeTrafficDistributionGroup",
    "GetTrafficDistribution",
)
# apply also re-reads queues one by one to verify its writes
WRITE = ("UpdateTrafficDistribution", "UpdateQueueOutboundCallerConfig", "DescribeQueue")
