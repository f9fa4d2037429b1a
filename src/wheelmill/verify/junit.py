"""JUnit XML for CI dashboards: one ``<testcase>`` per pin and target.

``classname`` is the target (``cp311-linux_x86_64``), ``name`` the pin
(``crcmod==1.7``). A failed build, a pin without a wheel, or a gap found by
``verify`` is a ``<failure>`` whose ``message`` is the diagnosis (summary,
rule and category) and whose text starts with the first error line; a pin
not applicable to the target, or skipped by the config, is ``<skipped>``. One
``<testsuite>`` per target, all inside ``<testsuites>``.
"""

from __future__ import annotations

import re
import socket
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..build.results import NOT_APPLICABLE, SKIPPED, BuildReport, PinResult
from ..outcomes import FAILURES
from ..store.wheelhouse import write_atomic
from .coverage import GAP, VerifyReport

if TYPE_CHECKING:
    from ..diagnose.diagnosis import FirstError

#: Characters XML 1.0 cannot carry at all (build logs have ANSI escapes and worse).
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class Case:
    classname: str
    name: str
    time: float = 0.0
    failure: str | None = None  # the message; the case failed when set
    failure_type: str | None = None
    details: str = ""
    skipped: str | None = None  # the reason; the case was skipped when set


def _label(rule: str | None, category: str | None, summary: str | None) -> str:
    """``summary (rule, category)``, as the terminal report says it."""
    where = ", ".join(part for part in (rule, category) if part)
    return f"{summary} ({where})" if where and summary else (summary or where)


def _first_error(first: FirstError | None) -> list[str]:
    return [f"first error (log line {first.line}): {first.text}"] if first else []


def build_case(result: PinResult) -> Case:
    spec = f"{result.name}=={result.version}"
    if result.status in (NOT_APPLICABLE, SKIPPED):
        return Case(result.target, spec, result.duration, skipped=result.reason or result.status)
    if result.status not in FAILURES:
        return Case(result.target, spec, result.duration)
    message = _label(result.rule, result.category, result.summary) or (result.error or "failed")
    details = [
        *_first_error(result.first_error),
        *([f"error: {result.error}"] if result.error else []),
        *([f"fix: {result.fix}"] if result.fix else []),
        *([f"log: {result.log}"] if result.log else []),
    ]
    return Case(
        result.target,
        spec,
        result.duration,
        failure=message,
        failure_type=result.category or result.status,
        details="\n".join(details),
    )


def build_cases(report: BuildReport) -> list[Case]:
    return [build_case(result) for result in report.results]


def verify_cases(report: VerifyReport) -> list[Case]:
    cases = []
    for target in report.targets:
        for pin in target.pins:
            if pin.status == GAP:
                message = _label(pin.rule, pin.category, pin.summary) or (pin.reason or "gap")
                details = [
                    *_first_error(pin.first_error),
                    *([f"reason: {pin.reason}"] if pin.reason else []),
                    *([f"fix: {pin.fix}"] if pin.fix else []),
                    *([f"log: {pin.log}"] if pin.log else []),
                ]
                cases.append(
                    Case(
                        pin.target,
                        pin.spec,
                        failure=message,
                        failure_type=pin.category or pin.kind,
                        details="\n".join(details),
                    )
                )
            elif pin.status == NOT_APPLICABLE:
                cases.append(Case(pin.target, pin.spec, skipped=pin.reason or pin.status))
            else:
                cases.append(Case(pin.target, pin.spec))
    return cases


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", text)


def _counts(element: ET.Element, cases: Sequence[Case]) -> None:
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(1 for case in cases if case.failure is not None)))
    element.set("errors", "0")
    element.set("skipped", str(sum(1 for case in cases if case.skipped is not None)))
    element.set("time", f"{sum(case.time for case in cases):.3f}")


def junit_xml(suite: str, cases: Sequence[Case]) -> bytes:
    """The JUnit document: ``<testsuites>`` with one ``<testsuite>`` per classname."""
    root = ET.Element("testsuites", {"name": suite})
    _counts(root, cases)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime())
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.classname, []).append(case)
    for classname, members in groups.items():
        element = ET.SubElement(root, "testsuite", {"name": f"{suite} [{classname}]"})
        _counts(element, members)
        element.set("timestamp", stamp)
        element.set("hostname", socket.gethostname())
        for case in members:
            attributes = {"classname": classname, "name": case.name, "time": f"{case.time:.3f}"}
            testcase = ET.SubElement(element, "testcase", attributes)
            if case.failure is not None:
                failure = ET.SubElement(
                    testcase,
                    "failure",
                    {"message": _clean(case.failure), "type": _clean(case.failure_type or "")},
                )
                failure.text = _clean(case.details)
            elif case.skipped is not None:
                ET.SubElement(testcase, "skipped", {"message": _clean(case.skipped)})
    ET.indent(root)
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def write_junit(path: Path, suite: str, cases: Sequence[Case]) -> Path:
    """Write the document atomically; returns the path."""
    path = path.absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, junit_xml(suite, cases))
    return path
