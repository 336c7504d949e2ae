"""The export key of the report and compare screens: the run shown (or the two compared) written
as one self-contained HTML page (the engine's ``export``, workbench/export/) into the current
folder, in a worker; a toast says where it went, or why it could not be written."""

from __future__ import annotations

from .base import WorkbenchScreen
from .crash import reporting_failures
from .messages import Exported, ExportFailed

EXPORT_FORMAT = "html"


class ExportingScreen(WorkbenchScreen[None]):
    """A screen with the export action: its ``export_refs`` names the run (and the run it is
    compared with); its BINDINGS give the key (``w``) where it fits in its footer."""

    def export_refs(self) -> tuple[str, str | None] | None:
        """(run, compared run or None) to export; None while there is nothing to export."""
        raise NotImplementedError

    def action_export(self) -> None:
        refs = self.export_refs()
        if refs is None:
            self.notify("nothing to export yet: the report is not shown", severity="warning")
            return
        run_id, compare = refs
        self.run_worker(lambda: self.write_export(run_id, compare), thread=True, exclusive=True, group="export", exit_on_error=False)

    def write_export(self, run_id: str, compare: str | None) -> None:
        from workbench.export import write_export

        with reporting_failures(self, ExportFailed):  # a folder that cannot be written: told in a toast
            self.post_message(Exported(write_export(self.app.engine.export(run_id, EXPORT_FORMAT, compare=compare))))

    def on_exported(self, message: Exported) -> None:
        self.notify(f"wrote {message.path}", title="HTML export", timeout=10, markup=False)

    def on_export_failed(self, message: ExportFailed) -> None:
        self.notify(f"cannot export: {message.error}", severity="error", timeout=10, markup=False)
