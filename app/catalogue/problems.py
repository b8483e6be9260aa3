"""A problem found in the drug data: where it is and what is wrong."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    drug: str | None
    item: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.drug:
            where.append(f"drug {self.drug}")
        if self.item:
            where.append(f"item {self.item}")
        return f"{': '.join(where)}: {self.message}"


class DataProblems(Exception):
    """Raised when drug data does not validate. Carries every problem found, not the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(
            problems, key=lambda p: (p.file, p.drug or "", p.item or "", p.message)
        )
        super().__init__(f"{len(self.problems)} problem(s) in the drug data")
