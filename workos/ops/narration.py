"""What a deploy prints while it runs: one line per phase with its duration, details indented under it.

With ``--json`` the machine report owns stdout, so the narration goes to stderr and the operator still sees
progress in the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PhaseResult:
    number: int
    name: str
    status: str  # ok, failed, refused, skipped, unhealthy, interrupted
    seconds: float
    details: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"number": self.number, "name": self.name, "status": self.status, "seconds": round(self.seconds, 3), "details": self.details}


STATUS_STYLE = {"ok": "green", "skipped": "yellow", "unhealthy": "red", "failed": "red", "refused": "red", "interrupted": "red"}


class Narrator:
    def __init__(self, to_stderr: bool):
        from rich.console import Console

        import sys

        stream = sys.stderr if to_stderr else sys.stdout
        # Piped into a log file, rich would assume 80 columns and fold every table cell.
        width = None if stream.isatty() else 160
        self.console = Console(stderr=to_stderr, highlight=False, soft_wrap=True, width=width)
        self.errors = Console(stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 160)

    def heading(self, text: str) -> None:
        self.console.print(f"[bold]{text}[/bold]")

    def line(self, text: str = "") -> None:
        self.console.print(text, markup=False)

    def note(self, text: str) -> None:
        self.console.print(f"      {text}", markup=False)

    def warn(self, text: str) -> None:
        self.console.print(f"[yellow]warning:[/yellow] {text}")

    def error(self, text: str) -> None:
        """Errors go to stderr whatever the mode, where scripts and cron mails look for them."""
        self.errors.print(f"[red]error:[/red] {text}")

    def phase_started(self, number: int, total: int, name: str) -> None:
        self.console.print(f"[bold][{number}/{total}][/bold] {name} ...")

    def phase_finished(self, result: PhaseResult, total: int) -> None:
        style = STATUS_STYLE.get(result.status, "white")
        self.console.print(f"[bold][{result.number}/{total}][/bold] {result.name}: [{style}]{result.status}[/{style}] ({result.seconds:.2f}s)")
        for detail in result.details:
            self.note(detail)
