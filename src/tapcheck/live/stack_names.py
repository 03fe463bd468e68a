"""Which stack a command acts on: the name (or stack ARN) is checked before any call, every lookup
keeps only the stack that was named, and a destructive command on AWS goes ahead only once the
name has been repeated.

What CloudFormation accepts:
- CreateStack, StackName: "A stack name can contain only alphanumeric characters (case sensitive)
  and hyphens. It must start with an alphabetical character and can't be longer than 128
  characters." (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html)
- The operations that take an existing stack give the pattern, e.g. RollbackStack and
  ExecuteChangeSet, StackName: "Pattern: ([a-zA-Z][-a-zA-Z0-9]*)|(arn:\\b(aws|aws-us-gov|aws-cn)\\b:[-a-zA-Z0-9:/._+]*)"
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_RollbackStack.html), and
  DescribeStacks, StackName: "The name or the unique stack ID that's associated with the stack,
  which aren't always interchangeable: Running stacks: You can specify either the stack's name or
  its unique stack ID. Deleted stacks: You must specify the unique stack ID."
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_DescribeStacks.html). The
  unique stack ID is the stack's ARN, arn:<partition>:cloudformation:<region>:<account>:stack/<name>/<id>.
- DescribeStacks without a StackName "returns the description for all the stacks created" (same
  page): an empty name is therefore never sent, and an answer is never trusted to be the stack named.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from tapcheck.errors import UsageError

MAX_NAME_LENGTH = 128
NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]*")
# A stack ARN, within the API's pattern above: its partition, a region, an account, the stack's name
# (itself a valid name) and CloudFormation's id.
ARN = re.compile(
    r"arn:(aws|aws-us-gov|aws-cn):cloudformation:[a-z0-9-]+:[0-9]{12}:stack/"
    r"(?P<name>[a-zA-Z][-a-zA-Z0-9]*)/[-a-zA-Z0-9:/._+]+"
)
OPTION = "--stack-name"


def is_arn(ref: str) -> bool:
    return ARN.fullmatch(ref) is not None


def problem(ref: Any, arn_ok: bool = True) -> str | None:
    """Why `ref` is not a stack name (or, with `arn_ok`, a stack ARN) CloudFormation accepts; None when it is."""
    if not isinstance(ref, str) or not ref:
        return "is empty"
    if ref.startswith("arn:"):
        if not arn_ok:
            return "is an ARN; this command takes the stack's name"
        found = ARN.fullmatch(ref)
        if found is None:
            return "is not a CloudFormation stack ARN (arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/ID)"
        return (
            None
            if len(found.group("name")) <= MAX_NAME_LENGTH
            else f"names a stack longer than {MAX_NAME_LENGTH} characters"
        )
    if len(ref) > MAX_NAME_LENGTH:
        return f"is {len(ref)} characters long; CloudFormation allows at most {MAX_NAME_LENGTH}"
    if not NAME.fullmatch(ref):
        return "is not a stack name CloudFormation accepts: letters, digits and hyphens only, starting with a letter"
    return None


def validated(ref: Any, arn_ok: bool = True, option: str = OPTION) -> str:
    """`ref` when CloudFormation accepts it as a stack name (or stack ARN), else UsageError (exit 2)."""
    why = problem(ref, arn_ok)
    if why is not None:
        shown = ref if isinstance(ref, str) and ref and len(ref) <= 80 and ref.isprintable() else None
        subject = f"{option} {shown!r}" if shown is not None else option
        raise UsageError(
            subject,
            why,
            "pass the stack's name as CloudFormation shows it, e.g. "
            f"{option} tapstack-prod" + ("" if not arn_ok else " (or its stack ARN)"),
        )
    return ref


def matches(stack: dict[str, Any], ref: str) -> bool:
    """Is `stack` (a DescribeStacks entry) the stack `ref` names: its ARN, or its name exactly."""
    if is_arn(ref):
        return stack.get("StackId") == ref
    return stack.get("StackName") == ref


def pick(stacks: Iterable[dict[str, Any]], ref: str) -> dict[str, Any] | None:
    """The one stack of a DescribeStacks answer that `ref` names, or None: an answer listing other
    stacks (DescribeStacks lists them all when no name reaches it) never stands for the one named."""
    named = [s for s in stacks if matches(s, ref)]
    return named[0] if len(named) == 1 else None


def confirm(
    ref: str, given: str | None, command: str, stdin: TextIO | None = None, stderr: TextIO | None = None
) -> None:
    """A destructive command on AWS goes ahead only once the stack's name has been repeated: with
    --confirm-stack NAME, or typed at a prompt when standard input is a terminal. UsageError (exit 2)
    otherwise; nothing has been called yet."""
    stdin = stdin if stdin is not None else sys.stdin
    stderr = stderr if stderr is not None else sys.stderr
    fix = f"repeat the stack's name: --confirm-stack {ref}"
    if given is None:
        interactive = False
        try:
            interactive = bool(stdin.isatty())
        except (AttributeError, ValueError):
            pass
        if not interactive:
            raise UsageError(
                command,
                f"acts on the live stack {ref} and needs its name repeated; standard input "
                "is not a terminal, so nothing was asked",
                fix,
            )
        stderr.write(f"tapcheck: {command} acts on the live stack {ref}. Type its name to go on: ")
        stderr.flush()
        line = stdin.readline()
        if not line:
            raise UsageError(command, "no confirmation was typed; nothing was done", fix)
        given = line.rstrip("\r\n")
    if given != ref:
        raise UsageError(command, f"the confirmation {given!r} is not the stack's name; nothing was done", fix)
