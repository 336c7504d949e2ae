"""Check a corrected copy written by ``workbench relabel`` against the flipped copy it came from
and the original data (benchmarks/flip_labels.py made the flipped copy): rows kept, flipped labels
restored, nothing else changed, audit lines equal to the changes.

    python benchmarks/check_relabel.py ORIGINAL FLIPPED CORRECTED
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def check(original: Path, flipped: Path, corrected: Path, split: str = "train") -> dict:
    """``original`` is the data before the flips; a flipped row counts as restored when its
    corrected line is the original's again (with ``--limit``, the rows of the flipped copy are a
    subset: then a flipped row whose two-class label changed back)."""
    lines = {name: (folder / f"{split}.jsonl").read_bytes().split(b"\n") for name, folder in (("original", original), ("flipped", flipped), ("corrected", corrected))}
    subset = len(lines["original"]) != len(lines["flipped"])
    assert len(lines["flipped"]) == len(lines["corrected"]), "row count changed"
    flips = set(json.loads(Path(f"{flipped}.flipped.json").read_text()))
    changed = {i for i, (a, b) in enumerate(zip(lines["flipped"], lines["corrected"])) if a != b}
    audit = [json.loads(line) for line in (corrected / "relabel-audit.jsonl").read_text().splitlines() if line.strip()]
    audited = {a["row"] for a in audit if a["split"] == split}
    restored = {i for i in changed & flips} if subset else {i for i in changed if lines["corrected"][i] == lines["original"][i]}
    others = sorted(p.name for p in flipped.iterdir() if p.is_file() and p.name != f"{split}.jsonl")
    copies_same = all((flipped / n).read_bytes() == (corrected / n).read_bytes() for n in others)
    for i in changed:  # a changed line differs in its label only
        a, b = json.loads(lines["flipped"][i]), json.loads(lines["corrected"][i])
        assert list(a) == list(b) and a["text"] == b["text"] and a["label"] != b["label"], f"row {i} changed more than its label"
    return {
        "rows": len([x for x in lines["corrected"] if x.strip()]), "flipped": len(flips), "changed": len(changed),
        "restored": len(restored), "restored_share": len(restored) / len(flips), "audit_lines": len(audit),
        "audit_equals_changes": audited == changed and len(audit) == len(changed), "other_files_identical": copies_same,
        "changed_only_flipped_or_suggested": len(changed - flips),
    }  # fmt: skip


if __name__ == "__main__":
    print(json.dumps(check(*(Path(a) for a in sys.argv[1:4])), indent=2))
